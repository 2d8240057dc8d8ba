import Foundation
import Logging
import NovyseCore
import NovyseRedis
import TestSupport
import Testing

/// I3 end to end: the command service commits while Redis is down, and publishes everything, once and in
/// stream order, when Redis returns.
@Suite("I3: commit first, publish after")
struct PublishingTests {
    @Test("mutations succeed while Redis is down; afterwards each item is published once, in stream order")
    func publishAfterOutage() async throws {
        try await withCleanup(try await CommandHarness.start(), { harness in await harness.stop() }) { harness in
            let alice = try await harness.user()
            let bob = try await harness.user()
            let chat = try await harness.chat(.group, by: alice, with: [bob], name: "outage")
            let before = try #require(try await harness.send("before", in: chat, as: alice).int("messageID"))

            // Published before the outage (so the restart, which keeps nothing, loses it): what Redis holds
            // afterwards is then exactly what was committed while it was down.
            try await TestDeadline.waitUntil("the message before the outage to be published") {
                (try? await harness.count("novyse.outbox")) == 0
            }
            await harness.redis.stop()
            var sent: [Int64] = [before]
            for index in 0..<8 {
                let answer = try await harness.send("during \(index)", in: chat, as: index.isMultiple(of: 2) ? alice : bob)
                #expect(answer.status == 200, "\(answer.body)")
                sent.append(try #require(answer.int("messageID")))
            }
            let edit = try await harness.call(
                "PATCH", "/message", as: alice, body: EditMessageRequest(chatUUID: chat, messageID: before, content: "edited")
            )
            #expect(edit.status == 200)
            #expect(try await harness.count("novyse.outbox") > 0, "nothing waited for Redis")

            try await harness.redis.restart()
            try await TestDeadline.waitUntil("the outbox to drain") {
                (try? await harness.count("novyse.outbox")) == 0
            }

            // The test Redis keeps nothing across a restart, so what it holds now is exactly what the relay
            // published after the outage: the items committed while it was down, each once, in stream order.
            let entries = try await pipelineEntries(redisURL: harness.redis.url)
            let messages = entries.filter { $0.stream == StreamID(kind: .chatMessages, key: chat) }
            #expect(messages.map(\.id) == Array(sent.dropFirst()), "each message once, in order")
            #expect(messages.first?.prevID == before)
            #expect(zip(messages.dropFirst(), messages).allSatisfy { $0.prevID == $1.id }, "chain intact")
            let events = entries.filter { $0.stream == StreamID(kind: .chatEvents, key: chat) }
            #expect(events.map(\.id) == [try #require(edit.int("eventID"))])
            #expect(entries.count == messages.count + events.count, "nothing else, and nothing twice")
            let message = try JSONDecoder().decode([String: JSONValue].self, from: Data(try #require(messages.last).json.utf8))
            #expect(message["content"] == .string("during 7"))
            #expect(message["chatUUID"] == .string(chat.uuidString.lowercased()))
        }
    }

    /// Every entry of every partition, in partition order.
    func pipelineEntries(redisURL: String) async throws -> [PipelineEntry] {
        try await withCleanup(
            RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: Logger(label: "test")), { client in await client.shutdown() }
        ) { client in
            let layout = PipelineLayout(prefix: "novyse", partitions: 16)
            var entries: [PipelineEntry] = []
            for key in layout.allKeys {
                for entry in try await client.xrange(key) {
                    entries.append(try #require(PipelineEntry(fields: entry.fields)))
                }
            }
            return entries
        }
    }
}
