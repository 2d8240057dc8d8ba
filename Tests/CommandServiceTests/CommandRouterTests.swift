import Foundation
import NovyseCore
import NovyseService
import TestSupport
import Testing

/// The command router in process (`InProcessCommand`): what the binary answers, without the binary. The
/// mutations sit behind `AuthenticationMiddleware` (token, then rate limit, then body, then idempotency), the
/// admin endpoints behind `AdminTokenMiddleware`, and health, metrics and the description stay open.
@Suite("Command router, in process")
struct CommandRouterTests {
    @Test("a user is provisioned, creates a chat and sends a message; a keyed retry is replayed, not written twice")
    func happyPath() async throws {
        try await InProcessCommand.with { h in
            let alice = try await h.user("alice")
            let bob = try await h.user("bob")
            let chat = try await h.chat(.group, by: alice, with: [bob], name: "team")
            let body = #"{"chatUUID":"\#(chat)","content":"hello","clientMessageID":"\#(UUID())"}"#
            let first = try await h.call("POST", "/message", as: alice, json: body, idempotencyKey: "k1")
            #expect(first.status == 200 && !first.replayed && first.int("messageID") != nil, "\(first.body)")
            let retry = try await h.call("POST", "/message", as: alice, json: body, idempotencyKey: "k1")
            #expect(retry.status == 200 && retry.replayed && retry.int("messageID") == first.int("messageID"), "\(retry.body)")
            #expect(try await h.count("novyse.messages") == 1)
            #expect(try await h.call("PUT", "/user/theme", as: bob, json: #"{"theme":"dark"}"#).status == 200)
        }
    }

    @Test("the token is checked before the body: each failure has its code, whatever the body")
    func tokenBeforeBody() async throws {
        try await InProcessCommand.with { h in
            let alice = try await h.user()
            let expired = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
                .issue(userID: alice.id, deviceID: "phone", lifetime: .seconds(-60))
            let cases: [(String, [String: String], String)] = [
                ("none", [:], "AUTH_NO_TOKEN"),
                ("not bearer", ["Authorization": "Basic YTpi"], "AUTH_NO_TOKEN"),
                ("garbage", ["Authorization": "Bearer garbage"], "AUTH_INVALID_TOKEN"),
                ("expired", ["Authorization": "Bearer \(expired)"], "AUTH_TOKEN_EXPIRED"),
            ]
            for (name, headers, code) in cases {
                for body in ["{", String(repeating: "a", count: 70_000)] {
                    let answer = try await h.call("POST", "/chat/leave", json: body, headers: headers)
                    #expect(answer.status == 401 && answer.errorCode == code, "\(name): \(answer.status) \(answer.body)")
                }
            }
            // With a valid token the same bodies reach the body checks.
            #expect(try await h.call("POST", "/chat/leave", as: alice, json: "{").errorCode == "INVALID_JSON")
        }
    }

    @Test("health, metrics and the description need no credentials; the admin API needs its own token")
    func openRoutesAndAdmin() async throws {
        try await InProcessCommand.with { h in
            for path in ["/health/live", "/health/ready", "/metrics", "/openapi.json"] {
                let answer = try await h.call("GET", path)
                #expect(answer.status == 200, "\(path): \(answer.status) \(answer.body.prefix(300))")
            }
            let anonymous = try await h.call("POST", "/admin/users", json: #"{"handle":"x","name":"X"}"#)
            #expect(anonymous.status == 401 && anonymous.errorCode == "ADMIN_TOKEN_REQUIRED", "\(anonymous.body)")
            let user = try await h.user()
            let bearer = try await h.call("POST", "/admin/users", as: user, json: #"{"handle":"y","name":"Y"}"#)
            #expect(bearer.status == 401 && bearer.errorCode == "ADMIN_TOKEN_REQUIRED", "\(bearer.body)")
            // A wrong admin token is refused before the body is read.
            let wrong = try await h.call("POST", "/admin/users", json: "{", headers: ["X-Admin-Token": "wrong"])
            #expect(wrong.errorCode == "ADMIN_TOKEN_REQUIRED", "\(wrong.body)")
        }
        try await InProcessCommand.with(adminToken: nil) { h in
            let off = try await h.call("POST", "/admin/users", admin: true, json: #"{"handle":"x","name":"X"}"#)
            #expect(off.status == 404 && off.errorCode == "NOT_FOUND", "with no admin token the endpoints do not exist: \(off.body)")
        }
    }

    @Test("a user's bucket is charged before the body is read; failed authentications are charged to the address")
    func rateLimitOrder() async throws {
        let environment = RateLimitTests.environment(writesBurst: 2, unauthenticatedBurst: 2)
        try await InProcessCommand.with(environment: environment) { h in
            // The admin endpoints with the right token are not charged: provisioning does not use up buckets.
            let alice = try await h.user()
            let bob = try await h.user()
            #expect(try await h.call("PUT", "/user/theme", as: alice, json: #"{"theme":"dark"}"#).status == 200)
            #expect(try await h.call("PUT", "/user/theme", as: alice, json: "{").errorCode == "INVALID_JSON", "a bad body still costs a token")
            let limited = try await h.call("PUT", "/user/theme", as: alice, json: "{")
            #expect(limited.status == 429 && limited.errorCode == "RATE_LIMITED", "limited before the body is judged: \(limited.body)")
            #expect(limited.headers["retry-after"].flatMap(Int.init).map { $0 >= 1 } == true, "\(limited.headers)")
            #expect(try await h.call("PUT", "/user/theme", as: bob, json: #"{"theme":"dark"}"#).status == 200)

            let expired = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
                .issue(userID: bob.id, deviceID: "phone", lifetime: .seconds(-60))
            for _ in 0..<3 {
                let stale = try await h.call("PUT", "/user/theme", json: "{}", headers: ["Authorization": "Bearer \(expired)"])
                #expect(stale.errorCode == "AUTH_TOKEN_EXPIRED", "an expired token is not charged: \(stale.body)")
            }
            #expect(try await h.call("PUT", "/user/theme", json: "{}").errorCode == "AUTH_NO_TOKEN")
            #expect(try await h.call("POST", "/admin/users", json: "{}", headers: ["X-Admin-Token": "wrong"]).errorCode == "ADMIN_TOKEN_REQUIRED")
            let flood = try await h.call("PUT", "/user/theme", json: "{}", headers: ["Authorization": "Bearer nope"])
            #expect(flood.status == 429 && flood.errorCode == "RATE_LIMITED", "\(flood.body)")
        }
    }
}
