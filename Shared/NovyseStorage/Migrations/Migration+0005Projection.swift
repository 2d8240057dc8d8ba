extension Migration {
    /// The projection, in SQL: one set of functions applies items to a snapshot schema, whichever path the
    /// items come by (Redis fast path, heal from the event store, sweep, replay from zero), so every path
    /// yields the same rows by construction, one round trip per batch.
    ///
    /// Snapshot tables are named unqualified and found through `search_path` (`snapshot, novyse` live,
    /// `snapshot_rebuild, novyse` during a replay); event-store tables are always qualified `novyse.`.
    /// I6: `apply_item` applies an item only when its `prevID` equals the stream's projected position,
    /// under that position's row lock, and moves the position in the same transaction (I4).
    static let projection = Migration(
        version: 5, name: "projection",
        statements: [
            "SET LOCAL check_function_bodies = off",
            // The owner of a stream (a chat or a user) as created, with its streams' positions at 0.
            """
            CREATE FUNCTION novyse.ensure_owner(p_kind smallint, p_key uuid) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                IF p_kind IN (1, 2) THEN
                    INSERT INTO chats (uuid, type, name, created_at)
                    SELECT c.uuid, c.type, c.name, c.created_at FROM novyse.chats c WHERE c.uuid = p_key
                    ON CONFLICT DO NOTHING;
                    IF FOUND THEN
                        INSERT INTO members (chat_uuid, user_uuid, role, joined_at)
                        SELECT m.chat_uuid, m.user_uuid, m.role, c.created_at
                        FROM novyse.chat_creation_members m JOIN novyse.chats c ON c.uuid = m.chat_uuid
                        WHERE m.chat_uuid = p_key
                        ON CONFLICT DO NOTHING;
                        INSERT INTO positions (kind, key, position) VALUES (1, p_key, 0), (2, p_key, 0) ON CONFLICT DO NOTHING;
                    END IF;
                ELSE
                    INSERT INTO users (uuid, handle, name, surname, biography, profile_picture_uuid, banner_picture_uuid,
                                       birthday, color, created_at)
                    SELECT u.uuid, u.initial_profile ->> 'handle', COALESCE(u.initial_profile ->> 'name', ''),
                           COALESCE(u.initial_profile ->> 'surname', ''), COALESCE(u.initial_profile ->> 'biography', ''),
                           (u.initial_profile ->> 'profilePictureUUID')::uuid, (u.initial_profile ->> 'bannerPictureUUID')::uuid,
                           u.initial_profile ->> 'birthday', u.initial_profile ->> 'color', u.created_at
                    FROM novyse.users u WHERE u.uuid = p_key
                    ON CONFLICT DO NOTHING;
                    IF FOUND THEN
                        INSERT INTO positions (kind, key, position) VALUES (3, p_key, 0), (4, p_key, 0) ON CONFLICT DO NOTHING;
                    END IF;
                END IF;
            END $$
            """,
            // Locks the stream's projected position for this transaction and returns it (0 for a new stream).
            """
            CREATE FUNCTION novyse.lock_position(p_kind smallint, p_key uuid) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                pos bigint;
            BEGIN
                SELECT position INTO pos FROM positions WHERE kind = p_kind AND key = p_key FOR UPDATE;
                IF NOT FOUND THEN
                    PERFORM novyse.ensure_owner(p_kind, p_key);
                    INSERT INTO positions (kind, key, position) VALUES (p_kind, p_key, 0) ON CONFLICT DO NOTHING;
                    SELECT position INTO pos FROM positions WHERE kind = p_kind AND key = p_key FOR UPDATE;
                END IF;
                RETURN pos;
            END $$
            """,
            """
            CREATE FUNCTION novyse.apply_message(j jsonb) RETURNS void LANGUAGE sql AS $$
                INSERT INTO messages (id, chat_uuid, prev_id, sender_uuid, content, created_at)
                VALUES ((j ->> 'id')::bigint, (j ->> 'chatUUID')::uuid, (j ->> 'prevID')::bigint, (j ->> 'senderUUID')::uuid,
                        j ->> 'content', (j ->> 'createdAt')::timestamptz)
                ON CONFLICT (id) DO NOTHING
            $$
            """,
            """
            CREATE FUNCTION novyse.apply_chat_event(p_chat uuid, j jsonb) RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                t text := j ->> 'type';
                p jsonb := j -> 'payload';
                mid bigint := (j -> 'payload' ->> 'messageID')::bigint;
                actor uuid := (j ->> 'userUUID')::uuid;
                at timestamptz := (j ->> 'createdAt')::timestamptz;
                healed integer := 0;
            BEGIN
                -- The message lives on the chat's other stream, which may not be projected this far yet.
                IF mid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages WHERE id = mid) THEN
                    healed := novyse.heal_stream(2::smallint, p_chat);
                END IF;
                CASE t
                    WHEN 'MESSAGE_EDITED' THEN
                        UPDATE messages SET content = p ->> 'content', edited_at = at WHERE id = mid;
                    WHEN 'MESSAGE_DELETED' THEN
                        UPDATE messages SET deleted = true, content = '', pinned = false WHERE id = mid;
                        DELETE FROM reactions WHERE message_id = mid;
                    WHEN 'REACTION_ADDED' THEN
                        INSERT INTO reactions (message_id, user_uuid, reaction) VALUES (mid, actor, p ->> 'reaction')
                        ON CONFLICT DO NOTHING;
                    WHEN 'REACTION_REMOVED' THEN
                        DELETE FROM reactions WHERE message_id = mid AND user_uuid = actor AND reaction = p ->> 'reaction';
                    WHEN 'MESSAGE_PINNED' THEN
                        UPDATE messages SET pinned = true WHERE id = mid;
                    WHEN 'MESSAGE_UNPINNED' THEN
                        UPDATE messages SET pinned = false WHERE id = mid;
                    WHEN 'MEMBER_JOINED' THEN
                        INSERT INTO members (chat_uuid, user_uuid, role, joined_at) VALUES (p_chat, actor, 'MEMBER', at)
                        ON CONFLICT (chat_uuid, user_uuid) DO UPDATE SET role = 'MEMBER', joined_at = EXCLUDED.joined_at;
                    WHEN 'MEMBER_LEFT' THEN
                        DELETE FROM members WHERE chat_uuid = p_chat AND user_uuid = actor;
                    ELSE
                        RAISE EXCEPTION 'unknown chat event type %', t;
                END CASE;
                RETURN healed;
            END $$
            """,
            """
            CREATE FUNCTION novyse.apply_profile_event(p_user uuid, j jsonb) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE
                v text := j -> 'payload' ->> 'current';
            BEGIN
                CASE j ->> 'type'
                    WHEN 'BIO_CHANGED' THEN UPDATE users SET biography = v WHERE uuid = p_user;
                    WHEN 'PICTURE_CHANGED' THEN UPDATE users SET profile_picture_uuid = v::uuid WHERE uuid = p_user;
                    WHEN 'BANNER_CHANGED' THEN UPDATE users SET banner_picture_uuid = v::uuid WHERE uuid = p_user;
                    WHEN 'NAME_CHANGED' THEN UPDATE users SET name = v WHERE uuid = p_user;
                    WHEN 'SURNAME_CHANGED' THEN UPDATE users SET surname = v WHERE uuid = p_user;
                    WHEN 'BIRTHDAY_CHANGED' THEN UPDATE users SET birthday = v WHERE uuid = p_user;
                    WHEN 'COLOR_CHANGED' THEN UPDATE users SET color = v WHERE uuid = p_user;
                    WHEN 'HANDLE_CHANGED' THEN UPDATE users SET handle = v WHERE uuid = p_user;
                    ELSE RAISE EXCEPTION 'unknown profile event type %', j ->> 'type';
                END CASE;
            END $$
            """,
            """
            CREATE FUNCTION novyse.apply_local_event(p_user uuid, j jsonb) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE
                p jsonb := j -> 'payload';
                chat uuid := (j -> 'payload' ->> 'chatUUID')::uuid;
            BEGIN
                CASE j ->> 'type'
                    WHEN 'CHAT_PINNED' THEN
                        INSERT INTO pinned_chats (user_uuid, chat_uuid, position) VALUES (p_user, chat, (p ->> 'position')::int)
                        ON CONFLICT (user_uuid, chat_uuid) DO UPDATE SET position = EXCLUDED.position;
                    WHEN 'CHAT_UNPINNED' THEN
                        DELETE FROM pinned_chats WHERE user_uuid = p_user AND chat_uuid = chat;
                    WHEN 'CHAT_MUTED' THEN
                        INSERT INTO muted_chats (user_uuid, chat_uuid, until) VALUES (p_user, chat, (p ->> 'until')::timestamptz)
                        ON CONFLICT (user_uuid, chat_uuid) DO UPDATE SET until = EXCLUDED.until;
                    WHEN 'CHAT_UNMUTED' THEN
                        DELETE FROM muted_chats WHERE user_uuid = p_user AND chat_uuid = chat;
                    WHEN 'THEME_CHANGED' THEN
                        INSERT INTO settings (user_uuid, theme) VALUES (p_user, p ->> 'theme')
                        ON CONFLICT (user_uuid) DO UPDATE SET theme = EXCLUDED.theme;
                    WHEN 'FOLDER_UPDATED' THEN
                        INSERT INTO folders (user_uuid, folder_id, name, chat_uuids)
                        VALUES (p_user, p ->> 'folderID', p ->> 'name',
                                ARRAY(SELECT jsonb_array_elements_text(p -> 'chatUUIDs'))::uuid[])
                        ON CONFLICT (user_uuid, folder_id) DO UPDATE SET name = EXCLUDED.name, chat_uuids = EXCLUDED.chat_uuids;
                    WHEN 'FOLDER_DELETED' THEN
                        DELETE FROM folders WHERE user_uuid = p_user AND folder_id = p ->> 'folderID';
                    ELSE RAISE EXCEPTION 'unknown local event type %', j ->> 'type';
                END CASE;
            END $$
            """,
            """
            CREATE FUNCTION novyse.apply_body(p_kind smallint, p_key uuid, j jsonb) RETURNS integer LANGUAGE plpgsql AS $$
            BEGIN
                -- Returns how many items of another stream had to be healed first (only chat events do that).
                CASE p_kind
                    WHEN 1 THEN RETURN novyse.apply_chat_event(p_key, j);
                    WHEN 2 THEN PERFORM novyse.apply_message(j);
                    WHEN 3 THEN PERFORM novyse.apply_profile_event(p_key, j);
                    WHEN 4 THEN PERFORM novyse.apply_local_event(p_key, j);
                END CASE;
                RETURN 0;
            END $$
            """,
            // Applies everything the event store has after the stream's position, in order; returns the count.
            """
            CREATE FUNCTION novyse.heal_stream(p_kind smallint, p_key uuid) RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                pos bigint := novyse.lock_position(p_kind, p_key);
                n integer := 0;
                r record;
            BEGIN
                FOR r IN
                    SELECT e.id, e.prev_id, novyse.chat_event_json(e) AS j FROM novyse.chat_events e
                    WHERE p_kind = 1 AND e.chat_uuid = p_key AND e.id > pos
                    UNION ALL
                    SELECT m.id, m.prev_id, novyse.message_json(m) FROM novyse.messages m
                    WHERE p_kind = 2 AND m.chat_uuid = p_key AND m.id > pos
                    UNION ALL
                    SELECT e.id, e.prev_id, novyse.profile_event_json(e) FROM novyse.profile_events e
                    WHERE p_kind = 3 AND e.user_uuid = p_key AND e.id > pos
                    UNION ALL
                    SELECT e.id, e.prev_id, novyse.local_event_json(e) FROM novyse.local_events e
                    WHERE p_kind = 4 AND e.user_uuid = p_key AND e.id > pos
                    ORDER BY 1
                LOOP
                    IF r.prev_id <> pos THEN
                        RAISE EXCEPTION 'stream %/% is not a chain: item % follows %, expected %', p_kind, p_key, r.id, r.prev_id, pos;
                    END IF;
                    n := n + 1 + novyse.apply_body(p_kind, p_key, r.j);
                    pos := r.id;
                END LOOP;
                IF n > 0 THEN
                    UPDATE positions SET position = pos WHERE kind = p_kind AND key = p_key;
                END IF;
                RETURN n;
            END $$
            """,
            // One pipeline item: 'applied:<n>' (n items of another stream healed first), 'duplicate' (at or
            // behind the position), 'creation', or 'healed:<n>' when its prevID showed a gap (I2, I6).
            """
            CREATE FUNCTION novyse.apply_item(p_kind smallint, p_key uuid, p_id bigint, p_prev bigint, p_item text)
            RETURNS text LANGUAGE plpgsql AS $$
            DECLARE
                pos bigint := novyse.lock_position(p_kind, p_key);
                extra integer;
            BEGIN
                IF p_id = 0 THEN RETURN 'creation'; END IF;
                IF p_id <= pos THEN RETURN 'duplicate'; END IF;
                IF p_prev <> pos THEN RETURN 'healed:' || novyse.heal_stream(p_kind, p_key); END IF;
                extra := novyse.apply_body(p_kind, p_key, p_item::jsonb);
                UPDATE positions SET position = p_id WHERE kind = p_kind AND key = p_key;
                RETURN 'applied:' || extra;
            END $$
            """,
            // A batch in one call: returns {applied, duplicates, creations, healed}.
            """
            CREATE FUNCTION novyse.apply_batch(p_kinds smallint[], p_keys uuid[], p_ids bigint[], p_prevs bigint[], p_items text[])
            RETURNS jsonb LANGUAGE plpgsql AS $$
            DECLARE
                applied integer := 0; duplicates integer := 0; creations integer := 0; healed integer := 0;
                outcome text;
            BEGIN
                FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
                    outcome := novyse.apply_item(p_kinds[i], p_keys[i], p_ids[i], p_prevs[i], p_items[i]);
                    IF outcome LIKE 'applied:%' THEN
                        applied := applied + 1;
                        healed := healed + split_part(outcome, ':', 2)::integer;
                    ELSIF outcome = 'duplicate' THEN duplicates := duplicates + 1;
                    ELSIF outcome = 'creation' THEN creations := creations + 1;
                    ELSE healed := healed + split_part(outcome, ':', 2)::integer;
                    END IF;
                END LOOP;
                RETURN jsonb_build_object('applied', applied, 'duplicates', duplicates, 'creations', creations, 'healed', healed);
            END $$
            """,
            // Streams the event store has ahead of the snapshot (or whose owner the snapshot lacks), healed;
            // covers items Redis never delivered. Returns the number of items applied. Each stream heals in its
            // own subtransaction: one that fails (a deadlock, a bad item) is logged and skipped, never blocking
            // the streams after it. Key-then-kind order is the projector's global lock order.
            """
            CREATE FUNCTION novyse.sweep(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                n integer := 0;
                s record;
            BEGIN
                FOR s IN
                    SELECT st.kind, st.key FROM novyse.streams st
                    LEFT JOIN positions p ON p.kind = st.kind AND p.key = st.key
                    WHERE p.key IS NULL OR st.head > p.position
                    ORDER BY st.key, st.kind
                    LIMIT p_limit
                LOOP
                    BEGIN
                        n := n + novyse.heal_stream(s.kind, s.key);
                    EXCEPTION WHEN others THEN
                        RAISE WARNING 'sweep could not heal stream %/%: % (%)', s.kind, s.key, SQLERRM, SQLSTATE;
                    END;
                END LOOP;
                RETURN n;
            END $$
            """,
            // Every stream from zero into the (empty) snapshot schema on the search path.
            """
            CREATE FUNCTION novyse.replay_all() RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE
                n bigint := 0;
                s record;
            BEGIN
                FOR s IN SELECT kind, key FROM novyse.streams ORDER BY key, kind LOOP
                    n := n + novyse.heal_stream(s.kind, s.key);
                END LOOP;
                RETURN n;
            END $$
            """,
            // A digest of every snapshot table on the search path, to compare a live snapshot with a replay.
            """
            CREATE FUNCTION novyse.snapshot_checksum() RETURNS text LANGUAGE sql AS $$
                SELECT md5(string_agg(digest, '|' ORDER BY name)) FROM (
                    SELECT 'users' AS name, md5(COALESCE(string_agg(x::text, ',' ORDER BY x.uuid), '')) AS digest FROM users x
                    UNION ALL SELECT 'chats', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.uuid), '')) FROM chats x
                    UNION ALL SELECT 'members', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.chat_uuid, x.user_uuid), '')) FROM members x
                    UNION ALL SELECT 'messages', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.id), '')) FROM messages x
                    UNION ALL SELECT 'reactions', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.message_id, x.user_uuid, x.reaction), '')) FROM reactions x
                    UNION ALL SELECT 'settings', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.user_uuid), '')) FROM settings x
                    UNION ALL SELECT 'pinned_chats', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.user_uuid, x.chat_uuid), '')) FROM pinned_chats x
                    UNION ALL SELECT 'muted_chats', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.user_uuid, x.chat_uuid), '')) FROM muted_chats x
                    UNION ALL SELECT 'folders', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.user_uuid, x.folder_id), '')) FROM folders x
                    UNION ALL SELECT 'positions', md5(COALESCE(string_agg(x::text, ',' ORDER BY x.kind, x.key), '')) FROM positions x
                ) tables
            $$
            """,
        ])
}
