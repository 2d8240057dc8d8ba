import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// The projector's storage: applies pipeline entries to the snapshot, heals streams from the event store,
/// and rebuilds the snapshot from zero. The apply logic itself is SQL (migration 5), so every path — live,
/// heal, sweep, replay — produces the same rows.
public struct ProjectorStore: Sendable {
    /// What one batch did.
    public struct BatchReport: Sendable, Equatable, Codable {
        public var applied: Int
        public var duplicates: Int
        public var creations: Int
        /// Items applied from the event store because an entry showed a gap.
        public var healed: Int

        public init(applied: Int = 0, duplicates: Int = 0, creations: Int = 0, healed: Int = 0) {
            self.applied = applied
            self.duplicates = duplicates
            self.creations = creations
            self.healed = healed
        }
    }

    /// The live snapshot schema and the one a replay builds beside it.
    public static let liveSchema = "snapshot"
    public static let rebuildSchema = "snapshot_rebuild"
    static let snapshotTables = [
        "users", "chats", "members", "messages", "reactions", "settings", "pinned_chats", "muted_chats", "folders", "positions",
    ]

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies `entries` in one transaction and one round trip (I4: rows and positions move together).
    /// Entries are applied in the order given; a duplicate is skipped, a gap healed from Postgres (I6).
    public func apply(_ entries: [PipelineEntry]) async throws -> BatchReport {
        guard !entries.isEmpty else { return BatchReport() }
        let kinds = entries.map(\.stream.kind.rawValue)
        let keys = entries.map(\.stream.key)
        let ids = entries.map(\.id)
        let prevs = entries.map(\.prevID)
        let items = entries.map(\.json)
        return try await inSchema(Self.liveSchema) { connection in
            let rows = try await connection.query(
                "SELECT novyse.apply_batch(\(kinds), \(keys), \(ids), \(prevs), \(items))::text",
                logger: logger
            )
            for try await text in rows.decode(String.self) {
                return try JSONDecoder().decode(BatchReport.self, from: Data(text.utf8))
            }
            throw StorageError.unexpected("apply_batch returned nothing")
        }
    }

    /// Heals up to `limit` streams whose head is ahead of the snapshot; returns the items applied. Catches
    /// what Redis never delivered (a flush, a trim, an outage before the relay ran).
    public func sweep(limit: Int = 500) async throws -> Int {
        try await inSchema(Self.liveSchema) { connection in
            let rows = try await connection.query("SELECT novyse.sweep(\(limit)::int)", logger: logger)
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    /// How far the snapshot is behind the event store: streams behind, and the sum of head − position
    /// (an upper bound of the items behind, since IDs are shared across streams).
    public func lag() async throws -> (streamsBehind: Int, idDistance: Int64) {
        let rows = try await client.query(
            """
            SELECT count(*)::int, COALESCE(sum(st.head - COALESCE(p.position, 0)), 0)::bigint
            FROM novyse.streams st LEFT JOIN snapshot.positions p ON p.kind = st.kind AND p.key = st.key
            WHERE p.key IS NULL OR st.head > p.position
            """,
            logger: logger
        )
        for try await (streams, distance) in rows.decode((Int, Int64).self) { return (streams, distance) }
        return (0, 0)
    }

    /// The digest of a snapshot schema's tables.
    public func checksum(schema: String = ProjectorStore.liveSchema) async throws -> String {
        try await inSchema(schema) { connection in
            let rows = try await connection.query("SELECT novyse.snapshot_checksum()", logger: logger)
            for try await digest in rows.decode(String.self) { return digest }
            throw StorageError.unexpected("no checksum")
        }
    }

    /// Runs `body` in one transaction whose `search_path` puts `schema`'s snapshot tables first.
    func inSchema<T: Sendable>(_ schema: String, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        precondition([Self.liveSchema, Self.rebuildSchema].contains(schema), "unknown snapshot schema")
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path = \(schema), novyse"), logger: logger)
                return try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }
}
