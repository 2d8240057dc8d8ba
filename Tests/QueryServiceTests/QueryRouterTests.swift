import Foundation
import NovyseCore
import NovyseService
import TestSupport
import Testing

/// The query router in process (`QueryFixture` drives `QueryRouter.build` with HummingbirdTesting): every
/// read route sits behind `AuthenticationMiddleware`, which refuses before any query string or body is
/// looked at; health, metrics and the description stay open.
@Suite("Query router, in process")
struct QueryRouterTests {
    static let routes: [(String, String, String?)] = [
        ("GET", "/user/initialize?limit=zero", nil),
        ("POST", "/user/update", "{"),
        ("GET", "/chat/history", nil),
        ("GET", "/chat/members?chatUUID=nope", nil),
    ]

    @Test("no token, a bad one and an expired one get their 401 on every route, whatever the request")
    func refusals() async throws {
        try await QueryFixture.with { fixture in
            let user = try await fixture.command.user("reader")
            let expired = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
                .issue(userID: user.id, deviceID: "phone", lifetime: .seconds(-60))
            let credentials: [(String, [String: String], String)] = [
                ("none", [:], "AUTH_NO_TOKEN"),
                ("garbage", ["Authorization": "Bearer garbage"], "AUTH_INVALID_TOKEN"),
                ("expired", ["Authorization": "Bearer \(expired)"], "AUTH_TOKEN_EXPIRED"),
            ]
            for (method, path, body) in Self.routes {
                for (name, headers, code) in credentials {
                    let answer = try await fixture.request(method, path, as: nil, body: body, headers: headers)
                    #expect(answer.status == 401 && answer.errorCode == code, "\(method) \(path), \(name): \(answer.status) \(answer.body)")
                }
                // With the token, the same malformed request reaches its own checks.
                let judged = try await fixture.request(method, path, as: user, body: body)
                #expect(judged.status == 400, "\(method) \(path) with a token: \(judged.status) \(judged.body)")
            }
        }
    }

    @Test("a user's initialize and update answer; health, metrics and the description need no credentials")
    func happyPathAndOpenRoutes() async throws {
        try await QueryFixture.with { fixture in
            let alice = try await fixture.command.user("alice")
            let bob = try await fixture.command.user("bob")
            let chat = try await fixture.command.chat(.group, by: alice, with: [bob], name: "team")
            _ = try await fixture.command.send("hello", in: chat, as: alice)
            try await fixture.project()
            let initialize = try await fixture.initialize(bob)
            let chats = initialize["chats"]?.objects ?? []
            #expect(chats.map { $0["uuid"]?.uuid } == [chat], "\(initialize)")
            let update = try await fixture.update(bob, body: #"{"local":{"eventID":0}}"#)
            #expect(update["hasMore"] == .bool(false), "\(update)")
            for path in ["/health/live", "/health/ready", "/metrics", "/openapi.json"] {
                let answer = try await fixture.get(path, as: nil)
                #expect(answer.status == 200, "\(path): \(answer.status) \(answer.body.prefix(300))")
            }
            let wrongMethod = try await fixture.request("DELETE", "/user/update", as: bob, body: nil)
            #expect(wrongMethod.status == 405 && wrongMethod.errorCode == "METHOD_NOT_ALLOWED", "\(wrongMethod.body)")
        }
    }
}
