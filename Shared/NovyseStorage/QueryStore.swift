import Foundation
import Logging
import NovyseCore
import PostgresNIO

/// The read side's storage: answers initialize, update and history from the snapshot tables.
///
/// Every answer is read in one `REPEATABLE READ` transaction, so snapshot rows, the projected positions
/// that serve as the client's cursors, and the event-store rows served after those cursors all come from
/// one consistent moment (I4). Work is set-based: the client's cursors travel as arrays, and an answer
/// costs a fixed handful of statements whatever the number of chats and users.
public struct QueryStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// Runs between the "nothing changed" probe and the answer: a test's seam for committing in that gap.
    let afterProbe: (@Sendable () async throws -> Void)?

    public init(client: PostgresClient, logger: Logger, afterProbe: (@Sendable () async throws -> Void)? = nil) {
        self.client = client
        self.logger = logger
        self.afterProbe = afterProbe
    }

    /// The membership diff of `POST /user/update` (and, with `.empty` cursors, `GET /user/initialize`):
    /// what the caller lacks whole, what it holds as the items after its cursors, what it may no longer see,
    /// at most `limit` items (a single new chat is never split).
    ///
    /// Most updates find nothing new (every wake-up, reconnect and foreground sends one), so an update first
    /// classifies in one statement outside any transaction: a single statement reads one consistent
    /// snapshot of its own, so when the plan renders nothing, the classification alone *is* the answer as of
    /// that snapshot (I4), in one round trip. Anything to render goes to the transaction, which classifies
    /// again in its own snapshot: a commit landing between the two is either in both answers' futures or in
    /// the transaction's answer, never half of it.
    public func sync(
        caller: UUID, cursors: SyncCursors, limit: Int, latestMessages: Int, chatMembers: Int = 100
    ) async throws -> SyncAnswer {
        if cursors != .empty {
            let probe = try await client.withConnection { connection in
                try await Scope(caller: caller, latest: latestMessages, memberLimit: chatMembers, connection: connection, logger: logger)
                    .classify(cursors)
            }
            let plan = SyncPlan(caller: caller, limit: limit, chats: probe.chats, users: probe.users, local: probe.local)
            try await afterProbe?()
            if plan.rendersNothing { return SyncAnswer(plan) }
        }
        return try await readTransaction { connection in
            let scope = Scope(
                caller: caller, latest: latestMessages, memberLimit: chatMembers, connection: connection, logger: logger
            )
            let classification = try await scope.classify(cursors)
            let plan = SyncPlan(
                caller: caller, limit: limit, chats: classification.chats, users: classification.users, local: classification.local)
            var answer = SyncAnswer(plan)
            try await scope.renderNew(plan, into: &answer)
            if plan.deltasPending {
                if plan.deltaBudget > 0 {
                    try await scope.renderDeltas(plan, into: &answer)
                } else {
                    answer.hasMore = true
                }
            }
            return answer
        }
    }

    /// Runs `body` in a read-only `REPEATABLE READ` transaction: one snapshot for every statement in it.
    func readTransaction<T: Sendable>(
        _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// The statements of one answer, bound to its caller and connection.
    struct Scope: Sendable {
        let caller: UUID
        let latest: Int
        /// Most members a chat object lists.
        let memberLimit: Int
        let connection: PostgresConnection
        let logger: Logger
    }
}

/// Failures of a read that the caller can act on.
public enum QueryStoreError: Error, Sendable, Equatable {
    /// The token names a user the event store does not know.
    case unknownCaller
    /// The user exists but the projector has not materialized it yet (it was created a moment ago).
    case callerNotProjected
    case unknownChat
    case notAMember
}
