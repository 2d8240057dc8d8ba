import Foundation
import NovyseCore
import TestSupport

/// The knobs of the fault-injection suite, read from the environment.
enum TestKnobs {
    /// `NOVYSE_TEST_SEED` replays a run; otherwise a fresh seed, printed by every test that uses it.
    static func seed() -> UInt64 { SplitMix64.seedFromEnvironment() }

    /// `NOVYSE_PROJECTOR_TEST_SCALE` multiplies the amount of work (1 in CI).
    static var scale: Int {
        max(1, ProcessInfo.processInfo.environment["NOVYSE_PROJECTOR_TEST_SCALE"].flatMap { Int($0) } ?? 1)
    }
}

/// Every mutation of the command API that produces a pipeline item (or a creation).
enum MutationKind: String, CaseIterable, Sendable, Comparable {
    case createDM, createGroup, createChannel
    case addMember, removeMember, leave
    case send, edit, delete
    case react, unreact
    case pinMessage, unpinMessage
    case profile
    case pinChat, unpinChat, mute, unmute
    case theme
    case putFolder, deleteFolder

    static func < (lhs: MutationKind, rhs: MutationKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Relative frequency in the random phase: mostly messages and reactions, as in real chats.
    var weight: Int {
        switch self {
        case .createDM: 2
        case .createGroup: 3
        case .createChannel: 1
        case .addMember: 4
        case .removeMember: 2
        case .leave: 2
        case .send: 22
        case .edit: 7
        case .delete: 4
        case .react: 9
        case .unreact: 4
        case .pinMessage: 3
        case .unpinMessage: 2
        case .profile: 5
        case .pinChat: 3
        case .unpinChat: 2
        case .mute: 3
        case .unmute: 2
        case .theme: 2
        case .putFolder: 3
        case .deleteFolder: 1
        }
    }
}

/// What the workload believes the server holds: enough to issue mostly allowed mutations. Workers run
/// concurrently, so it can be stale; the server's 4xx answers to such attempts are expected and ignored.
actor WorkloadModel {
    struct Chat: Sendable {
        let id: UUID
        let type: ChatType
        let owner: UUID
        var members: Set<UUID>
    }

    struct Message: Sendable {
        let id: Int64
        let chat: UUID
        let author: UUID
        var deleted = false
        var pinned = false
        /// `(user, reaction)` pairs.
        var reactions: [ReactionKey] = []
    }

    struct ReactionKey: Hashable, Sendable {
        let user: UUID
        let reaction: String
    }

    struct UserState: Sendable {
        var pinnedChats: Set<UUID> = []
        var mutedChats: Set<UUID> = []
        var folders: Set<String> = []
    }

    /// What one user can act on, in a deterministic order.
    struct View: Sendable {
        var memberChats: [Chat]
        var ownedChats: [Chat]
        /// Recent messages of the user's chats.
        var messages: [Message]
        var state: UserState
    }

    struct Outcome: Sendable {
        var succeeded = 0
        var refused = 0
    }

    private var chats: [UUID: Chat] = [:]
    private var chatOrder: [UUID] = []
    private var messages: [Int64: Message] = [:]
    private var messagesByChat: [UUID: [Int64]] = [:]
    private var users: [UUID: UserState] = [:]
    private(set) var outcomes: [MutationKind: Outcome] = [:]
    private(set) var refusals: [String: Int] = [:]
    private(set) var failures: [String] = []

    func view(for user: UUID) -> View {
        let memberChats = chatOrder.compactMap { chats[$0] }.filter { $0.members.contains(user) }
        let owned = memberChats.filter { $0.type != .dm && $0.owner == user }
        var recent: [Message] = []
        for chat in memberChats {
            for id in (messagesByChat[chat.id] ?? []).suffix(12) {
                if let message = messages[id] { recent.append(message) }
            }
        }
        return View(memberChats: memberChats, ownedChats: owned, messages: recent, state: users[user] ?? UserState())
    }

    func record(_ kind: MutationKind, _ answer: APIAnswer, request: String) {
        switch answer.status {
        case 200:
            outcomes[kind, default: Outcome()].succeeded += 1
        case 400..<500:
            outcomes[kind, default: Outcome()].refused += 1
            refusals["\(kind.rawValue) \(answer.status) \(answer.errorCode ?? "?")", default: 0] += 1
        default:
            failures.append("\(kind.rawValue) \(request) → \(answer.status) \(answer.body.prefix(300))")
        }
    }

    func recordFailure(_ text: String) { failures.append(text) }

    func chatCreated(_ id: UUID, type: ChatType, owner: UUID, members: Set<UUID>) {
        guard chats[id] == nil else { return }
        chats[id] = Chat(id: id, type: type, owner: owner, members: members)
        chatOrder.append(id)
    }

    func memberAdded(_ user: UUID, to chat: UUID) { chats[chat]?.members.insert(user) }

    func memberRemoved(_ user: UUID, from chat: UUID) { chats[chat]?.members.remove(user) }

    func messageSent(_ id: Int64, in chat: UUID, by author: UUID) {
        guard messages[id] == nil else { return }
        messages[id] = Message(id: id, chat: chat, author: author)
        messagesByChat[chat, default: []].append(id)
    }

    func messageDeleted(_ id: Int64) {
        messages[id]?.deleted = true
        messages[id]?.pinned = false
        messages[id]?.reactions = []
    }

    func messagePinned(_ id: Int64, _ pinned: Bool) { messages[id]?.pinned = pinned }

    func reaction(_ key: ReactionKey, on id: Int64, added: Bool) {
        guard var message = messages[id] else { return }
        message.reactions.removeAll { $0 == key }
        if added { message.reactions.append(key) }
        messages[id] = message
    }

    func updateUser(_ user: UUID, _ change: @Sendable (inout UserState) -> Void) {
        change(&users[user, default: UserState()])
    }

    var messageCount: Int { messages.count }
    var chatCount: Int { chats.count }
}
