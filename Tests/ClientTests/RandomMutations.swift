import Foundation
import NovyseClient
import NovyseCore
import TestSupport

/// The mutation kinds the convergence test draws from, with weights.
enum MutationKind: String, CaseIterable, Sendable {
    case send, edit, delete, react, unreact, pin, unpin, addMember, removeMember, leave, profile
    case pinChat, unpinChat, mute, unmute, theme, putFolder, deleteFolder, createChat, setRole

    var weight: Int {
        switch self {
        case .send: 24
        case .react: 9
        case .edit: 8
        case .unreact, .pin, .unpin, .profile, .delete: 4
        case .addMember, .removeMember, .setRole: 3
        case .pinChat, .unpinChat, .mute, .unmute, .theme, .putFolder, .deleteFolder: 2
        case .leave, .createChat: 1
        }
    }

    static func random(using rng: inout SplitMix64) -> MutationKind {
        var roll = Int.random(in: 0..<allCases.reduce(0) { $0 + $1.weight }, using: &rng)
        for kind in allCases {
            roll -= kind.weight
            if roll < 0 { return kind }
        }
        return .send
    }
}

/// What the mutations did: per kind, accepted and refused (a refusal is normal: the device acts on what
/// its mirror shows, which may be a moment old), and requests that failed for good.
actor MutationTally {
    private(set) var accepted: [MutationKind: Int] = [:]
    private(set) var refused: [MutationKind: Int] = [:]
    private(set) var failed: [String] = []
    /// Refusals by error code (`LIMIT_REACHED` proves the count limits were in play).
    private(set) var refusalCodes: [String: Int] = [:]
    private(set) var replayed = 0

    func record(_ kind: MutationKind, _ outcome: Result<MutationResult?, any Error>) {
        switch outcome {
        case .success(nil) where kind != .createChat:
            break  // nothing to act on in the mirror right now
        case .success(let result):
            accepted[kind, default: 0] += 1
            if result?.replayed == true { replayed += 1 }
        case .failure(NovyseClientError.rejected(_, let code, _)):
            refused[kind, default: 0] += 1
            refusalCodes[code, default: 0] += 1
        case .failure(let error):
            failed.append("\(kind): \(error)")
        }
    }

    var summary: String {
        let kinds = MutationKind.allCases.map { "\($0.rawValue)=\(accepted[$0] ?? 0)/\(refused[$0] ?? 0)" }.joined(separator: " ")
        let codes = refusalCodes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "accepted/refused: \(kinds); refusal codes: \(codes); replayed after a lost answer: \(replayed); failed: \(failed.count)"
    }
}

/// One random mutation by `device`, chosen from what its mirror shows.
struct RandomMutation {
    let device: SimulatedDevice
    let everyone: [UUID]

    func perform(_ kind: MutationKind, rng: inout SplitMix64) async throws -> MutationResult? {
        let client = device.client
        let me = device.user.id.key
        let mirror = try await client.snapshot()
        let chats = mirror.chats
        guard let chat = chats.randomElement(using: &rng), let chatID = UUID(uuidString: chat.uuid) else {
            return try await client.setTheme("t\(Int.random(in: 0..<5, using: &rng))")
        }
        let role = chat.members.first { $0.userUUID == me }?.role ?? "MEMBER"
        let inChat = mirror.messages.filter { $0.chatUUID == chat.uuid && !$0.deleted }
        let mine = inChat.filter { $0.senderUUID == me }
        let text = "m\(UInt16.random(in: 0...UInt16.max, using: &rng))"
        let reactions = ["👍", "❤️", "😂", "🔥"]
        switch kind {
        case .send:
            return try await client.sendMessage(text, in: chatID)
        case .edit:
            guard let message = mine.randomElement(using: &rng) else { return nil }
            return try await client.editMessage(message.id, in: chatID, content: "edit " + text)
        case .delete:
            guard let message = (role == "MEMBER" || chat.type == "DM" ? mine : inChat).randomElement(using: &rng) else { return nil }
            return try await client.deleteMessage(message.id, in: chatID)
        case .react:
            guard let message = inChat.randomElement(using: &rng) else { return nil }
            return try await client.react(reactions.randomElement(using: &rng)!, to: message.id, in: chatID)
        case .unreact:
            let own = inChat.flatMap { message in message.reactions.filter { $0.userUUID == me }.map { (message.id, $0.reaction) } }
            guard let (message, reaction) = own.randomElement(using: &rng) else { return nil }
            return try await client.react(reaction, to: message, in: chatID, add: false)
        case .pin, .unpin:
            guard let message = inChat.filter({ $0.pinned == (kind == .unpin) }).randomElement(using: &rng) else { return nil }
            return try await client.pinMessage(message.id, in: chatID, pinned: kind == .pin)
        case .addMember:
            let members = Set(chat.members.map(\.userUUID))
            guard chat.type != "DM", let user = everyone.filter({ !members.contains($0.key) }).randomElement(using: &rng) else { return nil }
            return try await client.addMember(user, to: chatID)
        case .removeMember:
            guard chat.type != "DM", let member = chat.members.filter({ $0.role != "OWNER" && $0.userUUID != me }).randomElement(using: &rng),
                let user = UUID(uuidString: member.userUUID)
            else { return nil }
            return try await client.removeMember(user, from: chatID)
        case .setRole:
            // The owner promotes or demotes; now and then hands ownership over.
            guard chat.type != "DM", role == "OWNER",
                let member = chat.members.filter({ $0.userUUID != me }).randomElement(using: &rng),
                let user = UUID(uuidString: member.userUUID)
            else { return nil }
            let next: MemberRole = Int.random(in: 0..<8, using: &rng) == 0 ? .owner : (member.role == "ADMIN" ? .member : .admin)
            return try await client.setRole(next, of: user, in: chatID)
        case .leave:
            guard chat.type != "DM", role != "OWNER" else { return nil }
            return try await client.leaveChat(chatID)
        case .profile:
            let fields: [(String, JSONValue)] = [
                ("name", .string("N\(text)")), ("biography", .string("bio \(text)")), ("surname", .string("S\(text)")),
                ("color", .string(String(format: "#%06X", Int.random(in: 0...0xFFFFFF, using: &rng)))),
                ("birthday", Bool.random(using: &rng) ? .null : .string("1990-0\(Int.random(in: 1...9, using: &rng))-15")),
            ]
            let (field, value) = fields.randomElement(using: &rng)!
            return try await client.updateProfile([field: value])
        case .pinChat:
            return try await client.pinChat(chatID, position: Int.random(in: 0...20, using: &rng))
        case .unpinChat:
            return try await client.pinChat(chatID, position: nil)
        case .mute:
            return try await client.muteChat(chatID, until: Bool.random(using: &rng) ? nil : "2099-01-01T00:00:00.000Z")
        case .unmute:
            return try await client.muteChat(chatID, muted: false)
        case .theme:
            return try await client.setTheme("t\(Int.random(in: 0..<5, using: &rng))")
        case .putFolder:
            let picked = chats.shuffled(using: &rng).prefix(2).compactMap { UUID(uuidString: $0.uuid) }
            return try await client.putFolder("f\(Int.random(in: 0..<3, using: &rng))", name: "F " + text, chats: picked)
        case .deleteFolder:
            guard let folder = mirror.settings?.folders.randomElement(using: &rng) else { return nil }
            return try await client.putFolder(folder.folderID, chats: nil)
        case .createChat:
            let others = everyone.filter { $0 != device.user.id }.shuffled(using: &rng)
            let members = Array(others.prefix(Int.random(in: 1...max(1, others.count), using: &rng)))
            _ = try await client.createChat(type: .group, members: members, name: "g " + text)
            return nil
        }
    }
}
