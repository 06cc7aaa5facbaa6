-- ON_QA escalation: every step sent (at most once per issue, ON_QA entry and step), the issues
-- in ON_QA as of the last scan (for the `escalations` command), and each scan's outcome (for the
-- digest). Times are unix seconds.

CREATE TABLE escalation_steps (
    issue_key   TEXT   NOT NULL,
    on_qa_since BIGINT NOT NULL,
    step        TEXT   NOT NULL,
    person      TEXT   NOT NULL,
    comment_id  TEXT   NOT NULL,
    sent_at     BIGINT NOT NULL,
    PRIMARY KEY (issue_key, on_qa_since, step)
);

CREATE TABLE escalation_watch (
    issue_key   TEXT   PRIMARY KEY,
    summary     TEXT   NOT NULL,
    on_qa_since BIGINT NOT NULL,
    seen_at     BIGINT NOT NULL
);

CREATE TABLE escalation_scans (
    id              BIGSERIAL PRIMARY KEY,
    started_at      BIGINT NOT NULL,
    finished_at     BIGINT NOT NULL,
    complete        BIGINT NOT NULL,
    issues_seen     BIGINT NOT NULL,
    comments_sent   BIGINT NOT NULL,
    stopped_because TEXT
);
