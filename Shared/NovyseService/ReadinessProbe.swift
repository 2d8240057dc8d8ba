import Logging
import Metrics
import NovyseRedis
import PostgresNIO

/// Answers "can this process do its job right now?": each dependency probed within a deadline, and ready
/// when every dependency the service *needs* answers.
///
/// Readiness (not liveness) follows dependencies, so an orchestrator stops routing to a replica that cannot
/// serve instead of restarting it; when the dependency returns, the next probe passes. Only what a service
/// needs counts: the command service keeps accepting writes while Redis is down (the outbox holds them until
/// it returns) and the query service reads Postgres only, so taking them out of rotation for a Redis outage
/// would turn a degraded pipeline into a full outage. The fan-out and the projector cannot work without
/// Redis, so for them it counts.
public struct ReadinessProbe: Sendable {
    public struct Report: Sendable, Codable, Equatable {
        public var postgres: Bool
        public var redis: Bool
        public var redisRequired: Bool
        public var ready: Bool { postgres && (redis || !redisRequired) }
        /// Ready, but a dependency that is not required is down: served, and reported.
        public var degraded: Bool { ready && !redis }
        /// `ready`, `degraded` or `unavailable`, the `status` of `/health/ready`.
        public var status: String { ready ? (degraded ? "degraded" : "ready") : "unavailable" }
    }

    private let postgres: PostgresClient
    private let redis: RedisClient
    private let redisRequired: Bool
    private let timeout: Duration
    private let logger: Logger
    private let postgresUp = Gauge(label: "novyse_dependency_up", dimensions: [("dependency", "postgres")])
    private let redisUp = Gauge(label: "novyse_dependency_up", dimensions: [("dependency", "redis")])
    private let readyGauge = Gauge(label: "novyse_ready")

    /// The probe of `service` (Redis counts as `requiresRedis` says), for a router built outside a
    /// `ServiceRuntime` (a test's) to report readiness as the binary does.
    public init(postgres: PostgresClient, redis: RedisClient, service: ServiceKind, timeout: Duration = .seconds(2), logger: Logger) {
        self.init(postgres: postgres, redis: redis, redisRequired: Self.requiresRedis(service), timeout: timeout, logger: logger)
    }

    public init(postgres: PostgresClient, redis: RedisClient, redisRequired: Bool, timeout: Duration, logger: Logger) {
        self.postgres = postgres
        self.redis = redis
        self.redisRequired = redisRequired
        self.timeout = timeout
        self.logger = logger
    }

    /// Whether `service` needs Redis to serve: the ones whose every request or loop goes through it.
    public static func requiresRedis(_ service: ServiceKind) -> Bool {
        switch service {
        case .command, .query: false
        case .fanout, .projector: true
        }
    }

    public func check() async -> Report {
        async let postgresOK = probe("postgres") { [postgres] in
            try await postgres.query("SELECT 1")
        }
        async let redisOK = probe("redis") { [redis] in
            try await redis.ping()
        }
        let report = Report(postgres: await postgresOK, redis: await redisOK, redisRequired: redisRequired)
        postgresUp.record(report.postgres ? 1 : 0)
        redisUp.record(report.redis ? 1 : 0)
        readyGauge.record(report.ready ? 1 : 0)
        return report
    }

    private func probe(_ name: String, _ operation: @escaping @Sendable () async throws -> Void) async -> Bool {
        do {
            try await withDeadline(timeout, operation: "\(name) readiness probe", operation)
            return true
        } catch {
            logger.debug("readiness probe failed", metadata: ["dependency": "\(name)", "error": "\(error)"])
            return false
        }
    }
}
