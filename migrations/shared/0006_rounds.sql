-- Rounds: each attempt gatebot makes to run a cell's job for a snapshot through Gangway. The row
-- is written before Gangway is called (state `intended`), so that whoever inserts it — one
-- replica, once — is the one that triggers, and a crash between the call and its record leaves
-- an intent to look for rather than a gap. Times are unix seconds.
--
-- The same SQL serves SQLite and Postgres.

CREATE TABLE round_attempts (
    gate         TEXT   NOT NULL,
    snapshot     TEXT   NOT NULL,
    version      TEXT   NOT NULL,
    platform     TEXT   NOT NULL,
    check_name   TEXT   NOT NULL,
    attempt      BIGINT NOT NULL,
    job          TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    execution    TEXT,
    result       TEXT,
    retry        BIGINT,
    intended_at  BIGINT NOT NULL,
    triggered_at BIGINT,
    finished_at  BIGINT,
    PRIMARY KEY (gate, snapshot, version, platform, check_name, attempt)
);
CREATE INDEX round_attempts_open ON round_attempts (state);
