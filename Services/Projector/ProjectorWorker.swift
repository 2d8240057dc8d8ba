import Foundation
import Logging
import Metrics
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle

/// Turns the Redis pipeline into the snapshot tables (I3, I4, I6).
///
/// One loop, until graceful shutdown:
/// - `XREADGROUP` on every partition (`COUNT batchSize BLOCK block`), apply the entries in one Postgres
///   transaction (`ProjectorStore.apply`: rows and positions move together, duplicates skipped, gaps healed
///   from Postgres), then `XACK`. A batch whose apply fails is not acknowledged: it is retried with backoff,
///   and if this process dies its entries stay pending for another consumer's `XAUTOCLAIM`.
/// - every `claimInterval`, `XAUTOCLAIM` what other (dead) consumers left pending for `claimIdle`.
/// - the group (created from `$` on every partition, recreated after Redis lost it) is read and claimed through
///   `RedisGroupConsumer`, the loop the wake-up sender shares.
/// - every `sweepInterval` (and at start), `ProjectorStore.sweep`: streams whose head is ahead of the
///   snapshot are healed from Postgres, whatever Redis delivered. This is what makes a Redis flush, a trimmed
///   stream, or entries published before the group existed harmless, and it keeps running while Redis is down.
///
/// Correctness never depends on which replica gets which entry: the per-stream position row lock and the
/// `prevID` check in SQL serialize and order application, so any number of replicas share the partitions.
/// Acknowledging is always safe for the same reason: whatever an acknowledged entry did not do, the sweep does.
struct ProjectorWorker: Service {
    let store: ProjectorStore
    let redis: RedisClient
    let layout: PipelineLayout
    let configuration: ProjectorConfiguration
    let logger: Logger
    let metrics = ProjectorMetrics()
    /// Waits until start-up migration is done, so the first sweep never meets a half-created schema.
    var schemaReady: @Sendable () async -> Void = {}

    /// Pauses between failed attempts, against Redis and against Postgres alike.
    static let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
    /// Pages of `XAUTOCLAIM` per partition per claim tick.
    static let claimPagesPerTick = 10

    init(
        store: ProjectorStore,
        redis: RedisClient,
        layout: PipelineLayout,
        configuration: ProjectorConfiguration,
        logger: Logger
    ) {
        self.store = store
        self.redis = redis
        self.layout = layout
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "component"] = "projector"
        logger[metadataKey: "consumer"] = "\(configuration.consumer)"
        self.logger = logger
    }

    func run() async throws {
        await schemaReady()
        let state = WorkerState()
        logger.info(
            "projector consuming",
            metadata: [
                "group": "\(configuration.group)", "partitions": "\(layout.partitions)", "prefix": "\(layout.prefix)",
                "batch": "\(configuration.batchSize)",
            ]
        )
        // From `$`, after the start-up sweep: what was published before is in Postgres, and the sweep healed it.
        let groups = RedisGroupConsumer(
            redis: redis, keys: layout.allKeys, group: configuration.group, consumer: configuration.consumer, startID: "$",
            logger: logger, readinessChanged: { [metrics] in metrics.groupsReady.record($0 ? 1 : 0) }
        )
        while !Self.stopping {
            let now = ContinuousClock.now
            if now >= state.nextSweep {
                await sweep(state)
                state.nextSweep = ContinuousClock.now + configuration.sweepInterval
            }
            do {
                try await groups.prepare()
                if now >= state.nextClaim {
                    try await claim(state, groups)
                    state.nextClaim = ContinuousClock.now + configuration.claimInterval
                }
                guard !Self.stopping else { break }
                // A group lost to a Redis flush reads as empty here and is recreated by the next call; what
                // was published meanwhile and never delivered is healed by the sweep.
                let batches = try await groups.read(count: configuration.batchSize, block: configuration.block)
                state.redis.succeeded(logger: logger, what: "Redis")
                state.redisBackoff.reset()
                if batches.allSatisfy({ $0.entries.isEmpty }) {
                    metrics.lagSeconds.record(0)  // nothing waiting in Redis for this consumer
                    continue
                }
                // Even during graceful shutdown the batch read is finished and acknowledged.
                try await process(batches, state)
            } catch let error as RedisError {
                state.redis.failed(error, logger: logger, what: "Redis")
                await Self.pause(state.redisBackoff.next())
            } catch {
                if Task.isCancelled { break }
                // Not expected (the Redis client throws RedisError); treat like an outage rather than exit.
                state.redis.failed(error, logger: logger, what: "Redis")
                await Self.pause(Self.backoff.delay(retry: .max))
            }
        }
        logger.info("projector stopped")
    }

    static var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Sleeps, or returns early at graceful shutdown.
    static func pause(_ delay: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
    }

    // MARK: Processing a batch

    /// Parses, applies (retrying failures until it succeeds or shutdown begins) and acknowledges. Throws only
    /// Redis errors of the acknowledgement; an unacknowledged batch stays pending and is claimed later.
    func process(_ batches: [RedisStreamBatch], _ state: WorkerState) async throws {
        var entries: [PipelineEntry] = []
        var malformed = 0
        var newest: [PipelineEntry] = []
        for batch in batches {
            var last: PipelineEntry?
            for raw in batch.entries {
                if let entry = PipelineEntry(fields: raw.fields) {
                    entries.append(entry)
                    last = entry
                } else {
                    malformed += 1
                }
            }
            if let last { newest.append(last) }
        }
        if malformed > 0 {
            metrics.items(.malformed).increment(by: malformed)
            logger.warning("malformed pipeline entries acknowledged; the sweep heals their streams", metadata: ["count": "\(malformed)"])
        }
        if !entries.isEmpty {
            guard await apply(Self.orderedForLocking(entries), state) else { return }
            recordLag(newest)
        }
        for batch in batches where !batch.entries.isEmpty {
            try await redis.xack(batch.key, group: configuration.group, ids: batch.entries.map(\.id))
        }
    }

    /// Groups entries by stream (key, then kind), keeping each stream's order: the batch then takes position
    /// locks in one global order. Key first, because applying a chat event may heal the same chat's message
    /// stream (kind 2) and creating an owner touches its sibling stream: both then follow the order too, and
    /// concurrent projector processes cannot deadlock on each other.
    static func orderedForLocking(_ entries: [PipelineEntry]) -> [PipelineEntry] {
        let sortKeys = entries.enumerated().map { offset, entry in
            (kind: entry.stream.kind.rawValue, key: entry.stream.key.uuidString, offset: offset)
        }
        return sortKeys.sorted { a, b in
            if a.key != b.key { return a.key < b.key }
            if a.kind != b.kind { return a.kind < b.kind }
            return a.offset < b.offset
        }.map { entries[$0.offset] }
    }

    /// Applies `entries`: true when every entry was applied or deliberately skipped (and may be
    /// acknowledged), false when graceful shutdown began first.
    ///
    /// Transient failures (Postgres unreachable, deadlock, serialization, shutdown of the server) are retried
    /// with backoff. A failure that retrying cannot fix (a data exception raised by one entry) sends the batch
    /// through entry by entry, so one poisonous entry cannot stall a partition: it is counted as malformed and
    /// acknowledged, and the sweep applies its stream from Postgres, the truth.
    func apply(_ entries: [PipelineEntry], _ state: WorkerState) async -> Bool {
        switch await applyRetrying(entries, state) {
        case .applied:
            return true
        case .stopped:
            return false
        case .rejected(let error):
            logger.warning(
                "a batch was refused by Postgres; applying its entries one by one",
                metadata: ["entries": "\(entries.count)", "error": "\(String(reflecting: error))"]
            )
            for entry in entries {
                switch await applyRetrying([entry], state) {
                case .applied:
                    continue
                case .stopped:
                    return false
                case .rejected(let error):
                    metrics.items(.malformed).increment()
                    logger.error(
                        "pipeline entry refused by Postgres, acknowledged; the sweep heals its stream",
                        metadata: [
                            "stream": "\(entry.stream.kind.description)/\(entry.stream.key.uuidString.lowercased())",
                            "id": "\(entry.id)", "prev": "\(entry.prevID)", "error": "\(String(reflecting: error))",
                        ]
                    )
                }
            }
            return true
        }
    }

    enum ApplyOutcome {
        case applied
        case rejected(any Error)
        case stopped
    }

    private func applyRetrying(_ entries: [PipelineEntry], _ state: WorkerState) async -> ApplyOutcome {
        var backoff = Self.backoff
        while true {
            let started = ContinuousClock.now
            do {
                let report = try await store.apply(entries)
                metrics.batchSeconds.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                metrics.batches.increment()
                metrics.record(report)
                state.postgres.succeeded(logger: logger, what: "Postgres")
                logger.trace("applied batch", metadata: ["entries": "\(entries.count)", "report": "\(report)"])
                return .applied
            } catch {
                if Self.isDeterministic(error) { return .rejected(error) }
                state.postgres.failed(error, logger: logger, what: "Postgres")
                if Self.stopping { return .stopped }
                await Self.pause(backoff.next())
                if Self.stopping { return .stopped }
            }
        }
    }

    /// A Postgres error that the same input will raise again: data exceptions (22), integrity violations
    /// (23) and errors raised by the projection functions (P0). Everything else — connection failures,
    /// deadlocks and serialization failures (40), resource and operator errors (53, 57) — may pass.
    static func isDeterministic(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return error.errorClass?.isDeterministic ?? false
    }

    /// `novyse_projector_lag_seconds`: now minus the `createdAt` of the newest item of the batch (the last
    /// entry read from each partition). Costs one small JSON decode per partition per batch.
    private func recordLag(_ newest: [PipelineEntry]) {
        var latest: Date?
        for entry in newest where !entry.isCreation {
            guard let stamp = try? JSONDecoder().decode(CreatedAt.self, from: Data(entry.json.utf8)),
                let text = stamp.createdAt, let date = Timestamp.parse(text)
            else { continue }
            if latest.map({ date > $0 }) ?? true { latest = date }
        }
        if let latest { metrics.lagSeconds.record(max(0, Date().timeIntervalSince(latest))) }
    }

    private struct CreatedAt: Decodable {
        let createdAt: String?
    }

    // MARK: Sweep

    /// Heals streams the snapshot lags on, up to `sweepRounds` calls while they find work, then refreshes
    /// the lag gauges. Failures are logged once per Postgres outage.
    func sweep(_ state: WorkerState) async {
        do {
            var rounds = 0
            while rounds < configuration.sweepRounds && !Self.stopping {
                let healed = try await store.sweep(limit: configuration.sweepLimit)
                rounds += 1
                guard healed > 0 else { break }
                metrics.items(.healed).increment(by: healed)
                logger.debug("sweep healed streams from Postgres", metadata: ["items": "\(healed)"])
            }
            let lag = try await store.lag()
            metrics.lagStreams.record(lag.streamsBehind)
            metrics.lagIDs.record(lag.idDistance)
            state.postgres.succeeded(logger: logger, what: "Postgres")
        } catch {
            state.postgres.failed(error, logger: logger, what: "Postgres")
        }
    }
}

// MARK: - Metrics

struct ProjectorMetrics: Sendable {
    enum Outcome: String, CaseIterable, Sendable {
        case applied, duplicate, healed, creation, malformed
    }

    private let itemCounters: [Outcome: Counter] = Dictionary(
        uniqueKeysWithValues: Outcome.allCases.map {
            ($0, Counter(label: "novyse_projector_items_total", dimensions: [("outcome", $0.rawValue)]))
        }
    )
    let batches = Counter(label: "novyse_projector_batches_total")
    let batchSeconds = Metrics.Timer(label: "novyse_projector_batch_seconds")
    let lagStreams = Gauge(label: "novyse_projector_lag_streams")
    let lagIDs = Gauge(label: "novyse_projector_lag_ids")
    let lagSeconds = Gauge(label: "novyse_projector_lag_seconds")
    let pending = Gauge(label: "novyse_projector_pending")
    /// 1 once this process's consumer groups exist on every partition (created from `$`, after the start-up
    /// sweep), 0 before and while Redis has lost them: until then new items reach the snapshot only by healing.
    let groupsReady = Gauge(label: "novyse_projector_groups_ready")

    func items(_ outcome: Outcome) -> Counter { itemCounters[outcome]! }

    func record(_ report: ProjectorStore.BatchReport) {
        if report.applied > 0 { items(.applied).increment(by: report.applied) }
        if report.duplicates > 0 { items(.duplicate).increment(by: report.duplicates) }
        if report.healed > 0 { items(.healed).increment(by: report.healed) }
        if report.creations > 0 { items(.creation).increment(by: report.creations) }
    }
}

// MARK: - Loop state

/// The loop's own state; lives in `run()`'s task only.
final class WorkerState {
    var groupsReady = false
    var nextSweep = ContinuousClock.now
    var nextClaim = ContinuousClock.now
    var redisBackoff = ProjectorWorker.backoff
    let redis = OutageLog()
    let postgres = OutageLog()
}

/// Logs the first failure of an outage at warning level and the rest at debug, then one line at recovery.
final class OutageLog {
    private var start: ContinuousClock.Instant?
    private var failures = 0

    var inOutage: Bool { start != nil }

    func failed(_ error: any Error, logger: Logger, what: String) {
        failures += 1
        let metadata: Logger.Metadata = ["error": "\(String(reflecting: error))"]
        if start == nil {
            start = .now
            logger.warning("projector cannot use \(what); retrying until it can", metadata: metadata)
        } else {
            logger.debug("\(what) still failing", metadata: metadata)
        }
    }

    func succeeded(logger: Logger, what: String) {
        guard let start else { return }
        logger.info(
            "projector uses \(what) again",
            metadata: ["failedAttempts": "\(failures)", "outage": "\(ContinuousClock.now - start)"]
        )
        self.start = nil
        failures = 0
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
