import Foundation
import NIOConcurrencyHelpers
import NovyseStorage

/// Who is in each chat as of each of its chat events, so every push goes to the members as of the item it
/// carries (I7), whatever order the pipeline's partitions are read in.
///
/// A chat's messages and its chat events travel in different partitions, so a message can be routed before
/// or after a membership change it is ordered against. Each message carries the position it was sent at
/// (`PipelineEntry.eventPosition`, the head of the chat's event stream then; sends and membership changes
/// exclude each other in Postgres), and each chat event is its own position. The timeline follows each
/// chat's event stream in order (checked by `prevID`) and keeps the latest membership changes, so the
/// members as of any recent position cost no query; an older position, a gap (entries lost with Redis's
/// data) or a chat not followed yet is answered by Postgres from the event history.
///
/// One pipeline reader routes entries one after another, so updates never race; the lock only makes the
/// type shareable. Bounded: `capacity` chats (an arbitrary one is dropped past it) and `changesKept`
/// changes per chat.
final class MembershipTimeline: Sendable {
    /// A MEMBER_JOINED or MEMBER_LEFT event.
    struct Change: Sendable, Equatable {
        let id: Int64
        let member: UUID
        let joined: Bool
    }

    /// One chat as far as its event stream has been followed.
    struct Chat: Sendable {
        /// The members after every chat event up to `position`.
        var members: Set<UUID>
        var position: Int64
        /// The changes after `floor`, in order: the members as of any position from `floor` on are known.
        var floor: Int64
        var changes: [Change] = []

        init(members: Set<UUID>, at position: Int64) {
            self.members = members
            self.position = position
            floor = position
        }

        /// The members as of `target`, undoing the changes after it; nil outside `floor...position`.
        func members(at target: Int64) -> Set<UUID>? {
            guard target >= floor, target <= position else { return nil }
            var members = self.members
            for change in changes.reversed() where change.id > target {
                if change.joined { members.remove(change.member) } else { members.insert(change.member) }
            }
            return members
        }

        mutating func apply(_ id: Int64, _ change: Change?, keeping: Int) {
            position = id
            guard let change else { return }
            if change.joined { members.insert(change.member) } else { members.remove(change.member) }
            changes.append(change)
            if changes.count > keeping { floor = changes.removeFirst().id }
        }
    }

    private let chats = NIOLockedValueBox([UUID: Chat]())
    private let store: FanoutStore
    private let capacity: Int
    private let changesKept: Int

    init(store: FanoutStore, capacity: Int, changesKept: Int = 32) {
        self.store = store
        self.capacity = capacity
        self.changesKept = changesKept
    }

    /// The audience of a message: the members as of `position`, its `eventPosition` (nil, for a message
    /// written before positions were recorded: the current members).
    func members(of chat: UUID, at position: Int64?) async throws -> Set<UUID> {
        guard let position else { return Set(try await store.members(of: chat, at: nil)) }
        if let known = chats.withLockedValue({ $0[chat]?.members(at: position) }) { return known }
        let loaded = Set(try await store.members(of: chat, at: position))
        // Followed from here on: the chat's next event names `position` as its predecessor.
        chats.withLockedValue { chats in
            if chats[chat] == nil { Self.keep(Chat(members: loaded, at: position), for: chat, in: &chats, capacity: capacity) }
        }
        return loaded
    }

    /// The members after chat event `id` (0: the chat's creation), for the entries of a chat's event
    /// stream, which arrive in stream order; `change` is the event's, for MEMBER_* events.
    func members(of chat: UUID, afterEvent id: Int64, prevID: Int64, change: Change?) async throws -> Set<UUID> {
        enum Known {
            case members(Set<UUID>)
            case history, reload
        }
        let known = chats.withLockedValue { chats -> Known in
            guard var followed = chats[chat] else { return .reload }
            if id <= followed.position { return followed.members(at: id).map(Known.members) ?? .history }
            // Not the next one: entries went missing (Redis lost data) or the chat was dropped meanwhile.
            guard prevID == followed.position else { return .reload }
            followed.apply(id, change, keeping: changesKept)
            chats[chat] = followed
            return .members(followed.members)
        }
        switch known {
        case .members(let members):
            return members
        case .history:
            return Set(try await store.members(of: chat, at: id))
        case .reload:
            let loaded = Set(try await store.members(of: chat, at: id))
            chats.withLockedValue { chats in
                Self.keep(Chat(members: loaded, at: id), for: chat, in: &chats, capacity: capacity)
            }
            return loaded
        }
    }

    private static func keep(_ followed: Chat, for chat: UUID, in chats: inout [UUID: Chat], capacity: Int) {
        guard capacity > 0 else { return }
        if chats[chat] == nil, chats.count >= capacity, let victim = chats.keys.first { chats.removeValue(forKey: victim) }
        chats[chat] = followed
    }
}
