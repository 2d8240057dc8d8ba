import Foundation
import NovyseCore
import NovyseDevServers
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// The running services driven as a hostile or careless client would: malformed and oversized input,
/// requests past every count limit, moves the rules forbid, hostile orderings (removal then send, edit
/// after delete), bad tokens, and bad Socket.IO traffic. Every answer is the documented 4xx with its code,
/// never a 5xx; and nothing refused was half written: the write model agrees with the snapshot derived from
/// the events, and a replay of the event store rebuilds exactly the live snapshot.
@Suite("Abuse: hostile input against the running services")
struct AbuseTests {
    static let limits = [
        "NOVYSE_LIMIT_REACTIONS_PER_USER": "2", "NOVYSE_LIMIT_DISTINCT_REACTIONS": "3", "NOVYSE_LIMIT_PINNED_MESSAGES": "1",
        "NOVYSE_LIMIT_FOLDERS": "1", "NOVYSE_LIMIT_CHAT_MEMBERS": "3",
    ]

    @Test("every hostile request gets its documented 4xx, none a 5xx, and nothing refused is half written")
    func hostileRequests() async throws {
        try await ClientFixture.with(commandEnvironment: Self.limits) { fixture in
            let c = fixture.harness
            let owner = try await c.user()
            let member = try await c.user()
            let other = try await c.user()
            let outsider = try await c.user()
            let chat = try await c.chat(.group, by: owner, with: [member, other], name: "abuse")
            let message = try #require(try await c.send("target", in: chat, as: member).int("messageID"))
            let second = try #require(try await c.send("second", in: chat, as: owner).int("messageID"))
            var answers: [(String, APIAnswer)] = []
            func expect(_ what: String, _ answer: APIAnswer, status: Int, code: String? = nil) {
                answers.append((what, answer))
                #expect(answer.status == status, "\(what): \(answer.status) \(answer.body)")
                if let code { #expect(answer.errorCode == code, "\(what): \(answer.body)") }
            }
            let chatID = chat.uuidString
            func reaction(_ emoji: String, on id: Int64 = message) -> String {
                #"{"chatUUID":"\#(chatID)","messageID":\#(id),"reaction":"\#(emoji)"}"#
            }

            // Malformed input.
            expect("invalid JSON", try await c.call("POST", "/message", as: member, json: #"{"chatUUID":"#), status: 400, code: "INVALID_JSON")
            expect(
                "unknown field",
                try await c.call(
                    "POST", "/message", as: member,
                    json: #"{"chatUUID":"\#(chatID)","content":"x","clientMessageID":"\#(UUID().uuidString)","admin":true}"#),
                status: 400, code: "UNKNOWN_FIELD")
            expect(
                "content too long", try await c.send(String(repeating: "x", count: Limits.messageContent.upperBound + 1), in: chat, as: member),
                status: 400, code: "CONTENT_TOO_LONG")
            expect("oversized body", try await c.call("POST", "/message", as: member, json: String(repeating: " ", count: 3_000_000)), status: 413)
            expect(
                "message ID past 2^53",
                try await c.call(
                    "PUT", "/message/reaction", as: member,
                    json: #"{"chatUUID":"\#(chatID)","messageID":9007199254740993,"reaction":"👍"}"#), status: 400)
            expect(
                "a null limit",
                try await fixture.queryRequest(
                    "POST", "/user/update", as: member,
                    body: #"{"local":{"eventID":0},"limit":null}"#), status: 400)
            expect("no token", try await c.call("POST", "/message", json: #"{}"#), status: 401, code: "AUTH_NO_TOKEN")
            expect(
                "a forged token", try await c.call("POST", "/message", headers: ["Authorization": "Bearer abc.def.ghi"]),
                status: 401, code: "AUTH_INVALID_TOKEN")

            // Past every count limit.
            expect("reaction 1", try await c.call("PUT", "/message/reaction", as: member, json: reaction("👍")), status: 200)
            expect("reaction 2", try await c.call("PUT", "/message/reaction", as: member, json: reaction("❤️")), status: 200)
            expect(
                "reactions per user", try await c.call("PUT", "/message/reaction", as: member, json: reaction("🔥")), status: 422,
                code: "LIMIT_REACHED")
            expect("reaction 3", try await c.call("PUT", "/message/reaction", as: other, json: reaction("😂")), status: 200)
            expect(
                "distinct reactions", try await c.call("PUT", "/message/reaction", as: owner, json: reaction("🎉")), status: 422, code: "LIMIT_REACHED"
            )
            let pin = { (id: Int64) in #"{"chatUUID":"\#(chatID)","messageID":\#(id)}"# }
            expect("pin", try await c.call("PUT", "/message/pin", as: owner, json: pin(message)), status: 200)
            expect("pinned messages", try await c.call("PUT", "/message/pin", as: owner, json: pin(second)), status: 422, code: "LIMIT_REACHED")
            let folder = { (id: String) in #"{"folderID":"\#(id)","name":"F","chatUUIDs":["\#(chatID)"]}"# }
            expect("folder", try await c.call("PUT", "/folder", as: member, json: folder("a")), status: 200)
            expect("folders", try await c.call("PUT", "/folder", as: member, json: folder("b")), status: 422, code: "LIMIT_REACHED")
            let add = #"{"chatUUID":"\#(chatID)","userUUID":"\#(outsider.id.uuidString)"}"#
            expect("chat members", try await c.call("POST", "/chat/members", as: owner, json: add), status: 422, code: "LIMIT_REACHED")

            // What the rules forbid, and hostile orderings.
            let role = #"{"chatUUID":"\#(chatID)","userUUID":"\#(other.id.uuidString)","role":"ADMIN"}"#
            expect("role change by a member", try await c.call("PUT", "/chat/members/role", as: member, json: role), status: 403, code: "OWNER_ONLY")
            expect(
                "the owner leaving", try await c.call("POST", "/chat/leave", as: owner, json: #"{"chatUUID":"\#(chatID)"}"#), status: 409,
                code: "LAST_OWNER")
            expect("a non-member sending", try await c.send("hi", in: chat, as: outsider), status: 403, code: "NOT_A_MEMBER")
            let remove = #"{"chatUUID":"\#(chatID)","userUUID":"\#(other.id.uuidString)"}"#
            expect("removal", try await c.call("DELETE", "/chat/members", as: owner, json: remove), status: 200)
            expect("send after removal", try await c.send("still here?", in: chat, as: other), status: 403, code: "NOT_A_MEMBER")
            expect(
                "history after removal", try await fixture.queryRequest("GET", "/chat/history?chatUUID=\(chatID)", as: other, body: nil),
                status: 403, code: "NOT_A_MEMBER")
            let target = #"{"chatUUID":"\#(chatID)","messageID":\#(message)}"#
            expect("delete", try await c.call("DELETE", "/message", as: member, json: target), status: 200)
            expect(
                "edit after delete",
                try await c.call(
                    "PATCH", "/message", as: member,
                    json: #"{"chatUUID":"\#(chatID)","messageID":\#(message),"content":"back"}"#), status: 409, code: "MESSAGE_DELETED")
            expect(
                "react after delete", try await c.call("PUT", "/message/reaction", as: owner, json: reaction("👍")), status: 409,
                code: "MESSAGE_DELETED")
            let key = UUID().uuidString
            expect(
                "idempotent send",
                try await c.call(
                    "POST", "/message", as: owner,
                    json: #"{"chatUUID":"\#(chatID)","content":"once","clientMessageID":"\#(UUID().uuidString)"}"#, idempotencyKey: key), status: 200)
            expect(
                "key reused for another request",
                try await c.call(
                    "POST", "/message", as: owner,
                    json: #"{"chatUUID":"\#(chatID)","content":"twice","clientMessageID":"\#(UUID().uuidString)"}"#, idempotencyKey: key),
                status: 422, code: "IDEMPOTENCY_KEY_REUSED")

            // Socket.IO: a wrong protocol version, a garbage packet, a CONNECT with a forged token.
            let port = fixture.fanouts.current[0].port
            let wrongVersion = await HTTPProbe.request(port: port, path: "/socket.io/?EIO=3&transport=polling", timeout: TestDeadline.generous)
            #expect(wrongVersion?.status == 400, "\(String(describing: wrongVersion))")
            let opened = try #require(
                await HTTPProbe.request(port: port, path: "/socket.io/?EIO=4&transport=polling", timeout: TestDeadline.generous))
            let handshake = try? JSONSerialization.jsonObject(with: Data(opened.body.utf8.dropFirst())) as? [String: Any]
            let sid = try #require(handshake?["sid"] as? String, "\(opened.body)")
            let session = "/socket.io/?EIO=4&transport=polling&sid=\(sid)"
            let forged = await HTTPProbe.request(
                port: port, method: "POST", path: session, body: #"40{"token":"abc.def.ghi"}"#, timeout: TestDeadline.generous)
            #expect(forged?.status == 200)
            let refusal = await HTTPProbe.request(port: port, path: session, timeout: TestDeadline.generous)
            #expect(
                refusal?.body.hasPrefix("44") == true && refusal?.body.contains("AUTH_INVALID_TOKEN") == true, "\(String(describing: refusal?.body))")
            let garbage = await HTTPProbe.request(port: port, method: "POST", path: session, body: "9{not a packet", timeout: TestDeadline.generous)
            #expect((garbage?.status ?? 500) < 500, "\(String(describing: garbage))")

            for (what, answer) in answers { #expect(answer.status < 500, "\(what) answered \(answer.status)") }

            // Nothing refused was half written.
            try await fixture.waitForPipeline()
            let store = ProjectorStore(client: fixture.postgres, logger: .quiet("abuse"))
            let replay = try await store.replay(swap: false)
            #expect(replay.matches, "live \(replay.liveChecksum) rebuilt \(replay.rebuiltChecksum)")
            for (writeModel, snapshot) in [
                (
                    """
                    SELECT count(*)::int FROM novyse.message_reactions r WHERE NOT EXISTS
                        (SELECT 1 FROM novyse.message_state s WHERE s.message_id = r.message_id AND s.deleted)
                    """, "SELECT count(*)::int FROM snapshot.reactions"
                ),
                ("SELECT count(*)::int FROM novyse.message_state WHERE pinned", "SELECT count(*)::int FROM snapshot.messages WHERE pinned"),
                ("SELECT count(*)::int FROM novyse.memberships WHERE left_at IS NULL", "SELECT count(*)::int FROM snapshot.members"),
                ("SELECT count(*)::int FROM novyse.messages", "SELECT count(*)::int FROM snapshot.messages"),
            ] {
                #expect(try await Self.count(fixture.postgres, writeModel) == Self.count(fixture.postgres, snapshot), "\(writeModel)")
            }
            #expect(try await Self.count(fixture.postgres, "SELECT count(*)::int FROM snapshot.reactions") == 0, "the deletion cleared them")
        }
    }

    static func count(_ client: PostgresClient, _ sql: String) async throws -> Int {
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { return value }
        return 0
    }
}

extension ClientFixture {
    /// A request to the query service.
    func queryRequest(_ method: String, _ path: String, as user: TestUser?, body: String?) async throws -> APIAnswer {
        var headers: [String: String] = body == nil ? [:] : ["Content-Type": "application/json"]
        if let user { headers["Authorization"] = "Bearer \(user.token)" }
        guard
            let response = await HTTPProbe.request(
                port: query.port, method: method, path: path, headers: headers, body: body, timeout: TestDeadline.generous
            )
        else { throw HarnessError("no answer to \(method) \(path)") }
        return APIAnswer(status: response.status, body: response.body, replayed: false)
    }
}
