extension Migration {
    /// The event store and the command side's write model: the truth everything else is derived from.
    ///
    /// Ordering (I1): every stream has a row in `novyse.streams`; a writer locks that row before it draws an
    /// ID from `item_id_seq`, so within a stream IDs become visible in commit order. Linking (I2): each item
    /// stores `prev_id`, and `UNIQUE (stream, prev_id)` makes two items claiming the same predecessor
    /// impossible even if application code were wrong.
    static let eventStore = Migration(
        version: 1, name: "event_store",
        statements: [
            "CREATE SCHEMA IF NOT EXISTS novyse",
            // One ID space for messages and events; capped at 2^53 - 1 so IDs stay exact as JSON numbers.
            "CREATE SEQUENCE novyse.item_id_seq AS bigint MAXVALUE 9007199254740991",

            """
            CREATE TABLE novyse.users (
                uuid uuid PRIMARY KEY,
                handle text NOT NULL,
                initial_profile jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "COMMENT ON COLUMN novyse.users.handle IS 'Current handle (write model, unique); history lives in profile_events.'",
            "COMMENT ON COLUMN novyse.users.initial_profile IS 'Profile at creation; the projector replays profile_events on top.'",
            "CREATE UNIQUE INDEX users_handle_unique ON novyse.users (lower(handle))",

            """
            CREATE TABLE novyse.devices (
                user_uuid uuid NOT NULL REFERENCES novyse.users (uuid),
                device_id text NOT NULL CHECK (length(device_id) BETWEEN 1 AND 128),
                push_token text,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (user_uuid, device_id)
            )
            """,
            "CREATE UNIQUE INDEX devices_push_token_unique ON novyse.devices (push_token) WHERE push_token IS NOT NULL",

            """
            CREATE TABLE novyse.chats (
                uuid uuid PRIMARY KEY,
                type text NOT NULL CHECK (type IN ('DM', 'GROUP', 'CHANNEL')),
                name text,
                created_by uuid NOT NULL REFERENCES novyse.users (uuid),
                dm_key text UNIQUE,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "COMMENT ON COLUMN novyse.chats.dm_key IS 'For DMs: both member UUIDs, sorted, so a pair has one DM.'",
            """
            CREATE TABLE novyse.chat_creation_members (
                chat_uuid uuid NOT NULL REFERENCES novyse.chats (uuid),
                user_uuid uuid NOT NULL REFERENCES novyse.users (uuid),
                role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
                PRIMARY KEY (chat_uuid, user_uuid)
            )
            """,
            "COMMENT ON TABLE novyse.chat_creation_members IS 'Members at creation (not an event); replay starts here.'",
            """
            CREATE TABLE novyse.memberships (
                chat_uuid uuid NOT NULL REFERENCES novyse.chats (uuid),
                user_uuid uuid NOT NULL REFERENCES novyse.users (uuid),
                role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
                joined_at timestamptz NOT NULL,
                left_at timestamptz,
                PRIMARY KEY (chat_uuid, user_uuid)
            )
            """,
            "COMMENT ON TABLE novyse.memberships IS 'Write model: current membership, updated with each MEMBER_* event.'",
            "CREATE INDEX memberships_active_by_user ON novyse.memberships (user_uuid, chat_uuid) WHERE left_at IS NULL",

            """
            CREATE TABLE novyse.streams (
                kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 4),
                key uuid NOT NULL,
                head bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (kind, key)
            )
            """,
            "COMMENT ON TABLE novyse.streams IS 'Stream heads and lock rows: lock FOR UPDATE, then draw the ID (I1).'",

            """
            CREATE TABLE novyse.messages (
                id bigint PRIMARY KEY DEFAULT nextval('novyse.item_id_seq'),
                chat_uuid uuid NOT NULL REFERENCES novyse.chats (uuid),
                prev_id bigint NOT NULL,
                sender_uuid uuid NOT NULL REFERENCES novyse.users (uuid),
                content text NOT NULL,
                client_message_id uuid NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT messages_stream_link UNIQUE (chat_uuid, prev_id),
                CONSTRAINT messages_client_id UNIQUE (sender_uuid, client_message_id)
            )
            """,
            "CREATE INDEX messages_by_chat ON novyse.messages (chat_uuid, id)",
            """
            CREATE TABLE novyse.message_state (
                message_id bigint PRIMARY KEY REFERENCES novyse.messages (id),
                deleted boolean NOT NULL DEFAULT false,
                pinned boolean NOT NULL DEFAULT false
            )
            """,
            "COMMENT ON TABLE novyse.message_state IS 'Write model; a row exists only once a message is deleted or pinned.'",
            """
            CREATE TABLE novyse.message_reactions (
                message_id bigint NOT NULL REFERENCES novyse.messages (id),
                user_uuid uuid NOT NULL REFERENCES novyse.users (uuid),
                reaction text NOT NULL,
                PRIMARY KEY (message_id, user_uuid, reaction)
            )
            """,

            """
            CREATE TABLE novyse.chat_events (
                id bigint PRIMARY KEY DEFAULT nextval('novyse.item_id_seq'),
                chat_uuid uuid NOT NULL REFERENCES novyse.chats (uuid),
                prev_id bigint NOT NULL,
                type text NOT NULL CHECK (type IN ('MESSAGE_EDITED', 'REACTION_ADDED', 'REACTION_REMOVED',
                    'MESSAGE_DELETED', 'MESSAGE_PINNED', 'MESSAGE_UNPINNED', 'MEMBER_JOINED', 'MEMBER_LEFT')),
                user_uuid uuid NOT NULL,
                actor_uuid uuid NOT NULL,
                message_id bigint REFERENCES novyse.messages (id),
                payload jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT chat_events_stream_link UNIQUE (chat_uuid, prev_id)
            )
            """,
            "COMMENT ON COLUMN novyse.chat_events.user_uuid IS 'The envelope userUUID: the actor, or the member for MEMBER_*.'",
            "CREATE INDEX chat_events_by_chat ON novyse.chat_events (chat_uuid, id)",
            """
            CREATE INDEX chat_events_edits_by_message ON novyse.chat_events (message_id, id)
                WHERE type = 'MESSAGE_EDITED'
            """,

            """
            CREATE TABLE novyse.profile_events (
                id bigint PRIMARY KEY DEFAULT nextval('novyse.item_id_seq'),
                user_uuid uuid NOT NULL REFERENCES novyse.users (uuid),
                prev_id bigint NOT NULL,
                type text NOT NULL CHECK (type IN ('BIO_CHANGED', 'PICTURE_CHANGED', 'BANNER_CHANGED',
                    'NAME_CHANGED', 'SURNAME_CHANGED', 'BIRTHDAY_CHANGED', 'COLOR_CHANGED', 'HANDLE_CHANGED')),
                payload jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT profile_events_stream_link UNIQUE (user_uuid, prev_id)
            )
            """,
            "CREATE INDEX profile_events_by_user ON novyse.profile_events (user_uuid, id)",
            "CREATE INDEX profile_events_latest_by_type ON novyse.profile_events (user_uuid, type, id DESC)",

            """
            CREATE TABLE novyse.local_events (
                id bigint PRIMARY KEY DEFAULT nextval('novyse.item_id_seq'),
                user_uuid uuid NOT NULL REFERENCES novyse.users (uuid),
                prev_id bigint NOT NULL,
                type text NOT NULL CHECK (type IN ('CHAT_PINNED', 'CHAT_UNPINNED', 'CHAT_MUTED', 'CHAT_UNMUTED',
                    'THEME_CHANGED', 'FOLDER_UPDATED', 'FOLDER_DELETED')),
                device_id text,
                payload jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT local_events_stream_link UNIQUE (user_uuid, prev_id)
            )
            """,
            "CREATE INDEX local_events_by_user ON novyse.local_events (user_uuid, id)",
        ])
}
