extension Migration {
    /// SQL functions that render event-store rows as the wire objects of `api.md`.
    ///
    /// The outbox relay, the projector's heal from Postgres and the query service all read items from these
    /// tables; rendering them in one place means every path emits byte-for-byte the same shapes, and the
    /// JSON is built next to the data instead of row by row in Swift.
    static let wireJSON = Migration(
        version: 4, name: "wire_json",
        statements: [
            """
            CREATE FUNCTION novyse.iso_time(ts timestamptz) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$
            """,
            """
            CREATE FUNCTION novyse.chat_event_json(e novyse.chat_events) RETURNS jsonb
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT jsonb_build_object(
                'id', e.id, 'prevID', e.prev_id, 'type', e.type, 'chatUUID', e.chat_uuid,
                'userUUID', e.user_uuid, 'createdAt', novyse.iso_time(e.created_at), 'payload', e.payload) $$
            """,
            """
            CREATE FUNCTION novyse.profile_event_json(e novyse.profile_events) RETURNS jsonb
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT jsonb_build_object(
                'id', e.id, 'prevID', e.prev_id, 'type', e.type, 'userUUID', e.user_uuid,
                'createdAt', novyse.iso_time(e.created_at), 'payload', e.payload) $$
            """,
            """
            CREATE FUNCTION novyse.local_event_json(e novyse.local_events) RETURNS jsonb
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT jsonb_build_object(
                'id', e.id, 'prevID', e.prev_id, 'type', e.type, 'userUUID', e.user_uuid,
                'createdAt', novyse.iso_time(e.created_at), 'payload', e.payload) $$
            """,
            // A message as it was created: the state every later chat event starts from.
            """
            CREATE FUNCTION novyse.message_json(m novyse.messages) RETURNS jsonb
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT jsonb_build_object(
                'id', m.id, 'prevID', m.prev_id, 'chatUUID', m.chat_uuid, 'senderUUID', m.sender_uuid,
                'content', m.content, 'clientMessageID', m.client_message_id,
                'createdAt', novyse.iso_time(m.created_at), 'editedAt', NULL, 'deleted', false, 'pinned', false,
                'reactions', '[]'::jsonb) $$
            """,
            // A user as created (profile at creation), for the creation announcement on the profile stream.
            """
            CREATE FUNCTION novyse.user_created_json(u novyse.users) RETURNS jsonb
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT u.initial_profile || jsonb_build_object(
                'uuid', u.uuid, 'createdAt', novyse.iso_time(u.created_at)) $$
            """,
            // A chat as created, with the members it was created with.
            """
            CREATE FUNCTION novyse.chat_created_json(c novyse.chats) RETURNS jsonb
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT jsonb_build_object(
                'uuid', c.uuid, 'type', c.type, 'name', c.name, 'createdAt', novyse.iso_time(c.created_at),
                'members', COALESCE((
                    SELECT jsonb_agg(jsonb_build_object(
                        'userUUID', m.user_uuid, 'role', m.role, 'joinedAt', novyse.iso_time(c.created_at))
                        ORDER BY m.user_uuid)
                    FROM novyse.chat_creation_members m WHERE m.chat_uuid = c.uuid), '[]'::jsonb)) $$
            """,
        ])
}
