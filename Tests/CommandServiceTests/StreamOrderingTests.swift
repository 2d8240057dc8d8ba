import Foundation
import Logging
import NIOConcurrencyHelpers
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// I1: within a stream, an ID becomes visible only after every smaller ID of that stream is visible.
///
/// The reader here reads exactly as the query side will: "every event of this chat after my cursor",
/// advancing its cursor to the largest ID it saw. Writers hold their transactions open for a random time
/// between inserting and committing, the window in which a sequence-ordered log loses rows.
@Suite("I1: stream order is commit order")
struct StreamOrderingTests {
    enum WriteProtocol: Sendable { case streamLock, naiveSequence }

    @Test("locked writers: the polling reader gets every event exactly once, in order, on an intact chain")
    func lockedWritersNeverSkip() async throws {
        for round in 0..<3 {
            let outcome = try await race(protocol: .streamLock, writers: 32)
            #expect(outcome.seen == outcome.committed, "round \(round): reader saw \(outcome.seen), log has \(outcome.committed)")
            #expect(Set(outcome.seen).count == outcome.seen.count, "duplicates")
            #expect(outcome.chainIntact, "prevID chain broken")
        }
    }

    @Test("the same race against a plain sequence-ordered log makes the reader skip rows")
    func naiveWritersSkip() async throws {
        // Shows the test above can fail: without the stream lock, some round loses rows.
        var skipped = false
        for _ in 0..<8 where !skipped {
            let outcome = try await race(protocol: .naiveSequence, writers: 32)
            skipped = outcome.seen != outcome.committed
        }
        #expect(skipped, "the naive log never skipped; the scenario would not detect the bug it guards against")
    }

    @Test("step by step: a later ID committed first is invisible until the earlier one commits")
    func deterministicInterleaving() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let chat = try await makeChat(client)
            let a = try await connect(database)
            let b = try await connect(database)
            let reader = try await connect(database)
            try await withCleanup(
                (),
                { _ in
                    try? await a.close()
                    try? await b.close()
                    try? await reader.close()
                }
            ) { _ in
                let logger = Logger(label: "test")

                // Naive: A draws an ID and stalls; B draws a larger one and commits; the reader advances past A.
                try await a.query("BEGIN", logger: logger)
                let stalled = try await naiveInsert(chat: chat, tag: -1, on: a)
                try await b.query("BEGIN", logger: logger)
                let later = try await naiveInsert(chat: chat, tag: -2, on: b)
                try await b.query("COMMIT", logger: logger)
                var cursor: Int64 = 0
                var seen = try await readAfter(chat: chat, cursor: &cursor, on: reader)
                try await a.query("COMMIT", logger: logger)
                seen += try await readAfter(chat: chat, cursor: &cursor, on: reader)
                #expect(stalled < later)
                #expect(seen == [later], "the naive reader missed \(stalled) for good")

                // Locked: B waits for A's stream lock, so it draws its ID only after A commits.
                let head = try await lockedHead(chat: chat, on: a, begin: true)
                let first = try await EventLog.appendChatEvent(
                    chat: chat, prevID: head, type: .memberJoined, user: chat, actor: chat, messageID: nil,
                    payload: .object([:]), on: a, logger: logger
                )
                let second = Task {
                    let head = try await lockedHead(chat: chat, on: b, begin: true)
                    let item = try await EventLog.appendChatEvent(
                        chat: chat, prevID: head, type: .memberLeft, user: chat, actor: chat, messageID: nil,
                        payload: .object([:]), on: b, logger: logger
                    )
                    try await b.query("COMMIT", logger: logger)
                    return item
                }
                // Wait until B is really blocked on A's lock, so the next read tests the interleaving.
                try await TestDeadline.waitUntil("writer B waiting for the stream lock") {
                    do {
                        let rows = try await reader.query(
                            "SELECT count(*)::int FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
                            logger: logger
                        )
                        for try await count in rows.decode(Int.self) { return count > 0 }
                        return false
                    } catch {
                        return false
                    }
                }
                let visibleBefore = try await readAfter(chat: chat, cursor: &cursor, on: reader)
                #expect(visibleBefore.isEmpty)
                try await a.query("COMMIT", logger: logger)
                let secondItem = try await second.value
                let visibleAfter = try await readAfter(chat: chat, cursor: &cursor, on: reader)
                #expect(visibleAfter == [first.id, secondItem.id])
                #expect(secondItem.prevID == first.id && first.id < secondItem.id)
            }
        }
    }

    // MARK: - The race

    struct Outcome {
        let seen: [Int64]
        let committed: [Int64]
        let chainIntact: Bool
    }

    func race(protocol writeProtocol: WriteProtocol, writers: Int) async throws -> Outcome {
        let database = try await TestPostgres.shared.makeDatabase()
        return try await withPostgresClient(url: database.url, maximumConnections: writers + 4) { client in
            let chat = try await makeChat(client)
            let done = NIOLockedValueBox(false)
            let reader = Task {
                var cursor: Int64 = 0
                var seen: [Int64] = []
                let connection = try await connect(database)
                return try await withCleanup((), { _ in try? await connection.close() }) { _ in
                    while !done.withLockedValue({ $0 }) {
                        seen += try await readAfter(chat: chat, cursor: &cursor, on: connection)
                        try await Task.sleep(for: .milliseconds(Int.random(in: 0...2)))
                    }
                    seen += try await readAfter(chat: chat, cursor: &cursor, on: connection)
                    return seen
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<writers {
                    group.addTask {
                        try await client.withTransaction(logger: Logger(label: "writer")) { connection in
                            switch writeProtocol {
                            case .streamLock:
                                let head = try await lockedHead(chat: chat, on: connection, begin: false)
                                _ = try await EventLog.appendChatEvent(
                                    chat: chat, prevID: head, type: .memberJoined, user: chat, actor: chat,
                                    messageID: nil, payload: .object([:]), on: connection, logger: Logger(label: "writer")
                                )
                            case .naiveSequence:
                                _ = try await naiveInsert(chat: chat, tag: -Int64(index) - 1, on: connection)
                            }
                            try await Task.sleep(for: .milliseconds(Int.random(in: 0...12)))
                        }
                    }
                }
                try await group.waitForAll()
            }
            done.withLockedValue { $0 = true }
            let seen = try await reader.value
            let rows = try await client.query(
                "SELECT id, prev_id FROM novyse.chat_events WHERE chat_uuid = \(chat) ORDER BY id"
            )
            var committed: [Int64] = []
            var chainIntact = true
            var previous: Int64 = 0
            for try await (id, prevID) in rows.decode((Int64, Int64).self) {
                committed.append(id)
                if prevID != previous { chainIntact = false }
                previous = id
            }
            return Outcome(seen: seen, committed: committed, chainIntact: chainIntact)
        }
    }

    // MARK: - Helpers

    func makeChat(_ client: PostgresClient) async throws -> UUID {
        let logger = Logger(label: "test")
        let owner = try await UserRepository(client: client, logger: logger)
            .create(ProfileFields(handle: "o\(UInt32.random(in: 0...UInt32.max))", name: "Owner"))
        let store = CommandStore(client: client, logger: logger)
        let (created, _) = try await store.transaction(idempotency: nil) { connection in
            try await store.createChat(by: owner, type: .group, members: [], name: "race", on: connection)
        }
        return try #require(UUID(uuidString: created.chatUUID))
    }

    func lockedHead(chat: UUID, on connection: PostgresConnection, begin: Bool) async throws -> Int64 {
        if begin { try await connection.query("BEGIN", logger: Logger(label: "test")) }
        return try #require(try await EventLog.lock(StreamID(kind: .chatEvents, key: chat), on: connection, logger: Logger(label: "test")))
    }

    /// What the seed's naive design does: take the next sequence value, no stream lock. `tag` keeps the
    /// (chat, prev_id) link unique, since this writer keeps no chain.
    func naiveInsert(chat: UUID, tag: Int64, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            """
            INSERT INTO novyse.chat_events (chat_uuid, prev_id, type, user_uuid, actor_uuid, payload)
            VALUES (\(chat), \(tag), 'MEMBER_JOINED', \(chat), \(chat), '{}') RETURNING id
            """,
            logger: Logger(label: "naive")
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw HarnessError("insert returned nothing")
    }

    func readAfter(chat: UUID, cursor: inout Int64, on connection: PostgresConnection) async throws -> [Int64] {
        let rows = try await connection.query(
            "SELECT id FROM novyse.chat_events WHERE chat_uuid = \(chat) AND id > \(cursor) ORDER BY id",
            logger: Logger(label: "reader")
        )
        var ids: [Int64] = []
        for try await id in rows.decode(Int64.self) { ids.append(id) }
        if let last = ids.last { cursor = last }
        return ids
    }

    func connect(_ database: TestDatabase) async throws -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: database.server.port, username: "postgres", password: nil,
            database: database.name, tls: .disable
        )
        return try await PostgresConnection.connect(configuration: configuration, id: Int.random(in: 0...Int.max), logger: Logger(label: "test"))
    }
}
