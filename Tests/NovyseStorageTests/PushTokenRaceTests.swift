import Foundation
import Logging
import NovyseCore
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

/// Two devices registering one push token at the same moment: the later takes it, nobody gets an error.
@Suite("Push token registration races")
struct PushTokenRaceTests {
    @Test("a registration that waits on another's uncommitted one takes the token after it commits, without a 500")
    func concurrentRegistrationsOfOneToken() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let logger = Logger.quiet("push-token-race")
            let users = UserRepository(client: client, logger: logger)
            let first = try await users.create(ProfileFields(handle: "tok_a_\(UInt32.random(in: 0...UInt32.max))", name: "A"))
            let second = try await users.create(ProfileFields(handle: "tok_b_\(UInt32.random(in: 0...UInt32.max))", name: "B"))
            let store = CommandStore(client: client, logger: logger)
            let (released, release) = AsyncStream<Void>.makeStream()
            defer { release.finish() }  // never leave the holder waiting, whatever fails below
            let (registered, registeredSignal) = AsyncStream<Void>.makeStream()

            // The first registration holds its transaction open; the second starts meanwhile and must wait.
            async let holder: Void = client.withTransaction(logger: logger) { connection in
                _ = try await store.setPushToken("shared-token", user: first, device: "phone", on: connection)
                registeredSignal.yield()
                for await _ in released { break }
            }
            for await _ in registered { break }
            async let contender: DeviceUpdated = client.withTransaction(logger: logger) { connection in
                try await store.setPushToken("shared-token", user: second, device: "phone", on: connection)
            }
            // The ordering under test: the second is blocked on the first, which has not committed.
            try await TestDeadline.waitUntil("the second registration to wait on a lock") {
                try await Self.count(
                    client, "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ) >= 1
            }
            release.finish()
            try await holder
            let updated = try await contender  // on today's main: 23505 on devices_push_token_unique
            #expect(updated.deviceID == "phone")

            let holders = try await client.query(
                "SELECT user_uuid FROM novyse.devices WHERE push_token = 'shared-token'"
            )
            var found: [UUID] = []
            for try await user in holders.decode(UUID.self) { found.append(user) }
            #expect(found == [second], "the later registration holds the token, the earlier lost it")
        }
    }

    private static func count(_ client: PostgresClient, _ sql: PostgresQuery) async throws -> Int {
        for try await value in try await client.query(sql).decode(Int.self) { return value }
        return 0
    }
}
