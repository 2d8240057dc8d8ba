import GRDB

/// The mirror's SQLite schema, as GRDB migrations.
///
/// Tables follow the server's wire objects one to one, so applying is a field copy. Cursors live in the
/// rows they belong to (a chat's `event_id`/`message_id`, a user's `profile_event_id`, `local_state.event_id`)
/// and therefore move in the same transaction as the data they describe: a crash can never leave a cursor
/// ahead of its data or behind it. Child rows cascade, so dropping a chat drops its members, pins, messages
/// and their reactions in one statement.
public enum MirrorSchema {
    /// The migrator for a mirror database; safe to run on every start (applied migrations are skipped).
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chats (
                        uuid TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        name TEXT,
                        event_id INTEGER NOT NULL,
                        message_id INTEGER NOT NULL,
                        has_more_history INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE members (
                        chat_uuid TEXT NOT NULL REFERENCES chats(uuid) ON DELETE CASCADE,
                        user_uuid TEXT NOT NULL,
                        role TEXT NOT NULL,
                        joined_at TEXT,
                        PRIMARY KEY (chat_uuid, user_uuid)
                    );
                    CREATE TABLE pinned_messages (
                        chat_uuid TEXT NOT NULL REFERENCES chats(uuid) ON DELETE CASCADE,
                        message_id INTEGER NOT NULL,
                        PRIMARY KEY (chat_uuid, message_id)
                    );
                    CREATE TABLE users (
                        uuid TEXT PRIMARY KEY NOT NULL,
                        handle TEXT NOT NULL,
                        name TEXT NOT NULL,
                        surname TEXT,
                        biography TEXT,
                        profile_picture_uuid TEXT,
                        banner_picture_uuid TEXT,
                        birthday TEXT,
                        color TEXT,
                        profile_event_id INTEGER NOT NULL
                    );
                    CREATE TABLE messages (
                        id INTEGER PRIMARY KEY NOT NULL,
                        prev_id INTEGER NOT NULL,
                        chat_uuid TEXT NOT NULL REFERENCES chats(uuid) ON DELETE CASCADE,
                        sender_uuid TEXT NOT NULL,
                        content TEXT NOT NULL,
                        created_at TEXT,
                        edited_at TEXT,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        pinned INTEGER NOT NULL DEFAULT 0,
                        client_message_id TEXT
                    );
                    CREATE INDEX messages_by_chat ON messages(chat_uuid, id);
                    CREATE TABLE reactions (
                        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                        user_uuid TEXT NOT NULL,
                        reaction TEXT NOT NULL,
                        PRIMARY KEY (message_id, user_uuid, reaction)
                    );
                    CREATE TABLE local_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        user_uuid TEXT NOT NULL,
                        event_id INTEGER NOT NULL,
                        theme TEXT
                    );
                    CREATE TABLE pinned_chats (chat_uuid TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL);
                    CREATE TABLE muted_chats (chat_uuid TEXT PRIMARY KEY NOT NULL, until TEXT);
                    CREATE TABLE folders (folder_id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, chat_uuids TEXT NOT NULL);
                    """)
        }
        return migrator
    }

    /// Every table, children first, for wiping the mirror before an `initialize`.
    static let tables = [
        "reactions", "messages", "pinned_messages", "members", "chats", "users", "local_state", "pinned_chats",
        "muted_chats", "folders",
    ]
}
