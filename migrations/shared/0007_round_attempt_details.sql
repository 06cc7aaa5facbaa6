-- What people are shown about each attempt of a round: the link to its run (Gangway's job URL,
-- known once Prow scheduled it) and, for a failed attempt, why it was or was not retried (the
-- evidence: how it failed, the job's recent pass rate).
--
-- The same SQL serves SQLite and Postgres.

ALTER TABLE round_attempts ADD COLUMN run_url TEXT;
ALTER TABLE round_attempts ADD COLUMN reason TEXT;
