extension Migration {
    /// Each message records where it stands among its chat's events, so its audience can be decided as of
    /// its position (the fan-out reads messages and chat events from different pipeline partitions):
    ///
    /// - `messages.event_position`: the head of the chat's event stream when the message was sent. Sends
    ///   hold that stream's row `FOR KEY SHARE` and membership changes hold it `FOR UPDATE`, so the
    ///   membership as of that event is exactly the membership the message was sent into. NULL for messages
    ///   written before this migration (their audience is the current membership, as before).
    /// - An index for "the membership of a chat as of event N": the latest MEMBER_* event of each user up to N.
    static let audiencePositions = Migration(
        version: 7, name: "audience_positions",
        statements: [
            "ALTER TABLE novyse.messages ADD COLUMN event_position bigint",
            """
            COMMENT ON COLUMN novyse.messages.event_position IS
                'Head of the chat''s event stream at send: its audience is the membership as of that event.'
            """,
            """
            CREATE INDEX chat_events_membership_by_user ON novyse.chat_events (chat_uuid, user_uuid, id)
                WHERE type IN ('MEMBER_JOINED', 'MEMBER_LEFT')
            """,
        ])
}
