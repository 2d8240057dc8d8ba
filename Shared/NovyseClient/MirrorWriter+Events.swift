import Foundation
import GRDB
import NovyseCore

/// Applying stream events. Each event carries `payload.current` (the value after the change), so applying
/// needs no lookups; an event about a message the device does not hold changes nothing but still moves the
/// cursor (docs/api.md, "Applying an answer").
extension MirrorWriter {
    /// A chat event: checked against the chat's `eventID`, applied, cursor moved.
    mutating func applyChatEvent(_ event: [String: JSONValue]) throws {
        guard let id = event["id"]?.int64Value, let chat = event["chatUUID"]?.uuidValue?.key,
            let type = event["type"]?.stringValue, let actor = event["userUUID"]?.uuidValue?.key
        else { throw NovyseClientError.malformed("chat event without id/chatUUID/type/userUUID") }
        guard let cursor = try Int64.fetchOne(db, sql: "SELECT event_id FROM chats WHERE uuid = ?", arguments: [chat]) else {
            try violation("chat event \(id) for chat \(chat) the device does not hold")
            return
        }
        if id <= cursor { try violation("chat event \(id) at or behind cursor \(cursor) of chat \(chat) (twice or out of order)") }
        let role =
            try answerRoles[chat]
            ?? String.fetchOne(db, sql: "SELECT role FROM members WHERE chat_uuid = ? AND user_uuid = ?", arguments: [chat, me])
        let privileged = role.map { $0 != "MEMBER" } ?? false
        let prev = event["prevID"]?.int64Value ?? -1
        if privileged {
            // Authors and admins get every event: each must chain on the cursor (I2).
            if prev != cursor { try violation("chat event \(id) (\(type)) prevID \(prev) != cursor \(cursor) (role \(role ?? "none"))") }
        } else if prev < cursor || prev >= id {
            // A plain member's answer may skip edits the server compacted away, so the event after them points
            // past the cursor; it may never point behind it (that would be a fork or a replay).
            try violation("chat event \(id) (\(type)) prevID \(prev) behind cursor \(cursor) or not before its ID (role \(role ?? "none"))")
        }
        let payload = event["payload"]?.objectValue ?? [:]
        let message = payload["messageID"]?.int64Value
        switch type {
        case "MESSAGE_EDITED":
            try db.execute(
                sql: "UPDATE messages SET content = ?, edited_at = ? WHERE id = ?",
                arguments: [payload["current"]?.stringValue ?? payload["content"]?.stringValue ?? "", event["createdAt"]?.stringValue, message]
            )
        case "REACTION_ADDED":
            if let message, let reaction = payload["reaction"]?.stringValue,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM messages WHERE id = ?", arguments: [message]) != nil
            {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO reactions (message_id, user_uuid, reaction) VALUES (?, ?, ?)",
                    arguments: [message, actor, reaction]
                )
            }
        case "REACTION_REMOVED":
            try db.execute(
                sql: "DELETE FROM reactions WHERE message_id = ? AND user_uuid = ? AND reaction = ?",
                arguments: [message, actor, payload["reaction"]?.stringValue]
            )
        case "MESSAGE_DELETED":
            // A tombstone, as the server keeps it: no content, no trace of edits.
            try db.execute(sql: "UPDATE messages SET deleted = 1, content = '', pinned = 0, edited_at = NULL WHERE id = ?", arguments: [message])
            try db.execute(sql: "DELETE FROM reactions WHERE message_id = ?", arguments: [message])
            try db.execute(sql: "DELETE FROM pinned_messages WHERE chat_uuid = ? AND message_id = ?", arguments: [chat, message])
        case "MESSAGE_PINNED":
            try db.execute(sql: "UPDATE messages SET pinned = 1 WHERE id = ?", arguments: [message])
            try db.execute(sql: "INSERT OR IGNORE INTO pinned_messages (chat_uuid, message_id) VALUES (?, ?)", arguments: [chat, message])
        case "MESSAGE_UNPINNED":
            try db.execute(sql: "UPDATE messages SET pinned = 0 WHERE id = ?", arguments: [message])
            try db.execute(sql: "DELETE FROM pinned_messages WHERE chat_uuid = ? AND message_id = ?", arguments: [chat, message])
        case "MEMBER_JOINED":
            try db.execute(
                sql: "INSERT OR REPLACE INTO members (chat_uuid, user_uuid, role, joined_at) VALUES (?, ?, 'MEMBER', ?)",
                arguments: [chat, actor, event["createdAt"]?.stringValue]
            )
        case "MEMBER_LEFT":
            try db.execute(sql: "DELETE FROM members WHERE chat_uuid = ? AND user_uuid = ?", arguments: [chat, actor])
        case "MEMBER_ROLE_CHANGED":
            // Takes effect from the next event on: an admin's events chain fully, a plain member's may skip edits.
            try db.execute(
                sql: "UPDATE members SET role = ? WHERE chat_uuid = ? AND user_uuid = ?",
                arguments: [payload["current"]?.stringValue, chat, actor]
            )
        default:
            try violation("unknown chat event type \(type)")
        }
        try db.execute(sql: "UPDATE chats SET event_id = ? WHERE uuid = ?", arguments: [id, chat])
        report.chatEvents += 1
        report.note(
            "\(type) in chat \(chat.prefix(8))" + (message.map { " on message \($0)" } ?? "")
                + (type == "MESSAGE_EDITED" ? ": \(payload["current"]?.stringValue ?? "")" : "")
                + (type.hasPrefix("REACTION") ? " \(payload["reaction"]?.stringValue ?? "")" : ""))
    }

    /// The mirror column of each profile event type.
    static let profileColumns: [String: String] = [
        "BIO_CHANGED": "biography", "PICTURE_CHANGED": "profile_picture_uuid", "BANNER_CHANGED": "banner_picture_uuid",
        "NAME_CHANGED": "name", "SURNAME_CHANGED": "surname", "BIRTHDAY_CHANGED": "birthday", "COLOR_CHANGED": "color",
        "HANDLE_CHANGED": "handle",
    ]

    /// A profile event: checked against the user's `profileEventID` (and, for the device's own user, the
    /// chain: the owner gets the full log), applied, cursor moved.
    mutating func applyProfileEvent(_ event: [String: JSONValue]) throws {
        guard let id = event["id"]?.int64Value, let user = event["userUUID"]?.uuidValue?.key,
            let type = event["type"]?.stringValue
        else { throw NovyseClientError.malformed("profile event without id/userUUID/type") }
        guard let cursor = try Int64.fetchOne(db, sql: "SELECT profile_event_id FROM users WHERE uuid = ?", arguments: [user]) else {
            try violation("profile event \(id) for user \(user) the device does not hold")
            return
        }
        if id <= cursor { try violation("profile event \(id) at or behind cursor \(cursor) of user \(user)") }
        let prev = event["prevID"]?.int64Value
        if user == me && prev != cursor { try violation("own profile event \(id) prevID \(prev.map(String.init) ?? "nil") != cursor \(cursor)") }
        guard let column = Self.profileColumns[type] else {
            try violation("unknown profile event type \(type)")
            return
        }
        let value = event["payload"]?.objectValue?["current"]?.stringValue
        try db.execute(sql: "UPDATE users SET \(column) = ?, profile_event_id = ? WHERE uuid = ?", arguments: [value, id, user])
        report.userEvents += 1
        report.note("\(type) of user \(user.prefix(8)): \(value ?? "null")")
    }

    /// A private (local) event: must chain on the local cursor, applied, cursor moved.
    mutating func applyLocalEvent(_ event: [String: JSONValue]) throws {
        guard let id = event["id"]?.int64Value, let type = event["type"]?.stringValue else {
            throw NovyseClientError.malformed("local event without id/type")
        }
        guard let cursor = try Int64.fetchOne(db, sql: "SELECT event_id FROM local_state WHERE id = 1") else {
            try violation("local event \(id) without private state")
            return
        }
        if event["userUUID"]?.uuidValue?.key != me { try violation("another user's local event \(id)") }
        let prev = event["prevID"]?.int64Value
        if id <= cursor { try violation("local event \(id) at or behind cursor \(cursor)") }
        if prev != cursor { try violation("local event \(id) prevID \(prev.map(String.init) ?? "nil") != cursor \(cursor)") }
        let payload = event["payload"]?.objectValue ?? [:]
        let chat = payload["chatUUID"]?.uuidValue?.key
        switch type {
        case "CHAT_PINNED":
            try db.execute(
                sql: "INSERT OR REPLACE INTO pinned_chats (chat_uuid, position) VALUES (?, ?)",
                arguments: [chat, payload["position"]?.int64Value ?? 0]
            )
        case "CHAT_UNPINNED":
            try db.execute(sql: "DELETE FROM pinned_chats WHERE chat_uuid = ?", arguments: [chat])
        case "CHAT_MUTED":
            try db.execute(
                sql: "INSERT OR REPLACE INTO muted_chats (chat_uuid, until) VALUES (?, ?)", arguments: [chat, payload["until"]?.stringValue]
            )
        case "CHAT_UNMUTED":
            try db.execute(sql: "DELETE FROM muted_chats WHERE chat_uuid = ?", arguments: [chat])
        case "THEME_CHANGED":
            try db.execute(sql: "UPDATE local_state SET theme = ? WHERE id = 1", arguments: [payload["theme"]?.stringValue])
        case "FOLDER_UPDATED":
            try putFolder(payload)
        case "FOLDER_DELETED":
            try db.execute(sql: "DELETE FROM folders WHERE folder_id = ?", arguments: [payload["folderID"]?.stringValue])
        default:
            try violation("unknown local event type \(type)")
        }
        try db.execute(sql: "UPDATE local_state SET event_id = ? WHERE id = 1", arguments: [id])
        report.localEvents += 1
        report.note("\(type)" + (payload["theme"]?.stringValue.map { " \($0)" } ?? ""))
    }
}
