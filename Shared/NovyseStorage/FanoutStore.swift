import Foundation
import Logging
import PostgresNIO

/// What the fan-out service reads from Postgres to route pipeline items: who is in a chat, who shares a
/// chat with a user, which devices can be woken, and the `chat:new` object of a chat.
///
/// Membership comes from the write model (`novyse.memberships`), which the command service changes in the
/// same transaction as the MEMBER_* event, so it is already current when the event reaches Redis. Every
/// statement binds its parameters.
public struct FanoutStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The current members of a chat.
    public func members(of chat: UUID) async throws -> [UUID] {
        let rows = try await client.query(
            "SELECT user_uuid FROM novyse.memberships WHERE chat_uuid = \(chat) AND left_at IS NULL",
            logger: logger
        )
        var members: [UUID] = []
        for try await member in rows.decode(UUID.self) { members.append(member) }
        return members
    }

    /// The members of a chat as of its chat event `position` (after it): for each user the latest MEMBER_*
    /// event up to there decides, and a user without one is a member if the chat was created with them.
    /// Position 0 is the chat's creation. Nil: the current members (for items without a position).
    ///
    /// The write model's `memberships` row only says where a user stands now; the event stream is the
    /// history, so a push routed late still goes to those who were members when its item was written.
    public func members(of chat: UUID, at position: Int64?) async throws -> [UUID] {
        guard let position else { return try await members(of: chat) }
        let rows = try await client.query(
            """
            WITH latest AS (
                SELECT DISTINCT ON (user_uuid) user_uuid, type FROM novyse.chat_events
                WHERE chat_uuid = \(chat) AND id <= \(position) AND type IN ('MEMBER_JOINED', 'MEMBER_LEFT')
                ORDER BY user_uuid, id DESC
            )
            SELECT user_uuid FROM latest WHERE type = 'MEMBER_JOINED'
            UNION ALL
            SELECT c.user_uuid FROM novyse.chat_creation_members c
            WHERE c.chat_uuid = \(chat) AND NOT EXISTS (SELECT 1 FROM latest WHERE latest.user_uuid = c.user_uuid)
            """,
            logger: logger
        )
        var members: [UUID] = []
        for try await member in rows.decode(UUID.self) { members.append(member) }
        return members
    }

    /// Which of `messages` are deleted now (write model): their text must not be pushed to plain members.
    public func deletedMessages(among messages: [Int64]) async throws -> Set<Int64> {
        guard !messages.isEmpty else { return [] }
        let rows = try await client.query(
            "SELECT message_id FROM novyse.message_state WHERE message_id = ANY(\(messages)::bigint[]) AND deleted",
            logger: logger
        )
        var deleted: Set<Int64> = []
        for try await id in rows.decode(Int64.self) { deleted.insert(id) }
        return deleted
    }

    /// The current owners and admins of a chat: with a message's author, who may see its text after deletion.
    public func admins(of chat: UUID) async throws -> Set<UUID> {
        let rows = try await client.query(
            """
            SELECT user_uuid FROM novyse.memberships
            WHERE chat_uuid = \(chat) AND left_at IS NULL AND role IN ('OWNER', 'ADMIN')
            """,
            logger: logger
        )
        var admins: Set<UUID> = []
        for try await user in rows.decode(UUID.self) { admins.insert(user) }
        return admins
    }

    /// `user` and everyone who shares a current chat with them: the audience of their profile events.
    public func contacts(of user: UUID) async throws -> [UUID] {
        let rows = try await client.query(
            """
            SELECT DISTINCT other.user_uuid
            FROM novyse.memberships mine
            JOIN novyse.memberships other ON other.chat_uuid = mine.chat_uuid AND other.left_at IS NULL
            WHERE mine.user_uuid = \(user) AND mine.left_at IS NULL
            """,
            logger: logger
        )
        var contacts: Set<UUID> = [user]
        for try await contact in rows.decode(UUID.self) { contacts.insert(contact) }
        return Array(contacts)
    }

    /// The devices of `users` that have a push token (candidates for a wake-up).
    public func pushDevices(of users: [UUID]) async throws -> [(userUUID: UUID, deviceID: String)] {
        guard !users.isEmpty else { return [] }
        let rows = try await client.query(
            """
            SELECT user_uuid, device_id FROM novyse.devices
            WHERE user_uuid = ANY(\(users)::uuid[]) AND push_token IS NOT NULL
            """,
            logger: logger
        )
        var devices: [(userUUID: UUID, deviceID: String)] = []
        for try await (user, device) in rows.decode((UUID, String).self) { devices.append((user, device)) }
        return devices
    }

    /// A `chat:new` object and who was a member when it was read.
    public struct NewChat: Sendable {
        /// `{chat, users, messages}` as JSON text.
        public let json: String
        /// The members it lists: only they may be pushed it (its messages are as of now, so someone who
        /// left since the item being routed must not get them).
        public let members: Set<UUID>
    }

    /// The `chat:new` payload `{chat, users, messages}` as JSON text, or nil for an unknown chat.
    ///
    /// Everything but the member list comes from the snapshot with the chat's projected positions as its
    /// cursors (`eventID`, `messageID`), so the object is consistent with them (I4) even while the projector
    /// lags; the member list comes from the write model so a just-joined member is in it. A client whose
    /// cursors are behind what it is pushed next detects the gap by `prevID` and runs an update cycle.
    /// Lists at most `memberLimit` members (owner and admins first, then by `userUUID`) and their profiles,
    /// with `hasMoreMembers`, as the query service's chat objects do.
    public func newChatPayload(chat: UUID, messageLimit: Int, memberLimit: Int = 100) async throws -> NewChat? {
        let rows = try await client.query(
            """
            WITH c AS (SELECT uuid, type, name, created_at FROM novyse.chats WHERE uuid = \(chat)),
            pos AS (
                SELECT COALESCE((SELECT position FROM snapshot.positions WHERE kind = 1 AND key = \(chat)), 0) AS events,
                       COALESCE((SELECT position FROM snapshot.positions WHERE kind = 2 AND key = \(chat)), 0) AS messages
            ),
            mem AS (
                SELECT user_uuid, role, joined_at FROM novyse.memberships WHERE chat_uuid = \(chat) AND left_at IS NULL
            ),
            listed AS (SELECT * FROM mem ORDER BY role = 'MEMBER', user_uuid LIMIT \(memberLimit)),
            latest AS (
                SELECT m.* FROM snapshot.messages m, pos
                WHERE m.chat_uuid = \(chat) AND m.id <= pos.messages ORDER BY m.id DESC LIMIT \(messageLimit)
            )
            SELECT json_build_object(
                'chat', json_build_object(
                    'uuid', c.uuid, 'type', c.type, 'name', c.name, 'createdAt', \(unescaped: QuerySQL.time("c.created_at")),
                    'members', COALESCE((SELECT json_agg(json_build_object('userUUID', user_uuid, 'role', role,
                        'joinedAt', \(unescaped: QuerySQL.time("joined_at"))) ORDER BY user_uuid) FROM listed), '[]'::json),
                    'hasMoreMembers', (SELECT count(*) FROM mem) > \(memberLimit),
                    'pinnedMessages', COALESCE((SELECT json_agg(m.id ORDER BY m.id) FROM snapshot.messages m
                        WHERE m.chat_uuid = c.uuid AND m.pinned AND m.id <= pos.messages), '[]'::json),
                    'eventID', pos.events, 'messageID', pos.messages,
                    'hasMoreHistory', (SELECT m.id FROM snapshot.messages m WHERE m.chat_uuid = c.uuid AND m.id <= pos.messages
                        ORDER BY m.id DESC OFFSET \(messageLimit) LIMIT 1) IS NOT NULL),
                'users', COALESCE((SELECT json_agg(\(unescaped: QuerySQL.user) ORDER BY u.uuid)
                    FROM listed JOIN snapshot.users u ON u.uuid = listed.user_uuid
                    LEFT JOIN snapshot.positions p3 ON p3.kind = 3 AND p3.key = u.uuid), '[]'::json),
                'messages', COALESCE((SELECT json_agg(\(unescaped: QuerySQL.message) ORDER BY x.id)
                    FROM latest x \(unescaped: QuerySQL.messageReactions)), '[]'::json)
            )::text, ARRAY(SELECT user_uuid FROM mem)
            FROM c, pos
            """,
            logger: logger
        )
        for try await (payload, members) in rows.decode((String, [UUID]).self) {
            return NewChat(json: payload, members: Set(members))
        }
        return nil
    }
}
