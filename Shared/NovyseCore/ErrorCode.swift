/// Every code a client can find in an error answer (`{success: false, error: {code, message}}`) or in a
/// Socket.IO refusal, with the one HTTP status it travels with and what it means.
///
/// One list, so that a route cannot answer a code the contract does not name: services throw these cases,
/// the OpenAPI descriptions take their meanings and enums from here, and a test holds docs/api.md's table
/// against `allCases`. A code never changes its status; a new refusal gets a new case.
public enum ErrorCode: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    // 400: the request itself is wrong.
    case badRequest = "BAD_REQUEST"
    case invalidJSON = "INVALID_JSON"
    case invalidBody = "INVALID_BODY"
    case unknownField = "UNKNOWN_FIELD"
    case invalidField = "INVALID_FIELD"
    case contentTooLong = "CONTENT_TOO_LONG"
    case emptyUpdate = "EMPTY_UPDATE"
    case invalidIdempotencyKey = "INVALID_IDEMPOTENCY_KEY"
    case duplicateChat = "DUPLICATE_CHAT"
    case duplicateUser = "DUPLICATE_USER"
    case tooManyCursors = "TOO_MANY_CURSORS"
    // 401: who is asking is not established.
    case authNoToken = "AUTH_NO_TOKEN"
    case authInvalidToken = "AUTH_INVALID_TOKEN"
    case authTokenExpired = "AUTH_TOKEN_EXPIRED"
    case adminTokenRequired = "ADMIN_TOKEN_REQUIRED"
    // 403: the caller may not do this.
    case notAMember = "NOT_A_MEMBER"
    case adminOnly = "ADMIN_ONLY"
    case ownerOnly = "OWNER_ONLY"
    case authorOnly = "AUTHOR_ONLY"
    case authorOrAdminOnly = "AUTHOR_OR_ADMIN_ONLY"
    case dmMembersFixed = "DM_MEMBERS_FIXED"
    case dmRolesFixed = "DM_ROLES_FIXED"
    case cannotRemoveOwner = "CANNOT_REMOVE_OWNER"
    // 404: no such thing (or none the caller may see).
    case notFound = "NOT_FOUND"
    case unknownChat = "UNKNOWN_CHAT"
    case unknownMessage = "UNKNOWN_MESSAGE"
    case unknownUser = "UNKNOWN_USER"
    case unknownFolder = "UNKNOWN_FOLDER"
    // 405, 413, 415: the shape of the exchange.
    case methodNotAllowed = "METHOD_NOT_ALLOWED"
    case bodyTooLarge = "BODY_TOO_LARGE"
    case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
    // 409: the state does not allow it.
    case lastOwner = "LAST_OWNER"
    case roleUnchanged = "ROLE_UNCHANGED"
    case alreadyMember = "ALREADY_MEMBER"
    case notMember = "NOT_MEMBER"
    case messageDeleted = "MESSAGE_DELETED"
    case reactionExists = "REACTION_EXISTS"
    case reactionNotFound = "REACTION_NOT_FOUND"
    case alreadyPinned = "ALREADY_PINNED"
    case notPinned = "NOT_PINNED"
    case notMuted = "NOT_MUTED"
    case handleTaken = "HANDLE_TAKEN"
    case clientMessageIDReused = "CLIENT_MESSAGE_ID_REUSED"
    // 422: well-formed, refused.
    case idempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
    case limitReached = "LIMIT_REACHED"
    // 429: too much.
    case rateLimited = "RATE_LIMITED"
    case tooManySockets = "TOO_MANY_SOCKETS"
    // 5xx: the server's side.
    case internalError = "INTERNAL"
    case dependencyUnavailable = "DEPENDENCY_UNAVAILABLE"
    case notYetProjected = "NOT_YET_PROJECTED"

    public var description: String { rawValue }

    /// The HTTP status every answer with this code has (Socket.IO refusals carry the code alone).
    public var status: Int {
        switch self {
        case .badRequest, .invalidJSON, .invalidBody, .unknownField, .invalidField, .contentTooLong, .emptyUpdate,
            .invalidIdempotencyKey, .duplicateChat, .duplicateUser, .tooManyCursors:
            400
        case .authNoToken, .authInvalidToken, .authTokenExpired, .adminTokenRequired: 401
        case .notAMember, .adminOnly, .ownerOnly, .authorOnly, .authorOrAdminOnly, .dmMembersFixed, .dmRolesFixed,
            .cannotRemoveOwner:
            403
        case .notFound, .unknownChat, .unknownMessage, .unknownUser, .unknownFolder: 404
        case .methodNotAllowed: 405
        case .bodyTooLarge: 413
        case .unsupportedMediaType: 415
        case .lastOwner, .roleUnchanged, .alreadyMember, .notMember, .messageDeleted, .reactionExists, .reactionNotFound,
            .alreadyPinned, .notPinned, .notMuted, .handleTaken, .clientMessageIDReused:
            409
        case .idempotencyKeyReused, .limitReached: 422
        case .rateLimited, .tooManySockets: 429
        case .internalError: 500
        case .dependencyUnavailable, .notYetProjected: 503
        }
    }
}
