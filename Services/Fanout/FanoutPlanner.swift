import Foundation
import NovyseCore
import NovyseStorage

/// Who gets what for one pipeline entry (api.md "Socket.IO"; I7: members only, as of the item's position;
/// local events to their owner). Apart from the socket layer so its decisions can be tested on their own.
struct FanoutPlanner: Sendable {
    let store: FanoutStore
    let memberships: MembershipTimeline
    let chatNewMessages: Int
    /// Most members (and their profiles) a `chat:new` lists.
    var chatNewMembers = 100

    func plan(_ entry: PipelineEntry) async throws -> [FanoutRouter.Delivery] {
        let key = entry.stream.key
        switch entry.stream.kind {
        case .chatMessages:
            guard !entry.isCreation else { return [] }
            let members = try await memberships.members(of: key, at: entry.eventPosition)
            return [.init(event: "message:new", payload: entry.json, users: members)]
        case .chatEvents:
            if entry.isCreation {
                let members = try await memberships.members(of: key, afterEvent: 0, prevID: 0, change: nil)
                guard let chat = try await store.newChatPayload(chat: key, messageLimit: chatNewMessages, memberLimit: chatNewMembers) else {
                    return []
                }
                // Its messages are as of now: not for a creation member who has left since.
                return [.init(event: "chat:new", payload: chat.json, users: members.intersection(chat.members))]
            }
            let change = ChatEventHeader(json: entry.json).membershipChange(id: entry.id)
            let members = try await memberships.members(
                of: key, afterEvent: entry.id, prevID: entry.prevID, change: change
            )
            guard let change else { return [.init(event: "chat:event", payload: entry.json, users: members)] }
            var deliveries: [FanoutRouter.Delivery] = [
                .init(event: "chat:event", payload: entry.json, users: members.subtracting([change.member]))
            ]
            if !change.joined {
                let removed = #"{"chatUUID":"\#(key.uuidString.lowercased())"}"#
                deliveries.append(.init(event: "chat:removed", payload: removed, users: [change.member]))
            } else if let chat = try await store.newChatPayload(chat: key, messageLimit: chatNewMessages, memberLimit: chatNewMembers),
                chat.members.contains(change.member)
            {
                // Still a member: the chat as of now is theirs to read. Gone again: nothing, the MEMBER_LEFT
                // that follows tells their device.
                deliveries.append(.init(event: "chat:new", payload: chat.json, users: [change.member]))
            }
            return deliveries
        case .profileEvents:
            guard !entry.isCreation else { return [] }
            return [.init(event: "user:event", payload: entry.json, users: Set(try await store.contacts(of: key)))]
        case .localEvents:
            guard !entry.isCreation else { return [] }
            return [.init(event: "local:event", payload: entry.json, users: [key])]
        }
    }
}

extension ChatEventHeader {
    /// The membership change a MEMBER_JOINED / MEMBER_LEFT event makes; nil for every other event.
    func membershipChange(id: Int64) -> MembershipTimeline.Change? {
        guard let member, type == "MEMBER_JOINED" || type == "MEMBER_LEFT" else { return nil }
        return MembershipTimeline.Change(id: id, member: member, joined: type == "MEMBER_JOINED")
    }
}
