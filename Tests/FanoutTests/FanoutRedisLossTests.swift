import Foundation
import Logging
import NovyseCore
import NovyseRedis
import NovyseSocketIO
import TestSupport
import Testing

@testable import FanoutService

/// Redis losing its data under a running fan-out (FLUSHALL here; a restart without persistence or a
/// failover to an empty replica look the same to the services).
@Suite("FanoutRedisLoss", .timeLimit(.minutes(10)))
struct FanoutRedisLossTests {
    /// An entry ID far ahead of the clock. Putting one in every partition before the flush moves the
    /// reader's positions there, which stands in for a Redis that comes back numbering entries below the
    /// positions read (its host's clock behind the old IDs): new entries are then invisible to
    /// `XREAD <position>` unless the reader notices the stream was recreated.
    static let futureID = "99999999999999-0"

    @Test func afterAFlushMessagesStillReachSocketsAndPresenceComesBack() async throws {
        let fixture = try await FanoutFixture.start(environment: [
            "NOVYSE_FANOUT_BLOCK_MS": "200",
            "NOVYSE_FANOUT_POSITION_CHECK_MS": "200",
            "NOVYSE_FANOUT_PRESENCE_REFRESH_MS": "300",
            "NOVYSE_FANOUT_PRESENCE_TTL_MS": "10000",
        ])
        let redis = RedisClient(
            configuration: try RedisConfiguration(url: fixture.harness.redis.url, poolSize: 2), logger: Logger(label: "test.redis")
        )
        do {
            try await run(fixture, redis: redis)
        } catch {
            await redis.shutdown()
            await fixture.stop()
            throw error
        }
        await redis.shutdown()
        await fixture.stop()
    }

    private func run(_ fixture: FanoutFixture, redis: RedisClient) async throws {
        let harness = fixture.harness
        let alice = try await harness.user()
        let bob = try await harness.user()
        let bobPhone = try await fixture.connect(bob, device: "phone")
        let collector = EventCollector()
        let chat = try await harness.chat(.group, by: alice, with: [bob], name: "flush")
        #expect(try await harness.send("before the flush", in: chat, as: alice).status == 200)
        _ = try await collector.wait(bobPhone, for: "the first message") { !$0.named("message:new").isEmpty }

        let layout = PipelineLayout(prefix: "novyse", partitions: 16)
        for key in layout.allKeys {
            _ = try await redis.xadd(key, id: Self.futureID, fields: [("probe", "future")])
        }
        // The reader skips each as malformed and logs it: once all are logged, every position is there.
        let fanout = fixture.fanouts[0].process
        try await FCMWait.until("the reader past every future entry", state: { String(fanout.capturedOutput.suffix(2000)) }) {
            fanout.capturedOutput.components(separatedBy: Self.futureID).count - 1 >= layout.partitions
        }

        let presence = "novyse:presence:\(bob.id.uuidString.lowercased()):phone"
        #expect(try await redis.get(presence) != nil)
        _ = try await redis.send(["FLUSHALL"])
        // The refresher writes the presence of connected devices again (else they would get wake-ups).
        try await FCMWait.until("bob's presence written again") { try await redis.get(presence) != nil }

        let sent = try await harness.send("after the flush", in: chat, as: alice)
        #expect(sent.status == 200)
        let events = try await collector.wait(bobPhone, for: "the message sent after the flush") {
            $0.named("message:new").contains { $0.data["content"]?.stringValue == "after the flush" }
        }
        let message = try #require(events.named("message:new").last?.data)
        #expect(message["id"]?.doubleValue == sent.int("messageID").map(Double.init))
        #expect(events.named("message:new").count == 2, "delivered once: \(events)")
        #expect(fanout.capturedOutput.contains("reading it from the start"), "the rewind was detected and logged")
    }

    @Test func streamPositionsCompareAsRedisOrdersEntryIDs() {
        #expect(StreamPosition("1700000000000-5")! < StreamPosition("1700000000000-10")!)
        #expect(StreamPosition("1700000000001-0")! > StreamPosition("1700000000000-99")!)
        #expect(StreamPosition("1700000000000") == StreamPosition("1700000000000-0"))
        #expect(StreamPosition("x-1") == nil && StreamPosition("1-2-3") == nil && StreamPosition("") == nil)
        #expect(StreamPosition.isRewound(position: "99999999999999-0", last: "1700000000000-0"))
        #expect(StreamPosition.isRewound(position: "1700000000000-3", last: "0-0"), "emptied or vanished")
        #expect(!StreamPosition.isRewound(position: "1700000000000-3", last: "1700000000000-3"))
        #expect(!StreamPosition.isRewound(position: "0-0", last: "0-0"))
        #expect(!StreamPosition.isRewound(position: "1700000000000-3", last: "1700000000005-0"))
    }
}
