extension Migration {
    /// Idempotency keys (I5) and the publishing outbox (I3), both written in the mutation's own transaction.
    static let delivery = Migration(
        version: 2, name: "delivery",
        statements: [
            """
            CREATE TABLE novyse.idempotency_keys (
                user_uuid uuid NOT NULL,
                key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
                request_hash text NOT NULL,
                status_code smallint NOT NULL,
                response jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (user_uuid, key)
            )
            """,
            "CREATE INDEX idempotency_keys_by_age ON novyse.idempotency_keys (created_at)",

            """
            CREATE TABLE novyse.outbox (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                stream_kind smallint NOT NULL CHECK (stream_kind BETWEEN 1 AND 4),
                stream_key uuid NOT NULL,
                item_id bigint NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            COMMENT ON TABLE novyse.outbox IS 'Committed but not yet published to Redis. Rows of one stream are \
            written under that stream''s lock, so id order is stream order. item_id 0 announces the creation of the \
            stream''s owner (a user or a chat), which is not an event.'
            """,
        ])
}
