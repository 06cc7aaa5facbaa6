//! Bad outside data, recorded with its source: a `finished.json` that is not JSON, a Snapshot
//! without the gated component. Nothing recorded here ever counts towards a verdict; it is kept so
//! that people can see what was ignored.

use jiff::Timestamp;
use sqlx::Row;

use super::time::{from_db, to_db};
use super::{Result, Store};

/// One piece of outside data gatebot could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Timestamp,
    /// Where it came from, e.g. `gs://bucket/logs/job/123/finished.json`.
    pub source: String,
    pub detail: String,
}

impl Store {
    /// Records a problem unless the same source already has the same detail recorded.
    pub async fn record_problem(&self, source: &str, detail: &str, at: Timestamp) -> Result<bool> {
        let known =
            sqlx::query("SELECT 1 AS known FROM problems WHERE source = $1 AND detail = $2")
                .bind(source)
                .bind(detail)
                .fetch_optional(self.pool())
                .await?;
        if known.is_some() {
            return Ok(false);
        }
        sqlx::query("INSERT INTO problems (at, source, detail) VALUES ($1, $2, $3)")
            .bind(to_db(at))
            .bind(source)
            .bind(detail)
            .execute(self.pool())
            .await?;
        Ok(true)
    }

    /// The most recent problems, newest first.
    pub async fn recent_problems(&self, limit: i64) -> Result<Vec<Problem>> {
        let rows = sqlx::query("SELECT at, source, detail FROM problems ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Problem {
                    at: from_db(row.try_get("at")?)?,
                    source: row.try_get("source")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}
