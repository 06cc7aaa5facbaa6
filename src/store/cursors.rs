//! Per-job poll cursors: what the Prow adapter needs to remember between polls so that idle polls
//! stay cheap across restarts. The cursor is opaque JSON to the store.

use jiff::Timestamp;
use sqlx::Row;

use super::time::to_db;
use super::{Result, Store};

impl Store {
    pub async fn job_cursor(&self, job: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT cursor FROM job_cursors WHERE job = $1")
            .bind(job)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| row.try_get("cursor")).transpose()?)
    }

    pub async fn save_job_cursor(&self, job: &str, cursor: &str, at: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO job_cursors (job, cursor, polled_at) VALUES ($1, $2, $3) \
             ON CONFLICT (job) DO UPDATE SET cursor = excluded.cursor, polled_at = excluded.polled_at",
        )
        .bind(job)
        .bind(cursor)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
