import Logging
import Metrics
import NovyseRedis
import PostgresNIO

/// Answers "can this process do its job right now?": Postgres and Redis both reachable within a deadline.
///
/// Readiness (not liveness) follows dependencies, so an orchestrator stops routing to a replica whose
/// database is gone instead of restarting it; when the dependency returns, the next probe passes.
public struct ReadinessProbe: Sendable {
    public struct Report: Sendable, Codable, Equatable {
        public var postgres: Bool
        public var redis: Bool
        public var ready: Bool { postgres && redis }
    }

    private let postgres: PostgresClient
    private let redis: RedisClient
    private let timeout: Duration
    private let logger: Logger
    private let postgresUp = Gauge(label: "novyse_dependency_up", dimensions: [("dependency", "postgres")])
    private let redisUp = Gauge(label: "novyse_dependency_up", dimensions: [("dependency", "redis")])

    public init(postgres: PostgresClient, redis: RedisClient, timeout: Duration, logger: Logger) {
        self.postgres = postgres
        self.redis = redis
        self.timeout = timeout
        self.logger = logger
    }

    public func check() async -> Report {
        async let postgresOK = probe("postgres") { [postgres] in
            try await postgres.query("SELECT 1")
        }
        async let redisOK = probe("redis") { [redis] in
            try await redis.ping()
        }
        let report = Report(postgres: await postgresOK, redis: await redisOK)
        postgresUp.record(report.postgres ? 1 : 0)
        redisUp.record(report.redis ? 1 : 0)
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
