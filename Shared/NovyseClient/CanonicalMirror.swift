import Foundation

/// The server's state for one user as a brand-new device would build it: a fresh initialize plus every
/// chat's full history. A converged device equals it row for row, except that a device holds only the
/// messages from some point on (each chat's latest ones when it got the chat, and everything newer).
public struct CanonicalMirror: Sendable {
    /// The fresh state; its messages are every message of every chat.
    public let snapshot: MirrorSnapshot
    /// Per chat, the oldest message the fresh initialize carried: every device must hold at least these.
    public let latestWindowStart: [String: Int64]

    public init(snapshot: MirrorSnapshot, latestWindowStart: [String: Int64]) {
        self.snapshot = snapshot
        self.latestWindowStart = latestWindowStart
    }

    /// Every way `device` differs from this state (empty when it converged). Messages are compared per
    /// chat over the window the device holds: from its oldest message (or the initialize window's start, if
    /// older) to the newest, each exactly as the server has it now.
    public func differences(from device: MirrorSnapshot) -> [String] {
        var out: [String] = []
        if device.settings != snapshot.settings {
            out.append("settings: device \(String(describing: device.settings)) != server \(String(describing: snapshot.settings))")
        }
        out += Self.diff("chat", device.chats, snapshot.chats, key: \.uuid)
        out += Self.diff("user", device.users, snapshot.users, key: \.uuid)
        var oldestHeld: [String: Int64] = [:]
        for message in device.messages { oldestHeld[message.chatUUID] = min(oldestHeld[message.chatUUID] ?? .max, message.id) }
        let expected = snapshot.messages.filter { message in
            let start = min(oldestHeld[message.chatUUID] ?? .max, latestWindowStart[message.chatUUID] ?? .max)
            return message.id >= start
        }
        out += Self.diff("message", device.messages, expected, key: \.id)
        return out
    }

    /// Rows only on one side or different on both, by key.
    static func diff<Row: Equatable, Key: Hashable & Comparable>(
        _ kind: String, _ device: [Row], _ server: [Row], key: KeyPath<Row, Key>
    ) -> [String] {
        let mine = Dictionary(device.map { ($0[keyPath: key], $0) }, uniquingKeysWith: { first, _ in first })
        let theirs = Dictionary(server.map { ($0[keyPath: key], $0) }, uniquingKeysWith: { first, _ in first })
        var out: [String] = []
        for id in Set(mine.keys).union(theirs.keys).sorted() where mine[id] != theirs[id] {
            switch (mine[id], theirs[id]) {
            case (let row?, nil): out.append("\(kind) \(id) only on the device: \(row)")
            case (nil, let row?): out.append("\(kind) \(id) missing on the device: \(row)")
            default: out.append("\(kind) \(id): device \(mine[id]!) != server \(theirs[id]!)")
            }
        }
        return out
    }
}
