import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// Message sends and membership changes of one chat exclude each other, and each message records the chat
/// event it was sent after (`event_position`): the fan-out decides its audience as of that position. Other
/// chat events (reactions, edits) do not hold sends up.
@Suite("Send ordering against membership changes")
struct SendOrderingTests {
    struct World: Sendable {
        let client: PostgresClient
        let store: CommandStore
        let owner: UUID
        let sender: UUID
        let other: UUID
        let chat: UUID
    }

    static let logger = Logger.quiet("send-ordering")

    static func withWorld(_ body: @Sendable (World) async throws -> Void) async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let people = try await UserRepository(client: client, logger: logger).create(named: "Owner", "Sender", "Other")
            let (owner, sender, other) = (people[0], people[1], people[2])
            let store = CommandStore(client: client, logger: logger)
            let created = try await store.transaction(idempotency: nil) {
                try await store.createChat(by: owner, type: .group, members: [sender, other], name: "g", on: $0)
            }.result
            let chat = try #require(UUID(uuidString: created.chatUUID))
            try await body(World(client: client, store: store, owner: owner, sender: sender, other: other, chat: chat))
        }
    }

    @Test("a send waits for an uncommitted removal and records it as the position it was sent after")
    func sendWaitsForMembershipChange() async throws {
        try await Self.withWorld { world in
            let (released, release) = AsyncStream<Void>.makeStream()
            defer { release.finish() }
            let (written, writtenSignal) = AsyncStream<Int64>.makeStream()
            async let removal: Void = world.client.withTransaction(logger: Self.logger) { connection in
                let event = try await world.store.removeMember(world.other, from: world.chat, by: world.owner, on: connection)
                writtenSignal.yield(event.eventID)
                for await _ in released { break }
            }
            var removalID: Int64 = 0
            for await id in written {
                removalID = id
                break
            }
            async let sent = world.store.transaction(idempotency: nil, singleStatement: true) {
                try await world.store.sendMessage(
                    chat: world.chat, sender: world.sender, content: "after", clientMessageID: UUID(), on: $0
                )
            }
            // On a main without the share lock the send commits here, before the removal, with the old head.
            try await Self.waitForLockWait(world.client)
            release.finish()
            try await removal
            let message = try await sent.result
            #expect(try await Self.eventPosition(of: message.messageID, world.client) == removalID)
        }
    }

    @Test("a membership change waits for an uncommitted send, which keeps the position before it")
    func membershipChangeWaitsForSend() async throws {
        try await Self.withWorld { world in
            let (released, release) = AsyncStream<Void>.makeStream()
            defer { release.finish() }
            let (written, writtenSignal) = AsyncStream<Int64>.makeStream()
            async let send: Void = world.client.withTransaction(logger: Self.logger) { connection in
                let sent = try await world.store.sendMessage(
                    chat: world.chat, sender: world.sender, content: "before", clientMessageID: UUID(), on: connection
                )
                writtenSignal.yield(sent.messageID)
                for await _ in released { break }
            }
            var messageID: Int64 = 0
            for await id in written {
                messageID = id
                break
            }
            async let removal = world.store.transaction(idempotency: nil) {
                try await world.store.removeMember(world.other, from: world.chat, by: world.owner, on: $0)
            }
            try await Self.waitForLockWait(world.client)
            release.finish()
            try await send
            let removed = try await removal.result
            let position = try #require(try await Self.eventPosition(of: messageID, world.client))
            #expect(position < removed.eventID, "the message was sent before the removal")
        }
    }

    @Test("reactions and edits do not wait for an uncommitted send")
    func otherEventsDoNotWaitForSends() async throws {
        try await Self.withWorld { world in
            let first = try await world.store.transaction(idempotency: nil) {
                try await world.store.sendMessage(chat: world.chat, sender: world.sender, content: "x", clientMessageID: UUID(), on: $0)
            }.result
            let (released, release) = AsyncStream<Void>.makeStream()
            defer { release.finish() }
            let (written, writtenSignal) = AsyncStream<Void>.makeStream()
            async let send: Void = world.client.withTransaction(logger: Self.logger) { connection in
                _ = try await world.store.sendMessage(
                    chat: world.chat, sender: world.sender, content: "held", clientMessageID: UUID(), on: connection
                )
                writtenSignal.yield()
                for await _ in released { break }
            }
            for await _ in written { break }
            // Both complete while the send is still open; had they to wait for it, their lock timeout (far
            // longer than either takes) would fail the test instead of hanging it.
            _ = try await world.store.transaction(idempotency: nil) { connection in
                try await connection.query("SET LOCAL lock_timeout = '60s'", logger: Self.logger)
                return try await world.store.setReaction(
                    "👍", on: first.messageID, in: world.chat, by: world.owner, present: true, on: connection
                )
            }
            _ = try await world.store.transaction(idempotency: nil) { connection in
                try await connection.query("SET LOCAL lock_timeout = '60s'", logger: Self.logger)
                return try await world.store.editMessage(first.messageID, in: world.chat, content: "y", by: world.sender, on: connection)
            }
            release.finish()
            try await send
        }
    }

    @Test("concurrent sends by a member being removed and re-added never deadlock, and every message's sender was a member as of its position")
    func sendsAgainstRemovalsOfTheSender() async throws {
        try await Self.withWorld { world in
            let rounds = 60
            async let sends: Int = {
                var sent = 0
                for round in 0..<(rounds * 3) {
                    do {
                        _ = try await world.store.transaction(idempotency: nil, singleStatement: true) {
                            try await world.store.sendMessage(
                                chat: world.chat, sender: world.sender, content: "m\(round)", clientMessageID: UUID(), on: $0
                            )
                        }
                        sent += 1
                    } catch let error as CommandError where error == .notAMember {
                        continue
                    }
                }
                return sent
            }()
            for _ in 0..<rounds {
                _ = try await world.store.transaction(idempotency: nil) {
                    try await world.store.removeMember(world.sender, from: world.chat, by: world.owner, on: $0)
                }
                _ = try await world.store.transaction(idempotency: nil) {
                    try await world.store.addMember(world.sender, to: world.chat, by: world.owner, on: $0)
                }
            }
            let sent = try await sends
            #expect(sent > 0)
            let fanout = FanoutStore(client: world.client, logger: Self.logger)
            let rows = try await world.client.query(
                "SELECT id, event_position FROM novyse.messages WHERE chat_uuid = \(world.chat) ORDER BY id"
            )
            var checked = 0
            for try await (id, position) in rows.decode((Int64, Int64).self) {
                let members = try await fanout.members(of: world.chat, at: position)
                #expect(members.contains(world.sender), "message \(id) at position \(position)")
                checked += 1
            }
            #expect(checked == sent)
        }
    }

    @Test("the members as of each chat event agree with the write model at that moment")
    func membersAsOfEachEvent() async throws {
        try await Self.withWorld { world in
            let fanout = FanoutStore(client: world.client, logger: Self.logger)
            #expect(Set(try await fanout.members(of: world.chat, at: 0)) == [world.owner, world.sender, world.other])
            var random = SplitMix64(seed: 0x5EED)
            var history: [(Int64, Set<UUID>)] = []
            for _ in 0..<30 {
                let user = random.next() % 2 == 0 ? world.sender : world.other
                let current = Set(try await fanout.members(of: world.chat, at: nil))
                let event = try await world.store.transaction(idempotency: nil) { connection in
                    current.contains(user)
                        ? try await world.store.removeMember(user, from: world.chat, by: world.owner, on: connection)
                        : try await world.store.addMember(user, to: world.chat, by: world.owner, on: connection)
                }.result
                if random.next() % 3 == 0 {
                    _ = try await world.store.transaction(idempotency: nil, singleStatement: true) {
                        try await world.store.sendMessage(chat: world.chat, sender: world.owner, content: "m", clientMessageID: UUID(), on: $0)
                    }
                }
                history.append((event.eventID, Set(try await fanout.members(of: world.chat, at: nil))))
            }
            for (position, expected) in history {
                #expect(Set(try await fanout.members(of: world.chat, at: position)) == expected, "as of \(position)")
            }
        }
    }

    static func waitForLockWait(_ client: PostgresClient) async throws {
        try await TestDeadline.waitUntil("a transaction to wait on a row lock") {
            var waiting = 0
            let rows = try await client.query(
                "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            for try await count in rows.decode(Int.self) { waiting = count }
            return waiting >= 1
        }
    }

    static func eventPosition(of message: Int64, _ client: PostgresClient) async throws -> Int64? {
        let rows = try await client.query("SELECT event_position FROM novyse.messages WHERE id = \(message)")
        for try await position in rows.decode(Int64?.self) { return position }
        return nil
    }
}
