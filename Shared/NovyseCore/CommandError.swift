/// A mutation refused for a reason the client can act on: a stable code (which fixes the HTTP status) and a
/// message. Defined here, without I/O, so that storage and services throw the same values.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func invalid(_ field: String, _ message: String) -> CommandError {
        CommandError(.invalidField, message: "\(field): \(message)")
    }

    public static let unknownChat = CommandError(.unknownChat, message: "no such chat")
    public static let unknownMessage = CommandError(.unknownMessage, message: "no such message in this chat")
    public static let unknownUser = CommandError(.unknownUser, message: "no such user")
    public static let unknownFolder = CommandError(.unknownFolder, message: "no such folder")
    public static let notAMember = CommandError(.notAMember, message: "you are not a member of this chat")
    public static let adminOnly = CommandError(.adminOnly, message: "only an admin of this chat may do this")
    public static let ownerOnly = CommandError(.ownerOnly, message: "only the owner of this chat may do this")
    public static let authorOnly = CommandError(.authorOnly, message: "only the author may edit a message")
    public static let messageDeleted = CommandError(.messageDeleted, message: "the message is deleted")
    public static let idempotencyKeyReused = CommandError(
        .idempotencyKeyReused, message: "this Idempotency-Key was already used for a different request"
    )
}
