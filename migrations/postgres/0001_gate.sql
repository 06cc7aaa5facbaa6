-- The release gate: what gatebot observed, decided and did. Times are unix seconds.

CREATE TABLE snapshots (
    gate          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    namespace     TEXT    NOT NULL,
    component     TEXT    NOT NULL,
    image         TEXT    NOT NULL,
    digest        TEXT,
    git_url       TEXT,
    git_revision  TEXT,
    created_at    BIGINT  NOT NULL,
    first_seen_at BIGINT  NOT NULL,
    PRIMARY KEY (gate, name)
);

CREATE TABLE runs (
    job          TEXT   NOT NULL,
    build_id     TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    url          TEXT   NOT NULL,
    target_kind  TEXT   NOT NULL,
    target_value TEXT,
    seen_at      BIGINT NOT NULL,
    PRIMARY KEY (job, build_id)
);

CREATE TABLE job_cursors (
    job        TEXT   PRIMARY KEY,
    cursor     TEXT   NOT NULL,
    polled_at  BIGINT NOT NULL
);

CREATE TABLE verdicts (
    id         BIGSERIAL PRIMARY KEY,
    gate       TEXT    NOT NULL,
    snapshot   TEXT    NOT NULL,
    decision   TEXT    NOT NULL,
    summary    TEXT    NOT NULL,
    decided_at BIGINT  NOT NULL
);
CREATE INDEX verdicts_by_snapshot ON verdicts (gate, snapshot, id);

CREATE TABLE releases (
    name           TEXT   PRIMARY KEY,
    namespace      TEXT   NOT NULL,
    gate           TEXT   NOT NULL,
    snapshot       TEXT   NOT NULL,
    release_plan   TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    status         TEXT   NOT NULL,
    status_message TEXT,
    decided_at     BIGINT NOT NULL,
    created_at     BIGINT,
    updated_at     BIGINT NOT NULL
);
-- One Release per snapshot, whichever path (gate, manual, emergency) gets there first.
CREATE UNIQUE INDEX releases_one_per_snapshot ON releases (gate, snapshot);

CREATE TABLE unexpected_releases (
    namespace     TEXT   NOT NULL,
    name          TEXT   NOT NULL,
    release_plan  TEXT   NOT NULL,
    snapshot      TEXT   NOT NULL,
    author        TEXT,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (namespace, name)
);

CREATE TABLE release_plan_checks (
    gate         TEXT    PRIMARY KEY,
    release_plan TEXT    NOT NULL,
    auto_release TEXT,
    bypassed     INTEGER NOT NULL,
    checked_at   BIGINT  NOT NULL
);

CREATE TABLE problems (
    id      BIGSERIAL PRIMARY KEY,
    at      BIGINT  NOT NULL,
    source  TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);

CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      BIGINT  NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    outcome TEXT    NOT NULL,
    detail  TEXT    NOT NULL,
    channel TEXT,
    thread  TEXT
);
