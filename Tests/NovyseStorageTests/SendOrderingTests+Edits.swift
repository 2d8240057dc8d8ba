import Foundation
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

extension SendOrderingTests {
    /// Sends a message, holds its deletion uncommitted, starts `write` (which must queue behind the stream
    /// lock), commits the deletion, and returns how `write` ended and the message's ID.
    ///
    /// The check-and-append statements must read the message's state after the stream lock, not from a
    /// snapshot taken before waiting for it: otherwise a write queued behind a deletion would bring the
    /// deleted message back into the event stream.
    static func behindDeletion(
        _ world: World, _ write: @escaping @Sendable (Int64, PostgresConnection) async throws -> EventWritten
    ) async throws -> (outcome: Result<EventWritten, CommandError>, messageID: Int64) {
        let message = try await world.store.transaction(idempotency: nil) {
            try await world.store.sendMessage(chat: world.chat, sender: world.sender, content: "x", clientMessageID: UUID(), on: $0)
        }.result
        let (released, release) = AsyncStream<Void>.makeStream()
        defer { release.finish() }
        let (deleted, deletedSignal) = AsyncStream<Void>.makeStream()
        async let deletion: Void = world.client.withTransaction(logger: Self.logger) { connection in
            _ = try await world.store.deleteMessage(message.messageID, in: world.chat, by: world.sender, on: connection)
            deletedSignal.yield()
            for await _ in released { break }
        }
        for await _ in deleted { break }
        async let queued = world.store.transaction(idempotency: nil) { try await write(message.messageID, $0) }
        try await Self.waitForLockWait(world.client)
        release.finish()
        try await deletion
        do {
            return (.success(try await queued.result), message.messageID)
        } catch let error as CommandError {
            return (.failure(error), message.messageID)
        }
    }

    static func count(_ sql: PostgresQuery, _ client: PostgresClient) async throws -> Int {
        for try await count in try await client.query(sql).decode(Int.self) { return count }
        return 0
    }

    @Test("an edit waits for an uncommitted deletion of its message, then is refused")
    func editWaitsForDeletion() async throws {
        try await Self.withWorld { world in
            let (outcome, message) = try await Self.behindDeletion(world) { message, connection in
                try await world.store.editMessage(message, in: world.chat, content: "back", by: world.sender, on: connection)
            }
            #expect(outcome == .failure(.messageDeleted))
            let edits = try await Self.count(
                "SELECT count(*)::int FROM novyse.chat_events WHERE message_id = \(message) AND type = 'MESSAGE_EDITED'", world.client)
            #expect(edits == 0)
        }
    }

    @Test("a reaction waits for an uncommitted deletion of its message, then is refused")
    func reactionWaitsForDeletion() async throws {
        try await Self.withWorld { world in
            let (outcome, message) = try await Self.behindDeletion(world) { message, connection in
                try await world.store.setReaction("👍", on: message, in: world.chat, by: world.other, present: true, on: connection)
            }
            #expect(outcome == .failure(.messageDeleted))
            let reactions = try await Self.count(
                "SELECT count(*)::int FROM novyse.message_reactions WHERE message_id = \(message)", world.client)
            #expect(reactions == 0)
        }
    }

    @Test("an allowed edit is one event after the lock; a refused one names its reason")
    func editFastPathAndRefusals() async throws {
        try await Self.withWorld { world in
            let message = try await world.store.transaction(idempotency: nil) {
                try await world.store.sendMessage(chat: world.chat, sender: world.sender, content: "x", clientMessageID: UUID(), on: $0)
            }.result
            let edited = try await world.store.transaction(idempotency: nil) {
                try await world.store.editMessage(message.messageID, in: world.chat, content: "y", by: world.sender, on: $0)
            }.result
            let rows = try await world.client.query(
                "SELECT payload::text, prev_id FROM novyse.chat_events WHERE id = \(edited.eventID) AND type = 'MESSAGE_EDITED'")
            for try await (payload, prevID) in rows.decode((String, Int64).self) {
                #expect(JSONValue.parse(payload) == ["content": "y", "current": "y", "messageID": .integer(message.messageID)])
                #expect(prevID == edited.prevID)
            }
            await #expect(throws: CommandError.authorOnly) {
                try await world.store.transaction(idempotency: nil) {
                    try await world.store.editMessage(message.messageID, in: world.chat, content: "z", by: world.other, on: $0)
                }
            }
            await #expect(throws: CommandError.unknownMessage) {
                try await world.store.transaction(idempotency: nil) {
                    try await world.store.editMessage(9_000_000, in: world.chat, content: "z", by: world.sender, on: $0)
                }
            }
            await #expect(throws: CommandError.unknownChat) {
                try await world.store.transaction(idempotency: nil) {
                    try await world.store.editMessage(message.messageID, in: UUID(), content: "z", by: world.sender, on: $0)
                }
            }
        }
    }
}
