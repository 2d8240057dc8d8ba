import Logging
import NovyseRedis

/// Where the fan-out routing hands over devices to wake: coalesced per device and window, then appended
/// to the wake-up stream (`<prefix>:wakeups`) that the senders of every fan-out process share.
///
/// One `enqueue` is one Redis round trip per 500 devices (`RedisScripts.wakeupEnqueue`), atomic per call:
/// a device's window is never opened without its wake-up being queued.
/// With wake-ups disabled (no service account configured) it does nothing: nobody would read the stream.
struct WakeupQueue: Sendable {
    /// Devices per script call: long enough to amortize the round trip, short enough that Redis, which
    /// runs nothing else during a script, is not held for long.
    static let chunkSize = 500

    let redis: RedisClient
    let configuration: WakeupConfiguration
    private let metrics = WakeupMetrics()

    init(redis: RedisClient, configuration: WakeupConfiguration) {
        self.redis = redis
        self.configuration = configuration
    }

    /// Queues a wake-up for each device that has none in its current window; the others are marked for
    /// the window's trailing wake-up. Duplicates in `devices` count once. Throws `RedisError` (the caller
    /// logs it: a lost wake-up only delays a background sync until the app is opened or the next event).
    /// Returns how many devices got a wake-up queued now; the rest were coalesced into their window.
    @discardableResult
    func enqueue(_ devices: [WakeupDevice]) async throws -> Int {
        guard configuration.enabled else { return 0 }
        var total = 0
        var seen = Set<WakeupDevice>()
        let unique = devices.filter { seen.insert($0).inserted }
        for start in stride(from: 0, to: unique.count, by: Self.chunkSize) {
            let chunk = unique[start..<min(start + Self.chunkSize, unique.count)]
            let keys = [configuration.streamKey, configuration.trailingKey] + chunk.map(configuration.coalescingKey)
            let arguments =
                [String(Self.milliseconds(configuration.window)), String(configuration.streamMaxLength)]
                + chunk.map(\.member)
            let reply = try await redis.run(RedisScripts.wakeupEnqueue, keys: keys, arguments: arguments)
            guard case .integer(let queued) = reply else {
                throw RedisError.unexpectedReply("wake-up enqueue script: expected an integer, got \(reply)")
            }
            metrics.count(.queued, by: queued)
            metrics.count(.coalesced, by: chunk.count - queued)
            total += queued
        }
        return total
    }

    /// Whole milliseconds, at least 1 (Redis refuses `PX 0`).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
