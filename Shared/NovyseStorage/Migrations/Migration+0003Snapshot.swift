extension Migration {
    /// The materialized state, kept in its own schema so the projector can rebuild it beside the live one and
    /// swap. No foreign keys: the projector applies streams independently, in any order across streams.
    ///
    /// `snapshot.positions` holds each stream's projected position, moved in the same transaction as the rows
    /// it covers (I4), and is what the projector compares `prevID` against (I6).
    static let snapshot = Migration(
        version: 3, name: "snapshot",
        statements: [
            "CREATE SCHEMA IF NOT EXISTS snapshot",
            """
            CREATE TABLE snapshot.users (
                uuid uuid PRIMARY KEY,
                handle text NOT NULL,
                name text NOT NULL DEFAULT '',
                surname text NOT NULL DEFAULT '',
                biography text NOT NULL DEFAULT '',
                profile_picture_uuid uuid,
                banner_picture_uuid uuid,
                birthday text,
                color text,
                created_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE snapshot.chats (
                uuid uuid PRIMARY KEY,
                type text NOT NULL,
                name text,
                created_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE snapshot.members (
                chat_uuid uuid NOT NULL,
                user_uuid uuid NOT NULL,
                role text NOT NULL,
                joined_at timestamptz NOT NULL,
                PRIMARY KEY (chat_uuid, user_uuid)
            )
            """,
            "CREATE INDEX members_by_user ON snapshot.members (user_uuid, chat_uuid)",
            """
            CREATE TABLE snapshot.messages (
                id bigint PRIMARY KEY,
                chat_uuid uuid NOT NULL,
                prev_id bigint NOT NULL,
                sender_uuid uuid NOT NULL,
                content text NOT NULL,
                created_at timestamptz NOT NULL,
                edited_at timestamptz,
                deleted boolean NOT NULL DEFAULT false,
                pinned boolean NOT NULL DEFAULT false
            )
            """,
            "CREATE INDEX messages_by_chat ON snapshot.messages (chat_uuid, id DESC)",
            "CREATE INDEX messages_pinned ON snapshot.messages (chat_uuid, id) WHERE pinned",
            """
            CREATE TABLE snapshot.reactions (
                message_id bigint NOT NULL,
                user_uuid uuid NOT NULL,
                reaction text NOT NULL,
                PRIMARY KEY (message_id, user_uuid, reaction)
            )
            """,
            """
            CREATE TABLE snapshot.settings (
                user_uuid uuid PRIMARY KEY,
                theme text
            )
            """,
            """
            CREATE TABLE snapshot.pinned_chats (
                user_uuid uuid NOT NULL,
                chat_uuid uuid NOT NULL,
                position integer NOT NULL,
                PRIMARY KEY (user_uuid, chat_uuid)
            )
            """,
            """
            CREATE TABLE snapshot.muted_chats (
                user_uuid uuid NOT NULL,
                chat_uuid uuid NOT NULL,
                until timestamptz,
                PRIMARY KEY (user_uuid, chat_uuid)
            )
            """,
            """
            CREATE TABLE snapshot.folders (
                user_uuid uuid NOT NULL,
                folder_id text NOT NULL,
                name text NOT NULL,
                chat_uuids uuid[] NOT NULL,
                PRIMARY KEY (user_uuid, folder_id)
            )
            """,
            """
            CREATE TABLE snapshot.positions (
                kind smallint NOT NULL,
                key uuid NOT NULL,
                position bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (kind, key)
            )
            """,
        ])
}
