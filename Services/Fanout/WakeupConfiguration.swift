import Foundation
import NovyseFCM
import NovyseRedis
import NovyseService

/// Everything the wake-up queue and sender read from the environment. Without
/// `NOVYSE_FCM_SERVICE_ACCOUNT_FILE` wake-ups are disabled (`fcm == nil`): the queue drops them and the
/// sender only logs that once, so a development stack runs without Google credentials.
struct WakeupConfiguration: Sendable {
    /// The FCM client's settings (service account, endpoints, retries); nil disables wake-ups.
    var fcm: FCMConfiguration?
    /// `NOVYSE_REDIS_PREFIX`: keys are `<prefix>:wakeups` (the stream), `<prefix>:wakeups:trailing` (bursts
    /// waiting for the end of their window) and `<prefix>:wakeup:<user>:<device>` (one window per device),
    /// as `RedisKeyspace` names them.
    var keyspace: RedisKeyspace
    var prefix: String { keyspace.prefix }
    /// `NOVYSE_WAKEUP_WINDOW_MS`: at most one wake-up per device per window.
    var window: Duration
    /// `NOVYSE_WAKEUP_GROUP`: the consumer group every fan-out process joins, so each wake-up is sent once.
    var group: String
    /// `NOVYSE_WAKEUP_CONSUMER`: this process's consumer name; unique per process by default.
    var consumer: String
    /// `NOVYSE_WAKEUP_BATCH`: entries per read and per claim.
    var batchSize: Int
    /// `NOVYSE_WAKEUP_CONCURRENCY`: FCM requests in flight per process.
    var concurrency: Int
    /// `NOVYSE_WAKEUP_BLOCK_MS`: how long one read waits for entries (also bounds graceful shutdown).
    var block: Duration
    /// `NOVYSE_WAKEUP_CLAIM_INTERVAL_MS` / `NOVYSE_WAKEUP_CLAIM_IDLE_MS`: how often, and after how long
    /// pending, wake-ups of a consumer that died are taken over.
    var claimInterval: Duration
    var claimIdle: Duration
    /// `NOVYSE_WAKEUP_STREAM_MAXLEN`: approximate cap of the stream (`MAXLEN ~`).
    var streamMaxLength: Int
    /// `NOVYSE_WAKEUP_MAX_AGE_MS`: a wake-up older than this when read is dropped unsent (the app has
    /// long since been opened or will sync on the next one).
    var maxAge: Duration

    var enabled: Bool { fcm != nil }
    var streamKey: String { keyspace.wakeups }
    var trailingKey: String { keyspace.wakeupsTrailing }
    /// The window key of a device, by its `WakeupDevice.member` (what the trailing set holds).
    func coalescingKey(member: String) -> String { keyspace.wakeupWindow(member: member) }
    func coalescingKey(_ device: WakeupDevice) -> String { coalescingKey(member: device.member) }
    /// How often bursts whose window ended are released: a tenth of the window, between 50 ms and 1 s.
    var trailingInterval: Duration { min(.seconds(1), max(.milliseconds(50), window / 10)) }

    init(
        fcm: FCMConfiguration?,
        prefix: String = RedisKeyspace.defaultPrefix,
        window: Duration = .seconds(10),
        group: String = RedisKeyspace.defaultWakeupGroup,
        consumer: String = WakeupConfiguration.defaultConsumerName(),
        batchSize: Int = 100,
        concurrency: Int = 16,
        block: Duration = .seconds(1),
        claimInterval: Duration = .seconds(5),
        claimIdle: Duration = .seconds(60),
        streamMaxLength: Int = 100_000,
        maxAge: Duration = .seconds(600)
    ) {
        self.fcm = fcm
        keyspace = RedisKeyspace(prefix: prefix)
        self.window = window
        self.group = group
        self.consumer = consumer
        self.batchSize = batchSize
        self.concurrency = concurrency
        self.block = block
        self.claimInterval = claimInterval
        self.claimIdle = claimIdle
        self.streamMaxLength = streamMaxLength
        self.maxAge = maxAge
    }

    /// Reads the `NOVYSE_FCM_*` and `NOVYSE_WAKEUP_*` keys; a bad value or an unreadable key file throws
    /// a `ConfigurationError` naming the key, so the service stops at start-up rather than at first send.
    /// The key prefix is the shared `ServiceConfiguration.redisPrefix`, not read here a second time.
    init(environment: EnvironmentReader = EnvironmentReader(), prefix: String) throws {
        var fcm: FCMConfiguration?
        if let path = environment.string("NOVYSE_FCM_SERVICE_ACCOUNT_FILE") {
            let account: FCMServiceAccount
            do {
                account = try FCMServiceAccount(contentsOfFile: path)
            } catch {
                throw ConfigurationError(key: "NOVYSE_FCM_SERVICE_ACCOUNT_FILE", reason: "\(error)")
            }
            for key in ["NOVYSE_FCM_BASE_URL", "NOVYSE_FCM_TOKEN_URI"] {
                if let url = environment.string(key), !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                    throw ConfigurationError(key: key, reason: "expected an http(s) URL, got '\(url)'")
                }
            }
            fcm = FCMConfiguration(
                serviceAccount: account,
                baseURL: environment.string("NOVYSE_FCM_BASE_URL", default: FCMConfiguration.defaultBaseURL),
                tokenURI: environment.string("NOVYSE_FCM_TOKEN_URI"),
                maxAttempts: try environment.int("NOVYSE_WAKEUP_MAX_ATTEMPTS", default: 5, range: 1...20),
                initialBackoff: .milliseconds(try environment.int("NOVYSE_WAKEUP_BACKOFF_MS", default: 500, range: 1...60_000)),
                maxRetryAfter: .milliseconds(
                    try environment.int("NOVYSE_WAKEUP_MAX_RETRY_AFTER_MS", default: 120_000, range: 0...3_600_000)
                ),
                requestTimeout: .milliseconds(try environment.int("NOVYSE_FCM_TIMEOUT_MS", default: 10_000, range: 100...120_000))
            )
        }
        self.init(
            fcm: fcm,
            prefix: prefix,
            window: .milliseconds(try environment.int("NOVYSE_WAKEUP_WINDOW_MS", default: 10_000, range: 1...86_400_000)),
            group: environment.string("NOVYSE_WAKEUP_GROUP", default: RedisKeyspace.defaultWakeupGroup),
            consumer: environment.string("NOVYSE_WAKEUP_CONSUMER") ?? Self.defaultConsumerName(),
            batchSize: try environment.int("NOVYSE_WAKEUP_BATCH", default: 100, range: 1...10_000),
            concurrency: try environment.int("NOVYSE_WAKEUP_CONCURRENCY", default: 16, range: 1...1000),
            block: .milliseconds(try environment.int("NOVYSE_WAKEUP_BLOCK_MS", default: 1000, range: 1...60_000)),
            claimInterval: .milliseconds(
                try environment.int("NOVYSE_WAKEUP_CLAIM_INTERVAL_MS", default: 5000, range: 10...3_600_000)
            ),
            claimIdle: .milliseconds(try environment.int("NOVYSE_WAKEUP_CLAIM_IDLE_MS", default: 60_000, range: 1...86_400_000)),
            streamMaxLength: try environment.int("NOVYSE_WAKEUP_STREAM_MAXLEN", default: 100_000, range: 100...100_000_000),
            maxAge: .milliseconds(try environment.int("NOVYSE_WAKEUP_MAX_AGE_MS", default: 600_000, range: 1000...86_400_000))
        )
    }

    /// `<host>-<pid>-<4 random hex digits>`, as for the projector: a restarted process never inherits a dead
    /// one's pending wake-ups by name; they are claimed instead.
    static func defaultConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "fanout"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}
