import Foundation
import NovyseCore
import NovyseSocketIO
import TestSupport
import Testing

/// A Redis backlog routed after the deletion: a message is sent, edited and deleted while Redis is down,
/// and the pipeline delivers all three once it returns. Plain members must never receive the text; the
/// author and the chat's admins keep it (the audit right).
@Suite("Fan-out: deleted text in a backlog", .timeLimit(.minutes(10)))
struct FanoutDeletedContentTests {
    static let original = "secret-original-text"
    static let edited = "secret-edited-text"

    @Test func aBacklogDeliveredAfterTheDeletionCarriesNoTextToPlainMembers() async throws {
        let fixture = try await FanoutFixture.start(environment: ["NOVYSE_FANOUT_BLOCK_MS": "200", "NOVYSE_FANOUT_POSITION_CHECK_MS": "200"])
        try await withCleanup(fixture, { await $0.stop() }) { fixture in
            let h = fixture.harness
            let owner = try await h.user()
            let author = try await h.user()
            let member = try await h.user()
            let chat = try await h.chat(.group, by: owner, with: [author, member], name: "backlog")
            let sockets = [
                (owner, try await fixture.connect(owner, device: "phone")),
                (author, try await fixture.connect(author, device: "phone")),
                (member, try await fixture.connect(member, device: "phone")),
            ]
            let collector = EventCollector()
            #expect(try await h.send("warm-up", in: chat, as: author).status == 200)
            for (_, socket) in sockets {
                _ = try await collector.wait(socket, for: "the warm-up") {
                    $0.named("message:new").contains { $0.data["content"]?.stringValue == "warm-up" }
                }
            }

            // The backlog: all three commit while Redis is down, and are published once it is back.
            await h.redis.stop()
            let sent = try await h.send(Self.original, in: chat, as: author)
            #expect(sent.status == 200)
            let message = try #require(sent.int("messageID"))
            let target = #"{"chatUUID":"\#(chat.uuidString)","messageID":\#(message)"#
            #expect(try await h.call("PATCH", "/message", as: author, json: target + #","content":"\#(Self.edited)"}"#).status == 200)
            #expect(try await h.call("DELETE", "/message", as: author, json: target + "}").status == 200)
            try await h.redis.restart()

            func deletionSeen(_ events: [FanoutSocketClient.Event]) -> Bool {
                events.named("chat:event").contains {
                    $0.data["type"]?.stringValue == "MESSAGE_DELETED" && $0.data["payload"]?["messageID"]?.doubleValue == Double(message)
                }
            }
            func messageSeen(_ events: [FanoutSocketClient.Event]) -> Bool {
                events.named("message:new").contains { $0.data["id"]?.doubleValue == Double(message) }
            }
            for (user, socket) in sockets {
                let events = try await collector.wait(socket, for: "the backlog") { deletionSeen($0) && messageSeen($0) }
                let pushed = events.map(\.description).joined(separator: "\n")
                let copy = try #require(events.named("message:new").first { $0.data["id"]?.doubleValue == Double(message) })
                if user.id == member.id {
                    #expect(!pushed.contains(Self.original) && !pushed.contains(Self.edited), "a plain member got deleted text:\n\(pushed)")
                    #expect(copy.data["deleted"] == .bool(true) && copy.data["content"]?.stringValue == "", "the tombstone: \(copy)")
                    #expect(!events.named("chat:event").contains { $0.data["type"]?.stringValue == "MESSAGE_EDITED" })
                } else {
                    #expect(copy.data["content"]?.stringValue == Self.original, "\(user.handle) keeps the audit right")
                    #expect(events.named("chat:event").contains { $0.data["payload"]?["content"]?.stringValue == Self.edited })
                }
            }
            let metrics = try #require(await fixture.fanouts[0].get("/metrics")).body
            #expect(metrics.contains("novyse_fanout_redacted_total"), "redactions are counted")
        }
    }
}
