import Logging
import NovyseStorage
import ServiceLifecycle

/// Forgets idempotency keys after their retention (`NOVYSE_IDEMPOTENCY_TTL_HOURS`, default 24), so the
/// table stays the size of a day of traffic. Clients retry within seconds or minutes; a day is generous.
struct IdempotencyJanitor: Service {
    let store: CommandStore
    let retention: Duration
    let interval: Duration
    let logger: Logger
    /// Waits until start-up migration is done.
    let schemaReady: @Sendable () async -> Void

    func run() async throws {
        // Cancelled on graceful shutdown, so the long sleep between rounds ends at once.
        try? await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        await schemaReady()
        while !Task.isCancelled {
            do {
                var removed = 0
                repeat {
                    let batch = try await store.expireIdempotencyKeys(olderThan: retention)
                    removed += batch
                    if batch < 5000 { break }
                } while !Task.isShuttingDownGracefully
                if removed > 0 { logger.info("expired idempotency keys", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.debug("idempotency janitor skipped a round", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
