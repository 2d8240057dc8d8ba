import Foundation
import NovyseCore

/// A device's local database, in memory: what the seed's client keeps, built only from query answers and
/// applied exactly as docs/api.md tells client authors to. Every rule a client relies on is asserted while
/// applying (a stream's items arrive in order, never twice, and where the server promises a chain, `prevID`
/// equals the cursor); breaches are collected in `violations`.
struct Mirror: Equatable {
    struct Chat: Equatable {
        var fields: [String: JSONValue]
        var members: [UUID: [String: JSONValue]]
        var pinned: Set<Int64>
        var eventID: Int64
        var messageID: Int64
    }

    struct Local: Equatable {
        var user: [String: JSONValue]
        var eventID: Int64
        var pinnedChats: [UUID: JSONValue]
        var mutedChats: [UUID: JSONValue]
        var folders: [String: JSONValue]
        var theme: JSONValue
    }

    let me: UUID
    var local: Local?
    var users: [UUID: [String: JSONValue]] = [:]
    var chats: [UUID: Chat] = [:]
    var messages: [Int64: [String: JSONValue]] = [:]
    var violations: [String] = []
    /// Items applied per kind, for assertions that a scenario really exercised something.
    var applied: [String: Int] = [:]

    init(me: UUID) {
        self.me = me
    }

    static func == (lhs: Mirror, rhs: Mirror) -> Bool {
        lhs.local == rhs.local && lhs.users == rhs.users && lhs.chats == rhs.chats && lhs.messages == rhs.messages
    }

    /// The `POST /user/update` body for what this device holds.
    func updateBody(limit: Int? = nil) -> String {
        let chatCursors = chats.values.map { chat -> JSONValue in
            .object([
                "chatUUID": .string(chat.fields["uuid"]?.string ?? ""), "eventID": .integer(chat.eventID),
                "messageID": .integer(chat.messageID),
            ])
        }
        let userCursors = users.map { uuid, row -> JSONValue in
            .object(["userUUID": .string(uuid.uuidString), "profileEventID": row["profileEventID"] ?? .integer(0)])
        }
        var body: [String: JSONValue] = [
            "local": .object(["eventID": .integer(local?.eventID ?? 0)]),
            "chats": .array(chatCursors), "users": .array(userCursors),
        ]
        if let limit { body["limit"] = .integer(Int64(limit)) }
        return JSONValue.object(body).jsonText
    }

    /// Differences from `other`, for a readable failure.
    func differences(from other: Mirror) -> [String] {
        var out: [String] = []
        if local != other.local { out.append("local: \(String(describing: local)) != \(String(describing: other.local))") }
        for id in Set(users.keys).union(other.users.keys) where users[id] != other.users[id] {
            out.append("user \(id): \(String(describing: users[id])) != \(String(describing: other.users[id]))")
        }
        for id in Set(chats.keys).union(other.chats.keys) where chats[id] != other.chats[id] {
            out.append("chat \(id): \(String(describing: chats[id])) != \(String(describing: other.chats[id]))")
        }
        for id in Set(messages.keys).union(other.messages.keys).sorted() where messages[id] != other.messages[id] {
            out.append("message \(id): \(String(describing: messages[id])) != \(String(describing: other.messages[id]))")
        }
        return out
    }

    /// Normal forms, so that equal states compare equal whatever the order of sets in the JSON.
    static func normalMessage(_ message: [String: JSONValue]) -> [String: JSONValue] {
        var message = message
        let reactions = (message["reactions"]?.array ?? []).map(\.jsonText).sorted()
        message["reactions"] = .array(reactions.map { .string($0) })
        message["clientMessageID"] = nil
        return message
    }

    static func normalUUIDs(_ value: JSONValue?) -> JSONValue {
        .array((value?.array ?? []).compactMap(\.uuid).map(\.uuidString).sorted().map { .string($0) })
    }
}
