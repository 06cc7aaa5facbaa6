//! Verdict history: one row each time a snapshot's decision or summary changes, so "since when"
//! questions have an answer after a restart.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::Row;

use super::time::{from_db, to_db};
use super::{Result, Store};

/// The last recorded decision of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVerdict {
    pub decision: String,
    pub summary: String,
    pub decided_at: Timestamp,
}

impl Store {
    /// Appends a verdict unless it equals the last one recorded; returns whether it was new.
    pub async fn record_verdict(
        &self,
        gate: &str,
        snapshot: &str,
        decision: &str,
        summary: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let last = sqlx::query(
            "SELECT decision, summary FROM verdicts WHERE gate = $1 AND snapshot = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(gate)
        .bind(snapshot)
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = last {
            let same = row.try_get::<String, _>("decision")? == decision
                && row.try_get::<String, _>("summary")? == summary;
            if same {
                return Ok(false);
            }
        }
        sqlx::query(
            "INSERT INTO verdicts (gate, snapshot, decision, summary, decided_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(gate)
        .bind(snapshot)
        .bind(decision)
        .bind(summary)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(true)
    }

    /// The latest verdict of every snapshot of a gate.
    pub async fn latest_verdicts(&self, gate: &str) -> Result<HashMap<String, RecordedVerdict>> {
        let rows = sqlx::query(
            "SELECT snapshot, decision, summary, decided_at FROM verdicts v WHERE gate = $1 \
             AND id = (SELECT MAX(id) FROM verdicts w WHERE w.gate = v.gate AND w.snapshot = v.snapshot)",
        )
        .bind(gate)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("snapshot")?,
                    RecordedVerdict {
                        decision: row.try_get("decision")?,
                        summary: row.try_get("summary")?,
                        decided_at: from_db(row.try_get("decided_at")?)?,
                    },
                ))
            })
            .collect()
    }
}
