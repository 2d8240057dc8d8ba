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
        let group = try requireUUID(
            try await must(.createGroup, a) { _ in try await createChat(.group, by: a, with: [b, c], name: "warm group") }, "chatUUID")
        let channel = try requireUUID(
            try await must(.createChannel, a) { _ in try await createChat(.channel, by: a, with: [b], name: "warm channel") }, "chatUUID")
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
            let until =
                Bool.random(using: &rng)
                ? nil
                : "20\(Int.random(in: 40...99, using: &rng))-0\(Int.random(in: 1...9, using: &rng))-1\(Int.random(in: 0...9, using: &rng))T12:00:00Z"
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
