import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// An item just written to a stream.
public struct AppendedItem: Sendable, Equatable, Codable {
    public let id: Int64
    public let prevID: Int64
}

/// Appends to the streams of the event store, inside the caller's transaction.
///
/// The protocol, for every stream (I1, I2): `lock` the stream's row first (`FOR NO KEY UPDATE` or stronger), which also yields
/// its head; then validate against the write model while holding it; then `append…` with `prevID = head`,
/// which draws the ID from the sequence, moves the head and queues the item in the outbox in one statement.
/// Because the ID is drawn only after the lock, a stream's IDs become visible in commit order, and
/// `UNIQUE (stream, prev_id)` turns any violation of the protocol into an error instead of a fork.
public enum EventLog {
    /// How strongly `lock` holds a stream's row.
    public enum LockMode: Sendable {
        /// Appenders of the stream exclude each other (`FOR NO KEY UPDATE`); message sends, which hold their
        /// chat's event stream `FOR KEY SHARE`, go on meanwhile.
        case append
        /// Also excludes the chat's message sends (`FOR UPDATE`): membership changes take it, so each message
        /// commits wholly before or wholly after each membership change and records which (I7, the fan-out's
        /// audience as of each item's position).
        case membership
    }

    /// Locks a stream for this transaction and returns its head; nil when the stream does not exist.
    public static func lock(
        _ stream: StreamID, mode: LockMode = .append, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64? {
        let query: PostgresQuery =
            switch mode {
            case .append:
                "SELECT head FROM novyse.streams WHERE kind = \(stream.kind.rawValue) AND key = \(stream.key) FOR NO KEY UPDATE"
            case .membership:
                "SELECT head FROM novyse.streams WHERE kind = \(stream.kind.rawValue) AND key = \(stream.key) FOR UPDATE"
            }
        let rows = try await connection.query(query, logger: logger)
        for try await head in rows.decode(Int64.self) { return head }
        return nil
    }

    public static func appendChatEvent(
        chat: UUID, prevID: Int64, type: ChatEventType, user: UUID, actor: UUID, messageID: Int64?,
        payload: JSONValue, on connection: PostgresConnection, logger: Logger
    ) async throws -> AppendedItem {
        try await append(
            """
            INSERT INTO novyse.chat_events (chat_uuid, prev_id, type, user_uuid, actor_uuid, message_id, payload)
            VALUES (\(chat), \(prevID), \(type.rawValue), \(user), \(actor), \(messageID), \(payload.jsonText)::jsonb)
            """,
            to: StreamID(kind: .chatEvents, key: chat), on: connection, logger: logger
        )
    }

    public static func appendProfileEvent(
        user: UUID, prevID: Int64, type: ProfileEventType, payload: JSONValue,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> AppendedItem {
        try await append(
            """
            INSERT INTO novyse.profile_events (user_uuid, prev_id, type, payload)
            VALUES (\(user), \(prevID), \(type.rawValue), \(payload.jsonText)::jsonb)
            """,
            to: StreamID(kind: .profileEvents, key: user), on: connection, logger: logger
        )
    }

    public static func appendLocalEvent(
        user: UUID, prevID: Int64, type: LocalEventType, deviceID: String?, payload: JSONValue,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> AppendedItem {
        try await append(
            """
            INSERT INTO novyse.local_events (user_uuid, prev_id, type, device_id, payload)
            VALUES (\(user), \(prevID), \(type.rawValue), \(deviceID), \(payload.jsonText)::jsonb)
            """,
            to: StreamID(kind: .localEvents, key: user), on: connection, logger: logger
        )
    }

    /// Runs `insert` (an `INSERT` of one item, without `RETURNING`) together with what every append does in
    /// the same statement: move the stream's head to the new ID and queue the item in the outbox.
    private static func append(
        _ insert: PostgresQuery, to stream: StreamID, on connection: PostgresConnection, logger: Logger
    ) async throws -> AppendedItem {
        var query = insert
        let kind = "$\(insert.binds.count + 1)"
        let key = "$\(insert.binds.count + 2)"
        query.sql = """
            WITH item AS (\(insert.sql) RETURNING id, prev_id),
            \(appendTail(kind: kind, key: key))
            """
        query.binds.append(stream.kind.rawValue)
        query.binds.append(stream.key)
        return try await single(try await connection.query(query, logger: logger))
    }

    /// What every append does after its `item` CTE (`RETURNING id, prev_id`), in the same statement: move
    /// the stream's head to the new ID, queue the item in the outbox, and answer the item's `(id, prev_id)`.
    /// `kind` and `key` are SQL: parameters (`$4`) or literals.
    static func appendTail(kind: String, key: String) -> String {
        """
        moved AS (UPDATE novyse.streams SET head = item.id FROM item WHERE kind = \(kind) AND key = \(key)),
        queued AS (INSERT INTO novyse.outbox (stream_kind, stream_key, item_id) SELECT \(kind), \(key), id FROM item)
        SELECT id, prev_id FROM item
        """
    }

    static func single(_ rows: PostgresRowSequence) async throws -> AppendedItem {
        for try await (id, prevID) in rows.decode((Int64, Int64).self) {
            return AppendedItem(id: id, prevID: prevID)
        }
        throw StorageError.unexpected("append returned no row")
    }
}
