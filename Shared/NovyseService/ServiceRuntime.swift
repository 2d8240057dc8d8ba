import Hummingbird
import HummingbirdCore
import Logging
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle

/// What every Novyse process shares: its configuration, logger, pooled Postgres and Redis clients, token
/// authority and readiness probe, and the HTTP application that serves health and metrics around the
/// service's own routes.
///
/// Each service's `@main` builds one of these, adds its routes and long-running `Service`s, and runs the
/// result; graceful shutdown (SIGTERM/SIGINT) stops the HTTP server first, then the service's own
/// loops, then the Redis and Postgres clients.
public struct ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let postgres: PostgresClient
    public let redis: RedisClient
    public let tokens: TokenAuthority
    public let readiness: ReadinessProbe
    /// Opens when start-up migration is done; background loops wait on it so they never run against a
    /// schema that is still being created.
    public let schema = SchemaGate()
    /// Every route's methods, for the 405 answers of the error middleware.
    public let routes = RouteTable()

    public init(configuration: ServiceConfiguration) async throws {
        Observability.bootstrap(logFormat: configuration.logFormat)
        NovyseRequestContext.install(maxBodySize: configuration.maxBodyBytes)
        self.configuration = configuration
        let logger = Observability.logger("novyse.\(configuration.service.rawValue)", level: configuration.logLevel)
        self.logger = logger
        let database = try DatabaseConfiguration(
            url: configuration.databaseURL, maximumConnections: configuration.databasePoolSize
        )
        postgres = PostgresClient(configuration: database.client, backgroundLogger: logger)
        let redisConfiguration = try RedisConfiguration(url: configuration.redisURL, poolSize: configuration.redisPoolSize)
        redis = RedisClient(configuration: redisConfiguration, logger: logger)
        tokens = try await TokenAuthority(configuration: configuration.jwt)
        readiness = ReadinessProbe(
            postgres: postgres, redis: redis, redisRequired: ReadinessProbe.requiresRedis(configuration.service),
            timeout: configuration.readinessTimeout, logger: logger
        )
        if configuration.adminTokenIgnored {
            logger.notice("NOVYSE_ADMIN_TOKEN is ignored: the admin endpoints stay off in production unless NOVYSE_ADMIN_ENABLED=true")
        }
        if configuration.jwt.usesDevelopmentSecret {
            logger.warning("NOVYSE_ENV=development: tokens are signed with the built-in development secret")
        }
    }

    /// A router with the shared middleware (error envelope, metrics, request logs) and the health and metrics
    /// endpoints already in place.
    public func makeRouter() -> Router<NovyseRequestContext> {
        ServiceRouter.make(readiness: readiness, routes: routes)
    }

    /// The application to run: the HTTP server plus the Postgres and Redis clients and `services`, with
    /// pending migrations applied before the server accepts requests (unless `NOVYSE_MIGRATE_ON_START=false`).
    /// `server` picks the HTTP channel setup; the fan-out service passes one with a WebSocket upgrade.
    public func makeApplication(
        router: Router<NovyseRequestContext>,
        server: HTTPServerBuilder = .http1(),
        services: [any Service] = []
    ) -> some ApplicationProtocol {
        routes.record(router)
        var application = Application(
            router: router,
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.service.executableName
            ),
            services: [postgres, redis] + services,
            logger: logger
        )
        if configuration.migrateOnStart {
            application.beforeServerStarts { [self] in
                try await migrateWhenReachable()
                await schema.open()
            }
        } else {
            Task { [schema] in await schema.open() }
        }
        return application
    }

    /// Applies migrations, retrying while Postgres is unreachable (a stack started all at once brings the
    /// database up last more often than not), up to `NOVYSE_STARTUP_TIMEOUT_MS`.
    func migrateWhenReachable() async throws {
        let deadline = ContinuousClock.now + configuration.startupTimeout
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        while true {
            do {
                let report = try await Migrator().migrate(client: postgres, logger: logger)
                logger.info("schema up to date", metadata: ["applied": "\(report.applied)"])
                return
            } catch let error as StorageError {
                throw error
            } catch {
                let delay = backoff.next()
                guard ContinuousClock.now + delay < deadline else { throw error }
                logger.warning("waiting for Postgres to migrate", metadata: ["error": "\(String(reflecting: error))"])
                try await Task.sleep(for: delay)
            }
        }
    }
}
