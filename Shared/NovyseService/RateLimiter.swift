import Logging
import Metrics
import NovyseRedis

/// Token buckets kept in Redis, so every replica draws on the same bucket for a key (a user, an address),
/// at one round trip per request: one `EVAL` refills the bucket from the time elapsed (Redis's own clock,
/// whatever the skew between hosts) and takes a token, atomically.
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
    let prefix: String
    let timeout: Duration
    let logger: Logger
    private let decisions: [String: Counter]

    public init(redis: RedisClient, prefix: String, timeout: Duration = .milliseconds(250), logger: Logger) {
        self.redis = redis
        self.prefix = prefix
        self.timeout = timeout
        self.logger = logger
        decisions = Dictionary(uniqueKeysWithValues: ["allowed", "limited", "failed_open"].map {
            ($0, Counter(label: "novyse_rate_limit_decisions_total", dimensions: [("decision", $0)]))
        })
    }

    /// Takes one token from `bucket` under `key` (`user:<uuid>`, `ip:<address>`).
    public func take(_ key: String, _ bucket: Bucket) async -> Decision {
        let arguments = ["EVAL", Self.script, "1", "\(prefix):ratelimit:\(key)", String(bucket.perSecond / 1000), String(bucket.burst)]
        let decision: Decision
        do {
            let reply = try await withDeadline(timeout, operation: "rate limit") { [redis] in try await redis.send(arguments) }
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

    /// KEYS[1]: the bucket (a hash of tokens `t` and last refill `at`, in ms). ARGV: tokens per ms, burst.
    /// Returns {1, 0} when a token was taken, {0, ms until the next token} otherwise. The key expires once
    /// the bucket would be full again (at most 30 days), so idle keys cost nothing.
    static let script = """
        local now_parts = redis.call('TIME')
        local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local state = redis.call('HMGET', KEYS[1], 't', 'at')
        local tokens = tonumber(state[1]) or burst
        local at = tonumber(state[2]) or now
        if now > at then tokens = math.min(burst, tokens + (now - at) * rate) end
        local allowed = 0
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
          allowed = 1
        else
          wait = math.ceil((1 - tokens) / rate)
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(math.max(now, at)))
        redis.call('PEXPIRE', KEYS[1], math.min(math.ceil((burst - tokens) / rate) + 1000, 2592000000))
        return {allowed, wait}
        """
}
