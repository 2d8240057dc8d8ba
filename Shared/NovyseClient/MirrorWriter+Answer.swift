import Foundation
import GRDB
import NovyseCore

extension MirrorWriter {
    /// Applies one answer in the seed's order: new chats → new users → messages → chat events → profile
    /// events → local events, then removals and the private state. The caller runs this inside one write
    /// transaction; `applyFault` may abort it at each stage (as a crash would).
    mutating func apply(_ answer: UpdateAnswer) throws {
        var fresh = Set<String>()
        for chat in answer.newChats { fresh.insert(try replaceChat(chat)) }
        try stage(.afterNewChats)
        for user in answer.newUsers { try replaceUser(user) }
        try stage(.afterNewUsers)
        for message in answer.messages { try applyMessage(message, freshChats: fresh) }
        try stage(.afterMessages)
        answerRoles = [:]
        for event in answer.chatEvents where event["type"]?.stringValue == "MEMBER_ROLE_CHANGED" {
            guard event["userUUID"]?.uuidValue?.key == me, let chat = event["chatUUID"]?.uuidValue?.key else { continue }
            answerRoles[chat] = event["payload"]?.objectValue?["current"]?.stringValue
        }
        for event in answer.chatEvents { try applyChatEvent(event) }
        answerRoles = [:]
        try stage(.afterChatEvents)
        for event in answer.userEvents { try applyProfileEvent(event) }
        try stage(.afterUserEvents)
        for event in answer.localEvents { try applyLocalEvent(event) }
        try stage(.afterLocalEvents)
        for chat in answer.removedChats { try removeChat(chat) }
        for user in answer.removedUsers { try removeUser(user) }
        if let state = answer.localState { try replaceLocal(state) }
        try stage(.beforeCommit)
        report.answers += 1
    }

    /// Empties every table (before an `initialize`, in the same transaction as its answer).
    func wipe() throws {
        for table in MirrorSchema.tables { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// The `POST /user/update` body for what the mirror holds; nil before `initialize`.
    static func updateBody(_ db: Database, limit: Int?) throws -> JSONValue? {
        guard let local = try Int64.fetchOne(db, sql: "SELECT event_id FROM local_state WHERE id = 1") else { return nil }
        var chats: [JSONValue] = []
        for row in try Row.fetchAll(db, sql: "SELECT uuid, event_id, message_id FROM chats ORDER BY uuid") {
            chats.append(
                .object([
                    "chatUUID": .string(row["uuid"]), "eventID": .integer(row["event_id"]), "messageID": .integer(row["message_id"]),
                ]))
        }
        var users: [JSONValue] = []
        for row in try Row.fetchAll(db, sql: "SELECT uuid, profile_event_id FROM users ORDER BY uuid") {
            users.append(.object(["userUUID": .string(row["uuid"]), "profileEventID": .integer(row["profile_event_id"])]))
        }
        var body: [String: JSONValue] = [
            "local": .object(["eventID": .integer(local)]), "chats": .array(chats), "users": .array(users),
        ]
        if let limit { body["limit"] = .integer(Int64(limit)) }
        return .object(body)
    }
}
