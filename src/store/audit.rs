//! The audit log: every state change, with who, what, when, why and from which chat thread
//! (DESIGN rule 5). Engine actions are recorded with the actor `gatebot`.

use jiff::Timestamp;
use sqlx::Row;

use super::time::{from_db, to_db};
use super::{Result, Store};

/// One audited action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// A chat user id, or `gatebot` for the engine.
    pub actor: String,
    /// What was attempted, e.g. `release.create`.
    pub action: String,
    /// What it was applied to, e.g. a snapshot or Release name.
    pub target: String,
    /// `ok`, `refused`, `failed`, …
    pub outcome: String,
    /// Why, in a sentence.
    pub detail: String,
    pub channel: Option<String>,
    pub thread: Option<String>,
}

impl Store {
    pub async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, outcome, detail, channel, thread) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(to_db(entry.at))
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.target)
        .bind(&entry.outcome)
        .bind(&entry.detail)
        .bind(&entry.channel)
        .bind(&entry.thread)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The latest audit entries, newest first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, outcome, detail, channel, thread FROM audit_log \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: from_db(row.try_get("at")?)?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    outcome: row.try_get("outcome")?,
                    detail: row.try_get("detail")?,
                    channel: row.try_get("channel")?,
                    thread: row.try_get("thread")?,
                })
            })
            .collect()
    }
}
