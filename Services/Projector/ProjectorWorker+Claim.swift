import Logging
import Metrics
import NovyseCore
import NovyseRedis

extension ProjectorWorker {
    /// Takes over what other consumers left pending for at least `claimIdle` (a process that died, or one
    /// stuck retrying), applies and acknowledges it, then refreshes `novyse_projector_pending`.
    ///
    /// `XAUTOCLAIM <partition> <group> <me> <claimIdle> 0-0 COUNT <batch>`, a few pages per partition per
    /// tick. Throws Redis errors, which the loop handles like those of a read.
    func claim(_ state: WorkerState) async throws {
        var claimed = 0
        for key in layout.allKeys {
            var start = "0-0"
            var pages = 0
            repeat {
                let result = try await redis.xautoclaim(
                    key, group: configuration.group, consumer: configuration.consumer,
                    minIdle: configuration.claimIdle, start: start, count: configuration.batchSize
                )
                if !result.entries.isEmpty {
                    claimed += result.entries.count
                    try await process([RedisStreamBatch(key: key, entries: result.entries)], state)
                }
                start = result.nextStart
                pages += 1
            } while start != "0-0" && pages < Self.claimPagesPerTick && !Self.stopping
            if Self.stopping { return }
        }
        if claimed > 0 {
            logger.info("claimed entries left pending by other consumers", metadata: ["count": "\(claimed)"])
        }
        var pending = 0
        for key in layout.allKeys {
            pending += try await redis.xpending(key, group: configuration.group).count
        }
        metrics.pending.record(pending)
    }
}
