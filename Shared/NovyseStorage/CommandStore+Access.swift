import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// Read-side checks of the write model that several mutations share; each runs inside the mutation's
/// transaction, after the relevant stream lock, so what it sees cannot change before commit.
extension CommandStore {
    struct ChatAccess: Sendable {
        let type: ChatType
        let role: MemberRole

        var isAdmin: Bool { role.isAdmin }
        /// Groups and channels reserve pinning and membership changes to admins; in a DM both may pin.
        var mayModerate: Bool { type == .dm || role.isAdmin }
    }

    /// The chat's type and the caller's role; `UNKNOWN_CHAT` or `NOT_A_MEMBER` otherwise.
    func access(chat: UUID, user: UUID, on connection: PostgresConnection) async throws -> ChatAccess {
        let rows = try await connection.query(
            """
            SELECT c.type, m.role FROM novyse.chats c
            LEFT JOIN novyse.memberships m ON m.chat_uuid = c.uuid AND m.user_uuid = \(user) AND m.left_at IS NULL
            WHERE c.uuid = \(chat)
            """,
            logger: logger
        )
        for try await (type, role) in rows.decode((String, String?).self) {
            guard let role, let memberRole = MemberRole(rawValue: role), let chatType = ChatType(rawValue: type) else {
                throw CommandError.notAMember
            }
            return ChatAccess(type: chatType, role: memberRole)
        }
        throw CommandError.unknownChat
    }

    /// The active role of `user` in `chat`, nil when not a member. `lock` share-locks the membership for a
    /// writer that holds no lock of the chat's, so a concurrent removal waits for it.
    func activeRole(chat: UUID, user: UUID, lock: Bool = false, on connection: PostgresConnection) async throws -> MemberRole? {
        let rows =
            lock
            ? try await connection.query(
                """
                SELECT role FROM novyse.memberships
                WHERE chat_uuid = \(chat) AND user_uuid = \(user) AND left_at IS NULL FOR SHARE
                """,
                logger: logger
            )
            : try await connection.query(
                """
                SELECT role FROM novyse.memberships
                WHERE chat_uuid = \(chat) AND user_uuid = \(user) AND left_at IS NULL
                """,
                logger: logger
            )
        for try await role in rows.decode(String.self) { return MemberRole(rawValue: role) }
        return nil
    }

    struct MessageFacts: Sendable {
        let sender: UUID
        let deleted: Bool
        let pinned: Bool
    }

    /// The message, only if it belongs to `chat`: guessing an ID of another chat finds nothing (I7).
    func message(_ id: Int64, in chat: UUID, on connection: PostgresConnection) async throws -> MessageFacts {
        let rows = try await connection.query(
            """
            SELECT m.sender_uuid, COALESCE(s.deleted, false), COALESCE(s.pinned, false)
            FROM novyse.messages m LEFT JOIN novyse.message_state s ON s.message_id = m.id
            WHERE m.id = \(id) AND m.chat_uuid = \(chat)
            """,
            logger: logger
        )
        for try await (sender, deleted, pinned) in rows.decode((UUID, Bool, Bool).self) {
            return MessageFacts(sender: sender, deleted: deleted, pinned: pinned)
        }
        throw CommandError.unknownMessage
    }

    /// Locks a stream that must exist; `missing` is what its absence means to the caller.
    func lockStream(
        _ stream: StreamID, mode: EventLog.LockMode = .append, missing: CommandError, on connection: PostgresConnection
    ) async throws -> Int64 {
        guard let head = try await EventLog.lock(stream, mode: mode, on: connection, logger: logger) else { throw missing }
        return head
    }
}
