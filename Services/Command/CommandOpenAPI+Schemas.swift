import Foundation
import NovyseCore
import NovyseService

/// The `components` of the command service's OpenAPI description: the body and answer schemas, the shared
/// header, parameter and error responses, the two security schemes, and what each error code means.
///
/// Request schemas are named after the `CommandRequest` types they describe (`ProfileUpdate` for the free-form
/// `PATCH /user/profile` body) and answer schemas after the `CommandResults` types, so that
/// `CommandOpenAPITests` can hold each one against its Swift type. Every length limit is read from `Limits`.
extension CommandOpenAPI {
    /// Largest ID the shared message/event sequence hands out (2^53 − 1), so IDs stay exact as JSON numbers.
    static let maxID: Int64 = 9_007_199_254_740_991

    /// Every valid date from 1900-01-01 to the end of last year: the server also takes this year's days up
    /// to today, which a pattern cannot follow.
    static var birthdayPattern: String {
        let lastYear = Calendar(identifier: .gregorian).component(.year, from: Date()) - 1
        let years = (1900...lastYear).map(String.init).joined(separator: "|")
        let leapYears = (1900...lastYear).filter { ($0 % 4 == 0 && $0 % 100 != 0) || $0 % 400 == 0 }.map(String.init).joined(separator: "|")
        let monthDay = "(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8])"
        return "^(?:(?:\(years))-(?:\(monthDay))|(?:\(leapYears))-02-29)$"
    }

    /// Text the services refuse NUL in (Postgres stores none) and, for required names and content, text
    /// that is all whitespace.
    static let noNUL = "^[^\\u0000]*$"
    static let visibleText = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"

    static var components: String {
        """
        {"schemas":\(schemas),\
        "parameters":{"IdempotencyKey":\(idempotencyKeyParameter)},\
        "headers":{"IdempotencyReplayed":\(idempotencyReplayedHeader)},\
        "responses":\(sharedResponses),\
        "securitySchemes":\(securitySchemes)}
        """
    }

    // MARK: Error codes

    /// An error response: the envelope with `error.code` restricted to `codes`, each explained in the description.
    static func errorResponse(_ title: String, codes: [ErrorCode]) -> String {
        OpenAPIRoute.errorResponse(title, codes: codes)
    }

    /// Responses several operations share, referenced as `#/components/responses/<name>`.
    static var sharedResponses: String {
        let responses: [(String, String)] = [
            ("Unauthorized", errorResponse("No valid access token", codes: [.authNoToken, .authInvalidToken, .authTokenExpired])),
            ("AdminTokenRequired", errorResponse("No valid admin token", codes: [.adminTokenRequired])),
            ("BodyTooLarge", errorResponse("Request body too large", codes: [.bodyTooLarge])),
            ("UnsupportedMediaType", errorResponse("Unsupported media type", codes: [.unsupportedMediaType])),
            ("IdempotencyKeyReused", errorResponse("Idempotency key reused", codes: [.idempotencyKeyReused])),
            ("RateLimited", errorResponse("Too many requests; `Retry-After` gives the seconds to wait", codes: [.rateLimited])),
            ("InternalError", errorResponse("Internal error", codes: [.internalError])),
            ("DependencyUnavailable", errorResponse("A dependency is down", codes: [.dependencyUnavailable])),
        ]
        return "{" + responses.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    // MARK: Headers and security

    static let idempotencyKeyParameter = #"""
        {"name":"Idempotency-Key","in":"header","required":false,
         "description":"Makes the mutation safe to retry: the first request with this key (per user) runs and its answer is stored in the same transaction; a repeat with the same method, path and body gets that answer again without writing anything (with `Idempotency-Replayed: true`), a repeat with a different request gets 422 `IDEMPOTENCY_KEY_REUSED`. A mutation that fails stores no key. 1–255 visible ASCII characters (0x21–0x7E), otherwise 400 `INVALID_IDEMPOTENCY_KEY`.",
         "schema":{"type":"string","minLength":1,"maxLength":255,"pattern":"^[!-~]+$"},
         "examples":{"uuid":{"value":"6f1c2b1e-3f0a-4a5e-9a4e-2b7f0c9d1e11"}}}
        """#

    static let idempotencyReplayedHeader = #"""
        {"description":"Present, with the value `true`, only when the answer is the stored one of an earlier request with the same `Idempotency-Key`; nothing was written this time.",
         "schema":{"type":"string","const":"true"}}
        """#

    static let securitySchemes = #"""
        {"bearerAuth":{"type":"http","scheme":"bearer","bearerFormat":"JWT",
          "description":"An access token from the identity provider (in development, `POST /admin/tokens` or `novysectl token`). Claims: `sub` = the user's UUID, `did` = the device's ID (1–128 bytes; it names the device for push tokens and for local events), `exp` required; `iss` and `aud` are checked when `NOVYSE_JWT_ISSUER` / `NOVYSE_JWT_AUDIENCE` are set. Verified with the HS256 secret (`NOVYSE_JWT_SECRET`) or the RS256, ES256 or EdDSA public keys (`NOVYSE_JWT_PUBLIC_KEY`)."},
         "adminToken":{"type":"apiKey","in":"header","name":"X-Admin-Token",
          "description":"The configured `NOVYSE_ADMIN_TOKEN`. Development and tests only: while they are off (no admin token; in production also without NOVYSE_ADMIN_ENABLED=true) the admin endpoints answer 404 `NOT_FOUND`."}}
        """#

    // MARK: Schemas

    static var schemas: String {
        #"""
        {
        "UUID":{"type":"string","format":"uuid","examples":["3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f"]},
        "MessageID":{"type":"integer","format":"int64","minimum":1,"maximum":\#(maxID),
          "description":"A message's ID: positive, below 2^53, increasing in commit order within a chat."},
        "PrevID":{"type":"integer","format":"int64","minimum":0,"maximum":\#(maxID),
          "description":"The ID of the previous item of the same stream, 0 for the first: a client applies the pushed item only when this equals its cursor."},

        "ErrorEnvelope":\#(OpenAPIRoute.errorEnvelopeSchema),

        "MessageSent":{"type":"object","required":["messageID","prevID"],"additionalProperties":false,
          "description":"The message's ID and its predecessor in the chat's message stream. A resend with the same `clientMessageID` answers the original's IDs.",
          "properties":{"messageID":{"$ref":"#/components/schemas/MessageID"},"prevID":{"$ref":"#/components/schemas/PrevID"}},
          "examples":[{"messageID":1042,"prevID":1017}]},
        "EventWritten":{"type":"object","required":["eventID","prevID"],"additionalProperties":false,
          "description":"The event's ID and its predecessor in its stream (the chat's events, or the caller's local events).",
          "properties":{"eventID":{"type":"integer","format":"int64","minimum":1,"maximum":\#(maxID)},"prevID":{"$ref":"#/components/schemas/PrevID"}},
          "examples":[{"eventID":1043,"prevID":1001}]},
        "ChatCreated":{"type":"object","required":["chatUUID","created"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},
            "created":{"type":"boolean","description":"False when a DM between the same two users already existed and is returned instead."}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","created":true}]},
        "ProfileEventsWritten":{"type":"object","required":["eventIDs"],"additionalProperties":false,
          "properties":{"eventIDs":{"type":"array","items":{"type":"integer","format":"int64","minimum":1,"maximum":\#(maxID)},
            "description":"One profile event per field whose value changed, in the order BIO, PICTURE, BANNER, NAME, SURNAME, BIRTHDAY, COLOR, HANDLE; empty when every value was already current."}},
          "examples":[{"eventIDs":[1050,1051]}]},
        "RolesChanged":{"type":"object","required":["eventIDs"],"additionalProperties":false,
          "properties":{"eventIDs":{"type":"array","minItems":1,"maxItems":2,"items":{"type":"integer","format":"int64","minimum":1,"maximum":\#(maxID)},
            "description":"The member's MEMBER_ROLE_CHANGED; a handover of ownership adds the former owner's (now ADMIN), after it."}},
          "examples":[{"eventIDs":[1060]}]},
        "DeviceUpdated":{"type":"object","required":["deviceID"],"additionalProperties":false,
          "properties":{"deviceID":{"type":"string","description":"The calling device (the token's `did`)."}},
          "examples":[{"deviceID":"pixel-8"}]},
        "CreatedUser":{"type":"object","required":["uuid","handle","name"],"additionalProperties":false,
          "properties":{"uuid":{"$ref":"#/components/schemas/UUID"},"handle":{"type":"string"},"name":{"type":"string"}},
          "examples":[{"uuid":"3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f","handle":"alice","name":"Alice"}]},
        "IssuedToken":{"type":"object","required":["token"],"additionalProperties":false,
          "properties":{"token":{"type":"string","description":"An HS256 access token valid for 24 hours."}},
          "examples":[{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl"}]},

        "HealthLive":{"type":"object","required":["status"],"additionalProperties":false,
          "properties":{"status":{"const":"live"}}},
        "HealthReady":{"type":"object","required":["status","postgres","redis","redisRequired"],"additionalProperties":false,
          "description":"Each dependency's probe. `ready`: all answer. `degraded`: Redis is down but this service does not need it to serve (command: the outbox holds writes; query: reads Postgres only), so it stays in rotation. `unavailable`: Postgres is down, or Redis is down where it is required (fan-out, projector).",
          "properties":{"status":{"enum":["ready","degraded","unavailable"]},"postgres":{"type":"boolean"},"redis":{"type":"boolean"},
            "redisRequired":{"type":"boolean","description":"Whether this service needs Redis to be ready."}},
          "examples":[{"status":"degraded","postgres":true,"redis":false,"redisRequired":false}]},

        "CreateChatRequest":{"type":"object","required":["type","memberUUIDs"],"additionalProperties":false,
          "properties":{
            "type":{"enum":["DM","GROUP","CHANNEL"]},
            "memberUUIDs":{"type":"array","items":{"$ref":"#/components/schemas/UUID"},"maxItems":\#(Limits.groupMembers.upperBound),
              "description":"The other members (the caller is added as OWNER of a group or channel; duplicates and the caller are ignored). A DM needs exactly one other member; a group or channel at most \#(Limits.groupMembers.upperBound), possibly none."},
            "name":{"type":["string","null"],"minLength":\#(Limits.chatName.lowerBound),"maxLength":\#(Limits.chatName.upperBound),"pattern":\#(quoted(visibleText)),
              "description":"\#(Limits.chatName.lowerBound)–\#(Limits.chatName.upperBound) characters, not blank; groups and channels only (a DM has no name)."}},
          "if":{"properties":{"type":{"const":"DM"}},"required":["type"]},
          "then":{"properties":{"name":{"type":"null"},"memberUUIDs":{"minItems":1,"maxItems":1}}},
          "examples":[{"type":"GROUP","memberUUIDs":["5e0c9a8b-7d6f-4e3a-b2c1-0f9e8d7c6b5a"],"name":"Weekend trip"}]},
        "ChatMemberRequest":{"type":"object","required":["chatUUID","userUUID"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},"userUUID":{"$ref":"#/components/schemas/UUID"}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","userUUID":"5e0c9a8b-7d6f-4e3a-b2c1-0f9e8d7c6b5a"}]},
        "ChatRoleRequest":{"type":"object","required":["chatUUID","userUUID","role"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},"userUUID":{"$ref":"#/components/schemas/UUID"},
            "role":{"enum":["OWNER","ADMIN","MEMBER"],"description":"The member's new role. OWNER hands ownership over: the member becomes the owner and the caller an admin."}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","userUUID":"5e0c9a8b-7d6f-4e3a-b2c1-0f9e8d7c6b5a","role":"ADMIN"}]},
        "ChatRequest":{"type":"object","required":["chatUUID"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d"}]},
        "SendMessageRequest":{"type":"object","required":["chatUUID","content","clientMessageID"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},
            "content":{"$ref":"#/components/schemas/MessageContent"},
            "clientMessageID":{"$ref":"#/components/schemas/UUID","description":"Chosen by the client, unique per sender: a resend with the same ID and content answers the original message instead of sending it twice."}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","content":"See you at 10?","clientMessageID":"0c8e7f6a-5b4d-4c3e-9f2a-1b0c9d8e7f6a"}]},
        "MessageContent":{"type":"string","minLength":\#(Limits.messageContent.lowerBound),"maxLength":\#(Limits.messageContent.upperBound),"pattern":\#(quoted(visibleText)),
          "description":"Not blank (INVALID_FIELD) and at most \#(Limits.messageContent.upperBound) characters (CONTENT_TOO_LONG)."},
        "EditMessageRequest":{"type":"object","required":["chatUUID","messageID","content"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},"messageID":{"$ref":"#/components/schemas/MessageID"},
            "content":{"$ref":"#/components/schemas/MessageContent"}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","messageID":1042,"content":"See you at 11?"}]},
        "MessageRequest":{"type":"object","required":["chatUUID","messageID"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},"messageID":{"$ref":"#/components/schemas/MessageID"}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","messageID":1042}]},
        "ReactionRequest":{"type":"object","required":["chatUUID","messageID","reaction"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},"messageID":{"$ref":"#/components/schemas/MessageID"},
            "reaction":{"type":"string","minLength":1,"maxLength":\#(Limits.reaction.upperBound),"pattern":"^[^\\s\\u0000-\\u001F\\u007F]+$",
              "description":"One emoji or a short code: \#(Limits.reaction.lowerBound)–\#(Limits.reaction.upperBound) characters (Unicode code points), no spaces or control characters."}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","messageID":1042,"reaction":"👍"}]},
        "PinChatRequest":{"type":"object","required":["chatUUID","position"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},
            "position":{"type":"integer","minimum":\#(Limits.pinPosition.lowerBound),"maximum":\#(Limits.pinPosition.upperBound),
              "description":"Order among the pinned chats; pinning a pinned chat again moves it."}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","position":0}]},
        "MuteChatRequest":{"type":"object","required":["chatUUID"],"additionalProperties":false,
          "properties":{"chatUUID":{"$ref":"#/components/schemas/UUID"},
            "until":{"type":["string","null"],"format":"date-time",
              "description":"A future ISO-8601 time such as `2026-11-24T10:00:00.000Z` (stored with milliseconds, UTC); absent or null mutes until unmuted."}},
          "examples":[{"chatUUID":"9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d","until":"2100-01-01T00:00:00.000Z"}]},
        "ThemeRequest":{"type":"object","required":["theme"],"additionalProperties":false,
          "properties":{"theme":{"type":"string","minLength":\#(Limits.theme.lowerBound),"maxLength":\#(Limits.theme.upperBound),"pattern":"^[A-Za-z0-9_-]+$"}},
          "examples":[{"theme":"dark"}]},
        "FolderRequest":{"type":"object","required":["folderID","name","chatUUIDs"],"additionalProperties":false,
          "description":"Creates the folder, or replaces it whole.",
          "properties":{"folderID":{"$ref":"#/components/schemas/FolderID"},
            "name":{"type":"string","minLength":\#(Limits.folderName.lowerBound),"maxLength":\#(Limits.folderName.upperBound),"pattern":\#(quoted(visibleText)),"description":"Not blank."},
            "chatUUIDs":{"type":"array","items":{"$ref":"#/components/schemas/UUID"},"minItems":\#(Limits.folderChats.lowerBound),"maxItems":\#(Limits.folderChats.upperBound),
              "description":"Chats the caller is a member of; duplicates are dropped."}},
          "examples":[{"folderID":"work","name":"Work","chatUUIDs":["9b1d6e2a-4c3f-4b8e-a1d2-7e6f5a4b3c2d"]}]},
        "FolderID":{"type":"string","minLength":\#(Limits.folderID.lowerBound),"maxLength":\#(Limits.folderID.upperBound),"pattern":"^[^\\u0000-\\u001F]+$",
          "description":"Chosen by the client; \#(Limits.folderID.lowerBound)–\#(Limits.folderID.upperBound) characters, no control characters."},
        "DeleteFolderRequest":{"type":"object","required":["folderID"],"additionalProperties":false,
          "properties":{"folderID":{"$ref":"#/components/schemas/FolderID"}},
          "examples":[{"folderID":"work"}]},
        "PushTokenRequest":{"type":"object","required":["pushToken"],"additionalProperties":false,
          "properties":{"pushToken":{"type":"string","minLength":1,"maxLength":\#(Limits.pushToken.upperBound),"pattern":"^[!-~]+$",
            "description":"The device's FCM registration token: \#(Limits.pushToken.lowerBound)–\#(Limits.pushToken.upperBound) visible ASCII characters (FCM tokens are). A token moves to the device that registers it last."}},
          "examples":[{"pushToken":"fcm-registration-token"}]},
        "EmptyRequest":{"type":"object","additionalProperties":false,"maxProperties":0,
          "description":"No body, or `{}`.","examples":[{}]},
        "ProfileUpdate":{"type":"object","minProperties":1,"additionalProperties":false,
          "description":"Any of the profile fields; each present field whose value differs from the current one writes one profile event. `null` clears the optional fields (pictures, birthday, color); the texts cannot be null.",
          "properties":{
            "biography":{"type":"string","maxLength":\#(Limits.biography.upperBound),"pattern":\#(quoted(noNUL)),"pattern":\#(quoted(noNUL))},
            "profilePictureUUID":{"type":["string","null"],"format":"uuid"},
            "bannerPictureUUID":{"type":["string","null"],"format":"uuid"},
            "name":{"type":"string","minLength":\#(Limits.name.lowerBound),"maxLength":\#(Limits.name.upperBound),"pattern":\#(quoted(visibleText)),"description":"Not blank."},
            "surname":{"type":"string","maxLength":\#(Limits.surname.upperBound),"pattern":\#(quoted(noNUL)),"pattern":\#(quoted(noNUL))},
            "birthday":{"$ref":"#/components/schemas/Birthday"},
            "color":{"$ref":"#/components/schemas/Color"},
            "handle":{"$ref":"#/components/schemas/Handle"}},
          "examples":[{"biography":"Hiking and coffee","profilePictureUUID":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","bannerPictureUUID":null,
            "name":"Alice","surname":"Liddell","birthday":"1990-05-04","color":"#3366FF","handle":"alice.l"}]},
        "Handle":{"type":"string","minLength":\#(Limits.handle.lowerBound),"maxLength":\#(Limits.handle.upperBound),"pattern":"^[A-Za-z0-9_.]+$",
          "description":"Unique, compared case-insensitively (409 HANDLE_TAKEN)."},
        "Birthday":{"type":["string","null"],"format":"date","pattern":\#(quoted(birthdayPattern)),"description":"A calendar date `YYYY-MM-DD` from 1900 to today (the pattern stops at the end of last year)."},
        "Color":{"type":["string","null"],"pattern":"^#[0-9A-Fa-f]{6}$","description":"`#RRGGBB`, stored upper-case."},
        "CreateUserRequest":{"type":"object","required":["handle","name"],"additionalProperties":false,
          "description":"The same field rules as `PATCH /user/profile`.",
          "properties":{
            "handle":{"$ref":"#/components/schemas/Handle"},
            "name":{"type":"string","minLength":\#(Limits.name.lowerBound),"maxLength":\#(Limits.name.upperBound),"pattern":\#(quoted(visibleText)),"description":"Not blank."},
            "surname":{"type":["string","null"],"maxLength":\#(Limits.surname.upperBound),"pattern":\#(quoted(noNUL)),"pattern":\#(quoted(noNUL))},
            "biography":{"type":["string","null"],"maxLength":\#(Limits.biography.upperBound),"pattern":\#(quoted(noNUL)),"pattern":\#(quoted(noNUL))},
            "profilePictureUUID":{"type":["string","null"],"format":"uuid"},
            "bannerPictureUUID":{"type":["string","null"],"format":"uuid"},
            "birthday":{"$ref":"#/components/schemas/Birthday"},
            "color":{"$ref":"#/components/schemas/Color"}},
          "examples":[{"handle":"alice","name":"Alice","surname":"Liddell","biography":"","profilePictureUUID":null,
            "bannerPictureUUID":null,"birthday":"1990-05-04","color":"#3366ff"}]},
        "IssueTokenRequest":{"type":"object","required":["userUUID","deviceID"],"additionalProperties":false,
          "properties":{"userUUID":{"$ref":"#/components/schemas/UUID"},
            "deviceID":{"type":"string","minLength":1,"maxLength":128,"description":"1–128 bytes; becomes the token's `did`."}},
          "examples":[{"userUUID":"3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f","deviceID":"pixel-8"}]}
        }
        """#
    }
}
