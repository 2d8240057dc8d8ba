import Logging
import NovyseCore
import NovyseRedis
import NovyseStorage
import ServiceLifecycle

/// Reads every pipeline partition with plain `XREAD` and its own position per partition, so every fan-out
/// process sees every entry (a consumer group would split them between processes). It starts at the tail:
/// sockets only carry what happens while they are connected, the update cycle covers the rest.
///
/// Every `positionCheck` it compares each position with its partition's newest entry. When Redis lost the
/// streams (FLUSHALL, a restart or a failover without the data) and the new entries are numbered below
/// the position (the Redis host's clock is behind the old IDs), `XREAD` after that position would never
/// return them; such a partition, or one that vanished, is read again from `0-0`: everything in it was
/// written after the loss, so nothing is delivered twice.
struct PipelineReader: Service {
    let redis: RedisClient
    let layout: PipelineLayout
    let router: FanoutRouter
    let batchSize: Int
    let block: Duration
    let positionCheck: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await readLoop() }
    }

    private func readLoop() async {
        guard var positions = await tails() else { return }
        logger.info("fan-out reading the pipeline", metadata: ["partitions": "\(positions.count)"])
        var nextCheck = ContinuousClock.now + positionCheck
        while !Task.isCancelled {
            let batches: [RedisStreamBatch]
            do {
                if ContinuousClock.now >= nextCheck {
                    try await rewindLostPartitions(&positions)
                    nextCheck = ContinuousClock.now + positionCheck
                }
                batches = try await redis.xread(streams: positions, count: batchSize, block: block)
            } catch {
                if Task.isCancelled { return }
                logger.warning("pipeline read failed", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            var items: [(index: Int, id: String, item: PipelineEntry?)] = []
            for batch in batches {
                guard let index = positions.firstIndex(where: { $0.key == batch.key }) else { continue }
                for entry in batch.entries {
                    let item = PipelineEntry(fields: entry.fields)
                    if item == nil {
                        logger.warning("malformed pipeline entry", metadata: ["key": "\(batch.key)", "id": "\(entry.id)"])
                    }
                    items.append((index, entry.id, item))
                }
            }
            // The message whose text each entry carries, worked out once per entry.
            let textBearing = items.map { $0.item.flatMap(FanoutRouter.textBearingMessage) }
            let deleted = await deletedMessages(textBearing.compactMap { $0 })
            for ((index, id, item), message) in zip(items, textBearing) {
                positions[index].id = id
                guard let item else { continue }
                guard let message else {
                    await router.route(item)
                    continue
                }
                // Unknown whether its text is still readable (Postgres did not answer): not pushed. The device
                // finds the gap at the next item of the stream and runs an update, which applies the rules.
                guard let deleted else { continue }
                await router.route(item, textDeleted: deleted.contains(message))
            }
        }
    }

    /// Which of `messages` (those whose text this read carries) are deleted by now: one query per read, none
    /// when the read carries no message text. Nil when Postgres did not answer (logged): then nothing that
    /// carries message text is pushed, rather than text that may have been deleted.
    private func deletedMessages(_ messages: [Int64]) async -> Set<Int64>? {
        guard !messages.isEmpty else { return [] }
        do {
            return try await router.store.deletedMessages(among: messages)
        } catch {
            logger.warning("could not check for deleted messages; their pushes are skipped", metadata: ["error": "\(String(reflecting: error))"])
            return nil
        }
    }

    /// Moves back to `0-0` every partition whose newest entry lies behind the position read (or that is
    /// now empty or missing while the position is not `0-0`).
    private func rewindLostPartitions(_ positions: inout [(key: String, id: String)]) async throws {
        for index in positions.indices where positions[index].id != "0-0" {
            let last = try await redis.lastStreamID(positions[index].key)
            guard StreamPosition.isRewound(position: positions[index].id, last: last) else { continue }
            logger.warning(
                "pipeline partition behind the position read (Redis lost its data?); reading it from the start",
                metadata: ["key": "\(positions[index].key)", "position": "\(positions[index].id)", "newest": "\(last)"]
            )
            positions[index].id = "0-0"
        }
    }

    /// The newest entry ID of each partition, retrying while Redis is unreachable; nil when cancelled.
    private func tails() async -> [(key: String, id: String)]? {
        while !Task.isCancelled {
            do {
                var positions: [(key: String, id: String)] = []
                for key in layout.allKeys { positions.append((key, try await redis.lastStreamID(key))) }
                return positions
            } catch {
                logger.warning("waiting for Redis to read the pipeline", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return nil
    }
}
