/// What each code tells a client: the text the OpenAPI descriptions and docs/api.md give it.
extension ErrorCode {
    public var meaning: String {
        switch self {
        case .badRequest: "the request is malformed at the HTTP level (its target or headers)"
        case .invalidJSON: "the body is not valid JSON"
        case .invalidBody:
            "the body is missing or not a JSON object, lacks a required field, or has a value of the wrong type (a "
                + "malformed UUID, an unknown enum value, a fraction where an integer belongs, `null` where a value belongs)"
        case .unknownField: "the body has a key this operation does not define (the message names it)"
        case .invalidField: "a value is out of range or malformed; the message names the field and the rule"
        case .contentTooLong: "`content` is longer than \(Limits.messageContent.upperBound) characters"
        case .emptyUpdate: "the body names no profile field"
        case .invalidIdempotencyKey: "the `Idempotency-Key` header is not 1–255 visible ASCII characters"
        case .duplicateChat: "an update names the same chat twice"
        case .duplicateUser: "an update names the same user twice"
        case .tooManyCursors: "an update names more chats or users than `NOVYSE_QUERY_MAX_CURSORS`"
        case .authNoToken: "no `Authorization: Bearer` header (or Socket.IO `auth.token`), or an empty token"
        case .authInvalidToken:
            "the token's signature, format, issuer or audience is wrong, `sub` is not a UUID, or `did` is missing or "
                + "longer than 128 bytes"
        case .authTokenExpired: "the token's `exp` has passed (over Socket.IO also the notice before a live socket is closed)"
        case .adminTokenRequired: "`X-Admin-Token` is missing or not the configured admin token"
        case .notAMember: "the caller is not an active member of the chat (for `PUT /folder`: of one of its chats)"
        case .adminOnly: "only an owner or admin of the chat may do this"
        case .ownerOnly: "only the chat's owner may change roles"
        case .authorOnly: "only the message's author may edit it"
        case .authorOrAdminOnly: "only the author, or an owner or admin of a group or channel, may delete the message"
        case .dmMembersFixed: "a DM's members cannot be added or removed"
        case .dmRolesFixed: "the members of a DM have no roles to change"
        case .cannotRemoveOwner: "the chat's owner cannot be removed"
        case .notFound:
            "no such endpoint: also the admin endpoints while they are off (no `NOVYSE_ADMIN_TOKEN`; in production also "
                + "without `NOVYSE_ADMIN_ENABLED=true`)"
        case .unknownChat: "no such chat"
        case .unknownMessage: "no such message in this chat"
        case .unknownUser:
            "no such user: one named in the body, or the caller itself when its token names a user the service does not know"
        case .unknownFolder: "the caller has no folder with this `folderID`"
        case .methodNotAllowed: "the path exists, but not with this method; `Allow` lists the methods it has"
        case .bodyTooLarge: "the body exceeds the service's bound (`NOVYSE_MAX_BODY_BYTES`, `NOVYSE_QUERY_MAX_UPDATE_BYTES`)"
        case .unsupportedMediaType: "a `Content-Type` other than `application/json` was sent"
        case .lastOwner: "the owner of a group or channel cannot leave it; they hand ownership to another member first"
        case .roleUnchanged: "the member already has this role (the owner's changes only by a handover)"
        case .alreadyMember: "the user is already a member"
        case .notMember: "the user named is not a member of the chat"
        case .messageDeleted: "the message is deleted"
        case .reactionExists: "the caller already reacted with this reaction"
        case .reactionNotFound: "the caller has not reacted with this reaction"
        case .alreadyPinned: "the message is already pinned"
        case .notPinned: "the message (or, for `/chat/pin`, the chat) is not pinned"
        case .notMuted: "the chat is not muted"
        case .handleTaken: "the handle is already taken (compared case-insensitively)"
        case .clientMessageIDReused: "this `clientMessageID` was already used for a different message"
        case .idempotencyKeyReused:
            "this `Idempotency-Key` was already used by the caller for a different request (another method, path or body)"
        case .limitReached:
            "a count limit would be exceeded; the message names it and its value, e.g. `limit chatMembers (1000) reached`. "
                + "Limits: "
                + CountLimits.settings.map { "`\($0.name)` (`\($0.key)`, default \(CountLimits()[keyPath: $0.path]))" }
                .joined(separator: ", ")
        case .rateLimited:
            "the caller's token bucket is empty (per user: `NOVYSE_RATE_LIMIT_WRITES_PER_SECOND`, default 5, bursts of "
                + "`NOVYSE_RATE_LIMIT_WRITES_BURST`, default 50; per client address for requests without valid credentials: "
                + "`NOVYSE_RATE_LIMIT_UNAUTHENTICATED_PER_SECOND`, default 1, bursts of 20); retry after `Retry-After` seconds"
        case .tooManySockets: "Socket.IO only: the user has `NOVYSE_FANOUT_MAX_SOCKETS_PER_USER` live sockets on this process"
        case .internalError: "the server failed; the detail is logged, never returned"
        case .dependencyUnavailable: "PostgreSQL (or Redis, where the operation needs it) is unreachable or overloaded; retry later"
        case .notYetProjected: "the caller's account is committed but not projected yet; retry shortly"
        }
    }
}
