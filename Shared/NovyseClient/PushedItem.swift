import Foundation
import GRDB
import NovyseCore

/// One item the fan-out pushed, and whether it can be applied on top of the mirror as it is.
enum PushedItem: Sendable {
    case message([String: JSONValue])
    case chatEvent([String: JSONValue])
    case userEvent([String: JSONValue])
    case localEvent([String: JSONValue])
    case chatNew([String: JSONValue])
    case chatRemoved(UUID)

    /// Reads a Socket.IO event; nil for events the client does not know (ignored, as a newer server may add some).
    init?(name: String, data: JSONValue) {
        guard let object = data.objectValue else { return nil }
        switch name {
        case "message:new": self = .message(object)
        case "chat:event": self = .chatEvent(object)
        case "user:event": self = .userEvent(object)
        case "local:event": self = .localEvent(object)
        case "chat:new": self = .chatNew(object)
        case "chat:removed":
            guard let chat = object["chatUUID"]?.uuidValue else { return nil }
            self = .chatRemoved(chat)
        default: return nil
        }
    }

    /// What became of a pushed item.
    enum Outcome: Sendable, Equatable {
        /// It followed the cursor and was applied.
        case applied
        /// The mirror already has it (its ID is at or behind the cursor): dropped.
        case duplicate
        /// It does not follow the cursor (or needs something the mirror lacks): run an update cycle.
        case gap
    }
}

extension MirrorWriter {
    /// Applies `item` if its `prevID` equals the local cursor of its stream (and, for a chat event about a
    /// message, the mirror can tell the message's state: it holds it, or the message is older than its
    /// message cursor, i.e. history it never loaded); otherwise changes nothing and says why.
    mutating func applyPushed(_ item: PushedItem) throws -> PushedItem.Outcome {
        switch item {
        case .message(let message):
            let chat = message["chatUUID"]?.uuidValue?.key
            let cursor = try Int64.fetchOne(db, sql: "SELECT message_id FROM chats WHERE uuid = ?", arguments: [chat])
            let outcome = Self.decide(id: message["id"]?.int64Value, prev: message["prevID"]?.int64Value, cursor: cursor)
            if outcome == .applied { try applyMessage(message, freshChats: []) }
            return outcome
        case .chatEvent(let event):
            let chat = event["chatUUID"]?.uuidValue?.key
            let row = try Row.fetchOne(db, sql: "SELECT event_id, message_id FROM chats WHERE uuid = ?", arguments: [chat])
            let outcome = Self.decide(id: event["id"]?.int64Value, prev: event["prevID"]?.int64Value, cursor: row?["event_id"])
            guard outcome == .applied else { return outcome }
            if let message = event["payload"]?.objectValue?["messageID"]?.int64Value, let messageCursor: Int64 = row?["message_id"],
                message > messageCursor,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM messages WHERE id = ?", arguments: [message]) == nil
            {
                return .gap  // the message itself has not arrived yet
            }
            try applyChatEvent(event)
            return .applied
        case .userEvent(let event):
            let user = event["userUUID"]?.uuidValue?.key
            let cursor = try Int64.fetchOne(db, sql: "SELECT profile_event_id FROM users WHERE uuid = ?", arguments: [user])
            let outcome = Self.decide(id: event["id"]?.int64Value, prev: event["prevID"]?.int64Value, cursor: cursor)
            if outcome == .applied { try applyProfileEvent(event) }
            return outcome
        case .localEvent(let event):
            let cursor = try Int64.fetchOne(db, sql: "SELECT event_id FROM local_state WHERE id = 1")
            let outcome = Self.decide(id: event["id"]?.int64Value, prev: event["prevID"]?.int64Value, cursor: cursor)
            if outcome == .applied { try applyLocalEvent(event) }
            return outcome
        case .chatNew(let payload):
            return try applyChatNew(payload)
        case .chatRemoved(let chat):
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM chats WHERE uuid = ?", arguments: [chat.key]) != nil else { return .duplicate }
            try removeChat(chat)
            return .applied
        }
    }

    /// `chat:new` `{chat, users, messages}`: a chat the mirror lacks is inserted with its latest messages and
    /// the profiles it does not hold yet (held ones keep their own, possibly newer, cursor). A chat it
    /// already holds is left alone: the snapshot behind the push may be older than the mirror.
    private mutating func applyChatNew(_ payload: [String: JSONValue]) throws -> PushedItem.Outcome {
        guard let chat = payload["chat"]?.objectValue, let uuid = chat["uuid"]?.uuidValue?.key else {
            throw NovyseClientError.malformed("chat:new without chat")
        }
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM chats WHERE uuid = ?", arguments: [uuid]) != nil { return .duplicate }
        _ = try replaceChat(chat)
        for user in payload["users"]?.objectsValue ?? [] {
            guard let key = user["uuid"]?.uuidValue?.key else { continue }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE uuid = ?", arguments: [key]) == nil { try replaceUser(user) }
        }
        for message in payload["messages"]?.objectsValue ?? [] { try applyMessage(message, freshChats: [uuid]) }
        return .applied
    }

    /// The prevID rule: behind or at the cursor is a duplicate, exactly after it applies, anything else is a gap.
    static func decide(id: Int64?, prev: Int64?, cursor: Int64?) -> PushedItem.Outcome {
        guard let id, let cursor else { return .gap }
        if id <= cursor { return .duplicate }
        return prev == cursor ? .applied : .gap
    }
}
