import Logging
import NovyseRedis
import PostgresNIO

/// What every HTTP service's router is built on, whoever builds it: the `@main` takes these from its
/// `ServiceRuntime`, an in-process route test makes them for its own database and Redis. Each service adds
/// its own settings beside them (`CommandDependencies`, `QueryDependencies`).
public struct RouterDependencies: Sendable {
    public let postgres: PostgresClient
    public let redis: RedisClient
    public let tokens: TokenAuthority
    public let readiness: ReadinessProbe
    /// The routes' methods, for the error middleware's 405 answers (`ServiceRouter`).
    public let routes: RouteTable
    public let logger: Logger

    /// For a router built outside a runtime: readiness as `service`'s binary reports it, a table of its own.
    /// `readinessTimeout` is each dependency probe's deadline (the binary's is `NOVYSE_READINESS_TIMEOUT_MS`); a test
    /// on a loaded machine gives a generous one, so a slow first connection is not reported as an outage.
    public init(
        postgres: PostgresClient, redis: RedisClient, tokens: TokenAuthority, service: ServiceKind,
        readinessTimeout: Duration = .seconds(2), logger: Logger
    ) {
        self.postgres = postgres
        self.redis = redis
        self.tokens = tokens
        readiness = ReadinessProbe(postgres: postgres, redis: redis, service: service, timeout: readinessTimeout, logger: logger)
        routes = RouteTable()
        self.logger = logger
    }

    /// The process's own.
    public init(runtime: ServiceRuntime) {
        postgres = runtime.postgres
        redis = runtime.redis
        tokens = runtime.tokens
        readiness = runtime.readiness
        routes = runtime.routes
        logger = runtime.logger
    }
}
