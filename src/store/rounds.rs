//! The attempts of rounds: one row per (snapshot, cell, attempt number), written before Gangway
//! is called. Inserting the intent is the claim — of two replicas, or of a process and its
//! restart, only the one whose insert went through triggers — and its later states record the
//! execution and the result.

use jiff::Timestamp;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use super::time::{from_db, to_db};
use super::{Result, Store, StoreError};
use crate::gate::model::InvalidVersion;
use crate::gate::{CellKey, Platform, RunState, SnapshotKey};
use crate::rounds::{Attempt, AttemptState};

/// The columns [`attempt_from_row`] reads, for `concat!` into a query.
macro_rules! attempt_columns {
    () => {
        "version, platform, check_name, attempt, state, execution, result, retry, reason, \
         run_url, intended_at, triggered_at"
    };
}

/// How an attempt ended, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptOutcome<'a> {
    pub result: RunState,
    /// Whether the next attempt of the cell is wanted.
    pub retry: bool,
    /// Why it is or is not retried, for a failure.
    pub reason: Option<&'a str>,
}

impl Store {
    /// Records the intent to run attempt `number` of `cell` for `snapshot` with `job`; `false`
    /// when it was recorded already (by this process before, or by another replica), in which
    /// case the caller must not trigger it.
    pub async fn intend_attempt(
        &self,
        snapshot: &SnapshotKey,
        cell: &CellKey,
        number: u32,
        job: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let inserted = keyed(
            sqlx::query(
                "INSERT INTO round_attempts (gate, snapshot, version, platform, check_name, \
                 attempt, job, state, intended_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,'intended',$8) ON CONFLICT DO NOTHING",
            ),
            snapshot,
            cell,
            number,
        )
        .bind(job)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Claims an intended attempt again, to trigger it once more after its execution was
    /// looked for and not found: `true` for the one caller whose claim moved its intent time
    /// from `intended_at` to `now` (of two replicas, only one re-triggers).
    pub async fn reclaim_attempt(
        &self,
        snapshot: &SnapshotKey,
        cell: &CellKey,
        number: u32,
        intended_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let claimed = keyed(
            sqlx::query(
                "UPDATE round_attempts SET intended_at = $8 WHERE gate = $1 AND snapshot = $2 \
                 AND version = $3 AND platform = $4 AND check_name = $5 AND attempt = $6 \
                 AND state = 'intended' AND intended_at = $7",
            ),
            snapshot,
            cell,
            number,
        )
        .bind(to_db(intended_at))
        .bind(to_db(now))
        .execute(self.pool())
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Records the execution Gangway started (or that was found) for an intended attempt.
    pub async fn attempt_triggered(
        &self,
        snapshot: &SnapshotKey,
        cell: &CellKey,
        number: u32,
        execution: &str,
        at: Timestamp,
    ) -> Result<()> {
        keyed(
            sqlx::query(
                "UPDATE round_attempts SET state = 'triggered', execution = $7, triggered_at = $8 \
                 WHERE gate = $1 AND snapshot = $2 AND version = $3 AND platform = $4 \
                 AND check_name = $5 AND attempt = $6 AND state = 'intended'",
            ),
            snapshot,
            cell,
            number,
        )
        .bind(execution)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records where a triggered attempt's run can be seen, once Prow scheduled it.
    pub async fn attempt_link(
        &self,
        snapshot: &SnapshotKey,
        cell: &CellKey,
        number: u32,
        run_url: &str,
    ) -> Result<()> {
        keyed(
            sqlx::query(
                "UPDATE round_attempts SET run_url = $7 WHERE gate = $1 AND snapshot = $2 \
                 AND version = $3 AND platform = $4 AND check_name = $5 AND attempt = $6",
            ),
            snapshot,
            cell,
            number,
        )
        .bind(run_url)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records how a triggered attempt ended, whether its cell is to run again, and why.
    pub async fn attempt_finished(
        &self,
        snapshot: &SnapshotKey,
        cell: &CellKey,
        number: u32,
        outcome: &AttemptOutcome<'_>,
        at: Timestamp,
    ) -> Result<()> {
        keyed(
            sqlx::query(
                "UPDATE round_attempts SET state = 'finished', result = $7, retry = $8, \
                 reason = $9, finished_at = $10 WHERE gate = $1 AND snapshot = $2 \
                 AND version = $3 AND platform = $4 AND check_name = $5 AND attempt = $6 \
                 AND state = 'triggered'",
            ),
            snapshot,
            cell,
            number,
        )
        .bind(<&str>::from(outcome.result))
        .bind(i64::from(outcome.retry))
        .bind(outcome.reason)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes back an intent whose trigger certainly did not happen, so it is tried again.
    pub async fn withdraw_attempt(
        &self,
        snapshot: &SnapshotKey,
        cell: &CellKey,
        number: u32,
    ) -> Result<()> {
        keyed(
            sqlx::query(
                "DELETE FROM round_attempts WHERE gate = $1 AND snapshot = $2 AND version = $3 \
                 AND platform = $4 AND check_name = $5 AND attempt = $6 AND state = 'intended'",
            ),
            snapshot,
            cell,
            number,
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The snapshot of a gate whose round had the latest intent, if any round ever ran.
    pub async fn latest_round(&self, gate: &str) -> Result<Option<SnapshotKey>> {
        let row = sqlx::query(
            "SELECT snapshot FROM round_attempts WHERE gate = $1 \
             ORDER BY intended_at DESC, snapshot DESC LIMIT 1",
        )
        .bind(gate)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(SnapshotKey::new(
                gate,
                row.try_get::<String, _>("snapshot")?,
            ))
        })
        .transpose()
    }

    /// Every attempt of a snapshot's rounds, cell by cell, in attempt order.
    pub async fn attempts(&self, snapshot: &SnapshotKey) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            attempt_columns!(),
            " FROM round_attempts WHERE gate = $1 AND snapshot = $2 \
             ORDER BY version, platform, check_name, attempt"
        ))
        .bind(&snapshot.gate)
        .bind(&snapshot.snapshot)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }

    /// The triggered attempts of a gate whose result is not recorded yet, by snapshot, whatever
    /// round they belong to (a round that ended may still have runs going).
    pub async fn running_attempts(&self, gate: &str) -> Result<Vec<(String, Attempt)>> {
        let query = concat!(
            "SELECT snapshot, ",
            attempt_columns!(),
            " FROM round_attempts WHERE state = 'triggered' AND gate = $1 \
             ORDER BY snapshot, version, platform, check_name, attempt"
        );
        self.attempts_by_snapshot(query, gate).await
    }

    /// Every attempt of every round of a gate, by snapshot: what the engine starts from.
    pub async fn gate_attempts(&self, gate: &str) -> Result<Vec<(String, Attempt)>> {
        let query = concat!(
            "SELECT snapshot, ",
            attempt_columns!(),
            " FROM round_attempts WHERE gate = $1 \
             ORDER BY snapshot, version, platform, check_name, attempt"
        );
        self.attempts_by_snapshot(query, gate).await
    }

    /// The attempts `query` selects for `gate` (bound as `$1`), each with its snapshot.
    async fn attempts_by_snapshot(
        &self,
        query: &'static str,
        gate: &str,
    ) -> Result<Vec<(String, Attempt)>> {
        let rows = sqlx::query(query).bind(gate).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("snapshot")?, attempt_from_row(row)?)))
            .collect()
    }
}

/// `query` with an attempt's key bound as `$1` to `$6`: gate, snapshot, version, platform,
/// check, attempt number.
fn keyed<'q>(
    query: Query<'q, Any, AnyArguments>,
    snapshot: &SnapshotKey,
    cell: &CellKey,
    number: u32,
) -> Query<'q, Any, AnyArguments> {
    query
        .bind(snapshot.gate.clone())
        .bind(snapshot.snapshot.clone())
        .bind(cell.version.to_string())
        .bind(cell.platform.as_str().to_string())
        .bind(cell.check.to_string())
        .bind(i64::from(number))
}

fn attempt_from_row(row: &AnyRow) -> Result<Attempt> {
    let corrupt = |what: &'static str, detail: String| StoreError::Corrupt { what, detail };
    let text = |column: &str| row.try_get::<String, _>(column);
    let cell = CellKey {
        version: text("version")?
            .parse()
            .map_err(|error: InvalidVersion| corrupt("round attempt version", error.to_string()))?,
        platform: Platform::new(text("platform")?),
        check: text("check_name")?
            .parse()
            .map_err(|error| corrupt("round attempt check", error))?,
    };
    let number = u32::try_from(row.try_get::<i64, _>("attempt")?)
        .map_err(|_| corrupt("round attempt number", "not a count".into()))?;
    let execution = || -> Result<String> {
        row.try_get::<Option<String>, _>("execution")?
            .ok_or_else(|| corrupt("round attempt execution", "missing".into()))
    };
    let state = match text("state")?.as_str() {
        "intended" => AttemptState::Intended {
            at: from_db(row.try_get("intended_at")?)?,
        },
        "triggered" => AttemptState::Triggered {
            execution: execution()?,
            at: from_db(
                row.try_get::<Option<i64>, _>("triggered_at")?
                    .ok_or_else(|| corrupt("round attempt trigger time", "missing".into()))?,
            )?,
        },
        "finished" => {
            let result: Option<String> = row.try_get("result")?;
            AttemptState::Finished {
                execution: execution()?,
                result: result
                    .as_deref()
                    .unwrap_or_default()
                    .parse()
                    .map_err(|_| corrupt("round attempt result", result.unwrap_or_default()))?,
                retry: row.try_get::<Option<i64>, _>("retry")?.unwrap_or(0) != 0,
                reason: row.try_get("reason")?,
            }
        }
        other => return Err(corrupt("round attempt state", other.to_string())),
    };
    Ok(Attempt {
        cell,
        number,
        state,
        run_url: row.try_get("run_url")?,
    })
}
