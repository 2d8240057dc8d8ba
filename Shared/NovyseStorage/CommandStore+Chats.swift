import Foundation
import Logging
import NovyseCore
import PostgresNIO

extension CommandStore {
    /// Creates a chat with its members in one statement (creation is not an event): the chat row, its
    /// creation members, the write-model memberships, its two streams and the outbox announcement.
    /// A DM is unique per pair; creating it again returns the existing one.
    public func createChat(
        by creator: UUID, type: ChatType, members others: [UUID], name: String?, on connection: PostgresConnection
    ) async throws -> ChatCreated {
        let others = Array(Set(others).subtracting([creator])).sorted { $0.uuidString < $1.uuidString }
        if type == .dm {
            guard others.count == 1 else {
                throw CommandError.invalid("memberUUIDs", "a DM has exactly one other member")
            }
        }
        guard others.count + 1 <= limits.chatMembers else { throw CommandError.limitReached("chatMembers", limits.chatMembers) }
        let known = try await connection.query(
            "SELECT count(*)::int FROM novyse.users WHERE uuid = ANY(\(others + [creator]))", logger: logger
        )
        for try await count in known.decode(Int.self) where count != others.count + 1 {
            throw CommandError.unknownUser
        }
        let users = [creator] + others
        let roles = users.map { user -> String in
            type == .dm ? MemberRole.member.rawValue : (user == creator ? MemberRole.owner : MemberRole.member).rawValue
        }
        let dmKey = type == .dm ? users.map { $0.uuidString.lowercased() }.sorted().joined(separator: ":") : nil
        let chat = UUID()
        let rows = try await connection.query(
            """
            WITH chat AS (
                INSERT INTO novyse.chats (uuid, type, name, created_by, dm_key)
                VALUES (\(chat), \(type.rawValue), \(name), \(creator), \(dmKey))
                ON CONFLICT (dm_key) DO NOTHING
                RETURNING uuid, created_at
            ), members AS (
                SELECT * FROM unnest(\(users)::uuid[], \(roles)::text[]) AS t(user_uuid, role)
            ), creation AS (
                INSERT INTO novyse.chat_creation_members (chat_uuid, user_uuid, role)
                SELECT chat.uuid, members.user_uuid, members.role FROM chat, members
            ), membership AS (
                INSERT INTO novyse.memberships (chat_uuid, user_uuid, role, joined_at)
                SELECT chat.uuid, members.user_uuid, members.role, chat.created_at FROM chat, members
            ), streams AS (
                INSERT INTO novyse.streams (kind, key)
                SELECT kind, chat.uuid FROM chat,
                    unnest(ARRAY[\(StreamKind.chatEvents.rawValue), \(StreamKind.chatMessages.rawValue)]::smallint[]) AS kind
            ), queued AS (
                INSERT INTO novyse.outbox (stream_kind, stream_key, item_id)
                SELECT \(StreamKind.chatEvents.rawValue), uuid, 0 FROM chat
            )
            SELECT uuid FROM chat
            """,
            logger: logger
        )
        for try await created in rows.decode(UUID.self) { return ChatCreated(chatUUID: created, created: true) }
        let existing = try await connection.query("SELECT uuid FROM novyse.chats WHERE dm_key = \(dmKey)", logger: logger)
        for try await uuid in existing.decode(UUID.self) {
            try await rejoinDM(uuid, members: users, by: creator, on: connection)
            return ChatCreated(chatUUID: uuid, created: false)
        }
        throw StorageError.unexpected("chat neither created nor found")
    }

    /// Opening a DM that exists brings back whichever of its two members had left (`MEMBER_JOINED`), so
    /// leaving a DM never locks anyone out of the conversation with that person.
    private func rejoinDM(_ chat: UUID, members: [UUID], by actor: UUID, on connection: PostgresConnection) async throws {
        var head = try await lockStream(StreamID(kind: .chatEvents, key: chat), mode: .membership, missing: .unknownChat, on: connection)
        for member in members where try await activeRole(chat: chat, user: member, on: connection) == nil {
            try await connection.query(
                """
                UPDATE novyse.memberships SET left_at = NULL, joined_at = now()
                WHERE chat_uuid = \(chat) AND user_uuid = \(member)
                """,
                logger: logger
            )
            let item = try await EventLog.appendChatEvent(
                chat: chat, prevID: head, type: .memberJoined, user: member, actor: actor, messageID: nil,
                payload: .object(["current": .string(member.uuidString.lowercased())]), on: connection, logger: logger
            )
            head = item.id
        }
    }

    /// `MEMBER_JOINED`: an admin adds a user to a group or channel (a former member rejoins as a member).
    public func addMember(
        _ user: UUID, to chat: UUID, by actor: UUID, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockStream(StreamID(kind: .chatEvents, key: chat), mode: .membership, missing: .unknownChat, on: connection)
        let access = try await access(chat: chat, user: actor, on: connection)
        guard access.type != .dm else {
            throw CommandError(.dmMembersFixed, message: "a DM's members cannot change")
        }
        guard access.isAdmin else { throw CommandError.adminOnly }
        guard try await UserRepository.exists(user, on: connection, logger: logger) else { throw CommandError.unknownUser }
        guard try await activeRole(chat: chat, user: user, on: connection) == nil else {
            throw CommandError(.alreadyMember, message: "the user is already a member")
        }
        // Under the chat's stream lock: no concurrent join can pass the same count.
        let active = try await count(
            "SELECT count(*)::int FROM novyse.memberships WHERE chat_uuid = \(chat) AND left_at IS NULL", on: connection
        )
        guard active < limits.chatMembers else { throw CommandError.limitReached("chatMembers", limits.chatMembers) }
        try await connection.query(
            """
            INSERT INTO novyse.memberships (chat_uuid, user_uuid, role, joined_at)
            VALUES (\(chat), \(user), 'MEMBER', now())
            ON CONFLICT (chat_uuid, user_uuid) DO UPDATE SET role = 'MEMBER', joined_at = now(), left_at = NULL
            """,
            logger: logger
        )
        let item = try await EventLog.appendChatEvent(
            chat: chat, prevID: head, type: .memberJoined, user: user, actor: actor, messageID: nil,
            payload: .object(["current": .string(user.uuidString.lowercased())]), on: connection, logger: logger
        )
        return EventWritten(eventID: item.id, prevID: item.prevID)
    }

    /// `MEMBER_LEFT`: an admin removes a member, or (`user == actor`) a member leaves. The owner of a group
    /// or channel cannot leave (`409 LAST_OWNER`): nobody could add members, moderate or post in a channel
    /// after; they hand ownership over first (`setRole(.owner, …)`). A DM has no owner to lose.
    public func removeMember(
        _ user: UUID, from chat: UUID, by actor: UUID, on connection: PostgresConnection
    ) async throws -> EventWritten {
        let head = try await lockStream(StreamID(kind: .chatEvents, key: chat), mode: .membership, missing: .unknownChat, on: connection)
        let access = try await access(chat: chat, user: actor, on: connection)
        if user == actor, access.type != .dm, access.role == .owner {
            throw CommandError(
                .lastOwner, message: "the owner cannot leave; hand ownership to another member first"
            )
        }
        if user != actor {
            guard access.type != .dm else {
                throw CommandError(.dmMembersFixed, message: "a DM's members cannot change")
            }
            guard access.isAdmin else { throw CommandError.adminOnly }
            guard try await UserRepository.exists(user, on: connection, logger: logger) else { throw CommandError.unknownUser }
            guard let role = try await activeRole(chat: chat, user: user, on: connection) else {
                throw CommandError(.notMember, message: "the user is not a member of this chat")
            }
            guard role != .owner || access.role == .owner else {
                throw CommandError(.cannotRemoveOwner, message: "the owner cannot be removed")
            }
        }
        try await connection.query(
            """
            UPDATE novyse.memberships SET left_at = now()
            WHERE chat_uuid = \(chat) AND user_uuid = \(user) AND left_at IS NULL
            """,
            logger: logger
        )
        let item = try await EventLog.appendChatEvent(
            chat: chat, prevID: head, type: .memberLeft, user: user, actor: actor, messageID: nil,
            payload: .object(["current": .string(user.uuidString.lowercased())]), on: connection, logger: logger
        )
        return EventWritten(eventID: item.id, prevID: item.prevID)
    }
}
