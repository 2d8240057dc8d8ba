import CoreMetrics
import Foundation
import Logging
import Metrics
import NovyseCore
import NovyseRedis
import NovyseSocketIO
import NovyseStorage

/// Turns one pipeline entry into socket events for this process's sockets, and into wake-ups for the
/// recipients' devices that have no live socket anywhere.
///
/// Every fan-out process sees every entry and delivers it only to its own sockets, so each connected
/// device gets it once. Wake-ups are claimed per entry in Redis (`SET NX`), so one process queues them.
struct FanoutRouter: Sendable {
    /// One event for a set of users.
    struct Delivery: Sendable, Equatable {
        let event: String
        let payload: String
        let users: Set<UUID>
    }

    let server: SocketIOServer<FanoutSocketHandler>
    let registry: SocketRegistry
    let store: FanoutStore
    let planner: FanoutPlanner
    let presence: Presence
    let wakeups: WakeupQueue
    let redis: RedisClient
    let keyspace: RedisKeyspace
    let metrics: FanoutMetrics
    let logger: Logger

    /// Routes one entry. Its wake-ups are claimed under the item's identity (stream and item ID, unique in
    /// Postgres), not its Redis entry ID, which restarts after Redis loses its data. Errors are
    /// logged, not thrown: a missed push is healed by the client's update cycle (I2), so the reader goes on.
    /// `textDeleted`: the message whose text the entry carries is deleted by now (see `redactingDeleted`).
    func route(_ entry: PipelineEntry, textDeleted: Bool = false) async {
        let started = ContinuousClock.now
        metrics.items.increment()
        do {
            var deliveries = try await plan(entry)
            if textDeleted { deliveries = try await redactingDeleted(deliveries, of: entry) }
            var recipients = Set<UUID>()
            for delivery in deliveries {
                let sockets = registry.sockets(of: delivery.users)
                let queued = server.emit(toSockets: sockets, event: delivery.event, encodedData: delivery.payload)
                metrics.deliveries.increment(by: queued)
                if sockets.count > queued { metrics.undelivered.increment(by: sockets.count - queued) }
                recipients.formUnion(delivery.users)
            }
            if wakeups.configuration.enabled, !recipients.isEmpty {
                try await wake(Array(recipients), item: "\(entry.stream)/\(entry.id)")
            }
        } catch {
            logger.warning(
                "routing failed", metadata: ["stream": "\(entry.stream)", "id": "\(entry.id)", "error": "\(String(reflecting: error))"]
            )
        }
        metrics.routeSeconds.record(duration: ContinuousClock.now - started)
    }

    /// Who gets what for one entry.
    func plan(_ entry: PipelineEntry) async throws -> [Delivery] { try await planner.plan(entry) }

    /// Queues wake-ups for the recipients' devices that have a push token and no live socket on any process.
    private func wake(_ users: [UUID], item: String) async throws {
        let devices = try await store.pushDevices(of: users).map {
            SocketRegistry.Device(userUUID: $0.userUUID, deviceID: $0.deviceID)
        }
        guard !devices.isEmpty else { return }
        let online = try await presence.online(devices)
        let offline = devices.filter { !online.contains($0) }
        guard !offline.isEmpty else { return }
        let claimed = try await redis.set(
            keyspace.wakeupClaim(item: item), "1", expiresIn: .seconds(300), onlyIfAbsent: true
        )
        guard claimed else { return }
        try await wakeups.enqueue(offline.map { WakeupDevice(userUUID: $0.userUUID, deviceID: $0.deviceID) })
        metrics.wakeups.increment(by: offline.count)
    }
}

/// The fields of a chat event routing needs: its type, its `userUUID` (for MEMBER_* the member, for message
/// events the actor) and, for message events, the message.
struct ChatEventHeader: Decodable {
    struct Payload: Decodable { let messageID: Int64? }
    let type: String?
    let userUUID: String?
    let payload: Payload?

    var member: UUID? { userUUID.flatMap(UUID.init(uuidString:)) }
    var messageID: Int64? { payload?.messageID }

    init(json: String) {
        let decoded = try? JSONDecoder().decode(ChatEventHeader.self, from: Data(json.utf8))
        type = decoded?.type
        userUUID = decoded?.userUUID
        payload = decoded?.payload
    }
}
