import Foundation
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

extension SendOrderingTests {
    /// The edit's check-and-append statement must read the message's state after the stream lock, not from
    /// a snapshot taken before waiting for it: otherwise an edit queued behind a deletion would write the
    /// content of a deleted message back into the event stream.
    @Test("an edit waits for an uncommitted deletion of its message, then is refused")
    func editWaitsForDeletion() async throws {
        try await Self.withWorld { world in
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
            async let edit = world.store.transaction(idempotency: nil) {
                try await world.store.editMessage(message.messageID, in: world.chat, content: "back", by: world.sender, on: $0)
            }
            try await Self.waitForLockWait(world.client)
            release.finish()
            try await deletion
            let outcome: Result<EventWritten, CommandError>
            do {
                outcome = .success(try await edit.result)
            } catch let error as CommandError {
                outcome = .failure(error)
            }
            #expect(outcome == .failure(.messageDeleted))
            let rows = try await world.client.query(
                "SELECT count(*)::int FROM novyse.chat_events WHERE message_id = \(message.messageID) AND type = 'MESSAGE_EDITED'")
            for try await count in rows.decode(Int.self) { #expect(count == 0) }
        }
    }

    @Test("a reaction waits for an uncommitted deletion of its message, then is refused")
    func reactionWaitsForDeletion() async throws {
        try await Self.withWorld { world in
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
            async let reaction = world.store.transaction(idempotency: nil) {
                try await world.store.setReaction("👍", on: message.messageID, in: world.chat, by: world.other, present: true, on: $0)
            }
            try await Self.waitForLockWait(world.client)
            release.finish()
            try await deletion
            let outcome: Result<EventWritten, CommandError>
            do {
                outcome = .success(try await reaction.result)
            } catch let error as CommandError {
                outcome = .failure(error)
            }
            #expect(outcome == .failure(.messageDeleted))
            let rows = try await world.client.query(
                "SELECT count(*)::int FROM novyse.message_reactions WHERE message_id = \(message.messageID)")
            for try await count in rows.decode(Int.self) { #expect(count == 0) }
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
