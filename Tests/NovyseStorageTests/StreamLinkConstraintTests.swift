import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// The schema itself refuses a broken linked list (I2), whatever the application code does.
@Suite("Stream link constraints")
struct StreamLinkConstraintTests {
    @Test("two items of one stream cannot claim the same predecessor")
    func duplicatePredecessorRefused() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let logger = Logger(label: "test")
            let user = try await UserRepository(client: client, logger: logger)
                .create(ProfileFields(handle: "link_\(UInt32.random(in: 0...UInt32.max))", name: "L"))
            let chat = UUID()
            try await client.query(
                "INSERT INTO novyse.chats (uuid, type, created_by) VALUES (\(chat), 'GROUP', \(user))"
            )
            try await client.query(
                """
                INSERT INTO novyse.messages (chat_uuid, prev_id, sender_uuid, content, client_message_id)
                VALUES (\(chat), 0, \(user), 'first', \(UUID()))
                """
            )
            await #expect {
                try await client.query(
                    """
                    INSERT INTO novyse.messages (chat_uuid, prev_id, sender_uuid, content, client_message_id)
                    VALUES (\(chat), 0, \(user), 'also first', \(UUID()))
                    """
                )
            } throws: { error in
                (error as? PSQLError)?.errorClass == .uniqueViolation
            }
        }
    }

    @Test("creating a user opens its two streams and queues its creation for publishing")
    func userCreation() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let repository = UserRepository(client: client, logger: Logger(label: "test"))
            let user = try await repository.create(ProfileFields(handle: "alice", name: "Alice"))
            #expect(try await repository.exists(user))
            let streams = try await client.query(
                "SELECT kind, head FROM novyse.streams WHERE key = \(user) ORDER BY kind"
            )
            var found: [(Int16, Int64)] = []
            for try await row in streams.decode((Int16, Int64).self) { found.append(row) }
            #expect(found.map(\.0) == [StreamKind.profileEvents.rawValue, StreamKind.localEvents.rawValue])
            #expect(found.allSatisfy { $0.1 == 0 })
            let outbox = try await client.query("SELECT count(*)::int FROM novyse.outbox WHERE stream_key = \(user)")
            for try await count in outbox.decode(Int.self) { #expect(count == 1) }

            await #expect(throws: StorageError.self) {
                _ = try await repository.create(ProfileFields(handle: "ALICE", name: "Other"))
            }
        }
    }
}
