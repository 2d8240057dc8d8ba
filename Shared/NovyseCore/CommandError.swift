/// A mutation refused for a reason the client can act on: a stable code, a message, and a kind that the
/// HTTP layer turns into a status (400, 403, 404, 409, 422). Defined here, without I/O, so that storage
/// and services throw the same values.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalid        // 400: malformed or out-of-range input
        case forbidden      // 403: the caller may not do this
        case notFound       // 404: no such entity (or none the caller may see)
        case conflict       // 409: the state does not allow it (already deleted, already a member…)
        case unprocessable  // 422: well-formed but semantically refused (idempotency key reused…)
    }

    public let kind: Kind
    public let code: String
    public let message: String

    public init(_ kind: Kind, code: String, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func invalid(_ field: String, _ message: String) -> CommandError {
        CommandError(.invalid, code: "INVALID_FIELD", message: "\(field): \(message)")
    }

    public static let unknownChat = CommandError(.notFound, code: "UNKNOWN_CHAT", message: "no such chat")
    public static let unknownMessage = CommandError(.notFound, code: "UNKNOWN_MESSAGE", message: "no such message in this chat")
    public static let unknownUser = CommandError(.notFound, code: "UNKNOWN_USER", message: "no such user")
    public static let unknownFolder = CommandError(.notFound, code: "UNKNOWN_FOLDER", message: "no such folder")
    public static let notAMember = CommandError(.forbidden, code: "NOT_A_MEMBER", message: "you are not a member of this chat")
    public static let adminOnly = CommandError(.forbidden, code: "ADMIN_ONLY", message: "only an admin of this chat may do this")
    public static let ownerOnly = CommandError(.forbidden, code: "OWNER_ONLY", message: "only the owner of this chat may do this")
    public static let authorOnly = CommandError(.forbidden, code: "AUTHOR_ONLY", message: "only the author may edit a message")
    public static let messageDeleted = CommandError(.conflict, code: "MESSAGE_DELETED", message: "the message is deleted")
    public static let idempotencyKeyReused = CommandError(
        .unprocessable, code: "IDEMPOTENCY_KEY_REUSED",
        message: "this Idempotency-Key was already used for a different request"
    )
}
