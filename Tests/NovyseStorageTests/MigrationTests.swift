import Logging
import NovyseStorage
import PostgresNIO
import TestSupport
import Testing

@Suite("Schema migrations against a real Postgres")
struct MigrationTests {
    let logger = Logger.quiet("test.migrations")

    @Test("apply on an empty database, then again as a no-op")
    func applyTwice() async throws {
        let database = try await TestPostgres.shared.makeDatabase(migrated: false)
        try await withPostgresClient(url: database.url) { client in
            let first = try await Migrator().migrate(client: client, logger: logger)
            #expect(first.applied == Migration.all.map(\.version))
            #expect(first.alreadyApplied.isEmpty)
            let tablesAfterFirst = try await tables(client)

            let second = try await Migrator().migrate(client: client, logger: logger)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == Migration.all.map(\.version))
            #expect(try await tables(client) == tablesAfterFirst)
        }
    }

    @Test("the schema covers the whole seed, with snapshot tables apart from event tables")
    func schemaCoversSeed() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        try await withPostgresClient(url: database.url) { client in
            let all = try await tables(client)
            let eventStore: Set<String> = [
                "novyse.users", "novyse.devices", "novyse.chats", "novyse.chat_creation_members",
                "novyse.memberships", "novyse.streams", "novyse.messages", "novyse.message_state",
                "novyse.message_reactions", "novyse.chat_events", "novyse.profile_events", "novyse.local_events",
                "novyse.idempotency_keys", "novyse.outbox", "novyse.schema_migrations",
            ]
            let snapshot: Set<String> = [
                "snapshot.users", "snapshot.chats", "snapshot.members", "snapshot.messages", "snapshot.reactions",
                "snapshot.settings", "snapshot.pinned_chats", "snapshot.muted_chats", "snapshot.folders",
                "snapshot.positions",
            ]
            #expect(eventStore.isSubset(of: all), "missing: \(eventStore.subtracting(all))")
            #expect(snapshot.isSubset(of: all), "missing: \(snapshot.subtracting(all))")
        }
    }

    @Test("concurrent migrate runs leave one correct schema")
    func concurrentRuns() async throws {
        let database = try await TestPostgres.shared.makeDatabase(migrated: false)
        let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
            for index in 0..<4 {
                group.addTask {
                    try await withPostgresClient(url: database.url) { client in
                        try await Migrator().migrate(client: client, logger: Logger.quiet("migrate.\(index)"))
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Every migration was applied by exactly one of the runs.
        #expect(reports.flatMap(\.applied).sorted() == Migration.all.map(\.version))
        try await withPostgresClient(url: database.url) { client in
            let rows = try await client.query("SELECT count(*)::int FROM novyse.schema_migrations")
            for try await count in rows.decode(Int.self) { #expect(count == Migration.all.count) }
        }
    }

    @Test("an applied migration that was edited is refused")
    func editedMigration() async throws {
        let database = try await TestPostgres.shared.makeDatabase()
        let edited = Migration.all.map { migration in
            migration.version == 1
                ? Migration(version: 1, name: migration.name, statements: migration.statements + ["SELECT 1"])
                : migration
        }
        try await withPostgresClient(url: database.url) { client in
            await #expect(throws: StorageError.self) {
                try await Migrator(migrations: edited).migrate(client: client, logger: logger)
            }
        }
    }

    func tables(_ client: PostgresClient) async throws -> Set<String> {
        let rows = try await client.query(
            """
            SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_schema IN ('novyse', 'snapshot')
            """
        )
        var names: Set<String> = []
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }
}
