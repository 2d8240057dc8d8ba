import Foundation

/// Every Redis key the services read or write, derived from the one configured prefix
/// (`NOVYSE_REDIS_PREFIX`, `ServiceConfiguration.redisPrefix`), so a key is named in exactly one place and
/// two deployments can share a Redis by choosing different prefixes.
///
/// It lives in NovyseRedis, not NovyseCore: every producer and consumer of these keys already talks to Redis
/// through this module, while Core's users (the client library among them) never see Redis. The pipeline's
/// partitioning needs Core's `StreamID`, which is why this module depends on Core (see `PipelineLayout`).
///
/// | key | type | written by | read by |
/// |---|---|---|---|
/// | `<prefix>:pipeline:<partition>` | stream | outbox relay | projector (group), fan-out (`XREAD`) |
/// | `<prefix>:wakeups` | stream | fan-out (wake-up queue) | wake-up senders (group) |
/// | `<prefix>:wakeups:trailing` | sorted set | wake-up queue | wake-up senders |
/// | `<prefix>:wakeup:<user>:<device>` | string, expires | wake-up scripts | wake-up scripts |
/// | `<prefix>:presence:<user>:<device>` | string, expires | fan-out (presence) | fan-out routing |
/// | `<prefix>:fanout:wakeup-claim:<item>` | string, expires | fan-out routing | fan-out routing |
/// | `<prefix>:ratelimit:user:<uuid>`, `…:ip:<address>` | hash, expires | rate limiter | rate limiter |
///
/// Consumer group names are not keys (a group lives inside its stream) and are configured on their own;
/// their defaults are here so that the services and `novysectl` agree on them.
public struct RedisKeyspace: Sendable, Equatable {
    /// The default of `NOVYSE_REDIS_PREFIX`.
    public static let defaultPrefix = "novyse"
    /// The default of `NOVYSE_PROJECTOR_GROUP`: the group the projector replicas share on every partition.
    public static let defaultProjectorGroup = "projector"
    /// The default of `NOVYSE_WAKEUP_GROUP`: the group the wake-up senders share on the wake-up stream.
    public static let defaultWakeupGroup = "wakeup"

    public let prefix: String

    public init(prefix: String = RedisKeyspace.defaultPrefix) {
        self.prefix = prefix
    }

    // MARK: Pipeline

    /// One stream per partition; which stream goes to which partition is `PipelineLayout`'s business.
    public func pipeline(partition: Int) -> String { "\(prefix):pipeline:\(partition)" }

    // MARK: Wake-ups

    /// The stream of wake-ups to send, shared by the senders of every fan-out process.
    public var wakeups: String { "\(prefix):wakeups" }
    /// Devices whose window is open and that had events during it, scored with the window's end.
    public var wakeupsTrailing: String { "\(prefix):wakeups:trailing" }
    /// One device's coalescing window; `member` is `WakeupDevice.member` (`<user>:<device>`), the same text
    /// the trailing set holds.
    public func wakeupWindow(member: String) -> String { "\(prefix):wakeup:\(member)" }

    // MARK: Fan-out

    /// Which fan-out process holds a live socket of the device.
    public func presence(user: UUID, device: String) -> String {
        "\(prefix):presence:\(user.uuidString.lowercased()):\(device)"
    }

    /// Claimed by the one fan-out process that queues an item's wake-ups; `item` is `<stream>/<id>`.
    public func wakeupClaim(item: String) -> String { "\(prefix):fanout:wakeup-claim:\(item)" }

    // MARK: Rate limits

    /// Whose token bucket a request draws on.
    public enum RateLimitSubject: Sendable, Equatable {
        case user(UUID)
        /// A client address, for requests that are not (yet) authenticated.
        case address(String)
    }

    public func rateLimit(_ subject: RateLimitSubject) -> String {
        switch subject {
        case .user(let user): return "\(prefix):ratelimit:user:\(user.uuidString.lowercased())"
        case .address(let address): return "\(prefix):ratelimit:ip:\(address)"
        }
    }
}
