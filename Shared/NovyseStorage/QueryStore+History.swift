import Foundation
import PostgresNIO

/// `GET /chat/history`: the older messages that initialize and `chats.new` leave out.
extension QueryStore {
    /// Messages of `chat` before `before` (the newest when nil), newest first, at most `limit`, in their
    /// projected state; `hasMore` when older ones remain. Members only (the same rule as update).
    public func history(
        caller: UUID, chat: UUID, before: Int64?, limit: Int
    ) async throws -> (items: [String], hasMore: Bool) {
        let rows = try await client.query(
            """
            WITH caller AS (SELECT \(caller)::uuid AS me, 0 AS latest, \(chat)::uuid AS chat),
            \(unescaped: QuerySQL.myChats),
            \(unescaped: QuerySQL.chatAccess)
            SELECT access.known, access.member, page.json
            FROM access LEFT JOIN LATERAL (
                SELECT x.id, \(unescaped: QuerySQL.message)::text AS json FROM snapshot.messages x
                \(unescaped: QuerySQL.messageReactions)
                WHERE access.member AND x.chat_uuid = \(chat) AND x.id < \(before ?? Int64.max)
                ORDER BY x.id DESC LIMIT \(limit + 1)
            ) page ON true
            ORDER BY page.id DESC
            """,
            logger: logger
        )
        return try await Self.page(rows, limit: limit)
    }

    /// Collects a per-chat page: rows of `(known, member, json)` with `limit + 1` items at most, the last
    /// only telling that more follow. Unknown chat and non-members are refused.
    static func page(_ rows: PostgresRowSequence, limit: Int) async throws -> (items: [String], hasMore: Bool) {
        var items: [String] = []
        var hasMore = false
        for try await (known, member, json) in rows.decode((Bool, Bool, String?).self) {
            guard known else { throw QueryStoreError.unknownChat }
            guard member else { throw QueryStoreError.notAMember }
            guard let json else { continue }
            if items.count == limit { hasMore = true } else { items.append(json) }
        }
        return (items, hasMore)
    }
}
