import Foundation
import NovyseCore
import PostgresNIO

/// The statements that append one item answer its `(id, prev_id)` (`EventLog.appendTail`).
extension PostgresPreparedStatement where Row == (Int64, Int64) {
    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}

/// The send as a prepared statement, parsed and planned once per connection: the most frequent write.
struct SendStatement: PostgresPreparedStatement {
    typealias Row = (Int64, Int64)

    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid, .text, .uuid]

    let chat: UUID
    let sender: UUID
    let content: String
    let clientMessageID: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(chat)
        bindings.append(sender)
        bindings.append(content)
        bindings.append(clientMessageID)
        return bindings
    }

    static let sql = """
        WITH events AS (
            SELECT e.head FROM novyse.streams e WHERE e.kind = \(StreamKind.chatEvents.rawValue) AND e.key = $1
            FOR KEY SHARE OF e
        ), member AS (
            SELECT m.user_uuid, (SELECT head FROM events) AS event_position
            FROM novyse.memberships m JOIN novyse.chats c ON c.uuid = m.chat_uuid
            WHERE (SELECT head FROM events) IS NOT NULL
              AND m.chat_uuid = $1 AND m.user_uuid = $2 AND m.left_at IS NULL
              AND (c.type <> 'CHANNEL' OR m.role IN ('OWNER', 'ADMIN'))
            FOR SHARE OF m
        ), stream AS (
            SELECT s.head, member.event_position FROM novyse.streams s, member
            WHERE s.kind = \(StreamKind.chatMessages.rawValue) AND s.key = $1
            FOR UPDATE OF s
        ), item AS (
            INSERT INTO novyse.messages (chat_uuid, prev_id, sender_uuid, content, client_message_id, event_position)
            SELECT $1, stream.head, $2, $3, $4, stream.event_position FROM stream
            ON CONFLICT ON CONSTRAINT messages_client_id DO NOTHING
            RETURNING id, prev_id
        ),
        \(EventLog.appendTail(kind: "\(StreamKind.chatMessages.rawValue)", key: "$1"))
        """
}

/// The allowed edit as one prepared statement, run with the chat's event stream already locked (its head
/// is `$5`); it returns no row when the caller may not edit.
struct EditStatement: PostgresPreparedStatement {
    typealias Row = (Int64, Int64)

    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid, .int8, .text, .int8]

    let chat: UUID
    let actor: UUID
    let messageID: Int64
    let head: Int64
    let payload: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(chat)
        bindings.append(actor)
        bindings.append(messageID)
        bindings.append(payload)
        bindings.append(head)
        return bindings
    }

    static let sql = """
        WITH allowed AS (
            SELECT 1 FROM novyse.chats c
            JOIN novyse.memberships m ON m.chat_uuid = c.uuid AND m.user_uuid = $2 AND m.left_at IS NULL
            JOIN novyse.messages x ON x.id = $3 AND x.chat_uuid = c.uuid AND x.sender_uuid = $2
            LEFT JOIN novyse.message_state st ON st.message_id = x.id
            WHERE c.uuid = $1 AND NOT COALESCE(st.deleted, false)
        ), item AS (
            INSERT INTO novyse.chat_events (chat_uuid, prev_id, type, user_uuid, actor_uuid, message_id, payload)
            SELECT $1, $5, '\(ChatEventType.messageEdited.rawValue)', $2, $2, $3, $4::jsonb FROM allowed
            RETURNING id, prev_id
        ),
        \(EventLog.appendTail(kind: "\(StreamKind.chatEvents.rawValue)", key: "$1"))
        """
}

/// A reaction added or withdrawn, with its checks, in one prepared statement run after the stream lock
/// (`$5` the head); no row when anything is refused. `$9` says which: add (within both count limits) or
/// withdraw.
struct ReactionStatement: PostgresPreparedStatement {
    typealias Row = (Int64, Int64)

    static let bindingDataTypes: [PostgresDataType] = [.uuid, .uuid, .int8, .text, .int8, .text, .int8, .int8, .bool]

    let chat: UUID
    let actor: UUID
    let messageID: Int64
    let reaction: String
    let head: Int64
    let payload: String
    let present: Bool
    let limits: CountLimits

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(chat)
        bindings.append(actor)
        bindings.append(messageID)
        bindings.append(reaction)
        bindings.append(head)
        bindings.append(payload)
        bindings.append(Int64(limits.reactionsPerUser))
        bindings.append(Int64(limits.distinctReactions))
        bindings.append(present)
        return bindings
    }

    static let sql = """
        WITH allowed AS (
            SELECT 1 FROM novyse.chats c
            JOIN novyse.memberships m ON m.chat_uuid = c.uuid AND m.user_uuid = $2 AND m.left_at IS NULL
            JOIN novyse.messages x ON x.id = $3 AND x.chat_uuid = c.uuid
            LEFT JOIN novyse.message_state st ON st.message_id = x.id
            WHERE c.uuid = $1 AND NOT COALESCE(st.deleted, false)
              AND (NOT $9 OR (SELECT count(*) FILTER (WHERE r.user_uuid = $2) < $7
                                     AND (COALESCE(bool_or(r.reaction = $4), false) OR count(DISTINCT r.reaction) < $8)
                              FROM novyse.message_reactions r WHERE r.message_id = $3))
        ), added AS (
            INSERT INTO novyse.message_reactions (message_id, user_uuid, reaction)
            SELECT $3, $2, $4 FROM allowed WHERE $9 ON CONFLICT DO NOTHING RETURNING 1
        ), withdrawn AS (
            DELETE FROM novyse.message_reactions
            WHERE NOT $9 AND EXISTS (SELECT 1 FROM allowed) AND message_id = $3 AND user_uuid = $2 AND reaction = $4
            RETURNING 1
        ), item AS (
            INSERT INTO novyse.chat_events (chat_uuid, prev_id, type, user_uuid, actor_uuid, message_id, payload)
            SELECT $1, $5,
                   CASE WHEN $9 THEN '\(ChatEventType.reactionAdded.rawValue)' ELSE '\(ChatEventType.reactionRemoved.rawValue)' END,
                   $2, $2, $3, $6::jsonb
            WHERE EXISTS (SELECT 1 FROM added) OR EXISTS (SELECT 1 FROM withdrawn)
            RETURNING id, prev_id
        ),
        \(EventLog.appendTail(kind: "\(StreamKind.chatEvents.rawValue)", key: "$1"))
        """
}
