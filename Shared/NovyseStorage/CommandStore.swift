import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// The key a client sent with a mutation, and a hash of the request it came with.
public struct IdempotencyRequest: Sendable, Equatable {
    public let userID: UUID
    public let key: String
    public let requestHash: String

    public init(userID: UUID, key: String, requestHash: String) {
        self.userID = userID
        self.key = key
        self.requestHash = requestHash
    }
}

/// The write side's storage: every mutation of the command API, each in one transaction that validates
/// against the write model, appends to the event store through `EventLog`, and records its answer under the
/// client's idempotency key.
public struct CommandStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// What may accumulate per chat, message and user (422 `LIMIT_REACHED` beyond).
    let limits: CountLimits

    public init(client: PostgresClient, logger: Logger, limits: CountLimits = CountLimits()) {
        self.client = client
        self.logger = logger
        self.limits = limits
    }

    /// Runs `work` in one transaction; with an idempotency key, a repeated request gets the first answer and
    /// writes nothing (I5).
    ///
    /// The key row is inserted first, with `ON CONFLICT DO NOTHING`: a retry racing the original blocks on
    /// the key until the original commits, then finds the stored answer. A failed mutation rolls back its key
    /// with everything else, so a retry is evaluated afresh. Returns the answer and whether it was replayed.
    ///
    /// `singleStatement` declares that `work` writes with one statement (it may read before or after): then,
    /// without an idempotency key, it runs in autocommit, with no `BEGIN`/`COMMIT` round trips, since one
    /// statement is atomic on its own. Sending a message takes this path.
    public func transaction<Result: Codable & Sendable>(
        idempotency: IdempotencyRequest?,
        singleStatement: Bool = false,
        _ work: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> (result: Result, replayed: Bool) {
        if idempotency == nil && singleStatement {
            do {
                return (try await client.withConnection { connection in try await work(connection) }, false)
            } catch {
                throw Self.translate(error)
            }
        }
        do {
            return try await client.withTransaction(logger: logger) { connection in
                if let idempotency {
                    if let stored: Result = try await claim(idempotency, on: connection) {
                        return (stored, true)
                    }
                }
                let result = try await work(connection)
                if let idempotency {
                    let body = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
                    try await connection.query(
                        """
                        UPDATE novyse.idempotency_keys SET status_code = 200, response = \(body)::jsonb
                        WHERE user_uuid = \(idempotency.userID) AND key = \(idempotency.key)
                        """,
                        logger: logger
                    )
                }
                return (result, false)
            }
        } catch let error as PostgresTransactionError {
            throw Self.translate(error.closureError ?? error.commitError ?? error.beginError ?? error)
        }
    }

    /// The one integer a `SELECT count(*)::int …` returns (the count limits' checks).
    func count(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        for try await value in try await connection.query(query, logger: logger).decode(Int.self) { return value }
        return 0
    }

    /// Constraint violations that only a race can reach (validation ran first) become the client error the
    /// validation would have given; everything else passes through.
    static func translate(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        switch (error.errorClass, error.constraintName) {
        case (.uniqueViolation?, "users_handle_unique"?):
            return CommandError(.handleTaken, message: "the handle is already taken")
        case (.foreignKeyViolation?, _):
            return CommandError.unknownUser
        default:
            return error
        }
    }

    /// Inserts the key; when it exists, returns the stored answer (or refuses a different request).
    private func claim<Result: Decodable>(
        _ idempotency: IdempotencyRequest, on connection: PostgresConnection
    ) async throws -> Result? {
        let inserted = try await connection.query(
            """
            INSERT INTO novyse.idempotency_keys (user_uuid, key, request_hash, status_code, response)
            VALUES (\(idempotency.userID), \(idempotency.key), \(idempotency.requestHash), 0, 'null'::jsonb)
            ON CONFLICT (user_uuid, key) DO NOTHING
            RETURNING 1
            """,
            logger: logger
        )
        for try await _ in inserted { return nil }
        let existing = try await connection.query(
            """
            SELECT request_hash, response::text FROM novyse.idempotency_keys
            WHERE user_uuid = \(idempotency.userID) AND key = \(idempotency.key)
            """,
            logger: logger
        )
        for try await (hash, response) in existing.decode((String, String).self) {
            guard hash == idempotency.requestHash else { throw CommandError.idempotencyKeyReused }
            return try JSONDecoder().decode(Result.self, from: Data(response.utf8))
        }
        throw StorageError.unexpected("idempotency key vanished")
    }
}

extension CommandStore {
    /// Deletes idempotency keys older than `age`, at most `limit` per call (short transactions, no long
    /// locks); returns how many went. A retry arriving after that is treated as a new request.
    public func expireIdempotencyKeys(olderThan age: Duration, limit: Int = 5000) async throws -> Int {
        let seconds = Double(age.components.seconds)
        let rows = try await client.query(
            """
            WITH expired AS (
                SELECT user_uuid, key FROM novyse.idempotency_keys
                WHERE created_at < now() - make_interval(secs => \(seconds)) ORDER BY created_at LIMIT \(limit)
            )
            DELETE FROM novyse.idempotency_keys k USING expired
            WHERE k.user_uuid = expired.user_uuid AND k.key = expired.key
            RETURNING 1
            """,
            logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}
