import Logging
import NovyseCore
import NovyseRedis
import ServiceLifecycle

/// Reads every pipeline partition with plain `XREAD` and its own position per partition, so every fan-out
/// process sees every entry (a consumer group would split them between processes). It starts at the tail:
/// sockets only carry what happens while they are connected, the update cycle covers the rest.
struct PipelineReader: Service {
    let redis: RedisClient
    let layout: PipelineLayout
    let router: FanoutRouter
    let batchSize: Int
    let block: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await readLoop() }
    }

    private func readLoop() async {
        guard var positions = await tails() else { return }
        logger.info("fan-out reading the pipeline", metadata: ["partitions": "\(positions.count)"])
        while !Task.isCancelled {
            let batches: [RedisStreamBatch]
            do {
                batches = try await redis.xread(streams: positions, count: batchSize, block: block)
            } catch {
                if Task.isCancelled { return }
                logger.warning("pipeline read failed", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            for batch in batches {
                guard let index = positions.firstIndex(where: { $0.key == batch.key }) else { continue }
                for entry in batch.entries {
                    positions[index].id = entry.id
                    guard let item = PipelineEntry(fields: entry.fields) else {
                        logger.warning("malformed pipeline entry", metadata: ["key": "\(batch.key)", "id": "\(entry.id)"])
                        continue
                    }
                    await router.route(item, position: "\(batch.key)/\(entry.id)")
                }
            }
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
