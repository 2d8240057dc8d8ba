import Foundation
import NovyseCore
import TestSupport
import Testing

/// Malformed bodies, wrong types, duplicates, absurd limits, unknown UUIDs: a clear 4xx with a code or a
/// defined answer, never a 500.
@Suite("Query bad input")
struct QueryBadInputTests {
    static let zero = #""local":{"eventID":0}"#
    static let chat = UUID().uuidString

    /// Body → expected status and code.
    static let updateCases: [(String, Int, String)] = [
        ("", 400, "INVALID_BODY"),
        ("{", 400, "INVALID_JSON"),
        ("[]", 400, "INVALID_BODY"),
        ("null", 400, "INVALID_BODY"),
        ("{}", 400, "INVALID_BODY"),
        (#"{"local":1}"#, 400, "INVALID_BODY"),
        (#"{"local":{}}"#, 400, "INVALID_BODY"),
        (#"{"local":{"eventID":-1}}"#, 400, "INVALID_FIELD"),
        (#"{"local":{"eventID":1.5}}"#, 400, "INVALID_BODY"),
        (#"{"local":{"eventID":"1"}}"#, 400, "INVALID_BODY"),
        (#"{"local":{"eventID":9007199254740992}}"#, 400, "INVALID_FIELD"),
        (#"{"local":{"eventID":1e300}}"#, 400, "INVALID_BODY"),
        (#"{"local":{"eventID":0,"x":1}}"#, 400, "UNKNOWN_FIELD"),
        (#"{\#(zero),"extra":true}"#, 400, "UNKNOWN_FIELD"),
        (#"{\#(zero),"chats":{}}"#, 400, "INVALID_BODY"),
        (#"{\#(zero),"chats":[1]}"#, 400, "INVALID_BODY"),
        (#"{\#(zero),"chats":[{"chatUUID":"nope","eventID":0,"messageID":0}]}"#, 400, "INVALID_BODY"),
        (#"{\#(zero),"chats":[{"chatUUID":"\#(chat)","eventID":0}]}"#, 400, "INVALID_BODY"),
        (#"{\#(zero),"chats":[{"chatUUID":"\#(chat)","eventID":0,"messageID":true}]}"#, 400, "INVALID_BODY"),
        (#"{\#(zero),"chats":[{"chatUUID":"\#(chat)","eventID":0,"messageID":0,"x":0}]}"#, 400, "UNKNOWN_FIELD"),
        (
            #"{\#(zero),"chats":[{"chatUUID":"\#(chat)","eventID":0,"messageID":0},{"chatUUID":"\#(chat.lowercased())","eventID":1,"messageID":1}]}"#,
            400, "DUPLICATE_CHAT"
        ),
        (#"{\#(zero),"users":[{"userUUID":"\#(chat)","profileEventID":0},{"userUUID":"\#(chat)","profileEventID":0}]}"#, 400, "DUPLICATE_USER"),
        (#"{\#(zero),"users":[{"userUUID":"\#(chat)"}]}"#, 400, "INVALID_BODY"),
        (#"{\#(zero),"limit":0}"#, 400, "INVALID_FIELD"),
        (#"{\#(zero),"limit":-5}"#, 400, "INVALID_FIELD"),
        (#"{\#(zero),"limit":"10"}"#, 400, "INVALID_FIELD"),
        (#"{\#(zero),"limit":2.5}"#, 400, "INVALID_FIELD"),
        (#"{\#(zero),"limit":null}"#, 400, "INVALID_FIELD"),
    ]

    @Test("every malformed update is a 4xx with its code, and nothing answers 500")
    func malformedUpdates() async throws {
        try await QueryFixture.with { fixture in
            let user = try await fixture.command.user("prober")
            try await fixture.project()
            for (body, status, code) in Self.updateCases {
                let answer = try await fixture.request("POST", "/user/update", as: user, body: body)
                #expect(answer.status == status && answer.errorCode == code, "\(body) → \(answer.status) \(answer.body)")
            }
            let wrongType = try await fixture.request("POST", "/user/update", as: user, body: "{}", headers: ["Content-Type": "text/plain"])
            #expect(wrongType.status == 415)
            let huge = #"{\#(Self.zero),"chats":[\#(String(repeating: #"{"chatUUID":"\#(Self.chat)","eventID":0,"messageID":0},"#, count: 60_000))]}"#
            let tooLarge = try await fixture.request("POST", "/user/update", as: user, body: huge)
            #expect(tooLarge.status == 413 && tooLarge.errorCode == "BODY_TOO_LARGE", "\(tooLarge.status)")
            #expect(try await fixture.request("POST", "/user/update", as: nil, body: "{}").errorCode == "AUTH_NO_TOKEN")
            let forged = TestUser(id: user.id, handle: user.handle, token: user.token + "x")
            #expect(try await fixture.request("POST", "/user/update", as: forged, body: "{}").errorCode == "AUTH_INVALID_TOKEN")

            // Defined answers: an absurd limit is lowered to the maximum; unknown UUIDs are simply removed.
            let absurd = try await fixture.update(user, body: #"{\#(Self.zero),"limit":9007199254740991}"#)
            #expect(absurd["hasMore"] == .bool(false))
            let unknown = try await fixture.update(
                user,
                body:
                    #"{\#(Self.zero),"chats":[{"chatUUID":"\#(Self.chat)","eventID":5,"messageID":5}],"users":[{"userUUID":"\#(UUID().uuidString)","profileEventID":3}]}"#
            )
            #expect(unknown["chats"]?.object?["removed"]?.array?.count == 1)
            #expect(unknown["users"]?.object?["removed"]?.array?.count == 1)
        }
    }

    @Test("initialize and history refuse bad parameters with codes")
    func badParameters() async throws {
        try await QueryFixture.with { fixture in
            let user = try await fixture.command.user("prober")
            try await fixture.project()
            let cases: [(String, Int, String)] = [
                ("/user/initialize?limit=0", 400, "INVALID_FIELD"),
                ("/user/initialize?limit=abc", 400, "INVALID_FIELD"),
                ("/chat/history", 400, "INVALID_FIELD"),
                ("/chat/history?chatUUID=xyz", 400, "INVALID_FIELD"),
                ("/chat/history?chatUUID=\(Self.chat)&beforeMessageID=-1", 400, "INVALID_FIELD"),
                ("/chat/history?chatUUID=\(Self.chat)&beforeMessageID=1.5", 400, "INVALID_FIELD"),
                ("/chat/history?chatUUID=\(Self.chat)&limit=0", 400, "INVALID_FIELD"),
                ("/chat/history?chatUUID=\(Self.chat)", 404, "UNKNOWN_CHAT"),
                ("/user/nothing", 404, "NOT_FOUND"),
            ]
            for (path, status, code) in cases {
                let answer = try await fixture.get(path, as: user)
                #expect(answer.status == status && answer.errorCode == code, "\(path) → \(answer.status) \(answer.body)")
            }
            #expect(try await fixture.get("/user/initialize", as: nil).errorCode == "AUTH_NO_TOKEN")
            #expect(try await fixture.get("/user/initialize?limit=99999999999", as: user).status == 200)
            #expect(try await fixture.get("/user/initialize?limit=99999999999999999999999", as: user).status == 200)

            // A valid token for a user the server does not know.
            let stranger = try await fixture.command.call(
                "POST", "/admin/tokens", admin: true, json: #"{"userUUID":"\#(UUID().uuidString)","deviceID":"x"}"#
            )
            if case .string(let token)? = stranger.data["token"] {
                let ghost = TestUser(id: UUID(), handle: "ghost", token: token)
                #expect(try await fixture.get("/user/initialize", as: ghost).errorCode == "UNKNOWN_USER")
            }
        }
    }
}
