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

// What the relay tests check entries against, and the database/Redis fixture they run on.
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
        publishing: OutboxRelay.Publishing = .script,
        initialBackoff: Duration = .milliseconds(50),
        maximumBackoff: Duration = .seconds(2),
        finalDrainTimeout: Duration = .seconds(5)
    ) -> OutboxRelay {
        OutboxRelay(
            store: OutboxStore(client: client, logger: logger), redis: redis, layout: layout, batchSize: batchSize,
            pollInterval: pollInterval, publishing: publishing, initialBackoff: initialBackoff, maximumBackoff: maximumBackoff,
            finalDrainTimeout: finalDrainTimeout, logger: logger
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
    func waitUntilDrained(publishedEntries: Int, timeout: Duration = TestDeadline.generous) async throws {
        do {
            try await TestDeadline.waitUntil("outbox drained into \(publishedEntries) Redis entries", timeout: timeout) {
                guard let pending = try? await store.pendingCount(), pending == 0 else { return false }
                return (try? await pipelineLength()) == publishedEntries
            }
        } catch {
            let pending = try? await store.pendingCount()
            let length = try? await pipelineLength()
            Issue.record(
                "outbox not drained: \(pending.map(String.init) ?? "?") rows pending, \(length.map(String.init) ?? "?") Redis entries, expected \(publishedEntries)"
            )
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
            try await body(
                RelayFixture(
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
