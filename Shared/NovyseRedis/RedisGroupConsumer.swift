import Logging
import ServiceLifecycle

/// One consumer of a Redis consumer group over a fixed set of streams: the part of a group loop that the
/// projector (one group over every pipeline partition) and the wake-up sender (one group over the wake-up
/// stream) share.
///
/// - The group is created on every stream where it is missing (`XGROUP CREATE … MKSTREAM`, an existing
///   group is fine) before the first read or claim, and again after it was lost.
/// - A lost group is what Redis answers after it lost its data (`FLUSHALL`, a restart without persistence, a
///   failover): `NOGROUP`, or `UNBLOCKED` for a read that was blocked at that moment. That is not a failure
///   of the caller: it is logged, the call returns as if nothing was there, and the next call recreates
///   the group. Whatever was published meanwhile is the caller's to heal (the projector's sweep does).
/// - Every other error is thrown, for the caller's retry loop and its backoff. A blocking read is cut short
///   by cancelling the task (`CancellationError`), and claims stop paging at graceful shutdown.
///
/// Not `Sendable`: one loop owns it, in one task.
public final class RedisGroupConsumer {
    public let redis: RedisClient
    public let keys: [String]
    public let group: String
    public let consumer: String
    /// Where a created group starts: `$` (only what comes after) or `0` (everything the stream holds).
    public let startID: String
    /// True while the group is known to exist on every key.
    public private(set) var isReady = false
    private let logger: Logger
    private let readinessChanged: (Bool) -> Void

    /// `readinessChanged` is called with true once the groups exist, with false when they were lost (the
    /// projector publishes it as a gauge).
    public init(
        redis: RedisClient, keys: [String], group: String, consumer: String, startID: String, logger: Logger,
        readinessChanged: @escaping (Bool) -> Void = { _ in }
    ) {
        precondition(!keys.isEmpty, "a consumer group needs at least one stream")
        self.redis = redis
        self.keys = keys
        self.group = group
        self.consumer = consumer
        self.startID = startID
        self.logger = logger
        self.readinessChanged = readinessChanged
    }

    /// Whether a Redis error means "the group is gone" rather than "Redis failed".
    public static func isGroupLost(_ error: any Error) -> Bool {
        guard case RedisError.server(let kind, _) = error else { return false }
        return kind == "NOGROUP" || kind == "UNBLOCKED"
    }

    /// Creates the group on every key that lacks it, unless it is known to exist; returns how many were created.
    @discardableResult
    public func prepare() async throws -> Int {
        guard !isReady else { return 0 }
        var created = 0
        for key in keys where try await redis.xgroupCreate(key, group: group, startID: startID, makeStream: true) {
            created += 1
        }
        if created > 0 {
            logger.info("created consumer groups", metadata: ["count": "\(created)", "group": "\(group)"])
        }
        isReady = true
        readinessChanged(true)
        return created
    }

    /// `XREADGROUP GROUP <group> <consumer> COUNT <count> BLOCK <block> STREAMS <keys> >`: new entries, `[]`
    /// when `block` passed without any or the group was lost.
    public func read(count: Int, block: Duration) async throws -> [RedisStreamBatch] {
        try await unlessGroupLost([]) {
            try await prepare()
            return try await redis.xreadgroup(
                group: group, consumer: consumer, streams: keys.map { (key: $0, id: ">") }, count: count, block: block
            )
        }
    }

    /// Takes over entries pending for at least `minIdle` (a dead consumer's, or this one's that it could not
    /// finish): `XAUTOCLAIM … COUNT <count>`, up to `maxPages` pages per key, each page handed to `handle`
    /// (which acknowledges what it finished). Stops at graceful shutdown or cancellation and when the group
    /// was lost. Returns how many entries were claimed.
    @discardableResult
    public func claim(
        minIdle: Duration, count: Int, maxPages: Int, handle: (RedisStreamBatch) async throws -> Void
    ) async throws -> Int {
        var claimed = 0
        try await unlessGroupLost(()) {
            try await prepare()
            for key in keys {
                var start = "0-0"
                var pages = 0
                repeat {
                    let result = try await redis.xautoclaim(
                        key, group: group, consumer: consumer, minIdle: minIdle, start: start, count: count
                    )
                    if !result.entries.isEmpty {
                        claimed += result.entries.count
                        try await handle(RedisStreamBatch(key: key, entries: result.entries))
                    }
                    start = result.nextStart
                    pages += 1
                } while start != "0-0" && pages < maxPages && !Self.stopping
                if Self.stopping { return }
            }
        }
        return claimed
    }

    /// The entries pending in the group over every key (`XPENDING` summary); nil when the group was lost.
    public func pendingCount() async throws -> Int? {
        try await unlessGroupLost(nil) {
            try await prepare()
            var pending = 0
            for key in keys {
                pending += try await redis.xpending(key, group: group).count
            }
            return pending
        }
    }

    /// `XACK` of what a batch delivered.
    public func acknowledge(_ batch: RedisStreamBatch) async throws {
        try await redis.xack(batch.key, group: group, ids: batch.entries.map(\.id))
    }

    static var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Runs `body`; a lost group is logged and marked for re-creation, and `fallback` returned.
    private func unlessGroupLost<Result>(_ fallback: Result, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as RedisError where Self.isGroupLost(error) {
            logger.warning(
                "consumer group missing, recreating it (Redis flushed or restarted without persistence)",
                metadata: ["group": "\(group)", "error": "\(error)"]
            )
            isReady = false
            readinessChanged(false)
            return fallback
        }
    }
}
