import Foundation
import NIOConcurrencyHelpers
import NovyseStorage

/// Current members per chat, read from Postgres on first use and dropped on MEMBER_JOINED / MEMBER_LEFT, so
/// the hot path (messages and chat events) costs no query. Bounded: past `capacity` chats, an arbitrary
/// entry is evicted. A read that raced with an invalidation is not cached (generation check).
final class MembershipCache: Sendable {
    private struct State {
        var members: [UUID: [UUID]] = [:]
        var generation = 0
    }

    private let state = NIOLockedValueBox(State())
    private let store: FanoutStore
    private let capacity: Int

    init(store: FanoutStore, capacity: Int) {
        self.store = store
        self.capacity = capacity
    }

    func members(of chat: UUID) async throws -> [UUID] {
        let (cached, generation) = state.withLockedValue { ($0.members[chat], $0.generation) }
        if let cached { return cached }
        let members = try await store.members(of: chat)
        state.withLockedValue { state in
            guard state.generation == generation, capacity > 0 else { return }
            if state.members.count >= capacity, let victim = state.members.keys.first {
                state.members.removeValue(forKey: victim)
            }
            state.members[chat] = members
        }
        return members
    }

    func invalidate(_ chat: UUID) {
        state.withLockedValue { state in
            state.members.removeValue(forKey: chat)
            state.generation += 1
        }
    }
}
