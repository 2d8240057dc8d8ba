import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// The Postgres side of the outbox relay (I3: Postgres is the truth, Redis is transport).
///
/// A mutation commits its item together with a `novyse.outbox` row. The relay claims the oldest rows, renders
/// each item as its wire JSON with the functions of migration 4, hands the entries to a publisher (Redis) and
/// deletes the rows, all in one transaction: if publishing fails the transaction rolls back and the rows wait
/// for the next attempt; if the relay dies after publishing but before committing, the rows are published
/// again, which consumers tolerate (I6: they compare `prevID` with their position).
///
/// Ordering: rows of one stream are inserted under that stream's lock, so outbox `id` order is stream order,
/// and a later row of a stream cannot be visible while an earlier one is still uncommitted. A transaction-
/// scoped advisory lock lets one relay at a time (across all replicas) claim and publish, so entries of one
/// stream reach their Redis partition in order. Other relays skip the round instead of waiting.
public struct OutboxStore: Sendable {
    /// The advisory lock key ("NovyseOb" in ASCII) every relay of this database takes.
    public static let relayLockKey: Int64 = 0x4E6F_7679_7365_4F62

    /// One claimed outbox row and the pipeline entry it becomes.
    public struct ClaimedItem: Sendable, Equatable {
        /// `novyse.outbox.id`, what `delete` takes.
        public let outboxID: Int64
        public let entry: PipelineEntry

        public init(outboxID: Int64, entry: PipelineEntry) {
            self.outboxID = outboxID
            self.entry = entry
        }
    }

    /// What one claim found: the entries to publish, in outbox order, and the ids of rows whose item does
    /// not exist (a bug elsewhere). Those are deleted with the batch, unpublished: stalling the whole outbox
    /// behind them would be worse, and consumers heal the gap from Postgres (I2).
    public struct Claim: Sendable, Equatable {
        public var items: [ClaimedItem]
        public var orphanIDs: [Int64]

        public var allIDs: [Int64] { items.map(\.outboxID) + orphanIDs }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Relays up to `limit` of the oldest outbox rows: claims them, calls `publish` with their entries (in
    /// outbox order) while the transaction is still open, then deletes them and commits.
    ///
    /// - Returns: the number of rows taken off the outbox (a full batch means more may be waiting), or nil
    ///   when another relay holds the lock right now (nothing was done).
    /// - Throws: the error `publish` threw (the rows stay in the outbox), or the Postgres error.
    public func relayBatch(
        limit: Int,
        publish: ([PipelineEntry]) async throws -> Void
    ) async throws -> Int? {
        precondition(limit > 0, "the batch limit must be positive")
        let logger = self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection -> Int? in
                guard try await Self.lockRelay(on: connection, logger: logger) else { return nil }
                let claim = try await Self.claim(limit: limit, on: connection, logger: logger)
                if !claim.orphanIDs.isEmpty {
                    logger.error(
                        "outbox rows without their item, dropped unpublished",
                        metadata: ["outboxIDs": "\(claim.orphanIDs)"]
                    )
                }
                if !claim.items.isEmpty {
                    try await publish(claim.items.map(\.entry))
                }
                try await Self.delete(claim.allIDs, on: connection, logger: logger)
                return claim.allIDs.count
            }
        } catch let error as PostgresTransactionError {
            // Callers want the publisher's own error (a `RedisError` stays a `RedisError`).
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }

    /// How many rows wait to be published.
    public func pendingCount() async throws -> Int {
        let rows = try await client.query("SELECT count(*) FROM novyse.outbox", logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    // MARK: Steps, each on a connection inside an open transaction

    /// Takes the relay lock for the rest of the transaction (false: another relay holds it) and turns off
    /// the wait for the WAL flush at commit: a relay commit lost in a crash only means a republish.
    ///
    /// Must be its own statement, before `claim`: in READ COMMITTED each statement takes a new snapshot, so
    /// the claim then sees the deletions of the relay that held the lock before.
    public static func lockRelay(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT pg_try_advisory_xact_lock(\(relayLockKey))",
            logger: logger
        )
        var locked = false
        for try await value in rows.decode(Bool.self) { locked = value }
        guard locked else { return false }
        try await connection.query("SET LOCAL synchronous_commit = off", logger: logger)
        return true
    }

    /// Reads the oldest `limit` outbox rows and renders their items, in one query.
    ///
    /// Each row joins the one table its stream kind names (kind values are `StreamKind` raw values:
    /// 1 chat events, 2 messages, 3 profile events, 4 local events); `item_id` 0 joins the stream's owner
    /// instead (the user for kind 3, the chat for kind 1). A join that found nothing leaves the item NULL.
    ///
    /// Each join is a lateral lookup fenced by `OFFSET 0`, so it stays a primary-key probe per claimed row:
    /// as plain joins the planner hashed or merged whole event tables for every claim (22 ms per claim with
    /// 93 000 messages, the largest share of Postgres time under 16 senders), a cost that grew with the
    /// event store rather than with the batch.
    public static func claim(limit: Int, on connection: PostgresConnection, logger: Logger) async throws -> Claim {
        let rows = try await connection.query(
            """
            WITH claimed AS (
                SELECT id, stream_kind, stream_key, item_id FROM novyse.outbox ORDER BY id LIMIT \(limit)
            )
            SELECT o.id, o.stream_kind, o.stream_key, o.item_id,
                   COALESCE((ce.r).prev_id, (m.r).prev_id, (pe.r).prev_id, (le.r).prev_id, 0) AS prev_id, (m.r).event_position,
                   (CASE
                        WHEN c.found THEN novyse.chat_created_json(c.r)
                        WHEN u.found THEN novyse.user_created_json(u.r)
                        WHEN ce.found THEN novyse.chat_event_json(ce.r)
                        WHEN m.found THEN novyse.message_json(m.r)
                        WHEN pe.found THEN novyse.profile_event_json(pe.r)
                        WHEN le.found THEN novyse.local_event_json(le.r)
                    END)::text AS item
            FROM claimed o
            LEFT JOIN LATERAL (SELECT true AS found, x AS r FROM novyse.chats x
                               WHERE o.item_id = 0 AND o.stream_kind = 1 AND x.uuid = o.stream_key OFFSET 0) c ON true
            LEFT JOIN LATERAL (SELECT true AS found, x AS r FROM novyse.users x
                               WHERE o.item_id = 0 AND o.stream_kind = 3 AND x.uuid = o.stream_key OFFSET 0) u ON true
            LEFT JOIN LATERAL (SELECT true AS found, x AS r FROM novyse.chat_events x
                               WHERE o.stream_kind = 1 AND x.id = o.item_id AND x.chat_uuid = o.stream_key OFFSET 0) ce ON true
            LEFT JOIN LATERAL (SELECT true AS found, x AS r FROM novyse.messages x
                               WHERE o.stream_kind = 2 AND x.id = o.item_id AND x.chat_uuid = o.stream_key OFFSET 0) m ON true
            LEFT JOIN LATERAL (SELECT true AS found, x AS r FROM novyse.profile_events x
                               WHERE o.stream_kind = 3 AND x.id = o.item_id AND x.user_uuid = o.stream_key OFFSET 0) pe ON true
            LEFT JOIN LATERAL (SELECT true AS found, x AS r FROM novyse.local_events x
                               WHERE o.stream_kind = 4 AND x.id = o.item_id AND x.user_uuid = o.stream_key OFFSET 0) le ON true
            ORDER BY o.id
            """,
            logger: logger
        )
        var claim = Claim(items: [], orphanIDs: [])
        for try await (outboxID, kindValue, key, itemID, prevID, eventPosition, json) in rows.decode(
            (Int64, Int16, UUID, Int64, Int64, Int64?, String?).self
        ) {
            guard let kind = StreamKind(rawValue: kindValue), let json else {
                claim.orphanIDs.append(outboxID)
                continue
            }
            let entry = PipelineEntry(
                stream: StreamID(kind: kind, key: key), id: itemID, prevID: prevID, json: json, eventPosition: eventPosition
            )
            claim.items.append(ClaimedItem(outboxID: outboxID, entry: entry))
        }
        return claim
    }

    /// Deletes relayed rows.
    public static func delete(_ ids: [Int64], on connection: PostgresConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query("DELETE FROM novyse.outbox WHERE id = ANY(\(ids))", logger: logger)
    }
}
