import Foundation
import NovyseCore
import TestSupport

/// A seeded random driver of every mutation kind through the command API: several users, concurrent
/// workers. It fails (records a failure) only on 5xx or no answer; refusals are part of the game.
struct RandomWorkload: Sendable {
    let harness: CommandHarness
    let users: [TestUser]
    let seed: UInt64
    let model = WorkloadModel()

    static let reactions = ["👍", "❤️", "😂", "🎉", "ok", "+1", "fire"]
    static let themes = ["dark", "light", "solarized-1", "high_contrast", "sepia"]
    static let words = ["alpha", "bravo", "charlie", "delta", "echo", "fox", "golf", "hotel", "sync", "novyse", "ünïcode", "日本"]

    /// Creates `userCount` users (their creation is published too).
    static func prepare(harness: CommandHarness, seed: UInt64, userCount: Int = 5) async throws -> RandomWorkload {
        var users: [TestUser] = []
        for index in 0..<userCount {
            users.append(try await harness.user("w\(seed % 100_000)_\(index)"))
        }
        return RandomWorkload(harness: harness, users: users, seed: seed)
    }

    /// A fixed script that performs every mutation kind at least once, each expected to succeed: the random
    /// phase may by chance skip a kind, this never does.
    func warmUp() async throws {
        precondition(users.count >= 4, "the warm-up needs four users")
        let started = ContinuousClock.now
        defer { print("warm-up: every mutation kind in \(ContinuousClock.now - started)") }
        let (a, b, c, d) = (users[0], users[1], users[2], users[3])
        var rng = SplitMix64(seed: seed ^ 0xABCD)
        func must(_ kind: MutationKind, _ user: TestUser, _ attempt: (inout SplitMix64) async throws -> APIAnswer?) async throws -> APIAnswer {
            guard let answer = try await attempt(&rng) else { throw HarnessError("warm-up: \(kind) had nothing to act on") }
            guard answer.status == 200 else { throw HarnessError("warm-up: \(kind) by \(user.handle) → \(answer.status) \(answer.body)") }
            return answer
        }
        let dm = try requireUUID(try await must(.createDM, a) { _ in try await createChat(.dm, by: a, with: [b]) }, "chatUUID")
        let group = try requireUUID(try await must(.createGroup, a) { _ in try await createChat(.group, by: a, with: [b, c], name: "warm group") }, "chatUUID")
        let channel = try requireUUID(try await must(.createChannel, a) { _ in try await createChat(.channel, by: a, with: [b], name: "warm channel") }, "chatUUID")
        _ = try await must(.addMember, a) { _ in try await addMember(d, to: group, by: a) }
        _ = try await must(.removeMember, a) { _ in try await removeMember(d, from: group, by: a) }
        _ = try await must(.leave, c) { _ in try await leave(group, as: c) }
        _ = try await must(.addMember, a) { _ in try await addMember(c, to: group, by: a) }
        let first = try requireID(try await must(.send, b) { rng in try await send(in: group, as: b, rng: &rng) })
        let second = try requireID(try await must(.send, a) { rng in try await send(in: group, as: a, rng: &rng) })
        _ = try await must(.send, a) { rng in try await send(in: channel, as: a, rng: &rng) }
        let direct = try requireID(try await must(.send, b) { rng in try await send(in: dm, as: b, rng: &rng) })
        _ = try await must(.edit, b) { rng in try await edit(first, in: group, as: b, rng: &rng) }
        _ = try await must(.react, a) { _ in try await react(first, in: group, as: a, reaction: "👍", add: true) }
        _ = try await must(.react, c) { _ in try await react(first, in: group, as: c, reaction: "ok", add: true) }
        _ = try await must(.unreact, a) { _ in try await react(first, in: group, as: a, reaction: "👍", add: false) }
        _ = try await must(.react, b) { _ in try await react(second, in: group, as: b, reaction: "🎉", add: true) }
        _ = try await must(.pinMessage, a) { _ in try await pin(second, in: group, as: a, pin: true) }
        _ = try await must(.pinMessage, a) { _ in try await pin(first, in: group, as: a, pin: true) }
        _ = try await must(.unpinMessage, a) { _ in try await pin(second, in: group, as: a, pin: false) }
        _ = try await must(.pinMessage, b) { _ in try await pin(direct, in: dm, as: b, pin: true) }
        _ = try await must(.delete, b) { _ in try await delete(first, in: group, as: b) }  // pinned, with a reaction
        _ = try await must(.profile, a) { rng in try await profile(as: a, rng: &rng, fields: 4) }
        _ = try await must(.profile, b) { rng in try await profile(as: b, rng: &rng, fields: 8) }
        _ = try await must(.pinChat, b) { _ in try await pinChat(group, as: b, position: 5) }
        _ = try await must(.pinChat, b) { _ in try await pinChat(dm, as: b, position: 7) }
        _ = try await must(.unpinChat, b) { _ in try await unpinChat(dm, as: b) }
        _ = try await must(.mute, b) { _ in try await mute(group, as: b, until: "2099-03-04T05:06:07Z") }
        _ = try await must(.mute, c) { _ in try await mute(group, as: c, until: nil) }
        _ = try await must(.unmute, c) { _ in try await unmute(group, as: c) }
        _ = try await must(.theme, a) { _ in try await theme(as: a, "dark") }
        _ = try await must(.putFolder, a) { _ in try await putFolder("work", as: a, chats: [group, dm]) }
        _ = try await must(.putFolder, a) { _ in try await putFolder("later", as: a, chats: [channel]) }
        _ = try await must(.deleteFolder, a) { _ in try await deleteFolder("later", as: a) }
    }

    /// `workers` concurrent loops of at least `operationsPerWorker` random mutations each; they go on
    /// (up to ten times as many) while `keepGoing` says so.
    func run(workers: Int, operationsPerWorker: Int, keepGoing: @escaping @Sendable () -> Bool = { false }) async {
        let started = ContinuousClock.now
        let total = Locked(0)
        defer {
            let elapsed = ContinuousClock.now - started
            print("workload: \(total.current) mutations by \(workers) workers in \(elapsed)")
        }
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var rng = SplitMix64(seed: seed &+ UInt64(worker + 1) &* 0x9E37_79B9)
                    var done = 0
                    while done < operationsPerWorker || (keepGoing() && done < operationsPerWorker * 10) {
                        await step(rng: &rng)
                        done += 1
                    }
                    total.withLock { $0 += done }
                }
            }
        }
    }

    /// 5xx answers and requests that got no answer, each with the seed that replays the run.
    func failures() async -> [String] {
        await model.failures.map { "\($0) (seed \(seed): NOVYSE_TEST_SEED=\(seed))" }
    }

    /// A one-line summary: successes and refusals per kind.
    func summary() async -> String {
        let outcomes = await model.outcomes
        let counts = outcomes.keys.sorted().map { "\($0.rawValue)=\(outcomes[$0]!.succeeded)/\(outcomes[$0]!.refused)" }
        return "seed \(seed): \(await model.chatCount) chats, \(await model.messageCount) messages; ok/refused " + counts.joined(separator: " ")
    }

    // MARK: One random step

    private func step(rng: inout SplitMix64) async {
        let user = users[Int.random(in: 0..<users.count, using: &rng)]
        let kind = Self.pickKind(rng: &rng)
        do {
            if try await attempt(kind, as: user, rng: &rng) == nil {
                // Nothing to act on for this kind yet: a message (or a chat to put it in) is always possible.
                if try await attempt(.send, as: user, rng: &rng) == nil {
                    _ = try await attempt(.createGroup, as: user, rng: &rng)
                }
            }
        } catch {
            await model.recordFailure("\(kind.rawValue) by \(user.handle): \(error)")
        }
    }

    private static func pickKind(rng: inout SplitMix64) -> MutationKind {
        let total = MutationKind.allCases.reduce(0) { $0 + $1.weight }
        var roll = Int.random(in: 0..<total, using: &rng)
        for kind in MutationKind.allCases {
            if roll < kind.weight { return kind }
            roll -= kind.weight
        }
        return .send
    }

    /// Performs `kind` on something the model says is allowed; nil when there is nothing to act on.
    private func attempt(_ kind: MutationKind, as user: TestUser, rng: inout SplitMix64) async throws -> APIAnswer? {
        let view = await model.view(for: user.id)
        let others = users.filter { $0.id != user.id }
        func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[Int.random(in: 0..<items.count, using: &rng)] }
        switch kind {
        case .createDM:
            guard let other = pick(others) else { return nil }
            return try await createChat(.dm, by: user, with: [other])
        case .createGroup, .createChannel:
            let count = Int.random(in: 1...min(3, others.count), using: &rng)
            let members = Array(others.shuffled(using: &rng).prefix(count))
            let type: ChatType = kind == .createGroup ? .group : .channel
            return try await createChat(type, by: user, with: members, name: "\(type.rawValue.lowercased()) \(rng.next() % 1000)")
        case .addMember:
            guard let chat = pick(view.ownedChats) else { return nil }
            guard let newcomer = pick(users.filter { !chat.members.contains($0.id) }) else { return nil }
            return try await addMember(newcomer, to: chat.id, by: user)
        case .removeMember:
            guard let chat = pick(view.ownedChats) else { return nil }
            guard let member = pick(users.filter { chat.members.contains($0.id) && $0.id != user.id }) else { return nil }
            return try await removeMember(member, from: chat.id, by: user)
        case .leave:
            // Owners stay, so their chats keep an admin; members of DMs may leave too.
            guard let chat = pick(view.memberChats.filter { $0.owner != user.id || $0.type == .dm }) else { return nil }
            return try await leave(chat.id, as: user)
        case .send:
            guard let chat = pick(view.memberChats.filter { $0.type != .channel || $0.owner == user.id }) else { return nil }
            return try await send(in: chat.id, as: user, rng: &rng)
        case .edit:
            guard let message = pick(view.messages.filter { $0.author == user.id && !$0.deleted }) else { return nil }
            return try await edit(message.id, in: message.chat, as: user, rng: &rng)
        case .delete:
            let owned = Set(view.ownedChats.map(\.id))
            guard let message = pick(view.messages.filter { !$0.deleted && ($0.author == user.id || owned.contains($0.chat)) })
            else { return nil }
            return try await delete(message.id, in: message.chat, as: user)
        case .react:
            guard let message = pick(view.messages.filter { !$0.deleted }), let reaction = pick(Self.reactions) else { return nil }
            return try await react(message.id, in: message.chat, as: user, reaction: reaction, add: true)
        case .unreact:
            let mine = view.messages.flatMap { message in
                message.reactions.filter { $0.user == user.id }.map { (message, $0.reaction) }
            }
            guard let (message, reaction) = pick(mine) else { return nil }
            return try await react(message.id, in: message.chat, as: user, reaction: reaction, add: false)
        case .pinMessage, .unpinMessage:
            let pinning = kind == .pinMessage
            let rights = Set(view.ownedChats.map(\.id) + view.memberChats.filter { $0.type == .dm }.map(\.id))
            guard let message = pick(view.messages.filter { !$0.deleted && $0.pinned != pinning && rights.contains($0.chat) })
            else { return nil }
            return try await pin(message.id, in: message.chat, as: user, pin: pinning)
        case .profile:
            return try await profile(as: user, rng: &rng, fields: Int.random(in: 1...4, using: &rng))
        case .pinChat:
            guard let chat = pick(view.memberChats) else { return nil }
            return try await pinChat(chat.id, as: user, position: Int.random(in: 0...10_000, using: &rng))
        case .unpinChat:
            guard let chat = pick(Array(view.state.pinnedChats).sorted { $0.uuidString < $1.uuidString }) else { return nil }
            return try await unpinChat(chat, as: user)
        case .mute:
            guard let chat = pick(view.memberChats) else { return nil }
            let until = Bool.random(using: &rng) ? nil : "20\(Int.random(in: 40...99, using: &rng))-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))T12:00:00Z"
            return try await mute(chat.id, as: user, until: until)
        case .unmute:
            guard let chat = pick(Array(view.state.mutedChats).sorted { $0.uuidString < $1.uuidString }) else { return nil }
            return try await unmute(chat, as: user)
        case .theme:
            return try await theme(as: user, pick(Self.themes)!)
        case .putFolder:
            let chats = Array(view.memberChats.shuffled(using: &rng).prefix(Int.random(in: 0...3, using: &rng))).map(\.id)
            return try await putFolder("f\(Int.random(in: 1...3, using: &rng))", as: user, chats: chats)
        case .deleteFolder:
            guard let folder = pick(view.state.folders.sorted()) else { return nil }
            return try await deleteFolder(folder, as: user)
        }
    }

    // MARK: The mutations, each recorded in the model

    private func submit<Body: Encodable & Sendable>(
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

    private func createChat(_ type: ChatType, by user: TestUser, with members: [TestUser], name: String? = nil) async throws -> APIAnswer {
        let kind: MutationKind = switch type {
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

    private func addMember(_ member: TestUser, to chat: UUID, by user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.addMember, "POST", "/chat/members", as: user, body: ChatMemberRequest(chatUUID: chat, userUUID: member.id))
        if answer.status == 200 { await model.memberAdded(member.id, to: chat) }
        return answer
    }

    private func removeMember(_ member: TestUser, from chat: UUID, by user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.removeMember, "DELETE", "/chat/members", as: user, body: ChatMemberRequest(chatUUID: chat, userUUID: member.id))
        if answer.status == 200 { await model.memberRemoved(member.id, from: chat) }
        return answer
    }

    private func leave(_ chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.leave, "POST", "/chat/leave", as: user, body: ChatRequest(chatUUID: chat))
        if answer.status == 200 { await model.memberRemoved(user.id, from: chat) }
        return answer
    }

    private func send(in chat: UUID, as user: TestUser, rng: inout SplitMix64) async throws -> APIAnswer {
        let content = Self.sentence(rng: &rng)
        let clientMessageID = UUID(uuid: Self.uuidBytes(rng: &rng))
        let answer = try await submit(.send, "POST", "/message", as: user, body: SendMessageRequest(chatUUID: chat, content: content, clientMessageID: clientMessageID))
        if answer.status == 200, let id = answer.int("messageID") { await model.messageSent(id, in: chat, by: user.id) }
        return answer
    }

    private func edit(_ message: Int64, in chat: UUID, as user: TestUser, rng: inout SplitMix64) async throws -> APIAnswer {
        let content = "edited: " + Self.sentence(rng: &rng)
        return try await submit(.edit, "PATCH", "/message", as: user, body: EditMessageRequest(chatUUID: chat, messageID: message, content: content))
    }

    private func delete(_ message: Int64, in chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.delete, "DELETE", "/message", as: user, body: MessageRequest(chatUUID: chat, messageID: message))
        if answer.status == 200 { await model.messageDeleted(message) }
        return answer
    }

    private func react(_ message: Int64, in chat: UUID, as user: TestUser, reaction: String, add: Bool) async throws -> APIAnswer {
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

    private func pin(_ message: Int64, in chat: UUID, as user: TestUser, pin: Bool) async throws -> APIAnswer {
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
    private func profile(as user: TestUser, rng: inout SplitMix64, fields: Int) async throws -> APIAnswer {
        var body: [String: JSONValue] = [:]
        let all = ["name", "surname", "biography", "birthday", "color", "profilePictureUUID", "bannerPictureUUID", "handle"]
        for field in all.shuffled(using: &rng).prefix(fields) {
            let clear = Int.random(in: 0..<5, using: &rng) == 0
            switch field {
            case "name": body[field] = .string("Name \(Self.word(rng: &rng))")
            case "surname": body[field] = .string(clear ? "" : Self.word(rng: &rng))
            case "biography": body[field] = .string(Self.sentence(rng: &rng))
            case "birthday":
                body[field] = clear ? .null : .string("19\(Int.random(in: 50...99, using: &rng))-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))")
            case "color": body[field] = clear ? .null : .string(String(format: "#%06X", Int.random(in: 0...0xFFFFFF, using: &rng)))
            case "profilePictureUUID", "bannerPictureUUID":
                body[field] = clear ? .null : .string(UUID(uuid: Self.uuidBytes(rng: &rng)).uuidString)
            default: body[field] = .string("h\(rng.next() % 1_000_000_000)")
            }
        }
        return try await submit(.profile, "PATCH", "/user/profile", as: user, body: body)
    }

    private func pinChat(_ chat: UUID, as user: TestUser, position: Int) async throws -> APIAnswer {
        let answer = try await submit(.pinChat, "PUT", "/chat/pin", as: user, body: PinChatRequest(chatUUID: chat, position: position))
        if answer.status == 200 { await model.updateUser(user.id) { $0.pinnedChats.insert(chat) } }
        return answer
    }

    private func unpinChat(_ chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.unpinChat, "DELETE", "/chat/pin", as: user, body: ChatRequest(chatUUID: chat))
        if answer.status < 500 { await model.updateUser(user.id) { $0.pinnedChats.remove(chat) } }
        return answer
    }

    private func mute(_ chat: UUID, as user: TestUser, until: String?) async throws -> APIAnswer {
        let answer = try await submit(.mute, "PUT", "/chat/mute", as: user, body: MuteChatRequest(chatUUID: chat, until: until))
        if answer.status == 200 { await model.updateUser(user.id) { $0.mutedChats.insert(chat) } }
        return answer
    }

    private func unmute(_ chat: UUID, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.unmute, "DELETE", "/chat/mute", as: user, body: ChatRequest(chatUUID: chat))
        if answer.status < 500 { await model.updateUser(user.id) { $0.mutedChats.remove(chat) } }
        return answer
    }

    private func theme(as user: TestUser, _ theme: String) async throws -> APIAnswer {
        try await submit(.theme, "PUT", "/user/theme", as: user, body: ThemeRequest(theme: theme))
    }

    private func putFolder(_ folder: String, as user: TestUser, chats: [UUID]) async throws -> APIAnswer {
        let answer = try await submit(
            .putFolder, "PUT", "/folder", as: user, body: FolderRequest(folderID: folder, name: "Folder \(folder)", chatUUIDs: chats)
        )
        if answer.status == 200 { await model.updateUser(user.id) { $0.folders.insert(folder) } }
        return answer
    }

    private func deleteFolder(_ folder: String, as user: TestUser) async throws -> APIAnswer {
        let answer = try await submit(.deleteFolder, "DELETE", "/folder", as: user, body: DeleteFolderRequest(folderID: folder))
        if answer.status < 500 { await model.updateUser(user.id) { $0.folders.remove(folder) } }
        return answer
    }

    // MARK: Random values

    private static func word(rng: inout SplitMix64) -> String { words[Int.random(in: 0..<words.count, using: &rng)] }

    private static func sentence(rng: inout SplitMix64) -> String {
        (0..<Int.random(in: 1...8, using: &rng)).map { _ in word(rng: &rng) }.joined(separator: " ")
    }

    private static func uuidBytes(rng: inout SplitMix64) -> uuid_t {
        let high = rng.next(), low = rng.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (8 * index))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])
    }
}

/// The IDs the warm-up's answers carry.
private func requireUUID(_ answer: APIAnswer, _ key: String) throws -> UUID {
    guard let id = answer.uuid(key) else { throw HarnessError("no \(key) in \(answer.body)") }
    return id
}

private func requireID(_ answer: APIAnswer, _ key: String = "messageID") throws -> Int64 {
    guard let id = answer.int(key) else { throw HarnessError("no \(key) in \(answer.body)") }
    return id
}
