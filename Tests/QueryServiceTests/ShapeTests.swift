import Foundation
import NovyseCore
import TestSupport
import Testing

/// The wire shapes of `api.md`, key for key, with every chat, profile and local event type present.
@Suite("Answer shapes")
struct ShapeTests {
    static let messageKeys: Set = ["id", "prevID", "chatUUID", "senderUUID", "content", "createdAt", "editedAt", "deleted", "pinned", "reactions"]
    static let userKeys: Set = [
        "uuid", "handle", "name", "surname", "biography", "profilePictureUUID", "bannerPictureUUID", "birthday", "color", "profileEventID",
    ]
    static let chatKeys: Set = [
        "uuid", "type", "name", "createdAt", "members", "pinnedMessages", "eventID", "messageID", "hasMoreHistory", "hasMoreMembers",
    ]
    static let localKeys: Set = ["user", "pinnedChats", "mutedChats", "folders", "theme"]
    static let payloadKeys: [String: Set<String>] = [
        "MESSAGE_EDITED": ["messageID", "content", "current"], "REACTION_ADDED": ["messageID", "reaction", "current"],
        "REACTION_REMOVED": ["messageID", "reaction", "current"], "MESSAGE_DELETED": ["messageID", "current"],
        "MESSAGE_PINNED": ["messageID", "current"], "MESSAGE_UNPINNED": ["messageID", "current"],
        "MEMBER_JOINED": ["current"], "MEMBER_LEFT": ["current"], "MEMBER_ROLE_CHANGED": ["current"],
        "BIO_CHANGED": ["biography", "current"], "PICTURE_CHANGED": ["profilePictureUUID", "current"],
        "BANNER_CHANGED": ["bannerPictureUUID", "current"], "NAME_CHANGED": ["name", "current"],
        "SURNAME_CHANGED": ["surname", "current"], "BIRTHDAY_CHANGED": ["birthday", "current"],
        "COLOR_CHANGED": ["color", "current"], "HANDLE_CHANGED": ["handle", "current"],
        "CHAT_PINNED": ["chatUUID", "position", "current"], "CHAT_UNPINNED": ["chatUUID", "current"],
        "CHAT_MUTED": ["chatUUID", "current"], "CHAT_UNMUTED": ["chatUUID", "current"], "THEME_CHANGED": ["theme", "current"],
        "FOLDER_UPDATED": ["folderID", "name", "chatUUIDs", "current"], "FOLDER_DELETED": ["folderID", "current"],
    ]
    static var iso: Regex<Substring> { /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/ }

    func keys(_ object: [String: JSONValue]?) -> Set<String> { Set(object?.keys ?? [:].keys) }

    func checkTime(_ value: JSONValue?, nullable: Bool = false, _ what: String) {
        if nullable, value == .null { return }
        #expect(value?.string.map { $0.wholeMatch(of: Self.iso) != nil } == true, "\(what) is not an ISO time with ms: \(String(describing: value))")
    }

    func checkEvent(_ event: [String: JSONValue], chat: Bool) {
        let envelope: Set =
            chat
            ? ["id", "prevID", "type", "chatUUID", "userUUID", "createdAt", "payload"]
            : ["id", "prevID", "type", "userUUID", "createdAt", "payload"]
        #expect(keys(event) == envelope)
        checkTime(event["createdAt"], "event createdAt")
        let type = event["type"]?.string ?? ""
        let payload = keys(event["payload"]?.object)
        let expected = Self.payloadKeys[type] ?? []
        if type == "CHAT_MUTED" {
            #expect(payload == expected || payload == expected.union(["until"]), "\(type) payload \(payload)")
        } else {
            #expect(payload == expected, "\(type) payload \(payload)")
        }
    }

    @Test("initialize and update answer api.md's objects, with every event type")
    func shapes() async throws {
        try await QueryFixture.with { fixture in
            let world = try await Scenario.make(fixture)
            try await fixture.project()
            let initialize = try await fixture.initialize(world.alice)
            #expect(keys(initialize) == ["local", "users", "chats", "messages", "hasMore", "retryAfterMs"])
            #expect(keys(initialize["local"]?.object) == Self.localKeys)
            #expect(keys(initialize["local"]?.object?["user"]?.object) == Self.userKeys.union(["eventID"]))
            for user in initialize["users"]?.objects ?? [] { #expect(keys(user) == Self.userKeys) }
            for chat in initialize["chats"]?.objects ?? [] {
                #expect(keys(chat) == Self.chatKeys)
                checkTime(chat["createdAt"], "chat createdAt")
                for member in chat["members"]?.objects ?? [] {
                    #expect(keys(member) == ["userUUID", "role", "joinedAt"])
                    #expect(["OWNER", "ADMIN", "MEMBER"].contains(member["role"]?.string ?? ""))
                }
            }
            #expect(initialize["messages"]?.array?.isEmpty == false)
            for message in initialize["messages"]?.objects ?? [] {
                #expect(keys(message) == Self.messageKeys)
                checkTime(message["createdAt"], "message createdAt")
            }

            // A second user (the admin of alice's group) holds everything; alice's own account gets the
            // local events, so both devices together see every type.
            let device = try await fixture.freshDevice(world.alice)
            let bobDevice = try await fixture.freshDevice(world.bob)
            try await world.offlineRound(1)
            try await world.membershipChanges()
            try await fixture.project()
            var seen = Set<String>()
            for (user, mirror) in [(world.alice, device), (world.bob, bobDevice)] {
                let update = try await fixture.update(user, body: mirror.updateBody())
                #expect(keys(update) == ["chats", "users", "messages", "local", "localState", "hasMore", "retryAfterMs"])
                #expect(keys(update["chats"]?.object) == ["new", "events", "removed"])
                #expect(keys(update["users"]?.object) == ["new", "events", "removed"])
                for event in update["chats"]?.object?["events"]?.objects ?? [] {
                    checkEvent(event, chat: true)
                    seen.insert(event["type"]?.string ?? "")
                }
                for event in update["users"]?.object?["events"]?.objects ?? [] {
                    checkEvent(event, chat: false)
                    seen.insert(event["type"]?.string ?? "")
                }
                for event in update["local"]?.objects ?? [] {
                    checkEvent(event, chat: false)
                    seen.insert(event["type"]?.string ?? "")
                }
                for message in update["messages"]?.objects ?? [] {
                    #expect(keys(message) == Self.messageKeys)
                    checkTime(message["editedAt"], nullable: true, "editedAt")
                    for reaction in message["reactions"]?.objects ?? [] { #expect(keys(reaction) == ["userUUID", "reaction"]) }
                }
                for chat in update["chats"]?.object?["new"]?.objects ?? [] { #expect(keys(chat) == Self.chatKeys) }
                for user in update["users"]?.object?["new"]?.objects ?? [] { #expect(keys(user) == Self.userKeys) }
                #expect(update["localState"] == .null)
            }
            #expect(seen == Set(Self.payloadKeys.keys), "missing: \(Set(Self.payloadKeys.keys).subtracting(seen))")
        }
    }
}
