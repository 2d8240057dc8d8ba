import Logging
import NovyseRedis
import NovyseService

extension WriteRateLimits {
    /// From `NOVYSE_RATE_LIMIT_*`, or nil when `NOVYSE_RATE_LIMITS_ENABLED=false`.
    ///
    /// Defaults: 5 writes a second per user with bursts of 50 (a person typing and reacting fast stays far
    /// below; a script flooding a chat does not), and 1 unauthenticated request a second per address with
    /// bursts of 20.
    static func from(
        environment: EnvironmentReader, redis: RedisClient, keyspace: RedisKeyspace, logger: Logger
    ) throws -> WriteRateLimits? {
        guard try environment.bool("NOVYSE_RATE_LIMITS_ENABLED", default: true) else { return nil }
        return WriteRateLimits(
            limiter: RateLimiter(
                redis: redis, keyspace: keyspace,
                timeout: try environment.milliseconds("NOVYSE_RATE_LIMIT_TIMEOUT_MS", default: .milliseconds(250)), logger: logger
            ),
            perUser: RateLimiter.Bucket(
                perSecond: try rate(environment, "NOVYSE_RATE_LIMIT_WRITES_PER_SECOND", default: 5),
                burst: try environment.int("NOVYSE_RATE_LIMIT_WRITES_BURST", default: 50, range: 1...1_000_000)
            ),
            unauthenticated: RateLimiter.Bucket(
                perSecond: try rate(environment, "NOVYSE_RATE_LIMIT_UNAUTHENTICATED_PER_SECOND", default: 1),
                burst: try environment.int("NOVYSE_RATE_LIMIT_UNAUTHENTICATED_BURST", default: 20, range: 1...1_000_000)
            ),
            addresses: try ClientAddress(environment: environment)
        )
    }

    /// A positive rate, fractions allowed (0.2 is one every 5 seconds).
    private static func rate(_ environment: EnvironmentReader, _ key: String, default fallback: Double) throws -> Double {
        guard let text = environment.string(key) else { return fallback }
        guard let value = Double(text), value > 0, value <= 1_000_000 else {
            throw ConfigurationError(key: key, reason: "expected a positive number of requests per second, got '\(text)'")
        }
        return value
    }
}
