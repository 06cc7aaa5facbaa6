-- One approvals room: every two-person decision is an approval request with the approvals it
-- collected. Emergency releases are the first kind; override-fix plans, waivers, policy changes
-- and stage promotions follow. What is being approved lives in the workflow's own table, keyed
-- by the request id. An approval records the digest of what it approved: when the subject
-- changes, its digest changes and the earlier approvals no longer count.
--
-- The same SQL serves SQLite and Postgres. Times are unix seconds.

CREATE TABLE approval_requests (
    id               TEXT   PRIMARY KEY,
    kind             TEXT   NOT NULL,
    subject          TEXT   NOT NULL,
    subject_digest   TEXT   NOT NULL,
    requester        TEXT   NOT NULL,
    approvals_needed BIGINT NOT NULL,
    state            TEXT   NOT NULL,
    requested_at     BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    channel          TEXT   NOT NULL,
    thread_ts        TEXT,
    message_ts       TEXT,
    permalink        TEXT,
    closed_by        TEXT,
    closed_at        BIGINT,
    reason           TEXT
);
-- One open request per subject: a second one would split the approvers.
CREATE UNIQUE INDEX approval_requests_one_pending ON approval_requests (kind, subject)
    WHERE state = 'pending';
CREATE INDEX approval_requests_by_state ON approval_requests (state, expires_at);

CREATE TABLE approvals (
    request_id     TEXT   NOT NULL,
    approver       TEXT   NOT NULL,
    approved_at    BIGINT NOT NULL,
    subject_digest TEXT   NOT NULL,
    PRIMARY KEY (request_id, approver)
);

-- What an emergency request asks to release.
CREATE TABLE emergency_releases (
    request_id    TEXT PRIMARY KEY,
    gate          TEXT NOT NULL,
    snapshot      TEXT NOT NULL,
    digest        TEXT,
    git_revision  TEXT,
    gate_state    TEXT NOT NULL,
    justification TEXT NOT NULL,
    release_name  TEXT
);

-- Requests made before this version keep their history; their subject digest is empty, as is
-- that of their approvals, so the approvals they collected still count.
INSERT INTO approval_requests (id, kind, subject, subject_digest, requester, approvals_needed,
    state, requested_at, expires_at, channel, thread_ts, message_ts, permalink, closed_by,
    closed_at, reason)
SELECT id, 'emergency-release', gate || '/' || snapshot, '', requester, approvals_needed,
    state, requested_at, expires_at, channel, thread_ts, message_ts, permalink, closed_by,
    closed_at, reason
FROM emergency_requests;

INSERT INTO emergency_releases (request_id, gate, snapshot, digest, git_revision, gate_state,
    justification, release_name)
SELECT id, gate, snapshot, digest, git_revision, gate_state, justification, release_name
FROM emergency_requests;

INSERT INTO approvals (request_id, approver, approved_at, subject_digest)
SELECT request_id, approver, approved_at, '' FROM emergency_approvals;

DROP TABLE emergency_approvals;
DROP TABLE emergency_requests;
