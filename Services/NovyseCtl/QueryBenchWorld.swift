import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO

/// The data of `novysectl bench query`: one user in many group chats with a pool of contacts, written
/// through the command store (the real write path) and projected with the projector's SQL.
struct QueryBenchWorld: Sendable {
    let user: UUID
    let contacts: [UUID]
    let chats: [UUID]
    let store: CommandStore

    static func build(client: PostgresClient, chats count: Int, messages: Int, logger: Logger) async throws -> QueryBenchWorld {
        let users = UserRepository(client: client, logger: logger)
        let tag = UInt32.random(in: 0...UInt32.max)
        let user = try await users.create(ProfileFields(handle: "qb\(tag)", name: "Reader"))
        var contacts: [UUID] = []
        for index in 0..<50 { contacts.append(try await users.create(ProfileFields(handle: "qb\(tag)c\(index)", name: "Contact \(index)"))) }
        let store = CommandStore(client: client, logger: logger)
        var chats: [UUID] = []
        for index in 0..<count {
            let members = (0..<3).map { contacts[(index * 3 + $0) % contacts.count] }
            let (created, _) = try await store.transaction(idempotency: nil) { connection in
                try await store.createChat(by: user, type: .group, members: members, name: "chat \(index)", on: connection)
            }
            chats.append(UUID(uuidString: created.chatUUID)!)
        }
        let world = QueryBenchWorld(user: user, contacts: contacts, chats: chats, store: store)
        for round in 0..<messages {
            for (index, chat) in chats.enumerated() {
                _ = try await world.send("message \(round)", in: chat, from: round % 2 == 0 ? user : contacts[(index * 3) % contacts.count])
            }
        }
        return world
    }

    func send(_ content: String, in chat: UUID, from sender: UUID) async throws -> Int64 {
        try await store.transaction(idempotency: nil, singleStatement: true) { connection in
            try await store.sendMessage(chat: chat, sender: sender, content: content, clientMessageID: UUID(), on: connection)
        }.result.messageID
    }

    /// What the device misses: new messages, edits of its own messages, reactions, contacts' profile changes.
    func writeDelta(items: Int, client: PostgresClient, logger: Logger) async throws {
        var written = 0
        var round = 0
        while written < items {
            let chat = chats[round % chats.count]
            let current = round
            let id = try await send("delta \(current)", in: chat, from: user)
            _ = try await store.transaction(idempotency: nil) { connection in
                try await store.editMessage(id, in: chat, content: "edited \(current)", by: user, on: connection)
            }
            _ = try await store.transaction(idempotency: nil) { connection in
                try await store.setReaction("👍", on: id, in: chat, by: user, present: true, on: connection)
            }
            let contact = contacts[round % contacts.count]
            _ = try await store.transaction(idempotency: nil) { connection in
                try await store.updateProfile(of: contact, try ProfileUpdate(body: ["biography": .string("bio \(current)")]), on: connection)
            }
            written += 4
            round += 1
        }
    }

    func project(client: PostgresClient, logger: Logger) async throws {
        let projector = ProjectorStore(client: client, logger: logger)
        while try await projector.sweep(limit: 10_000) > 0 {}
    }

    /// The cursors a device holds after applying `answer` on top of `base`.
    static func cursors(of answer: SyncAnswer, base: SyncCursors = .empty) throws -> SyncCursors {
        var chats = Dictionary(uniqueKeysWithValues: base.chats.map { ($0.chatUUID, $0) })
        var users = Dictionary(uniqueKeysWithValues: base.users.map { ($0.userUUID, $0) })
        var local = base.localEventID
        func object(_ text: String) throws -> [String: JSONValue] {
            guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return [:] }
            return fields
        }
        func id(_ value: JSONValue?) -> Int64 { if case .integer(let id)? = value { id } else { 0 } }
        func uuid(_ value: JSONValue?) -> UUID? { if case .string(let text)? = value { UUID(uuidString: text) } else { nil } }
        for text in answer.newChats {
            let chat = try object(text)
            if let key = uuid(chat["uuid"]) { chats[key] = .init(chatUUID: key, eventID: id(chat["eventID"]), messageID: id(chat["messageID"])) }
        }
        for text in answer.newUsers {
            let user = try object(text)
            if let key = uuid(user["uuid"]) { users[key] = .init(userUUID: key, profileEventID: id(user["profileEventID"])) }
        }
        for text in answer.messages {
            let message = try object(text)
            if let key = uuid(message["chatUUID"]), let held = chats[key], id(message["id"]) > held.messageID {
                chats[key] = .init(chatUUID: key, eventID: held.eventID, messageID: id(message["id"]))
            }
        }
        for text in answer.chatEvents {
            let event = try object(text)
            if let key = uuid(event["chatUUID"]), let held = chats[key] {
                chats[key] = .init(chatUUID: key, eventID: id(event["id"]), messageID: held.messageID)
            }
        }
        for text in answer.userEvents {
            let event = try object(text)
            if let key = uuid(event["userUUID"]) { users[key] = .init(userUUID: key, profileEventID: id(event["id"])) }
        }
        if let state = answer.localState, case .object(let user)? = try object(state)["user"] { local = id(user["eventID"]) }
        for text in answer.localEvents { local = id(try object(text)["id"]) }
        return SyncCursors(localEventID: local ?? 0, chats: Array(chats.values), users: Array(users.values))
    }
}
