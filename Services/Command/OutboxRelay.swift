import Foundation
import Logging
import Metrics
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle

/// Publishes committed outbox rows to the Redis pipeline streams (I3: Postgres is the truth, Redis is
/// transport), and republishes whatever a crash or a Redis outage left behind, oldest first.
///
/// Wiring (in `CommandServiceMain`'s `ServiceLauncher.run(.command) { runtime, router in … }`):
///
///     let relay = OutboxRelay(
///         store: OutboxStore(client: runtime.postgres, logger: runtime.logger), redis: runtime.redis,
///         layout: runtime.configuration.pipelineLayout,
///         logger: runtime.logger)
///     // …routes; after each committed mutation: relay.kick()
///     return [relay]
///
/// The service group stops services in reverse order, so the relay stops (after a last drain) before the
/// Postgres and Redis clients that `ServiceRuntime` puts first.
///
/// The loop wakes at start, on `kick()` and every `pollInterval`, then drains: batches of `batchSize` while
/// they come back full. Only one relay across all replicas publishes at a time (an advisory lock in `OutboxStore`), so
/// each stream's entries reach their partition in order. A dependency failure never ends the loop: it is
/// logged once per outage and retried with exponential backoff.
struct OutboxRelay: Service {
    /// How entries reach Redis.
    enum Publishing: Sendable {
        /// One script call (`RedisScripts.publishPipeline`, by `EVALSHA`) per chunk of entries, which runs
        /// the `XADD`s in order: one round trip per chunk.
        /// Falls back to `.perEntry` for good if the server refuses scripts.
        case script
        /// One `XADD` round trip per entry.
        case perEntry
    }

    let store: OutboxStore
    let redis: RedisClient
    let layout: PipelineLayout
    let maxLength: Int
    let batchSize: Int
    let pollInterval: Duration
    let logger: Logger

    /// Wake-ups from `kick()` and the poll timer; at most one is kept, so a burst of kicks costs one drain.
    private let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation
    private let scriptSupport: ScriptSupport
    /// Waits until start-up migration is done (the outbox may not exist before).
    var schemaReady: @Sendable () async -> Void = {}
    /// Per-instance counts, beside the process-wide metrics; tests watch them.
    let stats = RelayStats()

    private let publishedCounter = Counter(label: "novyse_outbox_published_total")
    private let failureCounter = Counter(label: "novyse_outbox_publish_failures_total")
    private let pendingGauge = Gauge(label: "novyse_outbox_pending")

    /// Entries per script call, which keeps each script (Redis runs scripts atomically) short.
    static let scriptChunkSize = 128
    /// While another relay holds the lock: how often, and how long, to try again before waiting for the
    /// next wake-up. The holder is probably publishing our rows anyway.
    static let busyRetryDelay = Duration.milliseconds(5)
    static let busyRetryLimit = 100
    /// The wait after the first failed attempt.
    let initialBackoff: Duration
    /// The longest wait between two failed attempts (the backoff doubles up to it, with equal jitter).
    let maximumBackoff: Duration
    /// The last drain at shutdown gives up after this long.
    let finalDrainTimeout: Duration
    /// The pending gauge costs a `count(*)`, so it is refreshed at most this often.
    static let pendingGaugeInterval = Duration.seconds(1)

    init(
        store: OutboxStore,
        redis: RedisClient,
        layout: PipelineLayout,
        maxLength: Int = 100_000,
        batchSize: Int = 500,
        pollInterval: Duration = .seconds(1),
        publishing: Publishing = .script,
        initialBackoff: Duration = .milliseconds(50),
        maximumBackoff: Duration = .seconds(2),
        finalDrainTimeout: Duration = .seconds(5),
        logger: Logger
    ) {
        precondition(batchSize > 0, "batchSize must be positive")
        precondition(maxLength > 0, "maxLength must be positive")
        self.store = store
        self.redis = redis
        self.layout = layout
        self.maxLength = maxLength
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.finalDrainTimeout = finalDrainTimeout
        var logger = logger
        logger[metadataKey: "component"] = "outbox-relay"
        self.logger = logger
        self.scriptSupport = ScriptSupport(enabled: publishing == .script)
        (wakeups, wakeup) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the loop to publish soon; call it after each committed mutation. Cheap, never blocks, and any
    /// number of kicks before the loop gets to run coalesce into one drain.
    func kick() {
        wakeup.yield()
    }

    /// Relays until graceful shutdown (or cancellation), then tries one last drain. Call once per instance.
    func run() async throws {
        await schemaReady()
        let state = RelayState(backoff: Backoff(initial: initialBackoff, maximum: maximumBackoff))
        // Start with a drain: a previous process may have left committed rows unpublished.
        wakeup.yield()
        await withDiscardingTaskGroup { group in
            group.addTask { [wakeup, pollInterval] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: pollInterval)
                    wakeup.yield()
                }
            }
            for await _ in wakeups.cancelOnGracefulShutdown() {
                await drain(state, final: false)
            }
            group.cancelAll()
        }
        wakeup.finish()
        // A last drain publishes what was committed since the last wake-up, unless a dependency is down: then
        // it could only fail, possibly slowly, and the rows are published by the next process anyway.
        if !Task.isCancelled && !state.inOutage {
            await drain(state, final: true)
        }
        logger.debug("outbox relay stopped")
    }

    // MARK: Draining

    /// Relays batches while they come back full. Errors are retried here with backoff (they do not end the
    /// drain, so rows never wait for a wake-up that may not come); graceful shutdown ends it. The `final`
    /// drain at shutdown makes one pass: no retries, bounded in time.
    private func drain(_ state: RelayState, final: Bool) async {
        let deadline = final ? ContinuousClock.now + finalDrainTimeout : nil
        var busyAttempts = 0
        while !Task.isCancelled {
            if !final && Task.isShuttingDownGracefully { return }
            if let deadline, ContinuousClock.now >= deadline { return }
            do {
                let relayed = try await store.relayBatch(limit: batchSize) { entries in
                    try await publish(entries)
                }
                guard let relayed else {
                    busyAttempts += 1
                    if busyAttempts > Self.busyRetryLimit { return }
                    try? await Task.sleep(for: Self.busyRetryDelay)
                    continue
                }
                busyAttempts = 0
                state.succeeded(logger: logger)
                if relayed < batchSize {
                    await refreshPendingGauge(state)
                    return
                }
            } catch {
                failureCounter.increment()
                stats.recordFailure()
                state.failed(error, logger: logger)
                // The backlog grows while Redis is down; while Postgres is, counting it would only wait too.
                if error is RedisError { await refreshPendingGauge(state) }
                if final { return }
                let delay = state.backoff.next()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
    }

    private func refreshPendingGauge(_ state: RelayState) async {
        let now = ContinuousClock.now
        if let last = state.lastGaugeRefresh, now - last < Self.pendingGaugeInterval { return }
        state.lastGaugeRefresh = now
        if let count = try? await store.pendingCount() {
            pendingGauge.record(count)
        }
    }

    // MARK: Publishing

    /// Appends the entries, in order, to their partitions' streams with `XADD … MAXLEN ~ maxLength *`.
    /// Throws on the first failure; whatever was appended before stays (duplicates are fine downstream).
    func publish(_ entries: [PipelineEntry]) async throws {
        guard !entries.isEmpty else { return }
        if scriptSupport.isEnabled {
            var start = entries.startIndex
            while start < entries.endIndex {
                let end = min(start + Self.scriptChunkSize, entries.endIndex)
                let chunk = entries[start..<end]
                do {
                    try await publishByScript(chunk)
                } catch RedisError.server(let kind, let message) {
                    // A refused script (scripting disabled, an ACL) must not stop publishing: try the chunk
                    // entry by entry, and if that works, stay with it.
                    try await publishPerEntry(chunk)
                    scriptSupport.disable()
                    logger.warning(
                        "Redis refused the publishing script; publishing one XADD per entry from now on",
                        metadata: ["error": "\(kind) \(message)"]
                    )
                }
                start = end
            }
        } else {
            try await publishPerEntry(entries[...])
        }
        publishedCounter.increment(by: entries.count)
        stats.recordPublished(entries.count)
    }

    private func publishPerEntry(_ entries: ArraySlice<PipelineEntry>) async throws {
        for entry in entries {
            _ = try await redis.xadd(layout.key(for: entry.stream), maxLengthApprox: maxLength, fields: entry.fields)
        }
    }

    private func publishByScript(_ entries: ArraySlice<PipelineEntry>) async throws {
        var keys: [String] = []
        var values: [String] = [String(maxLength)]
        keys.reserveCapacity(entries.count)
        for entry in entries {
            keys.append(layout.key(for: entry.stream))
            let fields = entry.fields
            values.append(String(fields.count))
            for (field, value) in fields {
                values.append(field)
                values.append(value)
            }
        }
        let reply = try await redis.run(RedisScripts.publishPipeline, keys: keys, arguments: values)
        guard case .array(let ids) = reply, ids.count == entries.count else {
            throw RedisError.unexpectedReply("publishing script: expected \(entries.count) entry IDs, got \(reply)")
        }
    }
}

/// What one relay instance did so far.
final class RelayStats: @unchecked Sendable {
    private let lock = NSLock()
    private var publishedEntries = 0
    private var failedAttempts = 0

    /// Entries appended to Redis (including ones whose batch was later rolled back and republished).
    var published: Int { lock.withLock { publishedEntries } }
    /// Drain attempts that failed (Redis or Postgres unavailable, or a publish error).
    var failures: Int { lock.withLock { failedAttempts } }

    func recordPublished(_ count: Int) { lock.withLock { publishedEntries += count } }
    func recordFailure() { lock.withLock { failedAttempts += 1 } }
}

/// Whether the publishing script may be used; shared by copies of the relay, switched off at most once.
private final class ScriptSupport: @unchecked Sendable {
    private let lock = NSLock()
    private var enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    var isEnabled: Bool { lock.withLock { enabled } }

    func disable() { lock.withLock { enabled = false } }
}

/// The loop's own state; lives in `run()`'s task only.
private final class RelayState {
    var backoff: Backoff
    var lastGaugeRefresh: ContinuousClock.Instant?
    private var outageStart: ContinuousClock.Instant?
    private var failuresInOutage = 0

    init(backoff: Backoff) {
        self.backoff = backoff
    }

    /// The last attempt failed.
    var inOutage: Bool { outageStart != nil }

    /// Logs the first failure of an outage at warning level; the rest at debug, so a long outage does not
    /// flood the log.
    func failed(_ error: any Error, logger: Logger) {
        failuresInOutage += 1
        let metadata: Logger.Metadata = ["error": "\(String(reflecting: error))"]
        if outageStart == nil {
            outageStart = .now
            logger.warning("outbox relay cannot publish; retrying until it can", metadata: metadata)
        } else {
            logger.debug("outbox relay still cannot publish", metadata: metadata)
        }
    }

    func succeeded(logger: Logger) {
        backoff.reset()
        guard let start = outageStart else { return }
        logger.info(
            "outbox relay publishing again",
            metadata: ["failedAttempts": "\(failuresInOutage)", "outage": "\(ContinuousClock.now - start)"]
        )
        outageStart = nil
        failuresInOutage = 0
    }
}
