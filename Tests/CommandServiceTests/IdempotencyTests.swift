import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// I5: a retry after a lost answer returns the original result and writes nothing new.
@Suite("I5: idempotent writes")
struct IdempotencyTests {
    @Test("a resent message (same clientMessageID), sequential and racing, is one message")
    func resentMessage() async throws {
        try await withCleanup(try await CommandHarness.start(), { harness in await harness.stop() }) { harness in
            let alice = try await harness.user()
            let bob = try await harness.user()
            let chat = try await harness.chat(.group, by: alice, with: [bob], name: "retries")
            let clientMessageID = UUID()

            let first = try await harness.send("hello", in: chat, as: alice, clientMessageID: clientMessageID)
            let again = try await harness.send("hello", in: chat, as: alice, clientMessageID: clientMessageID)
            #expect(first.status == 200 && again.status == 200)
            let messageID = try #require(first.int("messageID"))
            #expect(again.int("messageID") == messageID)

            let racingID = UUID()
            let answers = try await withThrowingTaskGroup(of: APIAnswer.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await harness.send("race", in: chat, as: alice, clientMessageID: racingID) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.body))")
            #expect(Set(answers.compactMap { $0.int("messageID") }).count == 1)
            #expect(try await harness.count("novyse.messages", where: "chat_uuid = '\(chat)'") == 2)
            #expect(try await harness.count("novyse.outbox", where: "stream_key = '\(chat)' AND stream_kind = 2") <= 2)

            // The same clientMessageID for different content is a conflict, not a silent replay.
            let reused = try await harness.send("something else", in: chat, as: alice, clientMessageID: clientMessageID)
            #expect(reused.status == 409)
            #expect(reused.errorCode == "CLIENT_MESSAGE_ID_REUSED")
        }
    }

    @Test("a retried edit (same Idempotency-Key), sequential and racing, is one event")
    func retriedEdit() async throws {
        try await withCleanup(try await CommandHarness.start(), { harness in await harness.stop() }) { harness in
            let alice = try await harness.user()
            let chat = try await harness.chat(.group, by: alice, with: [], name: "edits")
            let messageID = try #require(try await harness.send("draft", in: chat, as: alice).int("messageID"))
            let edit = EditMessageRequest(chatUUID: chat, messageID: messageID, content: "final")

            let first = try await harness.call("PATCH", "/message", as: alice, body: edit, idempotencyKey: "edit-1")
            let retry = try await harness.call("PATCH", "/message", as: alice, body: edit, idempotencyKey: "edit-1")
            #expect(first.status == 200 && retry.status == 200)
            #expect(first.int("eventID") == retry.int("eventID"))
            #expect(!first.replayed && retry.replayed)

            let racing = EditMessageRequest(chatUUID: chat, messageID: messageID, content: "raced")
            let answers = try await withThrowingTaskGroup(of: APIAnswer.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await harness.call("PATCH", "/message", as: alice, body: racing, idempotencyKey: "edit-2") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.body))")
            #expect(Set(answers.compactMap { $0.int("eventID") }).count == 1)
            #expect(answers.filter { !$0.replayed }.count == 1)
            #expect(try await harness.count("novyse.chat_events", where: "chat_uuid = '\(chat)' AND type = 'MESSAGE_EDITED'") == 2)
        }
    }

    @Test("a key reused for a different request is refused; keys are per user")
    func keyScope() async throws {
        try await withCleanup(try await CommandHarness.start(), { harness in await harness.stop() }) { harness in
            let alice = try await harness.user()
            let bob = try await harness.user()
            let theme = try await harness.call("PUT", "/user/theme", as: alice, body: ThemeRequest(theme: "dark"), idempotencyKey: "k")
            #expect(theme.status == 200)
            let before = try await harness.writeFingerprint()
            let other = try await harness.call("PUT", "/user/theme", as: alice, body: ThemeRequest(theme: "light"), idempotencyKey: "k")
            #expect(other.status == 422)
            #expect(other.errorCode == "IDEMPOTENCY_KEY_REUSED")
            #expect(try await harness.writeFingerprint() == before)
            // Bob's "k" is his own key.
            let bobs = try await harness.call("PUT", "/user/theme", as: bob, body: ThemeRequest(theme: "light"), idempotencyKey: "k")
            #expect(bobs.status == 200 && !bobs.replayed)
        }
    }

    @Test("a refused mutation leaves its key unused, so a corrected retry is evaluated afresh")
    func failedMutationKeepsNoKey() async throws {
        try await withCleanup(try await CommandHarness.start(), { harness in await harness.stop() }) { harness in
            let alice = try await harness.user()
            let chat = try await harness.chat(.group, by: alice, with: [], name: "x")
            let refused = try await harness.call(
                "DELETE", "/chat/pin", as: alice, body: ChatRequest(chatUUID: chat), idempotencyKey: "unpin"
            )
            #expect(refused.status == 409)
            #expect(try await harness.count("novyse.idempotency_keys") == 0)
        }
    }
}

@Suite("Idempotency key retention")
struct IdempotencyRetentionTests {
    @Test("keys older than the retention are forgotten, newer ones kept")
    func expiry() async throws {
        try await withCleanup(try await CommandHarness.start(), { harness in await harness.stop() }) { harness in
            let alice = try await harness.user()
            for key in ["old", "new"] {
                let answer = try await harness.call("PUT", "/user/theme", as: alice, body: ThemeRequest(theme: key), idempotencyKey: key)
                #expect(answer.status == 200)
            }
            let removed = try await harness.withDatabase { client in
                try await client.query("UPDATE novyse.idempotency_keys SET created_at = now() - interval '2 days' WHERE key = 'old'")
                return try await CommandStore(client: client, logger: Logger(label: "test"))
                    .expireIdempotencyKeys(olderThan: .seconds(86_400))
            }
            #expect(removed == 1)
            #expect(try await harness.count("novyse.idempotency_keys", where: "key = 'new'") == 1)
            #expect(try await harness.count("novyse.idempotency_keys", where: "key = 'old'") == 0)
        }
    }
}

@Suite("Idempotent retries of time-bound requests")
struct TimeBoundRetryTests {
    @Test("a retried mute whose 'until' has passed since gets the stored answer, not a 400")
    func muteRetryAfterUntil() async throws {
        try await withCleanup(try await CommandHarness.start(), { harness in await harness.stop() }) { harness in
            let alice = try await harness.user()
            let chat = try await harness.chat(.group, by: alice, with: [], name: "mute")
            // Far enough ahead that the first request lands before it however loaded the machine.
            let until = Timestamp.format(Date().addingTimeInterval(15))
            let body = MuteChatRequest(chatUUID: chat, until: until)
            let first = try await harness.call("PUT", "/chat/mute", as: alice, body: body, idempotencyKey: "mute-1")
            #expect(first.status == 200, "\(first.body)")
            try await TestDeadline.waitUntil("the mute time to pass") {
                Date() > Timestamp.parse(until)!.addingTimeInterval(0.2)
            }
            let retry = try await harness.call("PUT", "/chat/mute", as: alice, body: body, idempotencyKey: "mute-1")
            #expect(retry.status == 200 && retry.replayed, "\(retry.body)")
            #expect(retry.int("eventID") == first.int("eventID"))
            let fresh = try await harness.call("PUT", "/chat/mute", as: alice, body: body, idempotencyKey: "mute-2")
            #expect(fresh.status == 400, "a new request with a past time is still refused")
        }
    }
}
