//! Prow runs gatebot has read, including the ones that name no snapshot (kept so that people can
//! see what was ignored and why).

use jiff::Timestamp;
use sqlx::Row;

use super::time::{from_db_opt, to_db};
use super::{Result, Store, StoreError};
use crate::gate::{JobRun, RunTarget};

/// What recording a run changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunChange {
    New,
    Updated,
    Unchanged,
}

impl Store {
    /// Records a run, or its new state; runs are keyed by (job, build id).
    pub async fn record_run(&self, run: &JobRun, seen_at: Timestamp) -> Result<RunChange> {
        let (kind, value) = target_columns(&run.target);
        let mut tx = self.pool().begin().await?;
        let existing = sqlx::query(
            "SELECT state, finished_at, target_kind, target_value FROM runs \
             WHERE job = $1 AND build_id = $2",
        )
        .bind(&run.job)
        .bind(&run.build_id)
        .fetch_optional(&mut *tx)
        .await?;
        let change = match existing {
            None => RunChange::New,
            Some(row) => {
                let same = row.try_get::<String, _>("state")? == <&str>::from(run.state)
                    && row.try_get::<Option<i64>, _>("finished_at")? == run.finished_at.map(to_db)
                    && row.try_get::<String, _>("target_kind")? == kind
                    && row.try_get::<Option<String>, _>("target_value")?.as_deref() == value;
                if same {
                    return Ok(RunChange::Unchanged);
                }
                RunChange::Updated
            }
        };
        sqlx::query(
            "INSERT INTO runs (job, build_id, state, started_at, finished_at, url, target_kind, \
             target_value, seen_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) \
             ON CONFLICT (job, build_id) DO UPDATE SET state = excluded.state, \
             started_at = excluded.started_at, finished_at = excluded.finished_at, \
             url = excluded.url, target_kind = excluded.target_kind, \
             target_value = excluded.target_value, seen_at = excluded.seen_at",
        )
        .bind(&run.job)
        .bind(&run.build_id)
        .bind(<&str>::from(run.state))
        .bind(run.started_at.map(to_db))
        .bind(run.finished_at.map(to_db))
        .bind(&run.url)
        .bind(kind)
        .bind(value)
        .bind(to_db(seen_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(change)
    }

    /// Every recorded run.
    pub async fn runs(&self) -> Result<Vec<JobRun>> {
        let rows = sqlx::query(
            "SELECT job, build_id, state, started_at, finished_at, url, target_kind, target_value \
             FROM runs ORDER BY job, build_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok(JobRun {
                    job: row.try_get("job")?,
                    build_id: row.try_get("build_id")?,
                    state: state.parse().map_err(|_| StoreError::Corrupt {
                        what: "run state",
                        detail: state.clone(),
                    })?,
                    started_at: from_db_opt(row.try_get("started_at")?)?,
                    finished_at: from_db_opt(row.try_get("finished_at")?)?,
                    url: row.try_get("url")?,
                    target: target_from_columns(
                        &row.try_get::<String, _>("target_kind")?,
                        row.try_get("target_value")?,
                    )?,
                })
            })
            .collect()
    }
}

fn target_columns(target: &RunTarget) -> (&'static str, Option<&str>) {
    match target {
        RunTarget::Snapshot(name) => ("snapshot", Some(name)),
        RunTarget::Image(reference) => ("image", Some(reference)),
        RunTarget::Unknown => ("unknown", None),
    }
}

fn target_from_columns(kind: &str, value: Option<String>) -> Result<RunTarget> {
    match (kind, value) {
        ("snapshot", Some(name)) => Ok(RunTarget::Snapshot(name)),
        ("image", Some(reference)) => Ok(RunTarget::Image(reference)),
        ("unknown", _) => Ok(RunTarget::Unknown),
        (other, _) => Err(StoreError::Corrupt {
            what: "run target",
            detail: format!("kind `{other}` without a value"),
        }),
    }
}
