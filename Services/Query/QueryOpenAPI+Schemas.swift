import NovyseCore
import NovyseService

/// The `components` of the query service's OpenAPI description: the wire objects of `docs/api.md` and the
/// shared error responses.
extension QueryOpenAPI {
    /// The wire objects, derived from their `Codable` conformance (`SchemaDescribed`): a key added to or
    /// removed from one of them changes the description in the same build, and `QueryOpenAPITests` holds
    /// the answers Postgres renders to these schemas.
    static let describedTypes: [any SchemaDescribed.Type] = [
        SyncWire.Message.self, SyncWire.Reaction.self, SyncWire.ChatEvent.self, SyncWire.ProfileEvent.self,
        SyncWire.LocalEvent.self, SyncWire.User.self, SyncWire.Chat.self, SyncWire.ChatMember.self, SyncWire.Local.self,
        SyncWire.LocalUser.self, SyncWire.PinnedChat.self, SyncWire.MutedChat.self, SyncWire.Folder.self,
        SyncWire.InitializeData.self, SyncWire.UpdateData.self, SyncWire.ChatsDelta.self, SyncWire.UsersDelta.self,
        SyncWire.HistoryData.self, SyncWire.MembersData.self, SyncWire.UpdateRequest.self, SyncWire.LocalCursor.self,
        SyncWire.ChatCursor.self, SyncWire.UserCursor.self,
    ]

    /// The success envelopes of the four reads, around their `data` types.
    static let envelopes: [(name: String, data: any SchemaDescribed.Type)] = [
        ("InitializeAnswer", SyncWire.InitializeData.self), ("UpdateAnswer", SyncWire.UpdateData.self),
        ("HistoryAnswer", SyncWire.HistoryData.self), ("MembersAnswer", SyncWire.MembersData.self),
    ]

    static var envelopeSchemas: String {
        envelopes.map { name, data in
            #"\#(quoted(name)):{"type":"object","required":["success","data"],"additionalProperties":false,"#
                + ##""properties":{"success":{"const":true},"data":{"$ref":\##(quoted(data.schemaReference))}}}"##
        }.joined(separator: ",")
    }

    static var components: String {
        func response(_ text: String, _ codes: [ErrorCode]) -> String { OpenAPIRoute.errorResponse(text, codes: codes) }
        let badRequest: [ErrorCode] = [
            .badRequest, .invalidJSON, .invalidBody, .unknownField, .invalidField, .duplicateChat, .duplicateUser, .tooManyCursors,
        ]
        return """
            {"schemas":{\(OpenAPIRoute.components(describedTypes)),\(envelopeSchemas),\
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
}
