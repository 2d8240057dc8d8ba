import Logging
import Metrics
import NovyseRedis

/// Token buckets kept in Redis, so every replica draws on the same bucket for a key (a user, an address),
/// at one round trip per request: one script (`RedisScripts.rateLimitTake`, by `EVALSHA`) refills the bucket
/// from the time elapsed (Redis's own clock, whatever the skew between hosts) and takes a token, atomically.
///
/// It fails open: when Redis does not answer within `timeout`, the request goes through and
/// `novyse_rate_limit_decisions_total{decision="failed_open"}` counts it. Postgres is the truth and writes must keep working
/// through a Redis outage (the outbox holds them); a limiter that turned an outage into refusals would make
/// Redis a single point of failure for writes.
public struct RateLimiter: Sendable {
    /// A steady rate with a burst allowance: `burst` requests at once, then `perSecond` on average.
    public struct Bucket: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Int

        public init(perSecond: Double, burst: Int) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused: a token is available again after `retryAfter`.
        case limited(retryAfter: Duration)
        /// Redis did not answer; allowed.
        case failedOpen
    }

    let redis: RedisClient
    let keyspace: RedisKeyspace
    let timeout: Duration
    let logger: Logger
    private let decisions: [String: Counter]

    public init(redis: RedisClient, keyspace: RedisKeyspace, timeout: Duration = .milliseconds(250), logger: Logger) {
        self.redis = redis
        self.keyspace = keyspace
        self.timeout = timeout
        self.logger = logger
        decisions = Dictionary(
            uniqueKeysWithValues: ["allowed", "limited", "failed_open"].map {
                ($0, Counter(label: "novyse_rate_limit_decisions_total", dimensions: [("decision", $0)]))
            })
    }

    /// Takes one token from `bucket` in the subject's bucket (`RedisKeyspace.rateLimit(_:)`).
    public func take(_ subject: RedisKeyspace.RateLimitSubject, _ bucket: Bucket) async -> Decision {
        let key = keyspace.rateLimit(subject)
        let arguments = [String(bucket.perSecond / 1000), String(bucket.burst)]
        let decision: Decision
        do {
            let reply = try await withDeadline(timeout, operation: "rate limit") { [redis] in
                try await redis.run(RedisScripts.rateLimitTake, keys: [key], arguments: arguments)
            }
            guard case .array(let parts) = reply, parts.count == 2, case .integer(let allowed) = parts[0],
                case .integer(let waitMilliseconds) = parts[1]
            else { throw RedisError.unexpectedReply("rate limit: \(reply)") }
            decision = allowed == 1 ? .allowed : .limited(retryAfter: .milliseconds(max(1, waitMilliseconds)))
        } catch {
            logger.debug("rate limit check failed; allowing", metadata: ["key": "\(key)", "error": "\(error)"])
            decision = .failedOpen
        }
        switch decision {
        case .allowed: decisions["allowed"]?.increment()
        case .limited: decisions["limited"]?.increment()
        case .failedOpen: decisions["failed_open"]?.increment()
        }
        return decision
    }
}
