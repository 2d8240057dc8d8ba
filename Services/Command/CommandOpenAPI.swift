import Foundation
import NovyseCore
import NovyseService

/// The OpenAPI 3.1 description of the command service, served at `GET /openapi.json`.
///
/// Assembled from JSON fragments rather than written as one literal: the 25 operations share the envelope,
/// the headers and most error responses, so each is one entry of `operations` naming what differs (body,
/// answer, error codes). Limits are read from `Limits`; the components live in `CommandOpenAPI+Schemas.swift`.
/// `CommandOpenAPITests` holds the result against the routes the service registers, the `CommandRequest`
/// types, the result types and the routes' actual answers.
enum CommandOpenAPI {
    static let document: String = """
        {"openapi":"3.1.0",\
        "info":{"title":"Novyse Sync command service","version":"1.0.0","description":\(quoted(overview))},\
        "servers":[{"url":"http://localhost:8081","description":"the local stack (NOVYSE_COMMAND_PORT)"}],\
        "tags":\(tags),\
        "paths":\(paths),\
        "components":\(components)}
        """

    // MARK: Overview

    static var overview: String {
        """
        The write side of Novyse Sync: it validates and authorizes every mutation of the wire contract, commits it \
        to the event store in one transaction, and publishes it to the pipeline. Reads (`/user/initialize`, \
        `/user/update`, `/chat/history`) belong to the query service.

        **Envelope.** Every JSON answer is `{"success": true, "data": …}` or `{"success": false, "error": {"code", \
        "message"}}`. `code` is stable and machine-readable, `message` is for humans. Each error response below \
        lists the codes it can carry. Any mutation may also answer 500 `INTERNAL` (logged, no detail) or 503 \
        `DEPENDENCY_UNAVAILABLE`; an unknown path answers 404 `NOT_FOUND`, a known path with another method 405 `METHOD_NOT_ALLOWED` with `Allow`. \
        Times are ISO-8601 UTC strings with milliseconds; users and chats are UUID strings; \
        messages and events are integers below 2^53.

        **Authentication.** Mutations need `Authorization: Bearer <JWT>` whose `sub` is the caller's user UUID and \
        whose `did` names the device (401 `AUTH_NO_TOKEN`, `AUTH_INVALID_TOKEN`, `AUTH_TOKEN_EXPIRED`). The \
        development endpoints under `/admin` take `X-Admin-Token` instead, and answer 404 while they are off (no admin \
        token; in production also without `NOVYSE_ADMIN_ENABLED=true`).

        **Bodies.** A JSON object (send `Content-Type: application/json` or none; another type is 415) of at most \
        `NOVYSE_MAX_BODY_BYTES` (default 65536) bytes (413 `BODY_TOO_LARGE`). Keys an operation does not define are \
        refused (400 `UNKNOWN_FIELD`) rather than ignored; a missing or ill-typed field is 400 `INVALID_BODY`, an \
        out-of-range value 400 `INVALID_FIELD`. The token is checked before the body.

        **Idempotency.** Every mutation accepts `Idempotency-Key` (1–255 visible ASCII characters). Keys are \
        scoped to the user and stored with a hash of method, path and body in the mutation's own transaction: \
        repeating the request returns the first answer, writes nothing and adds `Idempotency-Replayed: true`; the \
        same key on a different request is 422 `IDEMPOTENCY_KEY_REUSED`; a refused mutation stores no key, so its \
        retry is evaluated afresh. The token and the body are validated before the key is looked up. \
        `POST /message` is idempotent by `clientMessageID` as well.

        **Answers.** Each mutation answers the IDs it created: `{messageID, prevID}` for a message, \
        `{eventID, prevID}` for a chat or local event, `{eventIDs}` for profile events, `{chatUUID, created}` for \
        a chat, `{deviceID}` for a push token. `prevID` is the previous item of the same stream (0 for the first), \
        the value a client's cursor must have for the item to apply directly.

        **Who may do what.**

        | operation | allowed to |
        |---|---|
        | `POST /chat/create` | any user; the caller becomes OWNER of a group or channel (both DM members are MEMBER); a DM needs exactly one other member and creating an existing DM again returns it with `created: false` |
        | `POST /message` | active members; in a channel only its owner and admins |
        | `PATCH /message` | the message's author |
        | `DELETE /message` | the author; in a group or channel also its owner and admins |
        | `PUT`/`DELETE /message/reaction` | any member, on a message that is not deleted |
        | `PUT`/`DELETE /message/pin` | owner and admins of a group or channel; either member of a DM |
        | `POST /chat/members` | owner and admins of a group or channel (a DM's members are fixed) |
        | `DELETE /chat/members` | owner and admins of a group or channel; nobody removes the owner; removing yourself is leaving |
        | `POST /chat/leave` | any member |
        | `PATCH /user/profile`, `PUT /user/theme`, `/chat/pin`, `/chat/mute`, `/folder` | the caller, for their own profile and settings; pinning, muting and foldering need membership of the chat |
        | `/notification/push-token` | the calling device (`did`) |

        **Limits.** Message content \(range(Limits.messageContent)) characters, not blank; reaction \
        \(range(Limits.reaction)) characters; chat name \(range(Limits.chatName)) characters; at most \
        \(Limits.groupMembers.upperBound) members given at creation; handle \(range(Limits.handle)) letters, digits, \
        `_` or `.`; name \(range(Limits.name)), surname up to \(Limits.surname.upperBound), biography up to \
        \(Limits.biography.upperBound) characters; theme \(range(Limits.theme)) letters, digits, `-` or `_`; folder ID \
        \(range(Limits.folderID)) and folder name \(range(Limits.folderName)) characters, at most \
        \(Limits.folderChats.upperBound) chats per folder; pin position \(range(Limits.pinPosition)); push token \
        \(range(Limits.pushToken)) bytes; `Idempotency-Key` \(range(Limits.idempotencyKey)) characters.
        """
    }

    static let tags = """
        [{"name":"chats"},{"name":"messages"},{"name":"profile"},{"name":"settings","description":"Private settings: local events only the caller's devices receive."},\
        {"name":"devices"},{"name":"admin","description":"Development and test provisioning."},{"name":"operations"}]
        """

    // MARK: Operations

    /// One HTTP operation and what is particular to it.
    struct Operation {
        enum Access { case user, admin, open }

        var method: String
        var path: String
        var id: String
        var tag: String
        var summary: String
        var access: Access
        var body: String?
        var bodyRequired = true
        /// The JSON of the `responses` members, without braces.
        var responses: [String]

        var json: String {
            var members = [
                ##""operationId":\##(quoted(id))"##, ##""tags":[\##(quoted(tag))]"##, ##""summary":\##(quoted(summary))"##,
            ]
            switch access {
            case .user:
                members.append(##""security":[{"bearerAuth":[]}]"##)
                members.append(##""parameters":[{"$ref":"#/components/parameters/IdempotencyKey"}]"##)
            case .admin:
                members.append(##""security":[{"adminToken":[]}]"##)
            case .open:
                members.append(##""security":[]"##)
            }
            if let body {
                members.append(
                    ##""requestBody":{"required":\##(bodyRequired),"content":{"application/json":{"schema":{"$ref":"#/components/schemas/\##(body)"}}}}"##
                )
            }
            members.append(##""responses":{\##(responses.joined(separator: ","))}"##)
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    static let commonBadRequest: [ErrorCode] = [.invalidJSON, .invalidBody, .unknownField]

    /// A mutation of `api.md`: bearer token, optional `Idempotency-Key`, strict JSON body, `{success, data}`.
    static func mutation(
        _ method: String, _ path: String, id: String, tag: String, summary: String,
        body: String, bodyRequired: Bool = true, data: String,
        badRequest: [ErrorCode] = commonBadRequest + [.invalidField],
        forbidden: [ErrorCode] = [], notFound: [ErrorCode] = [], conflict: [ErrorCode] = [], limited: Bool = false
    ) -> Operation {
        var responses = [
            ##""200":{"description":"Done. A replay of an earlier request with the same `Idempotency-Key` carries `Idempotency-Replayed: true`.","headers":{"Idempotency-Replayed":{"$ref":"#/components/headers/IdempotencyReplayed"}},\##(success(data))}"##,
            ##""400":\##(errorResponse("Bad request", codes: badRequest + [.invalidIdempotencyKey]))"##,
            ##""401":{"$ref":"#/components/responses/Unauthorized"}"##,
        ]
        if !forbidden.isEmpty { responses.append(##""403":\##(errorResponse("Not allowed", codes: forbidden))"##) }
        if !notFound.isEmpty { responses.append(##""404":\##(errorResponse("Not found", codes: notFound))"##) }
        if !conflict.isEmpty { responses.append(##""409":\##(errorResponse("Conflict", codes: conflict))"##) }
        responses += [
            ##""413":{"$ref":"#/components/responses/BodyTooLarge"}"##,
            ##""415":{"$ref":"#/components/responses/UnsupportedMediaType"}"##,
            limited
                ? ##""422":\##(errorResponse("Refused", codes: [.idempotencyKeyReused, .limitReached]))"##
                : ##""422":{"$ref":"#/components/responses/IdempotencyKeyReused"}"##,
            ##""429":{"$ref":"#/components/responses/RateLimited"}"##,
            ##""500":{"$ref":"#/components/responses/InternalError"}"##,
            ##""503":{"$ref":"#/components/responses/DependencyUnavailable"}"##,
        ]
        return Operation(
            method: method, path: path, id: id, tag: tag, summary: summary, access: .user, body: body,
            bodyRequired: bodyRequired, responses: responses
        )
    }

    /// A development endpoint: `X-Admin-Token`, strict JSON body, no idempotency.
    static func admin(
        _ path: String, id: String, summary: String, body: String, data: String, notFound: [ErrorCode], conflict: [ErrorCode] = []
    ) -> Operation {
        var responses = [
            ##""200":{"description":"Done.",\##(success(data))}"##,
            ##""400":\##(errorResponse("Bad request", codes: commonBadRequest + [.invalidField]))"##,
            ##""401":{"$ref":"#/components/responses/AdminTokenRequired"}"##,
            ##""404":\##(errorResponse("Not found", codes: notFound))"##,
        ]
        if !conflict.isEmpty { responses.append(##""409":\##(errorResponse("Conflict", codes: conflict))"##) }
        responses += [
            ##""413":{"$ref":"#/components/responses/BodyTooLarge"}"##,
            ##""415":{"$ref":"#/components/responses/UnsupportedMediaType"}"##,
            ##""429":{"$ref":"#/components/responses/RateLimited"}"##,
            ##""500":{"$ref":"#/components/responses/InternalError"}"##,
            ##""503":{"$ref":"#/components/responses/DependencyUnavailable"}"##,
        ]
        return Operation(method: "post", path: path, id: id, tag: "admin", summary: summary, access: .admin, body: body, responses: responses)
    }

    /// `"content"` of a success answer: the envelope around the `data` schema.
    static func success(_ data: String) -> String {
        ##""content":{"application/json":{"schema":{"type":"object","required":["success","data"],"additionalProperties":false,"properties":{"success":{"const":true},"data":{"$ref":"#/components/schemas/\##(data)"}}}}}"##
    }

    static var operations: [Operation] {
        let chat: [ErrorCode] = [.unknownChat]
        let member: [ErrorCode] = [.notAMember]
        let message: [ErrorCode] = [.unknownChat, .unknownMessage]
        let user: [ErrorCode] = [.unknownUser]
        let deleted: [ErrorCode] = [.messageDeleted]
        return [
            mutation(
                "post", "/chat/create", id: "createChat", tag: "chats",
                summary: "Create a DM, group or channel with its members (no event: the creation itself is announced)",
                body: "CreateChatRequest", data: "ChatCreated", notFound: user, limited: true),
            mutation(
                "post", "/chat/members", id: "addChatMember", tag: "chats", summary: "Add a member (MEMBER_JOINED)",
                body: "ChatMemberRequest", data: "EventWritten", badRequest: commonBadRequest,
                forbidden: member + [.dmMembersFixed, .adminOnly], notFound: chat + user, conflict: [.alreadyMember],
                limited: true),
            mutation(
                "delete", "/chat/members", id: "removeChatMember", tag: "chats",
                summary: "Remove a member, or yourself (MEMBER_LEFT)",
                body: "ChatMemberRequest", data: "EventWritten", badRequest: commonBadRequest,
                forbidden: member + [.dmMembersFixed, .adminOnly, .cannotRemoveOwner], notFound: chat,
                conflict: [.notMember, .lastOwner]),
            mutation(
                "put", "/chat/members/role", id: "setChatMemberRole", tag: "chats",
                summary: "Make a member an admin or a member again, or hand ownership over (MEMBER_ROLE_CHANGED)",
                body: "ChatRoleRequest", data: "RolesChanged", badRequest: commonBadRequest,
                forbidden: member + [.dmRolesFixed, .ownerOnly], notFound: chat, conflict: [.notMember, .roleUnchanged]),
            mutation(
                "post", "/chat/leave", id: "leaveChat", tag: "chats",
                summary: "Leave a chat (MEMBER_LEFT); the owner of a group or channel hands ownership over first",
                body: "ChatRequest", data: "EventWritten", badRequest: commonBadRequest, forbidden: member, notFound: chat,
                conflict: [.lastOwner]),

            mutation(
                "post", "/message", id: "sendMessage", tag: "messages", summary: "Send a message (no event: the message is the item)",
                body: "SendMessageRequest", data: "MessageSent", badRequest: commonBadRequest + [.invalidField, .contentTooLong],
                forbidden: member + [.adminOnly], notFound: chat, conflict: [.clientMessageIDReused]),
            mutation(
                "patch", "/message", id: "editMessage", tag: "messages", summary: "Edit your message (MESSAGE_EDITED)",
                body: "EditMessageRequest", data: "EventWritten", badRequest: commonBadRequest + [.invalidField, .contentTooLong],
                forbidden: member + [.authorOnly], notFound: message, conflict: deleted),
            mutation(
                "delete", "/message", id: "deleteMessage", tag: "messages", summary: "Delete a message, also unpinning it (MESSAGE_DELETED)",
                body: "MessageRequest", data: "EventWritten",
                forbidden: member + [.authorOrAdminOnly], notFound: message, conflict: deleted),
            mutation(
                "put", "/message/reaction", id: "addReaction", tag: "messages", summary: "React to a message (REACTION_ADDED)",
                body: "ReactionRequest", data: "EventWritten", forbidden: member, notFound: message,
                conflict: deleted + [.reactionExists], limited: true),
            mutation(
                "delete", "/message/reaction", id: "removeReaction", tag: "messages", summary: "Withdraw a reaction (REACTION_REMOVED)",
                body: "ReactionRequest", data: "EventWritten", forbidden: member, notFound: message,
                conflict: deleted + [.reactionNotFound]),
            mutation(
                "put", "/message/pin", id: "pinMessage", tag: "messages", summary: "Pin a message (MESSAGE_PINNED)",
                body: "MessageRequest", data: "EventWritten", forbidden: member + [.adminOnly], notFound: message,
                conflict: deleted + [.alreadyPinned], limited: true),
            mutation(
                "delete", "/message/pin", id: "unpinMessage", tag: "messages", summary: "Unpin a message (MESSAGE_UNPINNED)",
                body: "MessageRequest", data: "EventWritten", forbidden: member + [.adminOnly], notFound: message,
                conflict: deleted + [.notPinned]),

            mutation(
                "patch", "/user/profile", id: "updateProfile", tag: "profile",
                summary:
                    "Change profile fields (one profile event per changed field: BIO_CHANGED, PICTURE_CHANGED, BANNER_CHANGED, NAME_CHANGED, SURNAME_CHANGED, BIRTHDAY_CHANGED, COLOR_CHANGED, HANDLE_CHANGED)",
                body: "ProfileUpdate", data: "ProfileEventsWritten",
                badRequest: [.invalidJSON, .invalidBody, .unknownField, .emptyUpdate, .invalidField], notFound: user, conflict: [.handleTaken]),

            mutation(
                "put", "/chat/pin", id: "pinChat", tag: "settings", summary: "Pin a chat, or move it (CHAT_PINNED)",
                body: "PinChatRequest", data: "EventWritten", forbidden: member, notFound: user + chat),
            mutation(
                "delete", "/chat/pin", id: "unpinChat", tag: "settings", summary: "Unpin a chat (CHAT_UNPINNED)",
                body: "ChatRequest", data: "EventWritten", badRequest: commonBadRequest, notFound: user + chat, conflict: [.notPinned]),
            mutation(
                "put", "/chat/mute", id: "muteChat", tag: "settings", summary: "Mute a chat, until a time or indefinitely (CHAT_MUTED)",
                body: "MuteChatRequest", data: "EventWritten", forbidden: member, notFound: user + chat),
            mutation(
                "delete", "/chat/mute", id: "unmuteChat", tag: "settings", summary: "Unmute a chat (CHAT_UNMUTED)",
                body: "ChatRequest", data: "EventWritten", badRequest: commonBadRequest, notFound: user + chat, conflict: [.notMuted]),
            mutation(
                "put", "/user/theme", id: "setTheme", tag: "settings", summary: "Set the theme (THEME_CHANGED)",
                body: "ThemeRequest", data: "EventWritten", notFound: user),
            mutation(
                "put", "/folder", id: "putFolder", tag: "settings", summary: "Create or replace a folder (FOLDER_UPDATED)",
                body: "FolderRequest", data: "EventWritten", forbidden: member, notFound: user + chat, limited: true),
            mutation(
                "delete", "/folder", id: "deleteFolder", tag: "settings", summary: "Delete a folder (FOLDER_DELETED)",
                body: "DeleteFolderRequest", data: "EventWritten", notFound: user + [.unknownFolder]),

            mutation(
                "patch", "/notification/push-token", id: "setPushToken", tag: "devices",
                summary: "Register the calling device's FCM token (no event)",
                body: "PushTokenRequest", data: "DeviceUpdated", notFound: user),
            mutation(
                "delete", "/notification/push-token", id: "clearPushToken", tag: "devices",
                summary: "Forget the calling device's FCM token (no event)",
                body: "EmptyRequest", bodyRequired: false, data: "DeviceUpdated", badRequest: commonBadRequest, notFound: user),

            admin(
                "/admin/users", id: "createUser", summary: "Create a user (development and tests)",
                body: "CreateUserRequest", data: "CreatedUser", notFound: [.notFound], conflict: [.handleTaken]),
            admin(
                "/admin/tokens", id: "issueToken",
                summary: "Issue a 24-hour HS256 access token for a user and device (development and tests; 500 when only public keys are configured)",
                body: "IssueTokenRequest", data: "IssuedToken", notFound: [.notFound, .unknownUser]),

            Operation(
                method: "get", path: "/health/live", id: "live", tag: "operations", summary: "The process runs", access: .open,
                responses: [
                    ##""200":{"description":"Live (not the `{success, data}` envelope).","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HealthLive"}}}}"##
                ]),
            Operation(
                method: "get", path: "/health/ready", id: "ready", tag: "operations",
                summary:
                    "The dependencies this service needs answer within NOVYSE_READINESS_TIMEOUT_MS: PostgreSQL (command, query), PostgreSQL and Redis (fan-out, projector)",
                access: .open,
                responses: [
                    ##""200":{"description":"Ready, `status` `ready`, or `degraded` when Redis is down and the service does not need it (not the `{success, data}` envelope).","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HealthReady"}}}}"##,
                    ##""503":{"description":"Not ready: `status` is `unavailable` and the required dependency that failed is `false` (not the error envelope).","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HealthReady"}}}}"##,
                ]),
            Operation(
                method: "get", path: "/metrics", id: "metrics", tag: "operations",
                summary: "Prometheus metrics: novyse_dependency_up, per-route request counters and latencies", access: .open,
                responses: [
                    ##""200":{"description":"Prometheus text exposition format 0.0.4.","content":{"text/plain":{"schema":{"type":"string"}}}}"##
                ]),
            Operation(
                method: "get", path: "/openapi.json", id: "openAPI", tag: "operations", summary: "This description", access: .open,
                responses: [
                    ##""200":{"description":"The OpenAPI 3.1 document.","content":{"application/json":{"schema":{"type":"object"}}}}"##
                ]),
        ]
    }

    /// `paths`, one member per path, its operations in the order listed.
    static var paths: String {
        var order: [String] = []
        var byPath: [String: [Operation]] = [:]
        for operation in operations {
            if byPath[operation.path] == nil { order.append(operation.path) }
            byPath[operation.path, default: []].append(operation)
        }
        let items = order.map { path in
            let methods = byPath[path, default: []].map { "\(quoted($0.method)):\($0.json)" }.joined(separator: ",")
            return "\(quoted(path)):{\(methods)}"
        }
        return "{" + items.joined(separator: ",") + "}"
    }

    // MARK: Helpers

    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> String { OpenAPIRoute.quoted(value) }

    static func range(_ range: ClosedRange<Int>) -> String {
        "\(range.lowerBound)–\(range.upperBound)"
    }
}
