@testable import CommandService
import Foundation
import Logging
import NovyseCore
import NovyseRedis
import NovyseStorage
import PostgresNIO
import ServiceLifecycle
import Testing
import TestSupport

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
            try await withRunningRelay(relay) {
                // Commits succeed without Redis: they only touch Postgres.
                let alice = try await fixture.seed.createUser()
                let bob = try await fixture.seed.createUser()
                let chat = try await fixture.seed.createChat(owner: alice, members: [bob])
                relay.kick()
                for round in 0..<10 {
                    try await fixture.seed.append(StreamID(kind: .chatMessages, key: chat), actor: round.isMultiple(of: 2) ? alice : bob)
                    try await fixture.seed.append(StreamID(kind: .chatEvents, key: chat), actor: bob)
                    try await fixture.seed.append(StreamID(kind: .profileEvents, key: alice), actor: alice)
                    try await fixture.seed.append(StreamID(kind: .localEvents, key: bob), actor: bob)
                    relay.kick()
                }
                let expected = try await fixture.seed.expectedStreams()
                let total = expected.values.reduce(0) { $0 + $1.count }
                #expect(total == 2 + 1 + 40)

                // The relay keeps trying (and failing) without exiting; nothing leaves the outbox.
                try await Network.waitUntil("relay failing while Redis is down", timeout: .seconds(20)) {
                    relay.stats.failures >= 3
                }
                #expect(try await fixture.store.pendingCount() == total)
                #expect(relay.stats.published == 0)

                // A publisher's error reaches the caller as itself, and the rows stay.
                await #expect(throws: RedisError.self) {
                    _ = try await fixture.store.relayBatch(limit: 10) { entries in try await relay.publish(entries) }
                }
                #expect(try await fixture.store.pendingCount() == total)

                try await fixture.redisServer.restart()
                try await fixture.waitUntilDrained(publishedEntries: total)
                let published = try await fixture.readPipeline()
                #expect(published.flatMap(\.value).count == total, "every item exactly once")
                verifyExactlyOnce(published, expected: expected, partitions: fixture.layout.partitions)
            }
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
                        client: secondClient, redis: secondRedis, layout: fixture.layout, batchSize: 11,
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
            let elapsed = try await withThrowingTaskGroup(of: Duration?.self) { tasks in
                tasks.addTask { try await group.run(); return nil }
                try await fixture.waitUntilDrained(publishedEntries: 1)  // the start-up drain
                for _ in 0..<3 {
                    try await fixture.seed.append(StreamID(kind: .profileEvents, key: alice), actor: alice)
                }
                #expect(try await fixture.store.pendingCount() == 3)  // not kicked, not polled

                let start = ContinuousClock.now
                await group.triggerGracefulShutdown()
                tasks.addTask {
                    try await Task.sleep(for: .seconds(15))
                    return .seconds(15)
                }
                _ = try await tasks.next()  // whichever ends first: the group, or the 15 s bound
                tasks.cancelAll()
                return ContinuousClock.now - start
            }
            #expect(elapsed < .seconds(5), "stopped after \(elapsed)")
            #expect(try await fixture.store.pendingCount() == 0, "the last drain published the rest")
            #expect(try await fixture.readPipeline().flatMap(\.value).count == 4)
        }
    }
}

extension OutboxRelayTests {
    @Test("graceful shutdown during a Redis outage stops promptly and keeps the rows")
    func gracefulShutdownDuringOutage() async throws {
        try await withRelayFixture { fixture in
            let relay = fixture.makeRelay(pollInterval: .milliseconds(50))
            _ = try await fixture.seed.createUser()
            await fixture.redisServer.stop()
            let group = ServiceGroup(services: [relay], logger: fixture.logger)
            let elapsed = try await withThrowingTaskGroup(of: Duration?.self) { tasks in
                tasks.addTask { try await group.run(); return nil }
                // Deep enough into the backoff that the relay is sleeping, not working, most of the time.
                try await Network.waitUntil("relay failing", timeout: .seconds(20)) { relay.stats.failures >= 5 }
                let start = ContinuousClock.now
                await group.triggerGracefulShutdown()
                tasks.addTask {
                    try await Task.sleep(for: .seconds(15))
                    return .seconds(15)
                }
                _ = try await tasks.next()
                tasks.cancelAll()
                return ContinuousClock.now - start
            }
            #expect(elapsed < .seconds(2), "stopped after \(elapsed)")
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

// MARK: - Verification

struct ItemKey: Hashable, CustomStringConvertible {
    let stream: StreamID
    let id: Int64
    var description: String { "\(stream) #\(id)" }
}

/// Every stream's entries are exactly the stream's items (creation first), in ID order, each linked to the
/// one before, and all in the stream's own partition.
func verifyExactlyOnce(_ published: [Int: [PipelineEntry]], expected: [StreamID: [Int64]], partitions: Int) {
    var seen: [StreamID: [PipelineEntry]] = [:]
    for (partition, entries) in published {
        for entry in entries {
            #expect(entry.stream.partition(of: partitions) == partition, "\(entry.stream) in its own partition")
            seen[entry.stream, default: []].append(entry)
        }
    }
    #expect(Set(seen.keys) == Set(expected.keys), "the same streams")
    for (stream, ids) in expected {
        let entries = seen[stream] ?? []
        #expect(entries.map(\.id) == ids, "\(stream): order and completeness")
        var previous: Int64 = 0
        for entry in entries {
            #expect(entry.prevID == previous, "\(stream) #\(entry.id): prevID \(entry.prevID), expected \(previous)")
            previous = entry.id
        }
    }
}

/// Replays every partition as a projector would (I6): apply when `prevID` is the stream's position, skip what
/// is at or below it, and never meet a gap; at the end every position is the stream's head.
func verifyConsumerConverges(_ published: [Int: [PipelineEntry]], expected: [StreamID: [Int64]]) {
    var positions: [StreamID: Int64] = [:]
    var created: Set<StreamID> = []
    for (_, entries) in published {
        for entry in entries {
            if entry.isCreation {
                created.insert(entry.stream)
                continue
            }
            let position = positions[entry.stream] ?? 0
            if entry.prevID == position {
                positions[entry.stream] = entry.id
            } else if entry.id > position {
                Issue.record("gap in \(entry.stream): position \(position), got #\(entry.id) after #\(entry.prevID)")
            }
        }
    }
    for (stream, ids) in expected {
        #expect(positions[stream] ?? 0 == ids.last ?? 0, "\(stream) ends at its head")
        if ids.first == PipelineEntry.creationID { #expect(created.contains(stream)) }
    }
}

func number(_ value: Any?) -> Int64? {
    switch value {
    case let value as Int: Int64(value)
    case let value as Int64: value
    case let value as Double: Int64(exactly: value)
    case let value as NSNumber: value.int64Value
    default: nil
    }
}

func uuid(_ value: Any?) -> UUID? {
    (value as? String).flatMap(UUID.init(uuidString:))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the one time format of the wire contract.
func isWireTime(_ value: Any?) -> Bool {
    guard let text = value as? String else { return false }
    return text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil && Timestamp.parse(text) != nil
}

// MARK: - Fixture

/// A private database and Redis for one test, clients for both, and helpers to write items the way the
/// command service does.
struct RelayFixture: Sendable {
    let database: TestDatabase
    let client: PostgresClient
    let redisServer: LocalRedis
    let redis: RedisClient
    let layout: PipelineLayout
    let logger: Logger

    var store: OutboxStore { OutboxStore(client: client, logger: logger) }
    var seed: Seed { Seed(client: client) }

    func makeRedisClient() -> RedisClient {
        RedisClient(
            configuration: RedisConfiguration(
                port: redisServer.port, poolSize: 4,
                connectTimeout: .milliseconds(500), commandTimeout: .seconds(2)
            ),
            logger: logger
        )
    }

    func makeRelay(
        batchSize: Int = 500,
        pollInterval: Duration = .milliseconds(200),
        publishing: OutboxRelay.Publishing = .script
    ) -> OutboxRelay {
        OutboxRelay(
            client: client, redis: redis, layout: layout, batchSize: batchSize,
            pollInterval: pollInterval, publishing: publishing, logger: logger
        )
    }

    /// Every pipeline partition's entries, in stream order.
    func readPipeline() async throws -> [Int: [PipelineEntry]] {
        var result: [Int: [PipelineEntry]] = [:]
        for partition in 0..<layout.partitions {
            let entries = try await redis.xrange(layout.key(partition: partition))
            result[partition] = try entries.map { raw in
                try #require(PipelineEntry(fields: raw.fields), "entry \(raw.id) parses")
            }
        }
        return result
    }

    func pipelineLength() async throws -> Int {
        var total = 0
        for key in layout.allKeys { total += try await redis.xlen(key) }
        return total
    }

    /// Waits (bounded) until the outbox is empty and Redis holds `publishedEntries` entries.
    func waitUntilDrained(publishedEntries: Int, timeout: Duration = .seconds(30)) async throws {
        do {
            try await Network.waitUntil("outbox drained into \(publishedEntries) Redis entries", timeout: timeout) {
                guard let pending = try? await store.pendingCount(), pending == 0 else { return false }
                return (try? await pipelineLength()) == publishedEntries
            }
        } catch {
            let pending = try? await store.pendingCount()
            let length = try? await pipelineLength()
            Issue.record("outbox not drained: \(pending.map(String.init) ?? "?") rows pending, \(length.map(String.init) ?? "?") Redis entries, expected \(publishedEntries)")
            throw error
        }
    }
}

func withRelayFixture<T: Sendable>(
    partitions: Int = 8,
    _ body: @Sendable (RelayFixture) async throws -> T
) async throws -> T {
    let database = try await TestPostgres.shared.makeDatabase()
    let server = try await LocalRedis.start()
    let logger = {
        var logger = Logger(label: "novyse.outbox.tests")
        logger.logLevel = .error
        return logger
    }()
    let redis = RedisClient(
        configuration: RedisConfiguration(
            port: server.port, poolSize: 4, connectTimeout: .milliseconds(500), commandTimeout: .seconds(2)
        ),
        logger: logger
    )
    do {
        let result = try await withPostgresClient(url: database.url, logger: logger) { client in
            try await body(RelayFixture(
                database: database, client: client, redisServer: server, redis: redis,
                layout: PipelineLayout(prefix: "test", partitions: partitions), logger: logger
            ))
        }
        await redis.shutdown()
        await server.stop()
        return result
    } catch {
        await redis.shutdown()
        await server.stop()
        throw error
    }
}

/// Runs the relay for the duration of `body`, then cancels it.
func withRunningRelay<T: Sendable>(_ relay: OutboxRelay, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await relay.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// Writes items the way the command service does: under the stream's lock, linked to its head, queued in the
/// outbox, in one transaction.
struct Seed: Sendable {
    let client: PostgresClient
    let logger = Logger(label: "novyse.outbox.tests.seed")

    func createUser(handle: String? = nil, name: String = "Test") async throws -> UUID {
        let handle = handle ?? "u\(UInt64.random(in: 0...UInt64.max))"
        return try await UserRepository(client: client, logger: logger).create(ProfileFields(handle: handle, name: name))
    }

    /// A group chat with its creation record, memberships, two streams and the creation in the outbox.
    func createChat(owner: UUID, members: [UUID], name: String = "Chat") async throws -> UUID {
        let chat = UUID()
        let everyone = [owner] + members
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO novyse.chats (uuid, type, name, created_by) VALUES (\(chat), 'GROUP', \(name), \(owner))",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO novyse.chat_creation_members (chat_uuid, user_uuid, role)
                SELECT \(chat), member, CASE WHEN member = \(owner) THEN 'OWNER' ELSE 'MEMBER' END
                FROM unnest(\(everyone)::uuid[]) AS member
                """,
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO novyse.memberships (chat_uuid, user_uuid, role, joined_at)
                SELECT chat_uuid, user_uuid, role, now() FROM novyse.chat_creation_members WHERE chat_uuid = \(chat)
                """,
                logger: logger
            )
            try await connection.query(
                "INSERT INTO novyse.streams (kind, key) VALUES (1, \(chat)), (2, \(chat))",
                logger: logger
            )
            try await connection.query(
                "INSERT INTO novyse.outbox (stream_kind, stream_key, item_id) VALUES (1, \(chat), 0)",
                logger: logger
            )
        }
        return chat
    }

    /// Appends one item to `stream` (a message, or an event of the stream's kind) by `actor`.
    @discardableResult
    func append(_ stream: StreamID, actor: UUID) async throws -> (id: Int64, prevID: Int64) {
        try await transaction { connection in
            let heads = try await connection.query(
                "SELECT head FROM novyse.streams WHERE kind = \(stream.kind.rawValue) AND key = \(stream.key) FOR UPDATE",
                logger: logger
            )
            var head: Int64?
            for try await value in heads.decode(Int64.self) { head = value }
            let prev = try #require(head, "stream \(stream) exists")
            let key = stream.key
            let inserted: PostgresRowSequence
            switch stream.kind {
            case .chatEvents:
                inserted = try await connection.query(
                    """
                    INSERT INTO novyse.chat_events (chat_uuid, prev_id, type, user_uuid, actor_uuid, payload)
                    VALUES (\(key), \(prev), 'MEMBER_JOINED', \(actor), \(actor), '{"role": "MEMBER"}'::jsonb)
                    RETURNING id
                    """,
                    logger: logger
                )
            case .chatMessages:
                let content = "message from \(actor.uuidString.lowercased())"
                inserted = try await connection.query(
                    """
                    INSERT INTO novyse.messages (chat_uuid, prev_id, sender_uuid, content, client_message_id)
                    VALUES (\(key), \(prev), \(actor), \(content), \(UUID()))
                    RETURNING id
                    """,
                    logger: logger
                )
            case .profileEvents:
                let bio = "bio of \(actor.uuidString.lowercased())"
                inserted = try await connection.query(
                    """
                    INSERT INTO novyse.profile_events (user_uuid, prev_id, type, payload)
                    VALUES (\(key), \(prev), 'BIO_CHANGED', jsonb_build_object('biography', \(bio)::text))
                    RETURNING id
                    """,
                    logger: logger
                )
            case .localEvents:
                inserted = try await connection.query(
                    """
                    INSERT INTO novyse.local_events (user_uuid, prev_id, type, device_id, payload)
                    VALUES (\(key), \(prev), 'THEME_CHANGED', 'test-device', '{"theme": "dark"}'::jsonb)
                    RETURNING id
                    """,
                    logger: logger
                )
            }
            var id: Int64?
            for try await value in inserted.decode(Int64.self) { id = value }
            let itemID = try #require(id)
            try await connection.query(
                "UPDATE novyse.streams SET head = \(itemID) WHERE kind = \(stream.kind.rawValue) AND key = \(key)",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO novyse.outbox (stream_kind, stream_key, item_id)
                VALUES (\(stream.kind.rawValue), \(key), \(itemID))
                """,
                logger: logger
            )
            return (itemID, prev)
        }
    }

    /// Every stream's items as Postgres has them: the creation (ID 0) first where the stream announces one,
    /// then the item IDs in order.
    func expectedStreams() async throws -> [StreamID: [Int64]] {
        let rows = try await client.query(
            """
            SELECT 3::smallint, uuid, 0::bigint FROM novyse.users
            UNION ALL SELECT 1::smallint, uuid, 0::bigint FROM novyse.chats
            UNION ALL SELECT 1::smallint, chat_uuid, id FROM novyse.chat_events
            UNION ALL SELECT 2::smallint, chat_uuid, id FROM novyse.messages
            UNION ALL SELECT 3::smallint, user_uuid, id FROM novyse.profile_events
            UNION ALL SELECT 4::smallint, user_uuid, id FROM novyse.local_events
            ORDER BY 1, 2, 3
            """,
            logger: logger
        )
        var streams: [StreamID: [Int64]] = [:]
        for try await (kind, key, id) in rows.decode((Int16, UUID, Int64).self) {
            let stream = StreamID(kind: try #require(StreamKind(rawValue: kind)), key: key)
            streams[stream, default: []].append(id)
        }
        return streams
    }

    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }
}
