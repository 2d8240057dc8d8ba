/// SQL fragments that render snapshot rows as the wire objects of `api.md`, shared by every query of the
/// read side so initialize, update and history emit the same shapes.
///
/// They are plain text spliced into statements rather than SQL functions on purpose: a function whose
/// argument is a `snapshot.*` row type would be dropped with the old schema when a projector replay swaps a
/// rebuilt snapshot in. Each names its table aliases in its doc comment.
enum QuerySQL {
    /// The caller's chats, from a CTE `caller (me, latest)` holding the bound caller UUID and the number of
    /// latest messages: active in the projected state *and* in the write model, so a removal takes effect at
    /// once while an addition waits for the chat's projection to include it (I4, I7).
    static let myChats = """
        mine AS (
            SELECT m.chat_uuid, m.role FROM caller
            JOIN snapshot.members m ON m.user_uuid = caller.me
            JOIN novyse.memberships w ON w.chat_uuid = m.chat_uuid AND w.user_uuid = m.user_uuid AND w.left_at IS NULL
        )
        """

    /// Whether the chat `caller.chat` exists and the caller is an active member (`known`, `member`), for
    /// the per-chat reads (history, members). Needs `caller (me, latest, chat)` and `mine`.
    static let chatAccess = """
        access AS (
            SELECT EXISTS (SELECT 1 FROM novyse.chats WHERE uuid = (SELECT chat FROM caller)) AS known,
                   EXISTS (SELECT 1 FROM mine WHERE chat_uuid = (SELECT chat FROM caller)) AS member
        )
        """

    /// Chats the caller has joined in the write model that the projection does not show yet (a join or a
    /// creation committed a moment ago, or a rejoin whose leave alone is projected): not served yet, never
    /// reported removed, and the answer says to ask again (`retryAfterMs`). Needs `caller` and `mine`.
    static let pendingChats = """
        pending AS (
            SELECT w.chat_uuid FROM caller
            JOIN novyse.memberships w ON w.user_uuid = caller.me AND w.left_at IS NULL
            WHERE NOT EXISTS (SELECT 1 FROM mine WHERE mine.chat_uuid = w.chat_uuid)
        )
        """

    /// A timestamp as `api.md` writes it (`2026-11-24T10:00:00.000Z`), the same text as `novyse.iso_time`
    /// but inline: Postgres does not inline that function, and calling it costs more than the rest of a
    /// message's JSON (measured: 23 ms against 1.5 ms for 3 000 messages).
    static func time(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    /// A message in its projected state; alias `x` = `snapshot.messages`, joined with `messageReactions`.
    static let message = """
        json_build_object('id', x.id, 'prevID', x.prev_id, 'chatUUID', x.chat_uuid, 'senderUUID', x.sender_uuid,
            'content', x.content, 'createdAt', \(time("x.created_at")), 'editedAt', \(time("x.edited_at")),
            'deleted', x.deleted, 'pinned', x.pinned, 'reactions', COALESCE(rx.reactions, '[]'::json))
        """

    /// The FROM-clause companion of `message`: its reactions as alias `rx`. A lateral join rather than a
    /// subquery in the select list, which Postgres runs six times faster per row.
    static let messageReactions = """
        LEFT JOIN LATERAL (
            SELECT json_agg(json_build_object('userUUID', r.user_uuid, 'reaction', r.reaction) ORDER BY r.user_uuid, r.reaction)
                AS reactions
            FROM snapshot.reactions r WHERE r.message_id = x.id
        ) rx ON true
        """

    /// The profile fields of alias `u` = `snapshot.users`, as `key, value` pairs for `json_build_object`.
    static let profileFields = """
        'uuid', u.uuid, 'handle', u.handle, 'name', u.name, 'surname', u.surname, 'biography', u.biography,
        'profilePictureUUID', u.profile_picture_uuid, 'bannerPictureUUID', u.banner_picture_uuid,
        'birthday', u.birthday, 'color', u.color
        """

    /// A user; aliases `u` = `snapshot.users`, `p3` = its profile position.
    static let user = "json_build_object(\(profileFields), 'profileEventID', COALESCE(p3.position, 0))"

    /// A chat with its members, pinned messages and both cursors; aliases `c` = `snapshot.chats`, `p1`/`p2` =
    /// its event and message positions; `caller.latest` is how many messages come with it.
    ///
    /// At most `caller.member_limit` members, so a large channel does not make every answer that carries it
    /// huge: the caller first (its device needs its own role), then the owner and admins, then the others
    /// by `userUUID`; `hasMoreMembers` says the rest is paged through `GET /chat/members`.
    static let chat = """
        json_build_object('uuid', c.uuid, 'type', c.type, 'name', c.name, 'createdAt', \(time("c.created_at")),
            'members', COALESCE((SELECT json_agg(json_build_object('userUUID', mb.user_uuid, 'role', mb.role,
                                                                  'joinedAt', \(time("mb.joined_at"))) ORDER BY mb.user_uuid)
                                 FROM (SELECT * FROM snapshot.members m0 WHERE m0.chat_uuid = c.uuid
                                       ORDER BY m0.user_uuid = (SELECT me FROM caller) DESC, m0.role = 'MEMBER', m0.user_uuid
                                       LIMIT (SELECT member_limit FROM caller)) mb), '[]'::json),
            'hasMoreMembers', (SELECT 1 FROM snapshot.members mx WHERE mx.chat_uuid = c.uuid
                               OFFSET (SELECT member_limit FROM caller) LIMIT 1) IS NOT NULL,
            'pinnedMessages', COALESCE((SELECT json_agg(px.id ORDER BY px.id) FROM snapshot.messages px
                                        WHERE px.chat_uuid = c.uuid AND px.pinned), '[]'::json),
            'eventID', COALESCE(p1.position, 0), 'messageID', COALESCE(p2.position, 0),
            'hasMoreHistory', (SELECT hx.id FROM snapshot.messages hx WHERE hx.chat_uuid = c.uuid
                               ORDER BY hx.id DESC OFFSET (SELECT latest FROM caller) LIMIT 1) IS NOT NULL)
        """

    /// The caller's private state; aliases `u` = its `snapshot.users` row, `p3`/`p4` = its profile and local
    /// positions.
    static let local = """
        json_build_object(
            'user', json_build_object(\(profileFields), 'profileEventID', COALESCE(p3.position, 0),
                                      'eventID', COALESCE(p4.position, 0)),
            'pinnedChats', COALESCE((SELECT json_agg(json_build_object('chatUUID', pc.chat_uuid, 'position', pc.position)
                                                     ORDER BY pc.position, pc.chat_uuid)
                                     FROM snapshot.pinned_chats pc WHERE pc.user_uuid = u.uuid), '[]'::json),
            'mutedChats', COALESCE((SELECT json_agg(json_build_object('chatUUID', mc.chat_uuid, 'until', \(time("mc.until")))
                                                    ORDER BY mc.chat_uuid)
                                    FROM snapshot.muted_chats mc WHERE mc.user_uuid = u.uuid), '[]'::json),
            'folders', COALESCE((SELECT json_agg(json_build_object('folderID', f.folder_id, 'name', f.name,
                                                                   'chatUUIDs', to_json(f.chat_uuids)) ORDER BY f.folder_id)
                                 FROM snapshot.folders f WHERE f.user_uuid = u.uuid), '[]'::json),
            'theme', (SELECT s.theme FROM snapshot.settings s WHERE s.user_uuid = u.uuid))
        """
}
