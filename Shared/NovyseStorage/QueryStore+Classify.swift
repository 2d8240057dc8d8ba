import Foundation
import NovyseCore
import PostgresNIO

/// The classification statements: for each chat and user the caller holds or may see, its visibility, the
/// validity of the caller's cursor, the projected position and whether the event store is ahead of it.
extension QueryStore.Scope {
    /// The three classifications of an update, from one statement: its own consistent snapshot when run
    /// alone (the "nothing changed" probe of `QueryStore.sync`), or part of the answer's transaction.
    struct Classification: Sendable {
        var local: SyncPlan.LocalStatus
        var chats: [SyncPlan.ChatStatus]
        var users: [SyncPlan.UserStatus]
    }

    /// Rows of three kinds in one result, their columns shared: 0 the private stream (position, head,
    /// cursor valid, caller projected, caller exists), 1 a chat, 2 a user. `caller`, `mine` and `pending`
    /// are computed once for chats and users.
    func classify(_ cursors: SyncCursors) async throws -> Classification {
        let sent = cursors.localEventID
        let chatCursors = cursors.chats
        let userCursors = cursors.users
        let rows = try await connection.query(
            """
            WITH caller AS (SELECT \(caller)::uuid AS me, \(latest)::int AS latest),
            \(unescaped: QuerySQL.myChats),
            \(unescaped: QuerySQL.pendingChats),
            sent_chats AS (
                SELECT * FROM unnest(\(chatCursors.map(\.chatUUID))::uuid[], \(chatCursors.map(\.eventID))::bigint[],
                                     \(chatCursors.map(\.messageID))::bigint[]) AS s(chat_uuid, event_id, message_id)
            ),
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
                FROM held FULL JOIN sent_chats sent ON sent.chat_uuid = held.chat_uuid
            ),
            visible AS (
                SELECT me AS uuid FROM caller
                UNION SELECT m.user_uuid FROM mine JOIN snapshot.members m ON m.chat_uuid = mine.chat_uuid
            ),
            pending_visible AS (
                SELECT w.user_uuid AS uuid FROM pending
                JOIN novyse.memberships w ON w.chat_uuid = pending.chat_uuid AND w.left_at IS NULL
            ),
            sent_users AS (
                SELECT * FROM unnest(\(userCursors.map(\.userUUID))::uuid[], \(userCursors.map(\.profileEventID))::bigint[])
                    AS s(user_uuid, event_id)
            ),
            u AS (
                SELECT COALESCE(v.uuid, s.user_uuid) AS uuid, v.uuid IS NOT NULL AS visible,
                       (v.uuid IS NOT NULL AND s.user_uuid IS NOT NULL
                        AND (s.event_id = 0 OR EXISTS (SELECT 1 FROM novyse.profile_events e
                                                       WHERE e.id = s.event_id AND e.user_uuid = s.user_uuid))) AS valid
                FROM visible v FULL JOIN sent_users s ON s.user_uuid = v.uuid
            )
            SELECT 0, NULL::uuid, NULL::text,
                   \(sent)::bigint IS NOT NULL AND (\(sent)::bigint = 0 OR EXISTS (
                       SELECT 1 FROM novyse.local_events e WHERE e.id = \(sent)::bigint AND e.user_uuid = \(caller))),
                   EXISTS (SELECT 1 FROM snapshot.users WHERE uuid = \(caller)),
                   EXISTS (SELECT 1 FROM novyse.users WHERE uuid = \(caller)),
                   false, false,
                   COALESCE((SELECT position FROM snapshot.positions WHERE kind = 4 AND key = \(caller)), 0),
                   COALESCE((SELECT head FROM novyse.streams WHERE kind = 4 AND key = \(caller)), 0),
                   0
            UNION ALL
            SELECT 1, c.chat, c.role, c.member, c.pending, c.valid,
                   c.member AND (COALESCE(h1.head, 0) > COALESCE(p1.position, 0) OR COALESCE(h2.head, 0) > COALESCE(p2.position, 0)),
                   false, COALESCE(p1.position, 0), COALESCE(p2.position, 0),
                   CASE WHEN c.member AND NOT c.valid THEN (
                       SELECT count(*)::int FROM (SELECT 1 FROM snapshot.messages x WHERE x.chat_uuid = c.chat
                                                  ORDER BY x.id DESC LIMIT (SELECT latest FROM caller)) latest)
                   ELSE 0 END
            FROM c
            LEFT JOIN snapshot.positions p1 ON c.member AND p1.kind = 1 AND p1.key = c.chat
            LEFT JOIN snapshot.positions p2 ON c.member AND p2.kind = 2 AND p2.key = c.chat
            LEFT JOIN novyse.streams h1 ON c.member AND h1.kind = 1 AND h1.key = c.chat
            LEFT JOIN novyse.streams h2 ON c.member AND h2.kind = 2 AND h2.key = c.chat
            UNION ALL
            SELECT 2, u.uuid, NULL, u.visible,
                   NOT u.visible AND EXISTS (SELECT 1 FROM pending_visible pv WHERE pv.uuid = u.uuid),
                   u.valid, u.visible AND COALESCE(h.head, 0) > COALESCE(p.position, 0),
                   u.visible AND EXISTS (SELECT 1 FROM snapshot.users su WHERE su.uuid = u.uuid),
                   COALESCE(p.position, 0), 0, 0
            FROM u
            LEFT JOIN snapshot.positions p ON u.visible AND p.kind = 3 AND p.key = u.uuid
            LEFT JOIN novyse.streams h ON u.visible AND h.kind = 3 AND h.key = u.uuid
            """,
            logger: logger
        )
        let sentChats = Dictionary(uniqueKeysWithValues: chatCursors.map { ($0.chatUUID, $0) })
        let sentUsers = Dictionary(uniqueKeysWithValues: userCursors.map { ($0.userUUID, $0.profileEventID) })
        var local: SyncPlan.LocalStatus?
        var chats: [SyncPlan.ChatStatus] = []
        var users: [SyncPlan.UserStatus] = []
        for try await (kind, id, role, a, b, c, d, e, first, second, latest)
            in rows.decode((Int32, UUID?, String?, Bool, Bool, Bool, Bool, Bool, Int64, Int64, Int32).self)
        {
            switch (kind, id) {
            case (0, _):
                // a: cursor valid, b: caller projected, c: caller exists; first: position, second: head.
                guard c else { throw QueryStoreError.unknownCaller }
                guard b else { throw QueryStoreError.callerNotProjected }
                local = SyncPlan.LocalStatus(sentEventID: sent, cursorValid: a, position: first, lagging: second > first)
            case (1, let chat?):
                // a: member, b: pending, c: cursors valid, d: lagging; first/second: event/message positions.
                chats.append(
                    SyncPlan.ChatStatus(
                        chat: chat, member: a, role: role.flatMap(MemberRole.init(rawValue:)), sent: sentChats[chat],
                        cursorsValid: c, eventPosition: first, messagePosition: second, lagging: d,
                        latestMessages: Int(latest), pending: b
                    ))
            case (2, let user?):
                // a: visible, b: pending, c: cursor valid, d: lagging, e: projected; first: position.
                users.append(
                    SyncPlan.UserStatus(
                        user: user, visible: a, sentEventID: sentUsers[user], cursorValid: c, position: first,
                        lagging: d, projected: e, pending: b
                    ))
            default:
                throw StorageError.unexpected("classification row of kind \(kind)")
            }
        }
        guard let local else { throw StorageError.unexpected("local classification returned no row") }
        return Classification(local: local, chats: chats, users: users)
    }
}
