import Logging
import PostgresNIO

/// Applies the numbered migrations; safe to run at every service start and from many processes at once.
///
/// All pending migrations run in one transaction that first takes a transaction-scoped advisory lock, so two
/// processes starting together serialize: the second waits, then finds everything applied and does nothing.
/// DDL is transactional in Postgres, so a failed migration leaves no half-built schema.
public struct Migrator: Sendable {
    /// The advisory lock key ("NovyseMi" in ASCII); any process migrating this database takes the same one.
    public static let advisoryLockKey: Int64 = 0x4E6F_7679_7365_4D69

    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.all) {
        self.migrations = migrations
    }

    /// What a run did, for the caller to log or print.
    public struct Report: Sendable, Equatable {
        public var applied: [Int]
        public var alreadyApplied: [Int]
    }

    @discardableResult
    public func migrate(client: PostgresClient, logger: Logger) async throws -> Report {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await self.migrate(inTransactionOn: connection, logger: logger)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    private func migrate(inTransactionOn connection: PostgresConnection, logger: Logger) async throws -> Report {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLockKey))", logger: logger)
        try await connection.query("CREATE SCHEMA IF NOT EXISTS novyse", logger: logger)
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS novyse.schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        var applied: [Int: String] = [:]
        let rows = try await connection.query(
            "SELECT version, checksum FROM novyse.schema_migrations",
            logger: logger
        )
        for try await (version, checksum) in rows.decode((Int, String).self) {
            applied[version] = checksum
        }

        var report = Report(applied: [], alreadyApplied: [])
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            if let checksum = applied[migration.version] {
                guard checksum == migration.checksum else {
                    throw StorageError.migrationChanged(version: migration.version, name: migration.name)
                }
                report.alreadyApplied.append(migration.version)
                continue
            }
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            for statement in migration.statements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                """
                INSERT INTO novyse.schema_migrations (version, name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """,
                logger: logger
            )
            report.applied.append(migration.version)
        }
        let known = Set(migrations.map(\.version))
        let unknown = applied.keys.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            // A newer release already migrated this database (rolling deploy); this one must not undo it.
            logger.warning("database has migrations this build does not know", metadata: ["versions": "\(unknown)"])
        }
        return report
    }
}
