import Foundation
import NovyseCore
import NovyseService

/// A parsed `POST /user/update` body: the device's cursors and the `limit` it asked for.
///
/// Parsed by hand from a `JSONValue` rather than decoded, so each refusal names the exact field
/// (`chats[3].eventID`) and the rule it broke, and nothing malformed reaches the store. The keys it accepts
/// are those of the wire types the OpenAPI description is derived from (`SyncWire.UpdateRequest`).
struct UpdateRequest: Sendable, Equatable {
    static let keys = SyncWire.UpdateRequest.schemaKeys
    static let maxID = SchemaPatterns.maxID

    let cursors: SyncCursors
    let limit: Int?

    init(cursors: SyncCursors, limit: Int?) {
        self.cursors = cursors
        self.limit = limit
    }

    init(body: Data, maxCursors: Int) throws(APIError) {
        guard !body.isEmpty else { throw .badRequest(.invalidBody, "a JSON object body is required") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            throw .badRequest(.invalidJSON, "the body is not valid JSON")
        }
        let object = try Self.object(value, at: "the body", keys: Self.keys)
        guard let local = object["local"] else { throw .badRequest(.invalidBody, "local is required") }
        let localObject = try Self.object(local, at: "local", keys: SyncWire.LocalCursor.schemaKeys)
        let localEventID = try Self.id(localObject["eventID"], at: "local.eventID")

        let chats = try Self.array(object["chats"], at: "chats", max: maxCursors)
        var seenChats = Set<UUID>()
        let chatCursors = try chats.enumerated().map { index, item throws(APIError) in
            let path = "chats[\(index)]"
            let fields = try Self.object(item, at: path, keys: SyncWire.ChatCursor.schemaKeys)
            let cursor = SyncCursors.Chat(
                chatUUID: try Self.uuid(fields["chatUUID"], at: "\(path).chatUUID"),
                eventID: try Self.id(fields["eventID"], at: "\(path).eventID"),
                messageID: try Self.id(fields["messageID"], at: "\(path).messageID")
            )
            guard seenChats.insert(cursor.chatUUID).inserted else {
                throw APIError.badRequest(.duplicateChat, "\(path).chatUUID names a chat listed before")
            }
            return cursor
        }

        let users = try Self.array(object["users"], at: "users", max: maxCursors)
        var seenUsers = Set<UUID>()
        let userCursors = try users.enumerated().map { index, item throws(APIError) in
            let path = "users[\(index)]"
            let fields = try Self.object(item, at: path, keys: SyncWire.UserCursor.schemaKeys)
            let cursor = SyncCursors.User(
                userUUID: try Self.uuid(fields["userUUID"], at: "\(path).userUUID"),
                profileEventID: try Self.id(fields["profileEventID"], at: "\(path).profileEventID")
            )
            guard seenUsers.insert(cursor.userUUID).inserted else {
                throw APIError.badRequest(.duplicateUser, "\(path).userUUID names a user listed before")
            }
            return cursor
        }

        var limit: Int?
        if let value = object["limit"] {
            // `null` is not "the default": a client that sends it has a bug worth hearing about (omit the key).
            guard case .integer(let number) = value, number >= 1 else {
                throw .badRequest(.invalidField, "limit must be a positive integer (omit it for the default)")
            }
            limit = Int(clamping: number)
        }
        self.init(cursors: SyncCursors(localEventID: localEventID, chats: chatCursors, users: userCursors), limit: limit)
    }

    static func object(_ value: JSONValue, at path: String, keys: Set<String>) throws(APIError) -> [String: JSONValue] {
        guard case .object(let fields) = value else { throw .badRequest(.invalidBody, "\(path) must be a JSON object") }
        if fields.keys.contains(where: { !keys.contains($0) }), let unknown = fields.keys.sorted().first(where: { !keys.contains($0) }) {
            throw .badRequest(.unknownField, "unknown field \(path == "the body" ? unknown : "\(path).\(unknown)")")
        }
        return fields
    }

    static func array(_ value: JSONValue?, at path: String, max: Int) throws(APIError) -> [JSONValue] {
        switch value {
        case nil: return []  // absent is empty; `null` is refused below, as the schema has arrays only
        case .array(let items)?:
            guard items.count <= max else {
                throw .badRequest(.tooManyCursors, "\(path) may list at most \(max) entries")
            }
            return items
        default: throw .badRequest(.invalidBody, "\(path) must be an array")
        }
    }

    static func id(_ value: JSONValue?, at path: String) throws(APIError) -> Int64 {
        guard let value else { throw .badRequest(.invalidBody, "\(path) is required") }
        guard case .integer(let id) = value else { throw .badRequest(.invalidBody, "\(path) must be an integer") }
        guard (0...maxID).contains(id) else { throw .badRequest(.invalidField, "\(path) must be 0…2^53−1") }
        return id
    }

    static func uuid(_ value: JSONValue?, at path: String) throws(APIError) -> UUID {
        guard let value else { throw .badRequest(.invalidBody, "\(path) is required") }
        guard case .string(let text) = value, let uuid = UUID(text: text) else {
            throw .badRequest(.invalidBody, "\(path) must be a UUID string")
        }
        return uuid
    }
}
