import Foundation
import NovyseCore
import NovyseService
import NovyseStorage

/// The `components` of the command service's OpenAPI description: the body and answer schemas, the shared
/// header, parameter and error responses, the two security schemes, and what each error code means.
///
/// Request schemas are named after the `CommandRequest` types they describe (`ProfileUpdate` for the free-form
/// `PATCH /user/profile` body) and answer schemas after the `CommandResults` types, so that
/// `CommandOpenAPITests` can hold each one against its Swift type. Every length limit is read from `Limits`.
extension CommandOpenAPI {
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

    /// The request and answer types whose schemas are derived from their `Codable` conformance
    /// (`SchemaDescribed`): a field added to or removed from one of them changes the description in the same
    /// build.
    static let describedTypes: [any SchemaDescribed.Type] = [
        CreateChatRequest.self, ChatMemberRequest.self, ChatRoleRequest.self, ChatRequest.self, SendMessageRequest.self,
        EditMessageRequest.self, MessageRequest.self, ReactionRequest.self, PinChatRequest.self, MuteChatRequest.self,
        ThemeRequest.self, FolderRequest.self, DeleteFolderRequest.self, PushTokenRequest.self, EmptyRequest.self,
        CreateUserRequest.self, IssueTokenRequest.self,
        MessageSent.self, EventWritten.self, ChatCreated.self, ProfileEventsWritten.self, RolesChanged.self, DeviceUpdated.self,
        AdminRoutes.CreatedUser.self, AdminRoutes.IssuedToken.self,
    ]

    static var schemas: String {
        "{" + sharedSchemas + "," + OpenAPIRoute.components(describedTypes) + "}"
    }

    /// The components no single type owns: identifiers, texts several bodies share, the health answers,
    /// the error envelope, and the free-form `PATCH /user/profile` body (validated by `ProfileUpdate`).
    static var sharedSchemas: String {
        #"""
        "UUID":{"type":"string","format":"uuid","examples":["3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f"]},

        "MessageID":{"type":"integer","format":"int64","minimum":1,"maximum":\#(SchemaPatterns.maxID),
          "description":"A message's ID: positive, below 2^53, increasing in commit order within a chat."},

        "PrevID":{"type":"integer","format":"int64","minimum":0,"maximum":\#(SchemaPatterns.maxID),
          "description":"The ID of the previous item of the same stream, 0 for the first: a client applies the pushed item only when this equals its cursor."},

        "ErrorEnvelope":\#(OpenAPIRoute.errorEnvelopeSchema),

        "HealthLive":{"type":"object","required":["status"],"additionalProperties":false,
          "properties":{"status":{"const":"live"}}},

        "HealthReady":{"type":"object","required":["status","postgres","redis","redisRequired"],"additionalProperties":false,
          "description":"Each dependency's probe. `ready`: all answer. `degraded`: Redis is down but this service does not need it to serve (command: the outbox holds writes; query: reads Postgres only), so it stays in rotation. `unavailable`: Postgres is down, or Redis is down where it is required (fan-out, projector).",
          "properties":{"status":{"enum":["ready","degraded","unavailable"]},"postgres":{"type":"boolean"},"redis":{"type":"boolean"},
            "redisRequired":{"type":"boolean","description":"Whether this service needs Redis to be ready."}},
          "examples":[{"status":"degraded","postgres":true,"redis":false,"redisRequired":false}]},

        "MessageContent":{"type":"string","minLength":\#(Limits.messageContent.lowerBound),"maxLength":\#(Limits.messageContent.upperBound),"pattern":\#(quoted(SchemaPatterns.visibleText)),
          "description":"Not blank (INVALID_FIELD) and at most \#(Limits.messageContent.upperBound) characters (CONTENT_TOO_LONG)."},

        "FolderID":{"type":"string","minLength":\#(Limits.folderID.lowerBound),"maxLength":\#(Limits.folderID.upperBound),"pattern":"^[^\\u0000-\\u001F]+$",
          "description":"Chosen by the client; \#(Limits.folderID.lowerBound)–\#(Limits.folderID.upperBound) characters, no control characters."},

        "ProfileUpdate":{"type":"object","minProperties":1,"additionalProperties":false,
          "description":"Any of the profile fields; each present field whose value differs from the current one writes one profile event. `null` clears the optional fields (pictures, birthday, color); the texts cannot be null.",
          "properties":{
            "biography":{"type":"string","maxLength":\#(Limits.biography.upperBound),"pattern":\#(quoted(SchemaPatterns.noNUL))},
            "profilePictureUUID":{"type":["string","null"],"format":"uuid"},
            "bannerPictureUUID":{"type":["string","null"],"format":"uuid"},
            "name":{"type":"string","minLength":\#(Limits.name.lowerBound),"maxLength":\#(Limits.name.upperBound),"pattern":\#(quoted(SchemaPatterns.visibleText)),"description":"Not blank."},
            "surname":{"type":"string","maxLength":\#(Limits.surname.upperBound),"pattern":\#(quoted(SchemaPatterns.noNUL))},
            "birthday":{"$ref":"#/components/schemas/Birthday"},
            "color":{"$ref":"#/components/schemas/Color"},
            "handle":{"$ref":"#/components/schemas/Handle"}},
          "examples":[{"biography":"Hiking and coffee","profilePictureUUID":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","bannerPictureUUID":null,
            "name":"Alice","surname":"Liddell","birthday":"1990-05-04","color":"#3366FF","handle":"alice.l"}]},

        "Handle":{"type":"string","minLength":\#(Limits.handle.lowerBound),"maxLength":\#(Limits.handle.upperBound),"pattern":"^[A-Za-z0-9_.]+$",
          "description":"Unique, compared case-insensitively (409 HANDLE_TAKEN)."},

        "Birthday":{"type":["string","null"],"format":"date","pattern":\#(quoted(SchemaPatterns.birthday)),"description":"A calendar date `YYYY-MM-DD` from 1900 to today (the pattern stops at the end of last year)."},

        "Color":{"type":["string","null"],"pattern":"^#[0-9A-Fa-f]{6}$","description":"`#RRGGBB`, stored upper-case."}
        """#
    }
}
