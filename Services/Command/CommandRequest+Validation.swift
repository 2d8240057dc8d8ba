import Foundation
import NovyseCore

/// Field rules of the command API (limits in `Limits`), checked before any database work.
enum Validate {
    /// Postgres stores no U+0000 in text or JSON; refusing it here keeps that a 400, not a 500.
    static func noNUL(_ value: String, field: String) throws(CommandError) {
        guard !value.unicodeScalars.contains("\u{0}") else { throw .invalid(field, "must not contain NUL characters") }
    }

    static func content(_ content: String) throws(CommandError) {
        try noNUL(content, field: "content")
        let visible = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !visible.isEmpty else { throw .invalid("content", "must not be empty") }
        guard content.unicodeScalars.count <= Limits.messageContent.upperBound else {
            throw CommandError(.contentTooLong, message: "content: at most \(Limits.messageContent.upperBound) characters")
        }
    }

    static func messageID(_ id: Int64) throws(CommandError) {
        guard id > 0, id <= 9_007_199_254_740_991 else { throw .invalid("messageID", "must be a positive integer below 2^53") }
    }

    static func reaction(_ reaction: String) throws(CommandError) {
        guard Limits.reaction.contains(reaction.unicodeScalars.count),
            !reaction.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else { throw .invalid("reaction", "1–32 characters, no spaces or control characters") }
    }

    static func text(_ value: String, field: String, limits: ClosedRange<Int>) throws(CommandError) {
        try noNUL(value, field: field)
        let length = value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && limits.lowerBound > 0 ? 0 : value.unicodeScalars.count
        guard limits.contains(length) else { throw .invalid(field, "\(limits.lowerBound)–\(limits.upperBound) characters") }
    }

    static func createChat(_ body: CreateChatRequest) throws(CommandError) {
        if let name = body.name { try text(name, field: "name", limits: Limits.chatName) }
        if body.type == .dm, body.name != nil { throw .invalid("name", "a DM has no name") }
        guard body.type == .dm || Limits.groupMembers.contains(body.memberUUIDs.count) else {
            throw .invalid("memberUUIDs", "at most \(Limits.groupMembers.upperBound) members")
        }
    }

    static func theme(_ theme: String) throws(CommandError) {
        guard Limits.theme.contains(theme.unicodeScalars.count),
            theme.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
        else { throw .invalid("theme", "1–32 letters, digits, '-' or '_'") }
    }

    static func folder(_ body: FolderRequest) throws(CommandError) {
        try folderID(body.folderID)
        try text(body.name, field: "name", limits: Limits.folderName)
        guard Limits.folderChats.contains(body.chatUUIDs.count) else {
            throw .invalid("chatUUIDs", "at most \(Limits.folderChats.upperBound) chats")
        }
    }

    static func folderID(_ id: String) throws(CommandError) {
        guard Limits.folderID.contains(id.unicodeScalars.count), !id.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw .invalid("folderID", "1–64 characters")
        }
    }

    static func position(_ position: Int) throws(CommandError) {
        guard Limits.pinPosition.contains(position) else { throw .invalid("position", "0–10000") }
    }

    /// An ISO-8601 time, or nil; with `future`, also later than now. The format is checked before the
    /// transaction, the "future" part inside it, after the idempotency lookup: a retry of a mute whose time
    /// has since passed still gets its stored answer.
    static func until(_ text: String?, future: Bool = true) throws(CommandError) -> Date? {
        guard let text else { return nil }
        guard let date = Timestamp.parse(text) ?? ISO8601DateFormatter().date(from: text) else {
            throw .invalid("until", "an ISO-8601 time such as 2026-11-24T10:00:00.000Z")
        }
        guard !future || date > Date() else { throw .invalid("until", "must be in the future") }
        return date
    }

    static func pushToken(_ token: String) throws(CommandError) {
        // Visible ASCII only: FCM tokens are, and it makes the byte bound the schema's character bound.
        guard Limits.pushToken.contains(token.utf8.count), token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalid("pushToken", "1–4096 visible ASCII characters")
        }
    }
}
