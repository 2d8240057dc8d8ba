import Foundation
import GRDB

/// The whole mirror as plain, sorted values: what "the device equals the server" compares, row for row.
///
/// Normalized so that equal states compare equal: rows sorted by key, reactions and folder chats sorted,
/// UUIDs lowercase. Left out are the fields that are not state: `clientMessageID` (only pushes carry it)
/// and `hasMoreHistory` (it depends on when the chat arrived).
public struct MirrorSnapshot: Sendable, Equatable {
    public struct Member: Sendable, Equatable, Hashable {
        public var userUUID, role: String
        public var joinedAt: String?
    }
    public struct Chat: Sendable, Equatable {
        public var uuid, type: String
        public var name: String?
        public var eventID, messageID: Int64
        public var members: [Member]
        public var pinnedMessages: [Int64]
    }
    public struct User: Sendable, Equatable {
        public var uuid, handle, name: String
        public var surname, biography, profilePictureUUID, bannerPictureUUID, birthday, color: String?
        public var profileEventID: Int64
    }
    public struct Reaction: Sendable, Equatable, Hashable { public var userUUID, reaction: String }
    public struct Message: Sendable, Equatable {
        public var id, prevID: Int64
        public var chatUUID, senderUUID, content: String
        public var createdAt, editedAt: String?
        public var deleted, pinned: Bool
        public var reactions: [Reaction]
    }
    public struct Folder: Sendable, Equatable {
        public var folderID, name: String
        public var chatUUIDs: [String]
    }
    public struct Settings: Sendable, Equatable {
        public var userUUID: String
        public var eventID: Int64
        public var theme: String?
        public var pinnedChats: [String: Int64]
        public var mutedChats: [String: String?]
        public var folders: [Folder]
    }

    public var settings: Settings?
    public var chats: [Chat] = []
    public var users: [User] = []
    public var messages: [Message] = []

    /// Reads the mirror in one read transaction.
    public static func read(_ db: Database) throws -> MirrorSnapshot {
        var snapshot = MirrorSnapshot()
        if let local = try Row.fetchOne(db, sql: "SELECT user_uuid, event_id, theme FROM local_state WHERE id = 1") {
            var pinned: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT chat_uuid, position FROM pinned_chats") { pinned[row["chat_uuid"]] = row["position"] }
            var muted: [String: String?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT chat_uuid, until FROM muted_chats") { muted[row["chat_uuid"]] = .some(row["until"]) }
            let folders = try Row.fetchAll(db, sql: "SELECT folder_id, name, chat_uuids FROM folders ORDER BY folder_id").map { row in
                let chats: String = row["chat_uuids"]
                return Folder(folderID: row["folder_id"], name: row["name"], chatUUIDs: chats.split(separator: ",").map(String.init).sorted())
            }
            snapshot.settings = Settings(
                userUUID: local["user_uuid"], eventID: local["event_id"], theme: local["theme"], pinnedChats: pinned, mutedChats: muted,
                folders: folders
            )
        }
        var members: [String: [Member]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT chat_uuid, user_uuid, role, joined_at FROM members ORDER BY chat_uuid, user_uuid") {
            members[row["chat_uuid"], default: []].append(Member(userUUID: row["user_uuid"], role: row["role"], joinedAt: row["joined_at"]))
        }
        var pins: [String: [Int64]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT chat_uuid, message_id FROM pinned_messages ORDER BY chat_uuid, message_id") {
            pins[row["chat_uuid"], default: []].append(row["message_id"])
        }
        snapshot.chats = try Row.fetchAll(db, sql: "SELECT * FROM chats ORDER BY uuid").map { row in
            let uuid: String = row["uuid"]
            return Chat(
                uuid: uuid, type: row["type"], name: row["name"], eventID: row["event_id"], messageID: row["message_id"],
                members: members[uuid] ?? [], pinnedMessages: pins[uuid] ?? []
            )
        }
        snapshot.users = try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY uuid").map { row in
            User(
                uuid: row["uuid"], handle: row["handle"], name: row["name"], surname: row["surname"], biography: row["biography"],
                profilePictureUUID: row["profile_picture_uuid"], bannerPictureUUID: row["banner_picture_uuid"], birthday: row["birthday"],
                color: row["color"], profileEventID: row["profile_event_id"]
            )
        }
        var reactions: [Int64: [Reaction]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM reactions ORDER BY message_id, user_uuid, reaction") {
            reactions[row["message_id"], default: []].append(Reaction(userUUID: row["user_uuid"], reaction: row["reaction"]))
        }
        snapshot.messages = try Row.fetchAll(db, sql: "SELECT * FROM messages ORDER BY id").map { row in
            let id: Int64 = row["id"]
            return Message(
                id: id, prevID: row["prev_id"], chatUUID: row["chat_uuid"], senderUUID: row["sender_uuid"], content: row["content"],
                createdAt: row["created_at"], editedAt: row["edited_at"], deleted: row["deleted"], pinned: row["pinned"],
                reactions: reactions[id] ?? []
            )
        }
        return snapshot
    }
}
