-- Emergency releases: each request to release a snapshot without the gate, with its
-- justification, its chat message and how it ended; the approvals it collected; and the
-- annotations each decided Release is created with. Times are unix seconds.

CREATE TABLE emergency_requests (
    id            TEXT   PRIMARY KEY,
    gate          TEXT   NOT NULL,
    snapshot      TEXT   NOT NULL,
    digest        TEXT,
    git_revision  TEXT,
    gate_state    TEXT   NOT NULL,
    requester     TEXT   NOT NULL,
    justification TEXT   NOT NULL,
    approvals_needed BIGINT NOT NULL,
    state         TEXT   NOT NULL,
    requested_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    channel       TEXT   NOT NULL,
    thread_ts     TEXT,
    message_ts    TEXT,
    permalink     TEXT,
    closed_by     TEXT,
    closed_at     BIGINT,
    reason        TEXT,
    release_name  TEXT
);
-- One open request per snapshot: a second one would split the approvers.
CREATE UNIQUE INDEX emergency_requests_one_pending ON emergency_requests (gate, snapshot)
    WHERE state = 'pending';
CREATE INDEX emergency_requests_by_state ON emergency_requests (state, expires_at);

CREATE TABLE emergency_approvals (
    request_id  TEXT   NOT NULL,
    approver    TEXT   NOT NULL,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (request_id, approver)
);

-- Annotations the Release is created with (a JSON object), decided with the Release.
ALTER TABLE releases ADD COLUMN annotations TEXT NOT NULL DEFAULT '{}';
