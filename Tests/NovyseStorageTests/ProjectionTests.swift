import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// The projection functions (migration 5) against a real Postgres: whichever way items arrive, in order,
/// duplicated, shuffled, or not at all (the sweep), the snapshot equals a replay from zero (I4, I6).
@Suite("Projection in SQL")
struct ProjectionTests {
    let logger = Logger(label: "test.projection")

    @Test("in-order entries, then duplicated and shuffled ones, then a sweep: always equal to a fresh replay")
    func deliveryOrderDoesNotMatter() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            try await writeEverything(client)
            let projector = ProjectorStore(client: client, logger: logger)
            let entries = try await outboxEntries(client)
            #expect(entries.count == 19)  // 3 users, 1 chat, 3 messages, 12 events

            // Duplicated and shuffled: gaps heal from Postgres, duplicates are skipped.
            var delivery = entries + entries.shuffled()
            delivery.shuffle()
            var report = ProjectorStore.BatchReport()
            for chunk in stride(from: 0, to: delivery.count, by: 7).map({ Array(delivery[$0..<min($0 + 7, delivery.count)]) }) {
                let part = try await projector.apply(chunk)
                report.applied += part.applied
                report.duplicates += part.duplicates
                report.healed += part.healed
            }
            #expect(report.duplicates > 0 && report.healed > 0, "\(report)")
            let replay = try await projector.replay(swap: false)
            #expect(replay.matches, "live \(replay.liveChecksum) rebuilt \(replay.rebuiltChecksum)")
            #expect(replay.items == 15, "every message and event counted once, nested heals included")
            #expect(try await projector.lag().streamsBehind == 0)

            // More writes that never reach the projector through Redis: the sweep catches them up.
            try await writeEverything(client)
            #expect(try await projector.lag().streamsBehind > 0)
            #expect(try await projector.sweep() > 0)
            #expect(try await projector.lag().streamsBehind == 0)
            let second = try await projector.replay(swap: false)
            #expect(second.matches)
            #expect(second.items == 30)
        }
    }

    @Test("a swapping replay leaves the live snapshot at the event store's heads, equal to a fresh replay")
    func swapCatchesUp() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let projector = ProjectorStore(client: client, logger: logger)
            try await writeEverything(client)
            _ = try await projector.sweep()
            try await writeEverything(client)  // never projected: the swap must not lose it or go backwards
            let swapped = try await projector.replay(swap: true)
            #expect(swapped.swapped && swapped.items == 30)
            #expect(try await projector.lag().streamsBehind == 0)
            #expect(try await projector.replay(swap: false).matches)
            let schemas = try await client.query(
                "SELECT count(*)::int FROM pg_namespace WHERE nspname IN ('snapshot_old', 'snapshot_rebuild')"
            )
            for try await count in schemas.decode(Int.self) { #expect(count == 0) }
        }
    }

    @Test("a connection's prepared classification survives a swapping replay and reads the new snapshot")
    func preparedStatementsSurviveSwap() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        // One connection, so the statement prepared before the swap is the one executed after it.
        try await withPostgresClient(url: database.url, maximumConnections: 1) { client in
            let projector = ProjectorStore(client: client, logger: logger)
            let written = try await writeEverything(client)
            _ = try await projector.sweep()
            let query = QueryStore(client: client, logger: logger)
            let holding = SyncCursors(localEventID: 0, chats: [], users: [])
            let before = try await query.sync(caller: written.alice, cursors: holding, limit: 1000, latestMessages: 20)
            #expect(!before.newChats.isEmpty)
            let swapped = try await projector.replay(swap: true)
            #expect(swapped.swapped)
            let after = try await query.sync(caller: written.alice, cursors: holding, limit: 1000, latestMessages: 20)
            #expect(after.newChats == before.newChats)
            try await client.query("UPDATE snapshot.chats SET name = 'renamed after the swap' WHERE uuid = \(written.chat)")
            let renamed = try await query.sync(caller: written.alice, cursors: holding, limit: 1000, latestMessages: 20)
            #expect(renamed.newChats.contains { $0.contains("renamed after the swap") })
        }
    }

    @Test("the snapshot holds what the mutations say")
    func snapshotContent() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let written = try await writeEverything(client)
            _ = try await ProjectorStore(client: client, logger: logger).sweep()
            let rows = try await client.query(
                "SELECT content, edited_at IS NOT NULL, deleted, pinned FROM snapshot.messages WHERE chat_uuid = \(written.chat) ORDER BY id"
            )
            var messages: [(String, Bool, Bool, Bool)] = []
            for try await row in rows.decode((String, Bool, Bool, Bool).self) { messages.append(row) }
            #expect(messages.map(\.0) == ["edited", "", "third"])
            #expect(messages[0].1 && messages[1].2 && messages[2].3)
            let members = try await client.query("SELECT count(*)::int FROM snapshot.members WHERE chat_uuid = \(written.chat)")
            for try await count in members.decode(Int.self) { #expect(count == 2) }  // owner + bob (carol left)
            let users = try await client.query("SELECT name, color FROM snapshot.users WHERE uuid = \(written.alice)")
            for try await (name, color) in users.decode((String, String?).self) {
                #expect(name == "Alice Renamed" && color == "#FF0000")
            }
            let settings = try await client.query(
                "SELECT (SELECT theme FROM snapshot.settings WHERE user_uuid = \(written.alice)), (SELECT count(*)::int FROM snapshot.folders WHERE user_uuid = \(written.alice))"
            )
            for try await (theme, folders) in settings.decode((String?, Int).self) { #expect(theme == "dark" && folders == 1) }
        }
    }

    // MARK: - Helpers

    struct Written {
        let alice: UUID
        let chat: UUID
    }

    /// Writes one of nearly every kind of item through the command store.
    @discardableResult
    func writeEverything(_ client: PostgresClient) async throws -> Written {
        let users = UserRepository(client: client, logger: logger)
        let tag = UInt32.random(in: 0...UInt32.max)
        let alice = try await users.create(ProfileFields(handle: "alice\(tag)", name: "Alice"))
        let bob = try await users.create(ProfileFields(handle: "bob\(tag)", name: "Bob"))
        let carol = try await users.create(ProfileFields(handle: "carol\(tag)", name: "Carol"))
        let store = CommandStore(client: client, logger: logger)
        func run<T: Codable & Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
            try await store.transaction(idempotency: nil, work).result
        }
        let chat = try UUID(
            uuidString: await run { try await store.createChat(by: alice, type: .group, members: [bob, carol], name: "g", on: $0) }.chatUUID)!
        let first = try await run { try await store.sendMessage(chat: chat, sender: alice, content: "first", clientMessageID: UUID(), on: $0) }
            .messageID
        let second = try await run { try await store.sendMessage(chat: chat, sender: bob, content: "second", clientMessageID: UUID(), on: $0) }
            .messageID
        let third = try await run { try await store.sendMessage(chat: chat, sender: carol, content: "third", clientMessageID: UUID(), on: $0) }
            .messageID
        _ = try await run { try await store.editMessage(first, in: chat, content: "edited", by: alice, on: $0) }
        _ = try await run { try await store.setReaction("👍", on: first, in: chat, by: bob, present: true, on: $0) }
        _ = try await run { try await store.setReaction("🎉", on: second, in: chat, by: alice, present: true, on: $0) }
        _ = try await run { try await store.deleteMessage(second, in: chat, by: bob, on: $0) }
        _ = try await run { try await store.setPinned(true, messageID: third, in: chat, by: alice, on: $0) }
        _ = try await run { try await store.removeMember(carol, from: chat, by: carol, on: $0) }
        let update = try ProfileUpdate(body: ["name": .string("Alice Renamed"), "color": .string("#ff0000")])
        _ = try await run { try await store.updateProfile(of: alice, update, on: $0) }
        _ = try await run { try await store.setTheme("dark", user: alice, device: "d", on: $0) }
        _ = try await run { try await store.pinChat(chat, position: 1, user: alice, device: "d", on: $0) }
        _ = try await run { try await store.muteChat(chat, until: nil, user: bob, device: "d", on: $0) }
        _ = try await run { try await store.putFolder(id: "work", name: "Work", chats: [chat], user: alice, device: "d", on: $0) }
        return Written(alice: alice, chat: chat)
    }

    /// What the relay would publish: the outbox, rendered, in order (and emptied).
    func outboxEntries(_ client: PostgresClient) async throws -> [PipelineEntry] {
        try await client.withTransaction(logger: logger) { connection in
            let claim = try await OutboxStore.claim(limit: 100_000, on: connection, logger: logger)
            try await OutboxStore.delete(claim.allIDs, on: connection, logger: logger)
            return claim.items.map(\.entry)
        }
    }
}
