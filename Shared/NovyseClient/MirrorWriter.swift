import Foundation
import GRDB
import NovyseCore

/// Writes server objects into the mirror inside one GRDB transaction, checking every stream item against
/// the cursor stored beside it (the instrumentation: never twice, never out of order, on the chain where
/// the server promises one).
///
/// The checks read the cursor from the same transaction, so they see exactly what a commit would leave;
/// a rolled-back answer leaves no trace in them either. In strict mode the first violation throws, which
/// rolls the answer back; otherwise violations are collected and the client publishes them after commit.
struct MirrorWriter {
    let db: Database
    /// The device's user (lowercase UUID): decides privileged chat roles and the owner's full profile log.
    let me: String
    let strict: Bool
    let fault: (@Sendable (ApplyStage) throws -> Void)?
    var report = ApplyReport()
    var violations: [String] = []
    /// This device's role in each chat as of the answer being applied, where the answer changes it: the
    /// server compacts a range by the role as of the answer, so the chain is checked by that role too.
    var answerRoles: [String: String] = [:]

    init(db: Database, me: String, strict: Bool, fault: (@Sendable (ApplyStage) throws -> Void)?) {
        self.db = db
        self.me = me
        self.strict = strict
        self.fault = fault
    }

    /// Records (or in strict mode throws) a broken ordering rule.
    mutating func violation(_ text: String) throws {
        if strict { throw NovyseClientError.orderViolation(text) }
        violations.append(text)
    }

    func stage(_ stage: ApplyStage) throws {
        try fault?(stage)
    }

    // MARK: Whole entities

    /// Inserts a chat object (as in initialize, `chats.new` or `chat:new`), replacing any local copy with its
    /// members, pins and messages: a resent chat is a reset of its two streams.
    mutating func replaceChat(_ chat: [String: JSONValue]) throws -> String {
        guard let uuid = chat["uuid"]?.uuidValue?.key, let type = chat["type"]?.stringValue else {
            throw NovyseClientError.malformed("chat without uuid/type")
        }
        try db.execute(sql: "DELETE FROM chats WHERE uuid = ?", arguments: [uuid])
        try db.execute(
            sql: "INSERT INTO chats (uuid, type, name, event_id, message_id, has_more_history) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                uuid, type, chat["name"]?.stringValue, chat["eventID"]?.int64Value ?? 0, chat["messageID"]?.int64Value ?? 0,
                chat["hasMoreHistory"]?.boolValue ?? false,
            ]
        )
        for member in chat["members"]?.objectsValue ?? [] {
            guard let user = member["userUUID"]?.uuidValue?.key else { continue }
            try db.execute(
                sql: "INSERT OR REPLACE INTO members (chat_uuid, user_uuid, role, joined_at) VALUES (?, ?, ?, ?)",
                arguments: [uuid, user, member["role"]?.stringValue ?? "MEMBER", member["joinedAt"]?.stringValue]
            )
        }
        for pinned in (chat["pinnedMessages"]?.arrayValue ?? []).compactMap(\.int64Value) {
            try db.execute(sql: "INSERT OR IGNORE INTO pinned_messages (chat_uuid, message_id) VALUES (?, ?)", arguments: [uuid, pinned])
        }
        report.newChats += 1
        report.note("new chat \(chat["name"]?.stringValue ?? type) (\(uuid.prefix(8)))")
        return uuid
    }

    /// Inserts or replaces a user's profile (as in initialize, `users.new` or `chat:new`).
    mutating func replaceUser(_ user: [String: JSONValue]) throws {
        guard let uuid = user["uuid"]?.uuidValue?.key else { throw NovyseClientError.malformed("user without uuid") }
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO users (uuid, handle, name, surname, biography, profile_picture_uuid,
                    banner_picture_uuid, birthday, color, profile_event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                uuid, user["handle"]?.stringValue ?? "", user["name"]?.stringValue ?? "", user["surname"]?.stringValue,
                user["biography"]?.stringValue, user["profilePictureUUID"]?.stringValue, user["bannerPictureUUID"]?.stringValue,
                user["birthday"]?.stringValue, user["color"]?.stringValue, user["profileEventID"]?.int64Value ?? 0,
            ]
        )
        report.newUsers += 1
        report.note("user @\(user["handle"]?.stringValue ?? "?")")
    }

    /// Writes a message in the state the server sent (reactions replaced). `clientMessageID` is kept when a
    /// push carries it, but it is not part of the mirror's compared state (the query service never sends it).
    func upsertMessage(_ message: [String: JSONValue], chat: String) throws -> Int64 {
        guard let id = message["id"]?.int64Value else { throw NovyseClientError.malformed("message without id") }
        try db.execute(
            sql: """
                INSERT INTO messages (id, prev_id, chat_uuid, sender_uuid, content, created_at, edited_at, deleted, pinned,
                    client_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET content = excluded.content, edited_at = excluded.edited_at,
                    deleted = excluded.deleted, pinned = excluded.pinned,
                    client_message_id = COALESCE(excluded.client_message_id, messages.client_message_id)
                """,
            arguments: [
                id, message["prevID"]?.int64Value ?? 0, chat, message["senderUUID"]?.uuidValue?.key ?? "",
                message["content"]?.stringValue ?? "", message["createdAt"]?.stringValue, message["editedAt"]?.stringValue,
                message["deleted"]?.boolValue ?? false, message["pinned"]?.boolValue ?? false,
                message["clientMessageID"]?.uuidValue?.key,
            ]
        )
        try db.execute(sql: "DELETE FROM reactions WHERE message_id = ?", arguments: [id])
        for reaction in message["reactions"]?.objectsValue ?? [] {
            guard let user = reaction["userUUID"]?.uuidValue?.key, let text = reaction["reaction"]?.stringValue else { continue }
            try db.execute(
                sql: "INSERT OR IGNORE INTO reactions (message_id, user_uuid, reaction) VALUES (?, ?, ?)", arguments: [id, user, text]
            )
        }
        return id
    }

    /// A message of an answer or a push: a fresh chat's latest messages only have to lie within its cursor;
    /// a held chat's new messages must follow its `messageID` exactly, and move it.
    mutating func applyMessage(_ message: [String: JSONValue], freshChats: Set<String>) throws {
        guard let id = message["id"]?.int64Value, let chat = message["chatUUID"]?.uuidValue?.key else {
            throw NovyseClientError.malformed("message without id/chatUUID")
        }
        guard let cursor = try Int64.fetchOne(db, sql: "SELECT message_id FROM chats WHERE uuid = ?", arguments: [chat]) else {
            try violation("message \(id) of chat \(chat) the device does not hold")
            return
        }
        if freshChats.contains(chat) {
            if id > cursor { try violation("new chat's message \(id) beyond its messageID \(cursor)") }
        } else {
            if id <= cursor { try violation("message \(id) at or behind cursor \(cursor) of chat \(chat) (twice or out of order)") }
            let prev = message["prevID"]?.int64Value
            if prev != cursor { try violation("message \(id) prevID \(prev.map(String.init) ?? "nil") != cursor \(cursor)") }
            try db.execute(sql: "UPDATE chats SET message_id = ? WHERE uuid = ?", arguments: [id, chat])
        }
        _ = try upsertMessage(message, chat: chat)
        report.messages += 1
        report.note("message \(id): \(String((message["content"]?.stringValue ?? "").prefix(60)))")
    }

    /// Replaces the private state (`initialize`'s `local`, or `localState`).
    mutating func replaceLocal(_ state: [String: JSONValue]) throws {
        let user = state["user"]?.objectValue ?? [:]
        let owner = user["uuid"]?.uuidValue?.key ?? me
        try db.execute(sql: "DELETE FROM pinned_chats; DELETE FROM muted_chats; DELETE FROM folders;")
        try db.execute(
            sql: "INSERT OR REPLACE INTO local_state (id, user_uuid, event_id, theme) VALUES (1, ?, ?, ?)",
            arguments: [owner, user["eventID"]?.int64Value ?? 0, state["theme"]?.stringValue]
        )
        for entry in state["pinnedChats"]?.objectsValue ?? [] {
            guard let chat = entry["chatUUID"]?.uuidValue?.key else { continue }
            try db.execute(
                sql: "INSERT OR REPLACE INTO pinned_chats (chat_uuid, position) VALUES (?, ?)",
                arguments: [chat, entry["position"]?.int64Value ?? 0]
            )
        }
        for entry in state["mutedChats"]?.objectsValue ?? [] {
            guard let chat = entry["chatUUID"]?.uuidValue?.key else { continue }
            try db.execute(
                sql: "INSERT OR REPLACE INTO muted_chats (chat_uuid, until) VALUES (?, ?)", arguments: [chat, entry["until"]?.stringValue]
            )
        }
        for entry in state["folders"]?.objectsValue ?? [] {
            try putFolder(entry)
        }
        report.localStateReplaced += 1
        report.note("private settings replaced")
    }

    func putFolder(_ folder: [String: JSONValue]) throws {
        guard let id = folder["folderID"]?.stringValue else { return }
        let chats = (folder["chatUUIDs"]?.arrayValue ?? []).compactMap(\.uuidValue?.key).sorted()
        try db.execute(
            sql: "INSERT OR REPLACE INTO folders (folder_id, name, chat_uuids) VALUES (?, ?, ?)",
            arguments: [id, folder["name"]?.stringValue ?? "", chats.joined(separator: ",")]
        )
    }

    /// Drops a chat and everything that belongs to it (members, pins, messages, reactions).
    mutating func removeChat(_ chat: UUID) throws {
        try db.execute(sql: "DELETE FROM chats WHERE uuid = ?", arguments: [chat.key])
        report.removedChats += 1
        report.note("chat \(chat.key.prefix(8)) removed")
    }

    mutating func removeUser(_ user: UUID) throws {
        try db.execute(sql: "DELETE FROM users WHERE uuid = ?", arguments: [user.key])
        report.removedUsers += 1
        report.note("user \(user.key.prefix(8)) removed")
    }
}
