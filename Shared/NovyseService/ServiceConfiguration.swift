import Logging
import NovyseRedis

/// What every service reads from its environment. Each key is documented in docs/configuration.md; every one has a
/// default that works for the local stack, except the JWT keys outside development.
public struct ServiceConfiguration: Sendable {
    public enum LogFormat: String, Sendable { case json, text }

    public var service: ServiceKind
    /// `NOVYSE_HOST`: the address to bind; `0.0.0.0` in containers, `127.0.0.1` for tests.
    public var host: String
    /// `NOVYSE_<SERVICE>_PORT`: defaults 8081 command, 8082 query, 8083 fan-out, 8084 projector.
    public var port: Int
    /// `DATABASE_URL` and `DATABASE_POOL_SIZE`.
    public var databaseURL: String
    public var databasePoolSize: Int
    /// `REDIS_URL` and `REDIS_POOL_SIZE`.
    public var redisURL: String
    public var redisPoolSize: Int
    /// `NOVYSE_REDIS_PREFIX` and `NOVYSE_PARTITIONS`: publishing layout shared by producer and consumers;
    /// every process of one deployment must agree on both.
    public var redisPrefix: String
    public var partitions: Int
    /// `LOG_LEVEL` (trace…critical) and `LOG_FORMAT` (json or text).
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// `NOVYSE_MAX_BODY_BYTES`: the largest request body any endpoint accepts (larger ones get 413).
    public var maxBodyBytes: Int
    /// `NOVYSE_MIGRATE_ON_START`: apply pending migrations before serving.
    public var migrateOnStart: Bool
    /// `NOVYSE_READINESS_TIMEOUT_MS`: how long one dependency probe may take before it counts as down.
    public var readinessTimeout: Duration
    /// `NOVYSE_STARTUP_TIMEOUT_MS`: how long start-up waits for Postgres to accept the migration.
    public var startupTimeout: Duration
    /// `NOVYSE_ENV`: production (default) or development.
    public var mode: DeploymentMode
    /// `NOVYSE_ADMIN_TOKEN`: enables the admin endpoints; unset disables them. In production they also need
    /// `NOVYSE_ADMIN_ENABLED=true` and a token of at least 32 bytes (see `DeploymentMode.adminToken`).
    public var adminToken: String?
    /// A token was given in production without `NOVYSE_ADMIN_ENABLED=true`, so the endpoints stay off.
    public var adminTokenIgnored: Bool
    public var jwt: JWTConfiguration

    public init(service: ServiceKind, environment: EnvironmentReader = EnvironmentReader()) throws {
        self.service = service
        host = environment.string("NOVYSE_HOST", default: "0.0.0.0")
        port = try environment.int(service.portKey, default: service.defaultPort, range: 0...65535)
        databaseURL = environment.string(
            "DATABASE_URL", default: "postgres://novyse@127.0.0.1:5432/novyse?sslmode=disable"
        )
        databasePoolSize = try environment.int("DATABASE_POOL_SIZE", default: 20, range: 1...1000)
        redisURL = environment.string("REDIS_URL", default: "redis://127.0.0.1:6379")
        redisPoolSize = try environment.int("REDIS_POOL_SIZE", default: 8, range: 1...256)
        redisPrefix = environment.string("NOVYSE_REDIS_PREFIX", default: RedisKeyspace.defaultPrefix)
        partitions = try environment.int("NOVYSE_PARTITIONS", default: 16, range: 1...1024)
        let levelText = environment.string("LOG_LEVEL", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(key: "LOG_LEVEL", reason: "unknown level '\(levelText)'")
        }
        logLevel = level
        logFormat = try LogFormat(environment: environment)
        maxBodyBytes = try environment.int("NOVYSE_MAX_BODY_BYTES", default: 64 * 1024, range: 1024...16_777_216)
        migrateOnStart = try environment.bool("NOVYSE_MIGRATE_ON_START", default: true)
        readinessTimeout = try environment.milliseconds("NOVYSE_READINESS_TIMEOUT_MS", default: .milliseconds(1500))
        startupTimeout = try environment.milliseconds("NOVYSE_STARTUP_TIMEOUT_MS", default: .seconds(60))
        mode = try DeploymentMode(environment: environment)
        (adminToken, adminTokenIgnored) = try mode.adminToken(environment: environment)
        jwt = try JWTConfiguration(environment: environment)
    }
}

extension ServiceConfiguration.LogFormat {
    /// `LOG_FORMAT` (json or text, default json), parsed here only: the services get it from their
    /// `ServiceConfiguration`, novysectl asks for it by this initializer.
    public init(environment: EnvironmentReader) throws {
        let text = environment.string("LOG_FORMAT", default: "json").lowercased()
        guard let format = Self(rawValue: text) else {
            throw ConfigurationError(key: "LOG_FORMAT", reason: "expected json or text, got '\(text)'")
        }
        self = format
    }
}
