import Logging
import NovyseCore
import NovyseRedis
import NovyseService
import NovyseStorage

/// What the command routes run on: the shared router dependencies and the command service's settings,
/// gathered once so the `@main` and the in-process route tests build the same router (`CommandRouter.build`).
struct CommandDependencies: Sendable {
    let shared: RouterDependencies
    /// The `X-Admin-Token` value; nil turns the admin endpoints off (404).
    let adminToken: String?
    /// `NOVYSE_LIMIT_*`.
    let limits: CountLimits
    /// Per-user and per-address buckets; nil when `NOVYSE_RATE_LIMITS_ENABLED=false`.
    let rateLimits: WriteRateLimits?
    /// Called after a mutation committed (the outbox relay's kick).
    let onCommit: @Sendable () -> Void

    /// The settings are read from `environment` by the production readers (count limits, rate limits), so a
    /// test passes the variables it would give the binary.
    init(
        _ shared: RouterDependencies, keyspace: RedisKeyspace, adminToken: String?, environment: EnvironmentReader,
        onCommit: @escaping @Sendable () -> Void = {}
    ) throws {
        self.shared = shared
        self.adminToken = adminToken
        limits = try CountLimits(environment: environment)
        rateLimits = try WriteRateLimits.from(environment: environment, redis: shared.redis, keyspace: keyspace, logger: shared.logger)
        self.onCommit = onCommit
    }

    /// The process's own: the runtime's clients and configuration.
    init(runtime: ServiceRuntime, environment: EnvironmentReader, onCommit: @escaping @Sendable () -> Void) throws {
        try self.init(
            RouterDependencies(runtime: runtime), keyspace: runtime.configuration.keyspace,
            adminToken: runtime.configuration.adminToken, environment: environment, onCommit: onCommit
        )
    }

    var store: CommandStore { CommandStore(client: shared.postgres, logger: shared.logger, limits: limits) }
}
