-- The chat front: the status message of each snapshot (so a restart keeps editing it and
-- posting into its thread), the outbox of thread events not yet posted, and the chat
-- deliveries already handled (so a redelivered envelope never runs a command twice).
-- Times are unix seconds.

CREATE TABLE chat_threads (
    gate       TEXT   NOT NULL,
    snapshot   TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    ts         TEXT   NOT NULL,
    posted_at  BIGINT NOT NULL,
    PRIMARY KEY (gate, snapshot)
);

CREATE TABLE chat_outbox (
    id         BIGSERIAL PRIMARY KEY,
    gate       TEXT   NOT NULL,
    snapshot   TEXT,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    posted_at  BIGINT
);

CREATE INDEX chat_outbox_unposted ON chat_outbox (posted_at, id);

CREATE TABLE chat_deliveries (
    delivery_id TEXT   PRIMARY KEY,
    received_at BIGINT NOT NULL
);
