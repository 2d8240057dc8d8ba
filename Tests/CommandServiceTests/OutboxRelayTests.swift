import Foundation
import Logging
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle
import TestSupport
import Testing

@testable import CommandService

/// The outbox relay against a real Postgres and Redis (I3): nothing committed is lost while Redis is down,
/// entries reach their partitions in stream order with intact `prevID` chains, and republished duplicates
/// are recognisable as such.
@Suite("Outbox relay")
struct OutboxRelayTests {
    @Test("items committed while Redis is down are published once it returns, in order")
    func redisOutage() async throws {
        try await withRelayFixture { fixture in
            let relay = fixture.makeRelay(pollInterval: .milliseconds(100))
            await fixture.redisServer.stop()
            // Commits succeed without Redis: they only touch Postgres.
            let alice = try await fixture.seed.createUser()
            let bob = try await fixture.seed.createUser()
            let chat = try await fixture.seed.createChat(owner: alice, members: [bob])
            for round in 0..<10 {
                try await fixture.seed.append(StreamID(kind: .chatMessages, key: chat), actor: round.isMultiple(of: 2) ? alice : bob)
                try await fixture.seed.append(StreamID(kind: .chatEvents, key: chat), actor: bob)
                try await fixture.seed.append(StreamID(kind: .profileEvents, key: alice), actor: alice)
                try await fixture.seed.append(StreamID(kind: .localEvents, key: bob), actor: bob)
            }
            let expected = try await fixture.seed.expectedStreams()
            let total = expected.values.reduce(0) { $0 + $1.count }
            #expect(total == 2 + 1 + 40)

            // A publisher's error reaches the caller as itself, and the rows stay. Before any relay runs: a
            // running relay may hold the relay lock, and `relayBatch` then returns nil without publishing.
            await #expect(throws: RedisError.self) {
                let relayed = try await fixture.store.relayBatch(limit: 10) { entries in try await relay.publish(entries) }
                Issue.record("relayBatch returned \(relayed.map(String.init) ?? "nil (lock busy)") with Redis down")
            }
            #expect(try await fixture.store.pendingCount() == total)

            try await withRunningRelay(relay) {
                relay.kick()
                // The relay keeps trying (and failing) without exiting; nothing leaves the outbox.
                try await TestDeadline.waitUntil("relay failing while Redis is down") { relay.stats.failures >= 3 }
                #expect(try await fixture.store.pendingCount() == total)
                #expect(relay.stats.published == 0)

                // The same relay, failing until now, publishes everything once Redis is back.
                try await fixture.redisServer.restart()
                try await fixture.waitUntilDrained(publishedEntries: total)
            }
            let published = try await fixture.readPipeline()
            #expect(published.flatMap(\.value).count == total, "every item exactly once")
            verifyExactlyOnce(published, expected: expected, partitions: fixture.layout.partitions)
        }
    }

    @Test(
        "two relays over many interleaved streams publish every item once, in stream order",
        arguments: [OutboxRelay.Publishing.script, .perEntry]
    )
    func concurrentRelays(publishing: OutboxRelay.Publishing) async throws {
        try await withRelayFixture(partitions: 4) { fixture in
            try await withPostgresClient(url: fixture.database.url) { secondClient in
                let secondRedis = fixture.makeRedisClient()
                let relays = [
                    fixture.makeRelay(batchSize: 7, pollInterval: .milliseconds(50), publishing: publishing),
                    OutboxRelay(
                        store: OutboxStore(client: secondClient, logger: fixture.logger), redis: secondRedis, layout: fixture.layout, batchSize: 11,
                        pollInterval: .milliseconds(50), publishing: publishing, logger: fixture.logger
                    ),
                ]
                try await withRunningRelay(relays[0]) {
                    try await withRunningRelay(relays[1]) {
                        var users: [UUID] = []
                        for _ in 0..<6 { users.append(try await fixture.seed.createUser()) }
                        var chats: [UUID] = []
                        for index in 0..<4 {
                            chats.append(try await fixture.seed.createChat(owner: users[index], members: [users[index + 1]]))
                        }
                        var streams: [(StreamID, UUID)] = []
                        for user in users {
                            streams.append((StreamID(kind: .profileEvents, key: user), user))
                            streams.append((StreamID(kind: .localEvents, key: user), user))
                        }
                        for (index, chat) in chats.enumerated() {
                            streams.append((StreamID(kind: .chatEvents, key: chat), users[index]))
                            streams.append((StreamID(kind: .chatMessages, key: chat), users[index + 1]))
                        }
                        let targets = streams
                        // Four writers append to random streams at once, kicking a random relay after each commit.
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for _ in 0..<4 {
                                group.addTask {
                                    for _ in 0..<100 {
                                        let (stream, actor) = targets.randomElement()!
                                        try await fixture.seed.append(stream, actor: actor)
                                        relays.randomElement()!.kick()
                                    }
                                }
                            }
                            try await group.waitForAll()
                        }
                        let expected = try await fixture.seed.expectedStreams()
                        let total = expected.values.reduce(0) { $0 + $1.count }
                        #expect(total == 6 + 4 + 400)
                        try await fixture.waitUntilDrained(publishedEntries: total)
                        let published = try await fixture.readPipeline()
                        #expect(published.flatMap(\.value).count == total, "no item published twice")
                        #expect(relays[0].stats.published + relays[1].stats.published == total)
                        verifyExactlyOnce(published, expected: expected, partitions: fixture.layout.partitions)
                    }
                }
                await secondRedis.shutdown()
            }
        }
    }

    @Test("a crash between XADD and the outbox delete republishes the same entries")
    func crashAfterPublishing() async throws {
        try await withRelayFixture(partitions: 3) { fixture in
            let relay = fixture.makeRelay(batchSize: 1000)
            let alice = try await fixture.seed.createUser()
            let bob = try await fixture.seed.createUser()
            let chat = try await fixture.seed.createChat(owner: alice, members: [bob])
            for _ in 0..<5 {
                try await fixture.seed.append(StreamID(kind: .chatMessages, key: chat), actor: bob)
                try await fixture.seed.append(StreamID(kind: .profileEvents, key: bob), actor: bob)
            }
            let expected = try await fixture.seed.expectedStreams()
            let total = expected.values.reduce(0) { $0 + $1.count }

            struct SimulatedCrash: Error {}
            // Published to Redis, then the process "dies" before the delete commits.
            await #expect(throws: SimulatedCrash.self) {
                _ = try await fixture.store.relayBatch(limit: 1000) { entries in
                    try await relay.publish(entries)
                    throw SimulatedCrash()
                }
            }
            #expect(try await fixture.store.pendingCount() == total, "the rows survive the failed transaction")
            #expect(try await fixture.readPipeline().flatMap(\.value).count == total)

            // The relay picks the leftovers up on start, without a kick.
            try await withRunningRelay(relay) {
                try await fixture.waitUntilDrained(publishedEntries: 2 * total)
            }
            let published = try await fixture.readPipeline()
            let all = published.flatMap(\.value)
            #expect(all.count == 2 * total, "each item appears twice")
            // Both copies are the same item: a consumer deduplicates on (stream, id).
            let copies = Dictionary(grouping: all) { ItemKey(stream: $0.stream, id: $0.id) }
            #expect(copies.count == total)
            for (key, entries) in copies {
                #expect(entries.count == 2 && entries.allSatisfy { $0 == entries[0] }, "\(key)")
            }
            verifyConsumerConverges(published, expected: expected)
        }
    }

    @Test("entries parse back and carry the wire objects")
    func wireShapes() async throws {
        try await withRelayFixture(partitions: 2) { fixture in
            let relay = fixture.makeRelay()
            let alice = try await fixture.seed.createUser(handle: "alice_wire", name: "Alice")
            let bob = try await fixture.seed.createUser()
            let chat = try await fixture.seed.createChat(owner: alice, members: [bob], name: "Wire chat")
            let message = try await fixture.seed.append(StreamID(kind: .chatMessages, key: chat), actor: alice)
            let second = try await fixture.seed.append(StreamID(kind: .chatMessages, key: chat), actor: bob)
            let chatEvent = try await fixture.seed.append(StreamID(kind: .chatEvents, key: chat), actor: bob)
            let profileEvent = try await fixture.seed.append(StreamID(kind: .profileEvents, key: alice), actor: alice)
            let localEvent = try await fixture.seed.append(StreamID(kind: .localEvents, key: alice), actor: alice)

            let relayed = try await fixture.store.relayBatch(limit: 100) { entries in try await relay.publish(entries) }
            #expect(relayed == 2 + 1 + 5)
            #expect(try await fixture.store.pendingCount() == 0)

            var byItem: [ItemKey: PipelineEntry] = [:]
            for (_, entries) in try await fixture.readPipeline() {
                for entry in entries { byItem[ItemKey(stream: entry.stream, id: entry.id)] = entry }
            }
            #expect(byItem.count == 8)

            func object(_ stream: StreamID, _ id: Int64) throws -> (PipelineEntry, [String: Any]) {
                let found = byItem[ItemKey(stream: stream, id: id)]
                let entry = try #require(found, "\(stream) #\(id)")
                let json = try JSONSerialization.jsonObject(with: Data(entry.json.utf8))
                return (entry, try #require(json as? [String: Any]))
            }

            // A message, as created.
            let (messageEntry, messageJSON) = try object(StreamID(kind: .chatMessages, key: chat), message.id)
            #expect(messageEntry.prevID == 0)
            #expect(number(messageJSON["id"]) == message.id)
            #expect(number(messageJSON["prevID"]) == 0)
            #expect(uuid(messageJSON["chatUUID"]) == chat)
            #expect(uuid(messageJSON["senderUUID"]) == alice)
            #expect(messageJSON["content"] as? String == "message from \(alice.uuidString.lowercased())")
            #expect(isWireTime(messageJSON["createdAt"]))
            #expect(uuid(messageJSON["clientMessageID"]) != nil)
            #expect((messageJSON["reactions"] as? [Any])?.isEmpty == true)
            let (secondEntry, secondJSON) = try object(StreamID(kind: .chatMessages, key: chat), second.id)
            #expect(secondEntry.prevID == message.id)
            #expect(number(secondJSON["prevID"]) == message.id)

            // Events of each kind.
            let (_, chatEventJSON) = try object(StreamID(kind: .chatEvents, key: chat), chatEvent.id)
            #expect(chatEventJSON["type"] as? String == "MEMBER_JOINED")
            #expect(number(chatEventJSON["prevID"]) == 0)
            #expect(uuid(chatEventJSON["chatUUID"]) == chat)
            #expect(uuid(chatEventJSON["userUUID"]) == bob)
            #expect(isWireTime(chatEventJSON["createdAt"]))
            let (_, profileJSON) = try object(StreamID(kind: .profileEvents, key: alice), profileEvent.id)
            #expect(profileJSON["type"] as? String == "BIO_CHANGED")
            #expect(uuid(profileJSON["userUUID"]) == alice)
            #expect((profileJSON["payload"] as? [String: Any])?["biography"] as? String == "bio of \(alice.uuidString.lowercased())")
            let (_, localJSON) = try object(StreamID(kind: .localEvents, key: alice), localEvent.id)
            #expect(localJSON["type"] as? String == "THEME_CHANGED")
            #expect(number(localJSON["id"]) == localEvent.id)

            // Creations: id 0, prevID 0, the created user or chat.
            let (userEntry, userJSON) = try object(StreamID(kind: .profileEvents, key: alice), PipelineEntry.creationID)
            #expect(userEntry.isCreation && userEntry.prevID == 0)
            #expect(uuid(userJSON["uuid"]) == alice)
            #expect(userJSON["handle"] as? String == "alice_wire")
            #expect(userJSON["name"] as? String == "Alice")
            #expect(isWireTime(userJSON["createdAt"]))
            let (chatEntry, chatJSON) = try object(StreamID(kind: .chatEvents, key: chat), PipelineEntry.creationID)
            #expect(chatEntry.isCreation && chatEntry.prevID == 0)
            #expect(uuid(chatJSON["uuid"]) == chat)
            #expect(chatJSON["type"] as? String == "GROUP")
            #expect(chatJSON["name"] as? String == "Wire chat")
            let members = try #require(chatJSON["members"] as? [[String: Any]])
            #expect(Set(members.compactMap { uuid($0["userUUID"]) }) == [alice, bob])
            #expect(members.first { uuid($0["userUUID"]) == alice }?["role"] as? String == "OWNER")
            #expect(members.allSatisfy { isWireTime($0["joinedAt"]) })
        }
    }

    @Test("an outbox row whose item is missing is dropped instead of blocking the outbox")
    func orphanRow() async throws {
        try await withRelayFixture { fixture in
            let relay = fixture.makeRelay()
            let alice = try await fixture.seed.createUser()
            try await fixture.client.query(
                "INSERT INTO novyse.outbox (stream_kind, stream_key, item_id) VALUES (2, \(UUID()), 424242)"
            )
            try await fixture.seed.append(StreamID(kind: .profileEvents, key: alice), actor: alice)
            let relayed = try await fixture.store.relayBatch(limit: 10) { entries in try await relay.publish(entries) }
            #expect(relayed == 3)
            #expect(try await fixture.store.pendingCount() == 0)
            #expect(try await fixture.readPipeline().flatMap(\.value).count == 2)
        }
    }

    @Test("graceful shutdown stops the relay promptly, after a last drain")
    func gracefulShutdown() async throws {
        try await withRelayFixture { fixture in
            // Polls rarely, so only the start-up drain and the last drain can publish what the test writes.
            let relay = fixture.makeRelay(pollInterval: .seconds(3600))
            let alice = try await fixture.seed.createUser()
            let group = ServiceGroup(services: [relay], logger: fixture.logger)
            let outcome = try await runUntilStopped(group) {
                try await fixture.waitUntilDrained(publishedEntries: 1)  // the start-up drain
                for _ in 0..<3 {
                    try await fixture.seed.append(StreamID(kind: .profileEvents, key: alice), actor: alice)
                }
                #expect(try await fixture.store.pendingCount() == 3)  // not kicked, not polled
            }
            // Stopping by itself, not at the guard: a relay that waited for its next poll (an hour) never would.
            #expect(outcome.stoppedByItself, "still running \(outcome.elapsed) after graceful shutdown")
            #expect(try await fixture.store.pendingCount() == 0, "the last drain published the rest")
            #expect(try await fixture.readPipeline().flatMap(\.value).count == 4)
        }
    }
}

/// How a graceful shutdown went: whether the group ended by itself before the guard, and after how long.
struct ShutdownOutcome {
    let stoppedByItself: Bool
    let elapsed: Duration
}

/// Runs `group`, runs `body` while it runs, triggers graceful shutdown, and waits for the group to end or a
/// guard of `guardTime` to pass. Tests set the timers that a slow shutdown would wait out (poll interval,
/// final drain timeout, backoff) far longer than the guard, so "stopped by itself" discriminates whatever
/// the machine's load, where a bound a few seconds above normal would not.
func runUntilStopped(
    _ group: ServiceGroup, guardTime: Duration = TestDeadline.generous, _ body: () async throws -> Void
) async throws -> ShutdownOutcome {
    try await withThrowingTaskGroup(of: Bool.self) { tasks in
        tasks.addTask {
            try await group.run()
            return true
        }
        try await body()
        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        tasks.addTask {
            try await Task.sleep(for: guardTime)
            return false
        }
        let stoppedByItself = try await tasks.next() ?? false
        tasks.cancelAll()
        return ShutdownOutcome(stoppedByItself: stoppedByItself, elapsed: ContinuousClock.now - start)
    }
}

extension OutboxRelayTests {
    @Test("graceful shutdown during a Redis outage stops promptly and keeps the rows")
    func gracefulShutdownDuringOutage() async throws {
        try await withRelayFixture { fixture in
            // A final drain or a backoff that were waited out would take ten minutes, far past the guard: from
            // its first failure on, the relay sleeps 600 s between attempts.
            let relay = fixture.makeRelay(
                pollInterval: .milliseconds(50), initialBackoff: .seconds(600), maximumBackoff: .seconds(600),
                finalDrainTimeout: .seconds(600)
            )
            _ = try await fixture.seed.createUser()
            await fixture.redisServer.stop()
            let group = ServiceGroup(services: [relay], logger: fixture.logger)
            let outcome = try await runUntilStopped(group) {
                // After the first failure the relay is in its 600 s backoff sleep: shutdown must interrupt it.
                try await TestDeadline.waitUntil("relay failing") { relay.stats.failures >= 1 }
            }
            #expect(outcome.stoppedByItself, "still running \(outcome.elapsed) after graceful shutdown")
            #expect(try await fixture.store.pendingCount() == 1, "the user's creation waits for the next relay")
        }
    }

    @Test("a Redis that refuses scripts still gets every entry, one XADD at a time")
    func scriptsRefused() async throws {
        try await withRelayFixture(partitions: 2) { fixture in
            _ = try await fixture.redis.send(["ACL", "SETUSER", "default", "-@scripting"])
            let relay = fixture.makeRelay(publishing: .script)
            let alice = try await fixture.seed.createUser()
            for _ in 0..<3 {
                try await fixture.seed.append(StreamID(kind: .localEvents, key: alice), actor: alice)
            }
            let relayed = try await fixture.store.relayBatch(limit: 10) { entries in try await relay.publish(entries) }
            #expect(relayed == 4)
            let expected = try await fixture.seed.expectedStreams()
            verifyExactlyOnce(try await fixture.readPipeline(), expected: expected, partitions: fixture.layout.partitions)
            #expect(relay.stats.published == 4)
        }
    }
}
