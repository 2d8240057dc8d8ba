import NovyseCore
import NovyseService

/// The `components` of the query service's OpenAPI description: the wire objects of `api.md` and the
/// shared error responses.
extension QueryOpenAPI {
    static let uuid = #"{"type":"string","format":"uuid"}"#
    static let id = #"{"type":"integer","minimum":0,"maximum":9007199254740991}"#
    static let time = #"{"type":"string","format":"date-time"}"#
    static let nullableTime = #"{"type":["string","null"],"format":"date-time"}"#
    static let nullableText = #"{"type":["string","null"]}"#

    static func object(_ properties: [(String, String)], required: [String]? = nil) -> String {
        let fields = properties.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",")
        let names = (required ?? properties.map(\.0)).map(quoted).joined(separator: ",")
        return #"{"type":"object","properties":{\#(fields)},"required":[\#(names)]}"#
    }

    /// A request object: the service refuses keys it does not define (`UNKNOWN_FIELD`), so the schema says so.
    static func strict(_ object: String) -> String {
        String(object.dropLast()) + #","additionalProperties":false}"#
    }

    static func array(_ items: String) -> String { #"{"type":"array","items":\#(items)}"# }
    static func ref(_ name: String) -> String { ##"{"$ref":"#/components/schemas/\##(name)"}"## }

    static let envelopeFields: [(String, String)] = [("success", #"{"const":true}"#)]

    static var components: String {
        func response(_ text: String, _ codes: [ErrorCode]) -> String { OpenAPIRoute.errorResponse(text, codes: codes) }
        let badRequest: [ErrorCode] = [
            .badRequest, .invalidJSON, .invalidBody, .unknownField, .invalidField, .duplicateChat, .duplicateUser, .tooManyCursors,
        ]
        return """
            {"schemas":{\(schemas.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",")),\
            "ErrorEnvelope":\(OpenAPIRoute.errorEnvelopeSchema)},\
            "responses":{"BadRequest":\(response("Malformed input; the message names the field", badRequest)),\
            "Unauthorized":\(response("No valid access token", [.authNoToken, .authInvalidToken, .authTokenExpired])),\
            "Forbidden":\(response("Not a member of the chat", [.notAMember])),\
            "NotFound":\(response("Unknown user or chat", [.unknownUser, .unknownChat])),\
            "TooLarge":\(response("Body too large", [.bodyTooLarge])),\
            "UnsupportedMediaType":\(response("Unsupported media type", [.unsupportedMediaType])),\
            "Unavailable":\(response("Unavailable", [.dependencyUnavailable, .notYetProjected]))},\
            "securitySchemes":{"bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT","description":"`sub` = user UUID, `did` = device"}}}
            """
    }

    static var schemas: [(String, String)] {
        let event: (Bool) -> String = { withChat in
            object(
                [("id", id), ("prevID", id), ("type", #"{"type":"string"}"#)] + (withChat ? [("chatUUID", uuid)] : [])
                    + [("userUUID", uuid), ("createdAt", time), ("payload", #"{"type":"object","required":["current"]}"#)])
        }
        let profile: [(String, String)] = [
            ("uuid", uuid), ("handle", #"{"type":"string"}"#), ("name", #"{"type":"string"}"#),
            ("surname", #"{"type":"string"}"#), ("biography", #"{"type":"string"}"#),
            ("profilePictureUUID", nullableText), ("bannerPictureUUID", nullableText), ("birthday", nullableText),
            ("color", nullableText), ("profileEventID", id),
        ]
        let chatCursor = strict(object([("chatUUID", uuid), ("eventID", id), ("messageID", id)]))
        let userCursor = strict(object([("userUUID", uuid), ("profileEventID", id)]))
        let tail: [(String, String)] = [
            ("hasMore", #"{"type":"boolean"}"#),
            ("retryAfterMs", #"{"type":"integer","minimum":0,"description":"> 0: the projection is behind; update again after this delay"}"#),
        ]
        let message: String = object([
            ("id", id), ("prevID", id), ("chatUUID", uuid), ("senderUUID", uuid), ("content", #"{"type":"string"}"#),
            ("createdAt", time), ("editedAt", nullableTime), ("deleted", #"{"type":"boolean"}"#),
            ("pinned", #"{"type":"boolean"}"#),
            ("reactions", array(object([("userUUID", uuid), ("reaction", #"{"type":"string"}"#)]))),
        ])
        let members: String = array(
            object([
                ("userUUID", uuid), ("role", #"{"enum":["OWNER","ADMIN","MEMBER"]}"#), ("joinedAt", time),
            ]))
        let chat: String = object([
            ("uuid", uuid), ("type", #"{"enum":["DM","GROUP","CHANNEL"]}"#), ("name", nullableText), ("createdAt", time),
            ("members", members), ("pinnedMessages", array(id)), ("eventID", id), ("messageID", id),
            ("hasMoreHistory", #"{"type":"boolean"}"#),
            (
                "hasMoreMembers",
                #"{"type":"boolean","description":"members lists at most NOVYSE_QUERY_CHAT_MEMBERS (default 100): the caller, the owner and admins, then others by userUUID; true when GET /chat/members has more"}"#
            ),
        ])
        let folders: String = array(
            object([
                ("folderID", #"{"type":"string"}"#), ("name", #"{"type":"string"}"#), ("chatUUIDs", array(uuid)),
            ]))
        let local: String = object([
            ("user", object(profile + [("eventID", id)])),
            ("pinnedChats", array(object([("chatUUID", uuid), ("position", #"{"type":"integer"}"#)]))),
            ("mutedChats", array(object([("chatUUID", uuid), ("until", nullableTime)]))),
            ("folders", folders),
            ("theme", nullableText),
        ])
        let request: String = strict(
            object(
                [
                    ("local", strict(object([("eventID", id)]))), ("chats", array(chatCursor)), ("users", array(userCursor)),
                    ("limit", #"{"type":"integer","minimum":1}"#),
                ], required: ["local"]))
        let initializeData: [(String, String)] = [
            ("local", ref("Local")), ("users", array(ref("User"))), ("chats", array(ref("Chat"))),
            ("messages", array(ref("Message"))),
        ]
        let chatsDelta: String = object([
            ("new", array(ref("Chat"))), ("events", array(ref("ChatEvent"))), ("removed", array(uuid)),
        ])
        let usersDelta: String = object([
            ("new", array(ref("User"))), ("events", array(ref("ProfileEvent"))), ("removed", array(uuid)),
        ])
        let updateData: [(String, String)] = [
            ("chats", chatsDelta), ("users", usersDelta), ("messages", array(ref("Message"))),
            ("local", array(ref("LocalEvent"))),
            ("localState", ##"{"oneOf":[{"$ref":"#/components/schemas/Local"},{"type":"null"}]}"##),
        ]
        let historyData: [(String, String)] = [("messages", array(ref("Message"))), ("hasMore", #"{"type":"boolean"}"#)]
        let membersData: [(String, String)] = [("members", members), ("hasMore", #"{"type":"boolean"}"#)]
        return [
            ("Message", message),
            ("ChatEvent", event(true)),
            ("ProfileEvent", event(false)),
            ("LocalEvent", event(false)),
            ("User", object(profile)),
            ("Chat", chat),
            ("Local", local),
            ("UpdateRequest", request),
            ("InitializeAnswer", object(envelopeFields + [("data", object(initializeData + tail))])),
            ("UpdateAnswer", object(envelopeFields + [("data", object(updateData + tail))])),
            ("HistoryAnswer", object(envelopeFields + [("data", object(historyData))])),
            ("MembersAnswer", object(envelopeFields + [("data", object(membersData))])),
        ]
    }
}
