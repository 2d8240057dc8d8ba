import Foundation
import NovyseCore
import PostgresNIO

/// The rendering statements: new entities whole, then the delta items after the caller's cursors.
extension QueryStore.Scope {
    /// New chats with their latest messages, new users, and the private state when it is resent: one
    /// statement, rows ordered as the answer lists them.
    func renderNew(_ plan: SyncPlan, into answer: inout SyncAnswer) async throws {
        guard !plan.newChats.isEmpty || !plan.newUsers.isEmpty || plan.resendLocal else { return }
        let rows = try await connection.query(
            """
            WITH caller AS (SELECT \(caller)::uuid AS me, \(latest)::int AS latest, \(memberLimit)::int AS member_limit),
            chosen AS (SELECT * FROM unnest(\(plan.newChats)::uuid[]) WITH ORDINALITY AS n(chat, ord))
            SELECT 1 AS tag, chosen.ord, 0::bigint, \(unescaped: QuerySQL.chat)::text
            FROM chosen JOIN snapshot.chats c ON c.uuid = chosen.chat
            LEFT JOIN snapshot.positions p1 ON p1.kind = 1 AND p1.key = c.uuid
            LEFT JOIN snapshot.positions p2 ON p2.kind = 2 AND p2.key = c.uuid
            UNION ALL
            SELECT 2, chosen.ord, x.id, \(unescaped: QuerySQL.message)::text
            FROM chosen CROSS JOIN LATERAL (
                SELECT * FROM snapshot.messages m WHERE m.chat_uuid = chosen.chat
                ORDER BY m.id DESC LIMIT (SELECT latest FROM caller)
            ) x
            \(unescaped: QuerySQL.messageReactions)
            UNION ALL
            SELECT 3, n.ord, 0, \(unescaped: QuerySQL.user)::text
            FROM unnest(\(plan.newUsers)::uuid[]) WITH ORDINALITY AS n(uuid, ord)
            JOIN snapshot.users u ON u.uuid = n.uuid
            LEFT JOIN snapshot.positions p3 ON p3.kind = 3 AND p3.key = u.uuid
            UNION ALL
            SELECT 4, 0, 0, \(unescaped: QuerySQL.local)::text
            FROM caller JOIN snapshot.users u ON u.uuid = caller.me AND \(plan.resendLocal)
            LEFT JOIN snapshot.positions p3 ON p3.kind = 3 AND p3.key = u.uuid
            LEFT JOIN snapshot.positions p4 ON p4.kind = 4 AND p4.key = u.uuid
            ORDER BY 1, 2, 3
            """,
            logger: logger
        )
        for try await (tag, _, _, json) in rows.decode((Int, Int64, Int64, String).self) {
            switch tag {
            case 1: answer.newChats.append(json)
            case 2: answer.messages.append(json)
            case 3: answer.newUsers.append(json)
            default: answer.localState = json
            }
        }
    }

    /// The items after the caller's cursors, all held streams at once, oldest first (IDs are global, so this
    /// is commit order within each stream) and cut at the budget: each stream gets a prefix of its items, so
    /// the cursors the client ends with continue exactly where this answer stopped (I8).
    ///
    /// Visibility (I7): a `MESSAGE_EDITED` reaches a plain member only when no later edit *or deletion* of the
    /// same message is in the range (the author, who alone edits, and admins get all): so a member who was
    /// offline while a message was edited and then deleted never receives its edited text. A contact's
    /// profile event only when no later event of the same type is in the range (the owner gets all).
    func renderDeltas(_ plan: SyncPlan, into answer: inout SyncAnswer) async throws {
        let chats = plan.chatRanges
        let users = plan.userRanges
        let local = plan.localRange ?? 0...0
        let take = plan.deltaBudget + 1
        let rows = try await connection.query(
            """
            WITH ch AS (
                SELECT * FROM unnest(\(chats.map(\.chat))::uuid[], \(chats.map(\.eventsAfter))::bigint[],
                                     \(chats.map(\.eventsUpTo))::bigint[], \(chats.map(\.messagesAfter))::bigint[],
                                     \(chats.map(\.privileged))::bool[]) AS t(chat, ev_after, ev_up_to, msg_after, privileged)
            ),
            us AS (
                SELECT * FROM unnest(\(users.map(\.user))::uuid[], \(users.map(\.after))::bigint[],
                                     \(users.map(\.upTo))::bigint[], \(users.map(\.fullLog))::bool[]) AS t(uuid, ev_after, ev_up_to, full_log)
            ),
            picked AS (
                SELECT * FROM (
                    SELECT e.id, 1 AS tag FROM ch CROSS JOIN LATERAL (
                        SELECT e.id FROM novyse.chat_events e
                        WHERE e.chat_uuid = ch.chat AND e.id > ch.ev_after AND e.id <= ch.ev_up_to
                          AND (ch.privileged OR e.type <> 'MESSAGE_EDITED' OR e.user_uuid = \(caller)
                               OR NOT EXISTS (SELECT 1 FROM novyse.chat_events l
                                              WHERE l.message_id = e.message_id
                                                AND l.type IN ('MESSAGE_EDITED', 'MESSAGE_DELETED')
                                                AND l.id > e.id AND l.id <= ch.ev_up_to))
                        ORDER BY e.id LIMIT \(take)) e
                    UNION ALL
                    SELECT x.id, 2 FROM ch CROSS JOIN LATERAL (
                        SELECT x.id FROM snapshot.messages x WHERE x.chat_uuid = ch.chat AND x.id > ch.msg_after
                        ORDER BY x.id LIMIT \(take)) x
                    UNION ALL
                    SELECT e.id, 3 FROM us CROSS JOIN LATERAL (
                        SELECT e.id FROM novyse.profile_events e
                        WHERE e.user_uuid = us.uuid AND e.id > us.ev_after AND e.id <= us.ev_up_to
                          AND (us.full_log OR NOT EXISTS (SELECT 1 FROM novyse.profile_events l
                                                          WHERE l.user_uuid = e.user_uuid AND l.type = e.type
                                                            AND l.id > e.id AND l.id <= us.ev_up_to))
                        ORDER BY e.id LIMIT \(take)) e
                    UNION ALL
                    (SELECT e.id, 4 FROM novyse.local_events e
                     WHERE e.user_uuid = \(caller) AND e.id > \(local.lowerBound) AND e.id <= \(local.upperBound)
                     ORDER BY e.id LIMIT \(take))
                ) items
                ORDER BY id LIMIT \(take)
            )
            SELECT p.tag, CASE p.tag
                WHEN 1 THEN (SELECT novyse.chat_event_json(e)::text FROM novyse.chat_events e WHERE e.id = p.id)
                WHEN 2 THEN (SELECT \(unescaped: QuerySQL.message)::text FROM snapshot.messages x
                            \(unescaped: QuerySQL.messageReactions) WHERE x.id = p.id)
                WHEN 3 THEN (SELECT novyse.profile_event_json(e)::text FROM novyse.profile_events e WHERE e.id = p.id)
                ELSE (SELECT novyse.local_event_json(e)::text FROM novyse.local_events e WHERE e.id = p.id)
            END
            FROM picked p ORDER BY p.id
            """,
            logger: logger
        )
        var served = 0
        for try await (tag, json) in rows.decode((Int, String).self) {
            guard served < plan.deltaBudget else {
                answer.hasMore = true
                continue
            }
            served += 1
            switch tag {
            case 1: answer.chatEvents.append(json)
            case 2: answer.messages.append(json)
            case 3: answer.userEvents.append(json)
            default: answer.localEvents.append(json)
            }
        }
    }
}
