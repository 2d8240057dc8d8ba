import Logging
import Metrics
import NovyseCore
import NovyseRedis

extension ProjectorWorker {
    /// Takes over what other consumers left pending for at least `claimIdle` (a process that died, or one
    /// stuck retrying), applies and acknowledges it, then refreshes `novyse_projector_pending`.
    ///
    /// `XAUTOCLAIM <partition> <group> <me> <claimIdle> 0-0 COUNT <batch>`, a few pages per partition per
    /// tick (`RedisGroupConsumer.claim`). Throws Redis errors, which the loop handles like those of a read.
    func claim(_ state: WorkerState, _ groups: RedisGroupConsumer) async throws {
        let claimed = try await groups.claim(
            minIdle: configuration.claimIdle, count: configuration.batchSize, maxPages: Self.claimPagesPerTick
        ) { batch in
            try await process([batch], state)
        }
        if Self.stopping { return }
        if claimed > 0 {
            logger.info("claimed entries left pending by other consumers", metadata: ["count": "\(claimed)"])
        }
        if let pending = try await groups.pendingCount() {
            metrics.pending.record(pending)
        }
    }
}
