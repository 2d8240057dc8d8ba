import Foundation
import Logging
import NovyseCore
import PostgresNIO

extension CommandStore {
    /// `MEMBER_ROLE_CHANGED`: the owner of a group or channel makes a member an admin, or an admin a member
    /// again; `.owner` hands ownership over (the target becomes the owner, the owner an admin: two events,
    /// in that order), so a chat always has exactly one owner.
    ///
    /// Under the membership lock of the chat's event stream, like joins and removals: a role decides who
    /// may post in a channel and who sees full edit histories, so every message is ordered against it.
    public func setRole(
        _ role: MemberRole, of user: UUID, in chat: UUID, by actor: UUID, on connection: PostgresConnection
    ) async throws -> RolesChanged {
        var head = try await lockStream(StreamID(kind: .chatEvents, key: chat), mode: .membership, missing: .unknownChat, on: connection)
        let access = try await access(chat: chat, user: actor, on: connection)
        guard access.type != .dm else {
            throw CommandError(.dmRolesFixed, message: "the members of a DM have no roles to change")
        }
        guard access.role == .owner else { throw CommandError.ownerOnly }
        guard user != actor else {
            throw CommandError(.roleUnchanged, message: "the owner's role changes only by handing ownership to another member")
        }
        guard let current = try await activeRole(chat: chat, user: user, on: connection) else {
            throw CommandError(.notMember, message: "the user is not a member of this chat")
        }
        guard current != role else {
            throw CommandError(.roleUnchanged, message: "the member already has this role")
        }
        var changes = [(user, role)]
        if role == .owner { changes.append((actor, .admin)) }
        var written: [AppendedItem] = []
        for (member, newRole) in changes {
            try await connection.query(
                """
                UPDATE novyse.memberships SET role = \(newRole.rawValue)
                WHERE chat_uuid = \(chat) AND user_uuid = \(member) AND left_at IS NULL
                """,
                logger: logger
            )
            let item = try await EventLog.appendChatEvent(
                chat: chat, prevID: head, type: .memberRoleChanged, user: member, actor: actor, messageID: nil,
                payload: .object(["current": .string(newRole.rawValue)]), on: connection, logger: logger
            )
            head = item.id
            written.append(item)
        }
        return RolesChanged(eventIDs: written.map(\.id))
    }
}
