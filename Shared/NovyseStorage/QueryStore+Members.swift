import Foundation
import PostgresNIO

/// `GET /chat/members`: every member of a chat, in pages, for chats whose objects list only the first few.
extension QueryStore {
    /// Members of `chat` (projected, like the chat objects) with a `userUUID` after `after`, in `userUUID`
    /// order, at most `limit`; `hasMore` when more follow. Members only (the same rule as history).
    public func members(
        caller: UUID, chat: UUID, after: UUID?, limit: Int
    ) async throws -> (items: [String], hasMore: Bool) {
        let rows = try await client.query(
            """
            WITH caller AS (SELECT \(caller)::uuid AS me, 0 AS latest, \(chat)::uuid AS chat),
            \(unescaped: QuerySQL.myChats),
            \(unescaped: QuerySQL.chatAccess)
            SELECT access.known, access.member, page.json
            FROM access LEFT JOIN LATERAL (
                SELECT mb.user_uuid, json_build_object('userUUID', mb.user_uuid, 'role', mb.role,
                                                       'joinedAt', \(unescaped: QuerySQL.time("mb.joined_at")))::text AS json
                FROM snapshot.members mb
                WHERE access.member AND mb.chat_uuid = \(chat) 
                  AND (\(after)::uuid IS NULL OR mb.user_uuid > \(after)::uuid)
                ORDER BY mb.user_uuid LIMIT \(limit + 1)
            ) page ON true
            ORDER BY page.user_uuid
            """,
            logger: logger
        )
        return try await Self.page(rows, limit: limit)
    }
}
