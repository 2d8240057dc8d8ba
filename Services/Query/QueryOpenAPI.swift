import NovyseService

/// The OpenAPI 3.1 description of the query service, served at `GET /openapi.json`. The schemas live in
/// `QueryOpenAPI+Schemas.swift`; `QueryOpenAPITests` holds the paths against the routes and the schemas'
/// required keys against real answers.
enum QueryOpenAPI {
    static let document: String = """
        {"openapi":"3.1.0",\
        "info":{"title":"Novyse Sync query service","version":"1.0.0","description":\(quoted(overview))},\
        "servers":[{"url":"http://localhost:8082","description":"the local stack (NOVYSE_QUERY_PORT)"}],\
        "security":[{"bearer":[]}],\
        "paths":{\
        "/user/initialize":{"get":{"operationId":"initialize","summary":"The caller's whole materialized state",\
        "description":"Every chat the caller is an active member of (with its two cursors and latest messages), every user it shares a chat with plus itself, and its private state with the local cursor, read in one consistent snapshot. Bounded like an update: when `hasMore` is true, continue with `POST /user/update` and the cursors just received.",\
        "parameters":[{"name":"limit","in":"query","required":false,"schema":{"type":"integer","minimum":1},"description":"most items in the answer (default NOVYSE_QUERY_DEFAULT_LIMIT, lowered to NOVYSE_QUERY_MAX_LIMIT)"}],\
        "responses":{"200":{"description":"the state","content":{"application/json":{"schema":{"$ref":"#/components/schemas/InitializeAnswer"}}}},\
        "400":{"$ref":"#/components/responses/BadRequest"},"401":{"$ref":"#/components/responses/Unauthorized"},\
        "404":{"$ref":"#/components/responses/NotFound"},"503":{"$ref":"#/components/responses/Unavailable"}}}},\
        "/user/update":{"post":{"operationId":"update","summary":"The delta after the device's cursors (membership diff)",\
        "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/UpdateRequest"}}}},\
        "responses":{"200":{"description":"the delta","content":{"application/json":{"schema":{"$ref":"#/components/schemas/UpdateAnswer"}}}},\
        "400":{"$ref":"#/components/responses/BadRequest"},"401":{"$ref":"#/components/responses/Unauthorized"},\
        "404":{"$ref":"#/components/responses/NotFound"},"413":{"$ref":"#/components/responses/TooLarge"},\
        "415":{"$ref":"#/components/responses/UnsupportedMediaType"},"503":{"$ref":"#/components/responses/Unavailable"}}}},\
        "/chat/history":{"get":{"operationId":"history","summary":"Older messages of a chat the caller is in, newest first",\
        "parameters":[{"name":"chatUUID","in":"query","required":true,"schema":{"type":"string","format":"uuid"}},\
        {"name":"beforeMessageID","in":"query","required":false,"schema":{"type":"integer","minimum":1,"maximum":9007199254740991},"description":"only messages with a smaller ID; the newest when absent"},\
        {"name":"limit","in":"query","required":false,"schema":{"type":"integer","minimum":1},"description":"default 50, lowered to NOVYSE_QUERY_HISTORY_MAX_LIMIT"}],\
        "responses":{"200":{"description":"a page","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HistoryAnswer"}}}},\
        "400":{"$ref":"#/components/responses/BadRequest"},"401":{"$ref":"#/components/responses/Unauthorized"},\
        "403":{"$ref":"#/components/responses/Forbidden"},"404":{"$ref":"#/components/responses/NotFound"},\
        "503":{"$ref":"#/components/responses/Unavailable"}}}},\
        "/chat/members":{"get":{"operationId":"members","summary":"Every member of a chat the caller is in, by userUUID, in pages",\
        "description":"Chat objects list at most NOVYSE_QUERY_CHAT_MEMBERS members (`hasMoreMembers`); this pages through all of them in the projected state. Continue with the last `userUUID` as `afterUserUUID` while `hasMore`.",\
        "parameters":[{"name":"chatUUID","in":"query","required":true,"schema":{"type":"string","format":"uuid"}},\
        {"name":"afterUserUUID","in":"query","required":false,"schema":{"type":"string","format":"uuid"},"description":"only members whose userUUID sorts after this one; the first page when absent"},\
        {"name":"limit","in":"query","required":false,"schema":{"type":"integer","minimum":1},"description":"default 100, lowered to NOVYSE_QUERY_MEMBERS_MAX_LIMIT"}],\
        "responses":{"200":{"description":"a page","content":{"application/json":{"schema":{"$ref":"#/components/schemas/MembersAnswer"}}}},\
        "400":{"$ref":"#/components/responses/BadRequest"},"401":{"$ref":"#/components/responses/Unauthorized"},\
        "403":{"$ref":"#/components/responses/Forbidden"},"404":{"$ref":"#/components/responses/NotFound"},\
        "503":{"$ref":"#/components/responses/Unavailable"}}}}\
        },\
        "components":\(components)}
        """

    static let overview = """
        The read side of Novyse Sync. `GET /user/initialize` bootstraps an empty device; `POST /user/update` \
        sends the device's cursors and gets the seed's membership diff: chats and users it lacks come whole \
        (`chats.new`, `users.new`, with the latest messages of new chats in `messages`), held ones as the items \
        after its cursors (`chats.events`, `users.events`, `messages`, `local`), and those it may no longer see \
        are named in `chats.removed` / `users.removed`. Apply in the seed's order: new chats, new users, \
        messages, chat events, profile events, local events, then removals; set each cursor to the ID of the \
        last item applied of its stream (for new chats and users, the cursors inside the object).

        **Consistency.** Snapshot rows and cursors come from one REPEATABLE READ snapshot, and chat events are \
        served only up to the chat's projected position, so an answer applied in order lands on the server's \
        state. **Bounds.** At most `limit` items (a new chat is never split); `hasMore: true` means apply and \
        ask again at once. The cut falls on ID order, so every stream gets a prefix of its items. \
        **Resync.** A cursor that names no item of its stream (invented, or from a reset stream) brings the \
        chat or user back in `chats.new` / `users.new`, to replace the device's copy; an unusable local \
        cursor brings `localState`. **Lag.** `retryAfterMs` > 0 means something the caller may see is \
        committed but not projected yet: run another update after that many milliseconds. \
        **Visibility.** Only active members get a chat; plain members get the latest `MESSAGE_EDITED` per \
        message within the range served (authors and admins every edit); contacts get the latest profile event \
        of each type (the owner the full log); local events only reach their owner.

        Errors are `{"success": false, "error": {"code", "message"}}`: 400 `INVALID_JSON`, `INVALID_BODY`, \
        `UNKNOWN_FIELD`, `INVALID_FIELD`, `DUPLICATE_CHAT`, `DUPLICATE_USER`, `TOO_MANY_CURSORS`; 401 \
        `AUTH_NO_TOKEN`, `AUTH_INVALID_TOKEN`, `AUTH_TOKEN_EXPIRED`; 403 `NOT_A_MEMBER`; 404 `UNKNOWN_USER`, \
        `UNKNOWN_CHAT`, `NOT_FOUND`; 413 `BODY_TOO_LARGE`; 415 `UNSUPPORTED_MEDIA_TYPE`; 503 \
        `DEPENDENCY_UNAVAILABLE`, `NOT_YET_PROJECTED`.
        """

    static func quoted(_ text: String) -> String { OpenAPIRoute.quoted(text) }
}
