import Foundation
import NovyseCore
import PostgresNIO

/// The classification statements: for each chat and user the caller holds or may see, its visibility, the
/// validity of the caller's cursor, the projected position and whether the event store is ahead of it.
extension QueryStore.Scope {
    func classifyLocal(sent: Int64?) async throws -> SyncPlan.LocalStatus {
        let rows = try await connection.query(
            """
            SELECT COALESCE((SELECT position FROM snapshot.positions WHERE kind = 4 AND key = \(caller)), 0),
                   COALESCE((SELECT head FROM novyse.streams WHERE kind = 4 AND key = \(caller)), 0),
                   \(sent)::bigint IS NOT NULL AND (\(sent)::bigint = 0 OR EXISTS (
                       SELECT 1 FROM novyse.local_events e WHERE e.id = \(sent)::bigint AND e.user_uuid = \(caller))),
                   EXISTS (SELECT 1 FROM snapshot.users WHERE uuid = \(caller)),
                   EXISTS (SELECT 1 FROM novyse.users WHERE uuid = \(caller))
            """,
            logger: logger
        )
        for try await (position, head, valid, projected, exists) in rows.decode((Int64, Int64, Bool, Bool, Bool).self) {
            guard exists else { throw QueryStoreError.unknownCaller }
            guard projected else { throw QueryStoreError.callerNotProjected }
            return SyncPlan.LocalStatus(sentEventID: sent, cursorValid: valid, position: position, lagging: head > position)
        }
        throw StorageError.unexpected("local classification returned no row")
    }

    func classifyChats(_ sent: [SyncCursors.Chat]) async throws -> [SyncPlan.ChatStatus] {
        let byChat = Dictionary(uniqueKeysWithValues: sent.map { ($0.chatUUID, $0) })
        let rows = try await connection.query(
            """
            WITH caller AS (SELECT \(caller)::uuid AS me, \(latest)::int AS latest),
            \(unescaped: QuerySQL.myChats),
            sent AS (
                SELECT * FROM unnest(\(sent.map(\.chatUUID))::uuid[], \(sent.map(\.eventID))::bigint[],
                                     \(sent.map(\.messageID))::bigint[]) AS s(chat_uuid, event_id, message_id)
            ),
            \(unescaped: QuerySQL.pendingChats),
            held AS (SELECT chat_uuid, role, false AS pending FROM mine UNION ALL SELECT chat_uuid, NULL, true FROM pending),
            c AS (
                SELECT COALESCE(held.chat_uuid, sent.chat_uuid) AS chat, held.role,
                       held.chat_uuid IS NOT NULL AND NOT held.pending AS member, COALESCE(held.pending, false) AS pending,
                       (held.chat_uuid IS NOT NULL AND NOT held.pending AND sent.chat_uuid IS NOT NULL
                        AND (sent.event_id = 0 OR EXISTS (SELECT 1 FROM novyse.chat_events e
                                                          WHERE e.id = sent.event_id AND e.chat_uuid = sent.chat_uuid))
                        AND (sent.message_id = 0 OR EXISTS (SELECT 1 FROM novyse.messages x
                                                            WHERE x.id = sent.message_id AND x.chat_uuid = sent.chat_uuid))
                       ) AS valid
                FROM held FULL JOIN sent ON sent.chat_uuid = held.chat_uuid
            )
            SELECT c.chat, c.role, c.member, c.pending, c.valid, COALESCE(p1.position, 0), COALESCE(p2.position, 0),
                   c.member AND (COALESCE(h1.head, 0) > COALESCE(p1.position, 0) OR COALESCE(h2.head, 0) > COALESCE(p2.position, 0)),
                   CASE WHEN c.member AND NOT c.valid THEN (
                       SELECT count(*)::int FROM (SELECT 1 FROM snapshot.messages x WHERE x.chat_uuid = c.chat
                                                  ORDER BY x.id DESC LIMIT (SELECT latest FROM caller)) latest)
                   ELSE 0 END
            FROM c
            LEFT JOIN snapshot.positions p1 ON c.member AND p1.kind = 1 AND p1.key = c.chat
            LEFT JOIN snapshot.positions p2 ON c.member AND p2.kind = 2 AND p2.key = c.chat
            LEFT JOIN novyse.streams h1 ON c.member AND h1.kind = 1 AND h1.key = c.chat
            LEFT JOIN novyse.streams h2 ON c.member AND h2.kind = 2 AND h2.key = c.chat
            """,
            logger: logger
        )
        var statuses: [SyncPlan.ChatStatus] = []
        for try await (chat, role, member, pending, valid, events, messages, lagging, latest)
            in rows.decode((UUID, String?, Bool, Bool, Bool, Int64, Int64, Bool, Int).self)
        {
            statuses.append(
                SyncPlan.ChatStatus(
                    chat: chat, member: member, role: role.flatMap(MemberRole.init(rawValue:)), sent: byChat[chat],
                    cursorsValid: valid, eventPosition: events, messagePosition: messages, lagging: lagging,
                    latestMessages: latest, pending: pending
                ))
        }
        return statuses
    }

    func classifyUsers(_ sent: [SyncCursors.User]) async throws -> [SyncPlan.UserStatus] {
        let byUser = Dictionary(uniqueKeysWithValues: sent.map { ($0.userUUID, $0.profileEventID) })
        let rows = try await connection.query(
            """
            WITH caller AS (SELECT \(caller)::uuid AS me, \(latest)::int AS latest),
            \(unescaped: QuerySQL.myChats),
            \(unescaped: QuerySQL.pendingChats),
            visible AS (
                SELECT me AS uuid FROM caller
                UNION SELECT m.user_uuid FROM mine JOIN snapshot.members m ON m.chat_uuid = mine.chat_uuid
            ),
            pending_visible AS (
                SELECT w.user_uuid AS uuid FROM pending
                JOIN novyse.memberships w ON w.chat_uuid = pending.chat_uuid AND w.left_at IS NULL
            ),
            sent AS (
                SELECT * FROM unnest(\(sent.map(\.userUUID))::uuid[], \(sent.map(\.profileEventID))::bigint[])
                    AS s(user_uuid, event_id)
            ),
            u AS (
                SELECT COALESCE(v.uuid, s.user_uuid) AS uuid, v.uuid IS NOT NULL AS visible,
                       (v.uuid IS NOT NULL AND s.user_uuid IS NOT NULL
                        AND (s.event_id = 0 OR EXISTS (SELECT 1 FROM novyse.profile_events e
                                                       WHERE e.id = s.event_id AND e.user_uuid = s.user_uuid))) AS valid
                FROM visible v FULL JOIN sent s ON s.user_uuid = v.uuid
            )
            SELECT u.uuid, u.visible, NOT u.visible AND EXISTS (SELECT 1 FROM pending_visible pv WHERE pv.uuid = u.uuid),
                   u.valid, COALESCE(p.position, 0),
                   u.visible AND COALESCE(h.head, 0) > COALESCE(p.position, 0),
                   u.visible AND EXISTS (SELECT 1 FROM snapshot.users su WHERE su.uuid = u.uuid)
            FROM u
            LEFT JOIN snapshot.positions p ON u.visible AND p.kind = 3 AND p.key = u.uuid
            LEFT JOIN novyse.streams h ON u.visible AND h.kind = 3 AND h.key = u.uuid
            """,
            logger: logger
        )
        var statuses: [SyncPlan.UserStatus] = []
        for try await (user, visible, pending, valid, position, lagging, projected)
            in rows.decode((UUID, Bool, Bool, Bool, Int64, Bool, Bool).self)
        {
            statuses.append(
                SyncPlan.UserStatus(
                    user: user, visible: visible, sentEventID: byUser[user], cursorValid: valid, position: position,
                    lagging: lagging, projected: projected, pending: pending
                ))
        }
        return statuses
    }
}
