import Foundation
import NovyseCore
import TestSupport
import Testing

/// Every count limit refuses the one past it with 422 `LIMIT_REACHED` naming the limit and its value, and
/// writes nothing (the write fingerprint is unchanged); under the limit everything still works, and freeing
/// room (a reaction withdrawn, a message unpinned, a member gone, a folder deleted) makes room again.
/// Against the real `novyse-command` binary, with limits set low through its environment.
@Suite("Count limits")
struct CountLimitTests {
    static let environment = [
        "NOVYSE_LIMIT_CHAT_MEMBERS": "3", "NOVYSE_LIMIT_PINNED_MESSAGES": "2", "NOVYSE_LIMIT_FOLDERS": "2",
        "NOVYSE_LIMIT_REACTIONS_PER_USER": "2", "NOVYSE_LIMIT_DISTINCT_REACTIONS": "3",
    ]

    static func withHarness(_ body: (CommandHarness) async throws -> Void) async throws {
        try await withCleanup(try await CommandHarness.start(environment: environment), { await $0.stop() }, body)
    }

    /// The next call must be refused by `limit` and change nothing.
    static func expectRefused(
        _ harness: CommandHarness, _ limit: String, _ value: Int, sourceLocation: SourceLocation = #_sourceLocation,
        _ call: () async throws -> APIAnswer
    ) async throws {
        let before = try await harness.writeFingerprint()
        let answer = try await call()
        #expect(answer.status == 422, "\(answer.body)", sourceLocation: sourceLocation)
        #expect(answer.errorCode == "LIMIT_REACHED", "\(answer.body)", sourceLocation: sourceLocation)
        #expect(answer.errorMessage?.contains("\(limit) (\(value))") == true, "\(answer.body)", sourceLocation: sourceLocation)
        #expect(try await harness.writeFingerprint() == before, "a refused mutation wrote something", sourceLocation: sourceLocation)
    }

    @Test("members per chat, at creation and when adding; a departure makes room")
    func chatMembers() async throws {
        try await Self.withHarness { h in
            let owner = try await h.user()
            let a = try await h.user()
            let b = try await h.user()
            let c = try await h.user()
            try await Self.expectRefused(h, "chatMembers", 3) {
                try await h.call(
                    "POST", "/chat/create", as: owner, body: CreateChatRequest(type: .group, memberUUIDs: [a.id, b.id, c.id], name: "G"))
            }
            let group = try await h.chat(.group, by: owner, with: [a, b], name: "G")
            let add = { (user: TestUser) in
                try await h.call(
                    "POST", "/chat/members", as: owner, json: #"{"chatUUID":"\#(group.uuidString)","userUUID":"\#(user.id.uuidString)"}"#)
            }
            try await Self.expectRefused(h, "chatMembers", 3) { try await add(c) }
            let left = try await h.call("POST", "/chat/leave", as: b, json: #"{"chatUUID":"\#(group.uuidString)"}"#)
            #expect(left.status == 200)
            #expect(try await add(c).status == 200, "a member gone makes room")
        }
    }

    @Test("pinned messages per chat; unpinning makes room")
    func pinnedMessages() async throws {
        try await Self.withHarness { h in
            let owner = try await h.user()
            let group = try await h.chat(.group, by: owner, with: [], name: "G")
            var messages: [Int64] = []
            for index in 0..<3 { messages.append(try #require(try await h.send("m\(index)", in: group, as: owner).int("messageID"))) }
            let pin = { (id: Int64, method: String) in
                try await h.call(method, "/message/pin", as: owner, json: #"{"chatUUID":"\#(group.uuidString)","messageID":\#(id)}"#)
            }
            #expect(try await pin(messages[0], "PUT").status == 200)
            #expect(try await pin(messages[1], "PUT").status == 200)
            try await Self.expectRefused(h, "pinnedMessages", 2) { try await pin(messages[2], "PUT") }
            #expect(try await pin(messages[0], "DELETE").status == 200)
            #expect(try await pin(messages[2], "PUT").status == 200, "an unpin makes room")
        }
    }

    @Test("reactions per user per message and distinct reactions per message; an existing reaction adds no distinct one")
    func reactions() async throws {
        try await Self.withHarness { h in
            let owner = try await h.user()
            let other = try await h.user()
            let third = try await h.user()
            let group = try await h.chat(.group, by: owner, with: [other, third], name: "G")
            let message = try #require(try await h.send("hello", in: group, as: owner).int("messageID"))
            let react = { (user: TestUser, reaction: String, method: String) in
                try await h.call(
                    method, "/message/reaction", as: user,
                    json: #"{"chatUUID":"\#(group.uuidString)","messageID":\#(message),"reaction":"\#(reaction)"}"#
                )
            }
            #expect(try await react(owner, "a", "PUT").status == 200)
            #expect(try await react(owner, "b", "PUT").status == 200)
            try await Self.expectRefused(h, "reactionsPerUser", 2) { try await react(owner, "c", "PUT") }
            let again = try await react(owner, "a", "PUT")
            #expect(again.status == 409 && again.errorCode == "REACTION_EXISTS", "at the limit, a repeat is still a repeat: \(again.body)")
            #expect(try await react(other, "c", "PUT").status == 200)  // distinct: a, b, c
            try await Self.expectRefused(h, "distinctReactions", 3) { try await react(other, "d", "PUT") }
            #expect(try await react(third, "a", "PUT").status == 200, "a reaction already given adds no distinct one")
            #expect(try await react(owner, "b", "DELETE").status == 200)
            #expect(try await react(owner, "c", "PUT").status == 200, "a withdrawn reaction makes room for the user")
        }
    }

    @Test("folders per user; replacing one is not a new one, deleting one makes room")
    func folders() async throws {
        try await Self.withHarness { h in
            let user = try await h.user()
            let put = { (id: String) in
                try await h.call("PUT", "/folder", as: user, json: #"{"folderID":"\#(id)","name":"F \#(id)","chatUUIDs":[]}"#)
            }
            #expect(try await put("one").status == 200)
            #expect(try await put("two").status == 200)
            #expect(try await put("two").status == 200, "replacing an existing folder")
            try await Self.expectRefused(h, "folders", 2) { try await put("three") }
            #expect(try await h.call("DELETE", "/folder", as: user, json: #"{"folderID":"one"}"#).status == 200)
            #expect(try await put("three").status == 200, "a deleted folder makes room")
        }
    }

    @Test("a limit out of its range stops start-up naming the key")
    func badLimitValue() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withCleanup(try await LocalRedis.start(), { await $0.stop() }) { redis in
            var environment = ProcessInfo.processInfo.environment
            environment["NOVYSE_JWT_SECRET"] = TestTokens.secret
            environment["DATABASE_URL"] = database.url
            environment["REDIS_URL"] = redis.url
            environment["NOVYSE_HOST"] = "127.0.0.1"
            environment["NOVYSE_COMMAND_PORT"] = "\(try Network.freePort())"
            environment["NOVYSE_LIMIT_CHAT_MEMBERS"] = "1"
            let process = ManagedProcess(
                name: "novyse-command", executable: BuiltProducts.path("novyse-command"), environment: environment, output: .captured
            )
            try process.start()
            let status = await process.waitForExit(timeout: TestDeadline.generous)
            if status == nil { await process.stop() }
            #expect(status == 78, "\(process.capturedOutput.suffix(2000))")
            #expect(process.capturedOutput.contains("NOVYSE_LIMIT_CHAT_MEMBERS"))
        }
    }
}
