import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// Creates users in the write model. Identity providers own users in production; this serves the
/// development admin endpoint and `novysectl user create`.
public struct UserRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Inserts the user, opens its profile and local streams, and queues the creation for publishing,
    /// all in one statement (one round trip, one transaction).
    public func create(_ profile: ProfileFields, id: UUID = UUID()) async throws -> UUID {
        let initial = String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
        let profileKind = StreamKind.profileEvents.rawValue
        let localKind = StreamKind.localEvents.rawValue
        do {
            try await client.query(
                """
                WITH created AS (
                    INSERT INTO novyse.users (uuid, handle, initial_profile)
                    VALUES (\(id), \(profile.handle), \(initial)::jsonb)
                    RETURNING uuid
                ), streams AS (
                    INSERT INTO novyse.streams (kind, key)
                    SELECT kind, created.uuid FROM created, unnest(ARRAY[\(profileKind), \(localKind)]::smallint[]) AS kind
                )
                INSERT INTO novyse.outbox (stream_kind, stream_key, item_id)
                SELECT \(profileKind), uuid, 0 FROM created
                """,
                logger: logger
            )
        } catch let error as PSQLError where error.errorClass == .uniqueViolation {
            throw StorageError.conflict(code: .handleTaken, message: "the handle is already taken")
        }
        return id
    }

    /// True when the user exists in the write model.
    public func exists(_ id: UUID) async throws -> Bool {
        try await client.withConnection { connection in
            try await Self.exists(id, on: connection, logger: logger)
        }
    }

    static func exists(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM novyse.users WHERE uuid = \(id)", logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
