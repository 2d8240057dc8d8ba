import Foundation
import NovyseCore

/// Applying answers, in the seed's order: new chats → new users → messages → chat events → profile events
/// → local events, then removals.
extension Mirror {
    /// A `GET /user/initialize` answer on an empty device.
    mutating func applyInitialize(_ data: [String: JSONValue]) {
        if let local = data["local"]?.object { replaceLocal(local) }
        applyEntities(
            chats: data["chats"]?.objects ?? [], users: data["users"]?.objects ?? [],
            messages: data["messages"]?.objects ?? [])
    }

    /// A `POST /user/update` answer.
    mutating func applyUpdate(_ data: [String: JSONValue]) {
        let chatsPart = data["chats"]?.object ?? [:]
        let usersPart = data["users"]?.object ?? [:]
        applyEntities(
            chats: chatsPart["new"]?.objects ?? [], users: usersPart["new"]?.objects ?? [],
            messages: data["messages"]?.objects ?? [])
        for event in chatsPart["events"]?.objects ?? [] { applyChatEvent(event) }
        for event in usersPart["events"]?.objects ?? [] { applyProfileEvent(event) }
        for event in data["local"]?.objects ?? [] { applyLocalEvent(event) }
        for chat in (chatsPart["removed"]?.array ?? []).compactMap(\.uuid) { dropChat(chat) }
        for user in (usersPart["removed"]?.array ?? []).compactMap(\.uuid) { users[user] = nil }
        if let state = data["localState"]?.object { replaceLocal(state) }
    }

    private mutating func applyEntities(
        chats newChats: [[String: JSONValue]], users newUsers: [[String: JSONValue]], messages newMessages: [[String: JSONValue]]
    ) {
        var fresh = Set<UUID>()
        for chat in newChats {
            guard let id = chat["uuid"]?.uuid else {
                violations.append("chat without uuid")
                continue
            }
            dropChat(id)
            fresh.insert(id)
            var members: [UUID: [String: JSONValue]] = [:]
            for member in chat["members"]?.objects ?? [] {
                if let user = member["userUUID"]?.uuid { members[user] = ["role": member["role"] ?? .null, "joinedAt": member["joinedAt"] ?? .null] }
            }
            chats[id] = Chat(
                fields: [
                    "uuid": chat["uuid"]!, "type": chat["type"] ?? .null, "name": chat["name"] ?? .null,
                    "createdAt": chat["createdAt"] ?? .null,
                ],
                members: members, pinned: Set((chat["pinnedMessages"]?.array ?? []).compactMap(\.int64)),
                eventID: chat["eventID"]?.int64 ?? -1, messageID: chat["messageID"]?.int64 ?? -1
            )
            applied["chat.new", default: 0] += 1
        }
        for user in newUsers {
            guard let id = user["uuid"]?.uuid else {
                violations.append("user without uuid")
                continue
            }
            users[id] = user
            applied["user.new", default: 0] += 1
        }
        for message in newMessages {
            guard let id = message["id"]?.int64, let chat = message["chatUUID"]?.uuid else {
                violations.append("malformed message \(message)")
                continue
            }
            guard var held = chats[chat] else {
                violations.append("message \(id) of a chat the device does not have")
                continue
            }
            if !fresh.contains(chat) {
                // A held chat's new messages are never compacted: each must follow the cursor exactly (I2).
                if message["prevID"]?.int64 != held.messageID {
                    violations.append("message \(id) prevID \(String(describing: message["prevID"])) != cursor \(held.messageID)")
                }
                held.messageID = id
                chats[chat] = held
            } else if id > held.messageID {
                violations.append("new chat's message \(id) beyond the chat's messageID \(held.messageID)")
            }
            if messages[id] != nil && !fresh.contains(chat) { violations.append("message \(id) delivered twice") }
            messages[id] = Mirror.normalMessage(message)
            applied["message", default: 0] += 1
        }
    }

    mutating func applyChatEvent(_ event: [String: JSONValue]) {
        guard let id = event["id"]?.int64, let chatID = event["chatUUID"]?.uuid, var chat = chats[chatID],
            let type = event["type"]?.string, let actor = event["userUUID"]?.uuid
        else {
            violations.append("chat event for a chat the device does not have: \(event)")
            return
        }
        if id <= chat.eventID { violations.append("chat event \(id) at or behind cursor \(chat.eventID) (duplicate or reordered)") }
        let privileged = chat.members[me]?["role"]?.string.map { $0 != "MEMBER" } ?? false
        let prevID = event["prevID"]?.int64 ?? -1
        if privileged && prevID != chat.eventID {
            // Authors and admins get every event: each must follow the cursor exactly (I2).
            violations.append("chat event \(id) (\(type)) prevID \(prevID) != cursor \(chat.eventID)")
        } else if !privileged && (prevID < chat.eventID || prevID >= id) {
            // A plain member's range may omit compacted edits, so an event may follow one it never got,
            // but never one before its cursor.
            violations.append("chat event \(id) (\(type)) prevID \(prevID) behind cursor \(chat.eventID)")
        }
        let payload = event["payload"]?.object ?? [:]
        let messageID = payload["messageID"]?.int64
        var message = messageID.flatMap { messages[$0] }
        switch type {
        case "MESSAGE_EDITED":
            message?["content"] = payload["current"] ?? .null
            message?["editedAt"] = event["createdAt"] ?? .null
        case "REACTION_ADDED", "REACTION_REMOVED":
            if var current = message {
                var set = Set((current["reactions"]?.array ?? []).compactMap(\.string))
                let entry = JSONValue.object(["userUUID": .string(actor.uuidString.lowercased()), "reaction": payload["reaction"] ?? .null]).jsonText
                if type == "REACTION_ADDED" { set.insert(entry) } else { set.remove(entry) }
                current["reactions"] = .array(set.sorted().map { .string($0) })
                message = current
            }
        case "MESSAGE_DELETED":
            message?["deleted"] = .bool(true)
            message?["content"] = .string("")
            message?["editedAt"] = .null
            message?["pinned"] = .bool(false)
            message?["reactions"] = .array([])
            if let messageID { chat.pinned.remove(messageID) }
        case "MESSAGE_PINNED", "MESSAGE_UNPINNED":
            let pinned = type == "MESSAGE_PINNED"
            message?["pinned"] = .bool(pinned)
            if let messageID { if pinned { chat.pinned.insert(messageID) } else { chat.pinned.remove(messageID) } }
        case "MEMBER_JOINED":
            chat.members[actor] = ["role": .string("MEMBER"), "joinedAt": event["createdAt"] ?? .null]
        case "MEMBER_LEFT":
            chat.members[actor] = nil
        case "MEMBER_ROLE_CHANGED":
            chat.members[actor]?["role"] = payload["current"] ?? .null
        default:
            violations.append("unknown chat event type \(type)")
        }
        if let messageID, let message { messages[messageID] = message }
        chat.eventID = id
        chats[chatID] = chat
        applied[type, default: 0] += 1
    }

    static let profileFields = [
        "BIO_CHANGED": "biography", "PICTURE_CHANGED": "profilePictureUUID", "BANNER_CHANGED": "bannerPictureUUID",
        "NAME_CHANGED": "name", "SURNAME_CHANGED": "surname", "BIRTHDAY_CHANGED": "birthday", "COLOR_CHANGED": "color",
        "HANDLE_CHANGED": "handle",
    ]

    mutating func applyProfileEvent(_ event: [String: JSONValue]) {
        guard let id = event["id"]?.int64, let userID = event["userUUID"]?.uuid, var user = users[userID],
            let type = event["type"]?.string, let field = Self.profileFields[type]
        else {
            violations.append("profile event for a user the device does not have: \(event)")
            return
        }
        let cursor = user["profileEventID"]?.int64 ?? 0
        if id <= cursor { violations.append("profile event \(id) at or behind cursor \(cursor)") }
        if userID == me && event["prevID"]?.int64 != cursor {
            violations.append("own profile event \(id) prevID != cursor \(cursor) (the owner gets the full log)")
        }
        let value = event["payload"]?.object?["current"] ?? .null
        user[field] = value
        user["profileEventID"] = .integer(id)
        users[userID] = user
        if userID == me {
            local?.user[field] = value
            local?.user["profileEventID"] = .integer(id)
        }
        applied[type, default: 0] += 1
    }

    mutating func applyLocalEvent(_ event: [String: JSONValue]) {
        guard var state = local, let id = event["id"]?.int64, let type = event["type"]?.string else {
            violations.append("local event without local state: \(event)")
            return
        }
        if event["userUUID"]?.uuid != me { violations.append("another user's local event \(id)") }
        if event["prevID"]?.int64 != state.eventID { violations.append("local event \(id) prevID != cursor \(state.eventID)") }
        let payload = event["payload"]?.object ?? [:]
        let chat = payload["chatUUID"]?.uuid
        switch type {
        case "CHAT_PINNED": if let chat { state.pinnedChats[chat] = payload["position"] ?? .null }
        case "CHAT_UNPINNED": if let chat { state.pinnedChats[chat] = nil }
        case "CHAT_MUTED": if let chat { state.mutedChats[chat] = payload["until"] ?? .null }
        case "CHAT_UNMUTED": if let chat { state.mutedChats[chat] = nil }
        case "THEME_CHANGED": state.theme = payload["theme"] ?? .null
        case "FOLDER_UPDATED":
            if let folder = payload["folderID"]?.string {
                state.folders[folder] = .object(["name": payload["name"] ?? .null, "chatUUIDs": Mirror.normalUUIDs(payload["chatUUIDs"])])
            }
        case "FOLDER_DELETED": if let folder = payload["folderID"]?.string { state.folders[folder] = nil }
        default: violations.append("unknown local event type \(type)")
        }
        state.eventID = id
        state.user["eventID"] = .integer(id)
        local = state
        applied[type, default: 0] += 1
    }

    private mutating func replaceLocal(_ state: [String: JSONValue]) {
        let user = state["user"]?.object ?? [:]
        var pinned: [UUID: JSONValue] = [:]
        for entry in state["pinnedChats"]?.objects ?? [] { if let chat = entry["chatUUID"]?.uuid { pinned[chat] = entry["position"] ?? .null } }
        var muted: [UUID: JSONValue] = [:]
        for entry in state["mutedChats"]?.objects ?? [] { if let chat = entry["chatUUID"]?.uuid { muted[chat] = entry["until"] ?? .null } }
        var folders: [String: JSONValue] = [:]
        for entry in state["folders"]?.objects ?? [] {
            if let folder = entry["folderID"]?.string {
                folders[folder] = .object(["name": entry["name"] ?? .null, "chatUUIDs": Mirror.normalUUIDs(entry["chatUUIDs"])])
            }
        }
        local = Local(
            user: user, eventID: user["eventID"]?.int64 ?? -1, pinnedChats: pinned, mutedChats: muted, folders: folders,
            theme: state["theme"] ?? .null
        )
    }

    private mutating func dropChat(_ chat: UUID) {
        chats[chat] = nil
        messages = messages.filter { $0.value["chatUUID"]?.uuid != chat }
    }
}
