import Foundation
import NovyseCore
import PostgresNIO

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

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
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
        ), moved AS (
            UPDATE novyse.streams SET head = item.id FROM item
            WHERE kind = \(StreamKind.chatMessages.rawValue) AND key = $1
        ), queued AS (
            INSERT INTO novyse.outbox (stream_kind, stream_key, item_id)
            SELECT \(StreamKind.chatMessages.rawValue), $1, id FROM item
        )
        SELECT id, prev_id FROM item
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

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
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
        ), moved AS (
            UPDATE novyse.streams SET head = item.id FROM item
            WHERE kind = \(StreamKind.chatEvents.rawValue) AND key = $1
        ), queued AS (
            INSERT INTO novyse.outbox (stream_kind, stream_key, item_id)
            SELECT \(StreamKind.chatEvents.rawValue), $1, id FROM item
        )
        SELECT id, prev_id FROM item
        """
}
