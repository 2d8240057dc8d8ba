import Foundation
import NovyseCore
import NovyseService
import TestSupport
import Testing

/// Bad input aimed past the body: unknown chats, messages, users and folders; the transport (size, type,
/// route, token); and Idempotency-Keys.
extension BadInputTests {
    // MARK: Unknown entities

    @Test("unknown chats, messages, users and folders are 404s")
    func unknownEntities() async throws {
        try await Self.withFixture { f in
            let nowhere = UUID().uuidString
            let g = f.group.uuidString
            let ghost = UUID().uuidString
            let noMessage = Int64(9_007_199_254_740_991)  // the largest ID the sequence can ever hand out
            var cases: [BadCase] = [
                BadCase(
                    "send", "POST", "/message", json: #"{"chatUUID":"\#(nowhere)","content":"x","clientMessageID":"\#(UUID())"}"#, 404, "UNKNOWN_CHAT"
                ),
                BadCase(
                    "edit", "PATCH", "/message", json: #"{"chatUUID":"\#(nowhere)","messageID":\#(f.message),"content":"x"}"#, 404, "UNKNOWN_CHAT"),
                BadCase("delete", "DELETE", "/message", json: #"{"chatUUID":"\#(nowhere)","messageID":\#(f.message)}"#, 404, "UNKNOWN_CHAT"),
                BadCase(
                    "react", "PUT", "/message/reaction", json: #"{"chatUUID":"\#(nowhere)","messageID":\#(f.message),"reaction":"x"}"#, 404,
                    "UNKNOWN_CHAT"),
                BadCase(
                    "unreact", "DELETE", "/message/reaction", json: #"{"chatUUID":"\#(nowhere)","messageID":\#(f.message),"reaction":"x"}"#, 404,
                    "UNKNOWN_CHAT"),
                BadCase("pin", "PUT", "/message/pin", json: #"{"chatUUID":"\#(nowhere)","messageID":\#(f.message)}"#, 404, "UNKNOWN_CHAT"),
                BadCase("unpin", "DELETE", "/message/pin", json: #"{"chatUUID":"\#(nowhere)","messageID":\#(f.message)}"#, 404, "UNKNOWN_CHAT"),
                BadCase(
                    "add a member", "POST", "/chat/members", json: #"{"chatUUID":"\#(nowhere)","userUUID":"\#(f.carol.id)"}"#, 404, "UNKNOWN_CHAT"),
                BadCase(
                    "remove a member", "DELETE", "/chat/members", json: #"{"chatUUID":"\#(nowhere)","userUUID":"\#(f.bob.id)"}"#, 404, "UNKNOWN_CHAT"),
                BadCase("leave", "POST", "/chat/leave", json: #"{"chatUUID":"\#(nowhere)"}"#, 404, "UNKNOWN_CHAT"),
                BadCase("pin the chat", "PUT", "/chat/pin", json: #"{"chatUUID":"\#(nowhere)","position":1}"#, 404, "UNKNOWN_CHAT"),
                BadCase("unpin the chat", "DELETE", "/chat/pin", json: #"{"chatUUID":"\#(nowhere)"}"#, 404, "UNKNOWN_CHAT"),
                BadCase("mute the chat", "PUT", "/chat/mute", json: #"{"chatUUID":"\#(nowhere)"}"#, 404, "UNKNOWN_CHAT"),
                BadCase("unmute the chat", "DELETE", "/chat/mute", json: #"{"chatUUID":"\#(nowhere)"}"#, 404, "UNKNOWN_CHAT"),
                BadCase(
                    "a folder with it", "PUT", "/folder", json: #"{"folderID":"f","name":"n","chatUUIDs":["\#(g)","\#(nowhere)"]}"#, 404,
                    "UNKNOWN_CHAT"),

                BadCase(
                    "a group with an unknown user", "POST", "/chat/create", json: #"{"type":"GROUP","memberUUIDs":["\#(f.bob.id)","\#(ghost)"]}"#,
                    404, "UNKNOWN_USER"),
                BadCase(
                    "a channel with an unknown user", "POST", "/chat/create", json: #"{"type":"CHANNEL","memberUUIDs":["\#(ghost)"]}"#, 404,
                    "UNKNOWN_USER"),
                BadCase(
                    "a DM with an unknown user", "POST", "/chat/create", json: #"{"type":"DM","memberUUIDs":["\#(ghost)"]}"#, 404, "UNKNOWN_USER"),
                BadCase(
                    "adding an unknown user", "POST", "/chat/members", json: #"{"chatUUID":"\#(g)","userUUID":"\#(ghost)"}"#, 404, "UNKNOWN_USER"),
                BadCase(
                    "removing an unknown user", "DELETE", "/chat/members", json: #"{"chatUUID":"\#(g)","userUUID":"\#(ghost)"}"#, 404, "UNKNOWN_USER"),

                BadCase("deleting a folder that never existed", "DELETE", "/folder", json: #"{"folderID":"never"}"#, 404, "UNKNOWN_FOLDER"),
            ]
            for (method, path) in [
                ("PATCH", "/message"), ("DELETE", "/message"), ("PUT", "/message/reaction"),
                ("DELETE", "/message/reaction"), ("PUT", "/message/pin"), ("DELETE", "/message/pin"),
            ] {
                var body = #"{"chatUUID":"\#(g)","messageID":\#(noMessage)"#
                if path == "/message/reaction" { body += #","reaction":"x""# }
                if method == "PATCH" { body += #","content":"x""# }
                cases.append(BadCase("unknown message", method, path, json: body + "}", 404, "UNKNOWN_MESSAGE"))
            }
            try await Self.check(cases, on: f)
        }
    }

    // MARK: Transport: size, type, route, token

    @Test("too large, wrong Content-Type, unknown routes, and missing, invalid or expired tokens")
    func transport() async throws {
        try await Self.withFixture { f in
            let authority = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: TestTokens.secret))
            let stranger = try await TokenAuthority(configuration: JWTConfiguration(hmacSecret: String(repeating: "s", count: 40)))
            let expired = try await authority.issue(userID: f.alice.id, deviceID: "phone", lifetime: .seconds(-120))
            let forged = try await stranger.issue(userID: f.alice.id, deviceID: "phone")
            let valid = f.alice.token
            let tampered = String(valid.dropLast(4)) + (valid.hasSuffix("AAAA") ? "BBBB" : "AAAA")
            let unsignedHeader = Self.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let unsignedClaims = Self.base64URL(Data(#"{"sub":"\#(f.alice.id.uuidString.lowercased())","did":"phone","exp":4102444800}"#.utf8))
            let unsigned = "\(unsignedHeader).\(unsignedClaims)."

            var cases: [BadCase] = []
            let padding = String(repeating: "a", count: 70_000)
            for route in Self.routes {
                let body = route.body(f)
                cases.append(BadCase("no token", route, json: body, caller: .anonymous, 401, "AUTH_NO_TOKEN"))
                cases.append(BadCase("no token and a malformed body", route, json: "{", caller: .anonymous, 401, "AUTH_NO_TOKEN"))
                cases.append(BadCase("expired token", route, json: body, caller: .token(expired), 401, "AUTH_TOKEN_EXPIRED"))
                cases.append(BadCase("text/plain", route, json: body, headers: ["Content-Type": "text/plain"], 415, "UNSUPPORTED_MEDIA_TYPE"))
                cases.append(BadCase("a 70 KB body", route, json: Self.adding(#""pad":"\#(padding)""#, to: body), 413, "BODY_TOO_LARGE"))
            }
            let theme = #"{"theme":"dark"}"#
            cases += [
                BadCase(
                    "Basic credentials", "PUT", "/user/theme", json: theme, headers: ["Authorization": "Basic YWxpY2U6c2VjcmV0"], caller: .anonymous,
                    401, "AUTH_NO_TOKEN"),
                BadCase(
                    "an empty bearer", "PUT", "/user/theme", json: theme, headers: ["Authorization": "Bearer"], caller: .anonymous, 401,
                    "AUTH_NO_TOKEN"),
                BadCase(
                    "a token without Bearer", "PUT", "/user/theme", json: theme, headers: ["Authorization": valid], caller: .anonymous, 401,
                    "AUTH_NO_TOKEN"),
                BadCase("garbage token", "PUT", "/user/theme", json: theme, caller: .token("garbage"), 401, "AUTH_INVALID_TOKEN"),
                BadCase("three dots", "PUT", "/user/theme", json: theme, caller: .token("a.b.c"), 401, "AUTH_INVALID_TOKEN"),
                BadCase("tampered signature", "PUT", "/user/theme", json: theme, caller: .token(tampered), 401, "AUTH_INVALID_TOKEN"),
                BadCase("signed with another secret", "PUT", "/user/theme", json: theme, caller: .token(forged), 401, "AUTH_INVALID_TOKEN"),
                BadCase("unsigned (alg none)", "PUT", "/user/theme", json: theme, caller: .token(unsigned), 401, "AUTH_INVALID_TOKEN"),
                BadCase(
                    "the admin token as a bearer", "PUT", "/user/theme", json: theme, caller: .token(TestTokens.adminToken), 401, "AUTH_INVALID_TOKEN"
                ),
                BadCase(
                    "a form body", "PUT", "/user/theme", json: "theme=dark", headers: ["Content-Type": "application/x-www-form-urlencoded"], 415,
                    "UNSUPPORTED_MEDIA_TYPE"),
                BadCase(
                    "an XML body", "POST", "/chat/leave", json: "<chatUUID/>", headers: ["Content-Type": "application/xml"], 415,
                    "UNSUPPORTED_MEDIA_TYPE"),
                BadCase("a profile of 70 KB", "PATCH", "/user/profile", json: #"{"biography":"\#(padding)"}"#, 413, "BODY_TOO_LARGE"),
                BadCase("an unknown route", "GET", "/nope", json: nil, caller: .anonymous, 404, "NOT_FOUND"),
                BadCase("an unknown route with a token", "POST", "/messages", json: "{}", 404, "NOT_FOUND"),
                BadCase("a known path with another method", "GET", "/message", json: nil, 405, "METHOD_NOT_ALLOWED"),
                BadCase("a known path with another method", "POST", "/message/pin", json: "{}", 405, "METHOD_NOT_ALLOWED"),
                BadCase(
                    "the admin API without the admin token", "POST", "/admin/users", json: #"{"handle":"sneaky","name":"S"}"#, caller: .anonymous,
                    401, "ADMIN_TOKEN_REQUIRED"),
                BadCase(
                    "the admin API with a user token", "POST", "/admin/tokens", json: #"{"userUUID":"\#(f.bob.id)","deviceID":"x"}"#, 401,
                    "ADMIN_TOKEN_REQUIRED"),
            ]
            try await Self.check(cases, on: f, perCase: false)
            // A wrong method is told which methods the path has.
            let wrongMethod = try await f.harness.call("GET", "/message", as: f.alice)
            #expect(wrongMethod.headers["allow"] == "DELETE, PATCH, POST", "\(wrongMethod.headers)")
            let health = try await f.harness.call("POST", "/health/live")
            #expect(health.status == 405 && health.headers["allow"] == "GET", "\(health.status) \(health.headers)")

            // Just under the limit the body is read and judged on its content.
            let nearLimit = String(repeating: "a", count: 60_000)
            let judged = try await f.harness.call(
                "POST", "/message", as: f.alice, json: #"{"chatUUID":"\#(f.group)","content":"\#(nearLimit)","clientMessageID":"\#(UUID())"}"#)
            Self.expectRefusal(judged, status: 400, code: "CONTENT_TOO_LONG", "a 60 KB message")
            #expect(try await f.harness.call("GET", "/health/live").status == 200, "the service survived the bad input")
        }
    }

    // MARK: Idempotency keys

    @Test("malformed Idempotency-Keys are refused, and a key is bound to its first request")
    func idempotencyKeys() async throws {
        try await Self.withFixture { f in
            let body = #"{"chatUUID":"\#(f.group)","content":"once","clientMessageID":"\#(UUID())"}"#
            let keyed = { (key: String) in
                BadCase(
                    "Idempotency-Key \(key.prefix(20).debugDescription) (\(key.utf8.count) bytes)", "POST", "/message", json: body,
                    headers: ["Idempotency-Key": key], 400, "INVALID_IDEMPOTENCY_KEY")
            }
            try await Self.check(
                [
                    keyed(String(repeating: "k", count: 256)),
                    keyed("has space"),
                    keyed("tab\there"),
                    keyed("ключ"),
                    keyed("é"),
                    keyed(""),
                ], on: f)

            let key = String(repeating: "k", count: 255)  // the longest accepted key
            let first = try await f.harness.call("POST", "/message", as: f.alice, json: body, idempotencyKey: key)
            #expect(first.status == 200 && !first.replayed, "first use: \(first.status) \(first.body)")
            let afterFirst = try await f.harness.writeFingerprint()

            let retry = try await f.harness.call("POST", "/message", as: f.alice, json: body, idempotencyKey: key)
            #expect(retry.status == 200 && retry.replayed && retry.int("messageID") == first.int("messageID"), "retry: \(retry.body)")
            let changed = Self.changedTables(afterFirst, try await f.harness.writeFingerprint())
            #expect(changed.isEmpty, "a replay wrote to \(changed)")

            let other = #"{"chatUUID":"\#(f.group)","content":"twice","clientMessageID":"\#(UUID())"}"#
            try await Self.check(
                [
                    BadCase(
                        "the key with another body", "POST", "/message", json: other, headers: ["Idempotency-Key": key], 422, "IDEMPOTENCY_KEY_REUSED"
                    ),
                    BadCase(
                        "the key on another route", "PUT", "/user/theme", json: #"{"theme":"dark"}"#, headers: ["Idempotency-Key": key], 422,
                        "IDEMPOTENCY_KEY_REUSED"),
                    BadCase("the key on a bad request", "POST", "/message", json: "{", headers: ["Idempotency-Key": key], 400, "INVALID_JSON"),
                ], on: f)

            // Keys are per user: Bob may use the same one for his own request.
            let bobs = try await f.harness.call("PUT", "/user/theme", as: f.bob, json: #"{"theme":"dark"}"#, idempotencyKey: key)
            #expect(bobs.status == 200 && !bobs.replayed, "another user's key space: \(bobs.status) \(bobs.body)")
        }
    }
}
