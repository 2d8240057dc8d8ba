import Foundation
import NovyseCore
import TestSupport

/// The mutation requests of `RandomWorkload`, one per kind, each recorded in the model with its answer so
/// the model knows what the server accepted; and the random values they carry.
extension RandomWorkload {
    // MARK: The mutations, each recorded in the model

    func submit<Body: Encodable & Sendable>(
        _ kind: MutationKind, _ method: String, _ path: String, as user: TestUser, body: Body
    ) async throws -> APIAnswer {
        let answer: APIAnswer
        do {
            answer = try await harness.call(method, path, as: user, body: body)
        } catch {
            await model.recordFailure("\(kind.rawValue) \(method) \(path) by \(user.handle): \(error)")
            throw error
        }
        let request = String(decoding: (try? JSONEncoder().encode(body)) ?? Data(), as: UTF8.self)
        await model.record(kind, answer, request: "\(method) \(path) \(request)")
        return answer
    }

    func createChat(_ type: ChatType, by user: TestUser, with members: [TestUser], name: String? = nil) async throws -> APIAnswer {
        let kind: MutationKind =
            switch type {
            case .dm: .createDM
            case .group: .createGroup
            case .channel: .createChannel
            }
        let answer = try await submit(
            kind, "POST", "/chat/create", as: user,
            body: CreateChatRequest(type: type, memberUUIDs: members.map(\.id), name: type == .dm ? nil : name)
        )
        if answer.status == 200, let chat = answer.uuid("chatUUID") {
            await model.chatCreated(chat, type: type, owner: user.id, members: Set(members.map(\.id) + [user.id]))
        }
        return answer
    }

    func addMember(_ member: TestUser, to chat: UUID, by user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.addMember, "POST", "/chat/members", as: user, body: ChatMemberRequest(chatUUID: chat, userUUID: member.id))
        if answer.status == 200 { await model.memberAdded(member.id, to: chat) }
        return answer
    }

    func removeMember(_ member: TestUser, from chat: UUID, by user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(
            .removeMember, "DELETE", "/chat/members", as: user, body: ChatMemberRequest(chatUUID: chat, userUUID: member.id))
        if answer.status == 200 { await model.memberRemoved(member.id, from: chat) }
        return answer
    }

    func leave(_ chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.leave, "POST", "/chat/leave", as: user, body: ChatRequest(chatUUID: chat))
        if answer.status == 200 { await model.memberRemoved(user.id, from: chat) }
        return answer
    }

    func send(in chat: UUID, as user: TestUser, rng: inout SplitMix64) async throws -> APIAnswer {
        let content = Self.sentence(rng: &rng)
        let clientMessageID = UUID(uuid: Self.uuidBytes(rng: &rng))
        let answer = try await submit(
            .send, "POST", "/message", as: user, body: SendMessageRequest(chatUUID: chat, content: content, clientMessageID: clientMessageID))
        if answer.status == 200, let id = answer.int("messageID") { await model.messageSent(id, in: chat, by: user.id) }
        return answer
    }

    func edit(_ message: Int64, in chat: UUID, as user: TestUser, rng: inout SplitMix64) async throws -> APIAnswer {
        let content = "edited: " + Self.sentence(rng: &rng)
        return try await submit(.edit, "PATCH", "/message", as: user, body: EditMessageRequest(chatUUID: chat, messageID: message, content: content))
    }

    func delete(_ message: Int64, in chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.delete, "DELETE", "/message", as: user, body: MessageRequest(chatUUID: chat, messageID: message))
        if answer.status == 200 { await model.messageDeleted(message) }
        return answer
    }

    func react(_ message: Int64, in chat: UUID, as user: TestUser, reaction: String, add: Bool) async throws -> APIAnswer {
        let answer = try await submit(
            add ? .react : .unreact, add ? "PUT" : "DELETE", "/message/reaction", as: user,
            body: ReactionRequest(chatUUID: chat, messageID: message, reaction: reaction)
        )
        let key = WorkloadModel.ReactionKey(user: user.id, reaction: reaction)
        if answer.status == 200 || answer.errorCode == "REACTION_EXISTS" || answer.errorCode == "REACTION_NOT_FOUND" {
            await model.reaction(key, on: message, added: add)
        }
        return answer
    }

    func pin(_ message: Int64, in chat: UUID, as user: TestUser, pin: Bool) async throws -> APIAnswer {
        let answer = try await submit(
            pin ? .pinMessage : .unpinMessage, pin ? "PUT" : "DELETE", "/message/pin", as: user,
            body: MessageRequest(chatUUID: chat, messageID: message)
        )
        if answer.status == 200 || answer.errorCode == "ALREADY_PINNED" || answer.errorCode == "NOT_PINNED" {
            await model.messagePinned(message, pin)
        }
        return answer
    }

    /// Patches `fields` of the eight profile fields (nulls and a new handle included).
    func profile(as user: TestUser, rng: inout SplitMix64, fields: Int) async throws -> APIAnswer {
        var body: [String: JSONValue] = [:]
        let all = ["name", "surname", "biography", "birthday", "color", "profilePictureUUID", "bannerPictureUUID", "handle"]
        for field in all.shuffled(using: &rng).prefix(fields) {
            let clear = Int.random(in: 0..<5, using: &rng) == 0
            switch field {
            case "name": body[field] = .string("Name \(Self.word(rng: &rng))")
            case "surname": body[field] = .string(clear ? "" : Self.word(rng: &rng))
            case "biography": body[field] = .string(Self.sentence(rng: &rng))
            case "birthday":
                body[field] =
                    clear
                    ? .null
                    : .string(
                        "19\(Int.random(in: 50...99, using: &rng))-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))")
            case "color": body[field] = clear ? .null : .string(String(format: "#%06X", Int.random(in: 0...0xFFFFFF, using: &rng)))
            case "profilePictureUUID", "bannerPictureUUID":
                body[field] = clear ? .null : .string(UUID(uuid: Self.uuidBytes(rng: &rng)).uuidString)
            default: body[field] = .string("h\(rng.next() % 1_000_000_000)")
            }
        }
        return try await submit(.profile, "PATCH", "/user/profile", as: user, body: body)
    }

    func pinChat(_ chat: UUID, as user: TestUser, position: Int) async throws -> APIAnswer {
        let answer = try await submit(.pinChat, "PUT", "/chat/pin", as: user, body: PinChatRequest(chatUUID: chat, position: position))
        if answer.status == 200 { await model.updateUser(user.id) { $0.pinnedChats.insert(chat) } }
        return answer
    }

    func unpinChat(_ chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.unpinChat, "DELETE", "/chat/pin", as: user, body: ChatRequest(chatUUID: chat))
        if answer.status < 500 { await model.updateUser(user.id) { $0.pinnedChats.remove(chat) } }
        return answer
    }

    func mute(_ chat: UUID, as user: TestUser, until: String?) async throws -> APIAnswer {
        let answer = try await submit(.mute, "PUT", "/chat/mute", as: user, body: MuteChatRequest(chatUUID: chat, until: until))
        if answer.status == 200 { await model.updateUser(user.id) { $0.mutedChats.insert(chat) } }
        return answer
    }

    func unmute(_ chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.unmute, "DELETE", "/chat/mute", as: user, body: ChatRequest(chatUUID: chat))
        if answer.status < 500 { await model.updateUser(user.id) { $0.mutedChats.remove(chat) } }
        return answer
    }

    func theme(as user: TestUser, _ theme: String) async throws -> APIAnswer {
        try await submit(.theme, "PUT", "/user/theme", as: user, body: ThemeRequest(theme: theme))
    }

    func putFolder(_ folder: String, as user: TestUser, chats: [UUID]) async throws -> APIAnswer {
        let answer = try await submit(
            .putFolder, "PUT", "/folder", as: user, body: FolderRequest(folderID: folder, name: "Folder \(folder)", chatUUIDs: chats)
        )
        if answer.status == 200 { await model.updateUser(user.id) { $0.folders.insert(folder) } }
        return answer
    }

    func deleteFolder(_ folder: String, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.deleteFolder, "DELETE", "/folder", as: user, body: DeleteFolderRequest(folderID: folder))
        if answer.status < 500 { await model.updateUser(user.id) { $0.folders.remove(folder) } }
        return answer
    }

    // MARK: Random values

    static func word(rng: inout SplitMix64) -> String { words[Int.random(in: 0..<words.count, using: &rng)] }

    static func sentence(rng: inout SplitMix64) -> String {
        (0..<Int.random(in: 1...8, using: &rng)).map { _ in word(rng: &rng) }.joined(separator: " ")
    }

    static func uuidBytes(rng: inout SplitMix64) -> uuid_t {
        let high = rng.next()
        let low = rng.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (8 * index))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        )
    }
}
