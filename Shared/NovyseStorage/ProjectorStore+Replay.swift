import Foundation
import Logging
import NovyseCore
import PostgresNIO

extension ProjectorStore {
    public struct ReplayReport: Sendable, Equatable {
        public let items: Int64
        public let seconds: Double
        public let rebuiltChecksum: String
        /// The live snapshot's checksum, taken just before the swap or comparison.
        public let liveChecksum: String
        public let swapped: Bool

        public var matches: Bool { rebuiltChecksum == liveChecksum }
        public var itemsPerSecond: Double { seconds > 0 ? Double(items) / seconds : 0 }
    }

    /// Rebuilds every snapshot table from zero beside the live ones (`snapshot_rebuild`), then either swaps
    /// it in or, with `swap: false`, only compares checksums and drops it. Readers never see a half-built
    /// snapshot: the swap renames the schemas in one transaction and drops the old tables, which also makes
    /// every prepared plan re-resolve to the new ones.
    public func replay(swap: Bool) async throws -> ReplayReport {
        try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(Self.rebuildSchema) CASCADE"), logger: logger)
        try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(Self.rebuildSchema)"), logger: logger)
        for table in Self.snapshotTables {
            try await client.query(
                PostgresQuery(
                    unsafeSQL:
                        "CREATE TABLE \(Self.rebuildSchema).\(table) (LIKE \(Self.liveSchema).\(table) INCLUDING ALL)"
                ),
                logger: logger
            )
        }
        let started = ContinuousClock.now
        let items = try await inSchema(Self.rebuildSchema) { connection in
            let rows = try await connection.query("SELECT novyse.replay_all()", logger: logger)
            for try await count in rows.decode(Int64.self) { return count }
            return 0
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rebuilt = try await checksum(schema: Self.rebuildSchema)
        let live = try await checksum(schema: Self.liveSchema)
        if swap {
            try await client.withTransaction(logger: logger) { connection in
                // Stop the projectors' writes to the live tables (positions first, their usual first lock),
                // then bring the rebuild up to the event store's heads, so no position moves backwards when
                // the rebuild becomes the live snapshot.
                let live = (["positions"] + Self.snapshotTables.filter { $0 != "positions" }).map { "\(Self.liveSchema).\($0)" }
                try await connection.query(
                    PostgresQuery(unsafeSQL: "LOCK TABLE \(live.joined(separator: ", ")) IN ACCESS EXCLUSIVE MODE"),
                    logger: logger
                )
                try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path = \(Self.rebuildSchema), novyse"), logger: logger)
                var caughtUp = 1
                while caughtUp > 0 {
                    let rows = try await connection.query("SELECT novyse.sweep(100000)", logger: logger)
                    caughtUp = 0
                    for try await count in rows.decode(Int.self) { caughtUp = count }
                }
                try await connection.query("SET LOCAL search_path = DEFAULT", logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER SCHEMA \(Self.liveSchema) RENAME TO snapshot_old"), logger: logger)
                try await connection.query(
                    PostgresQuery(unsafeSQL: "ALTER SCHEMA \(Self.rebuildSchema) RENAME TO \(Self.liveSchema)"), logger: logger
                )
                try await connection.query("DROP SCHEMA snapshot_old CASCADE", logger: logger)
            }
        } else {
            try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(Self.rebuildSchema) CASCADE"), logger: logger)
        }
        logger.info("replayed", metadata: ["items": "\(items)", "seconds": "\(seconds)", "swapped": "\(swap)"])
        return ReplayReport(items: items, seconds: seconds, rebuiltChecksum: rebuilt, liveChecksum: live, swapped: swap)
    }
}
