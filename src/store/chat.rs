//! What the chat front must remember across restarts: each snapshot's status message (to keep
//! editing it and posting into its thread), the thread events not yet posted (the outbox), and
//! the chat deliveries already handled (so a redelivered envelope never runs a command twice).

use jiff::Timestamp;
use sqlx::Row;

use super::time::{from_db, to_db};
use super::{Result, Store};

/// Where a snapshot's status message lives in chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatThread {
    pub gate: String,
    pub snapshot: String,
    pub channel: String,
    /// The status message's timestamp, which is also its thread's id.
    pub ts: String,
}

/// A thread event waiting to be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub gate: String,
    /// The snapshot whose thread it belongs in; `None` for gate-wide news (top level).
    pub snapshot: Option<String>,
    /// Rendered, already escaped chat text.
    pub body: String,
    pub created_at: Timestamp,
}

impl Store {
    /// Remembers a snapshot's status message; the first one recorded wins, and is returned.
    pub async fn record_chat_thread(
        &self,
        thread: &ChatThread,
        at: Timestamp,
    ) -> Result<ChatThread> {
        sqlx::query(
            "INSERT INTO chat_threads (gate, snapshot, channel, ts, posted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&thread.gate)
        .bind(&thread.snapshot)
        .bind(&thread.channel)
        .bind(&thread.ts)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(self
            .chat_thread(&thread.gate, &thread.snapshot)
            .await?
            .unwrap_or_else(|| thread.clone()))
    }

    pub async fn chat_thread(&self, gate: &str, snapshot: &str) -> Result<Option<ChatThread>> {
        let row = sqlx::query(
            "SELECT gate, snapshot, channel, ts FROM chat_threads WHERE gate = $1 AND snapshot = $2",
        )
        .bind(gate)
        .bind(snapshot)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| thread_from(&row)).transpose()
    }

    /// The snapshot whose status message has this timestamp, for requests made in its thread.
    pub async fn chat_thread_by_ts(&self, channel: &str, ts: &str) -> Result<Option<ChatThread>> {
        let row = sqlx::query(
            "SELECT gate, snapshot, channel, ts FROM chat_threads WHERE channel = $1 AND ts = $2",
        )
        .bind(channel)
        .bind(ts)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| thread_from(&row)).transpose()
    }

    /// Every status message, to route mentions in a thread to its snapshot after a restart.
    pub async fn chat_threads(&self) -> Result<Vec<ChatThread>> {
        let rows = sqlx::query("SELECT gate, snapshot, channel, ts FROM chat_threads")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(thread_from).collect()
    }

    /// Queues a thread event; it stays queued until [`Store::mark_posted`].
    pub async fn enqueue_chat_event(
        &self,
        gate: &str,
        snapshot: Option<&str>,
        body: &str,
        at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO chat_outbox (gate, snapshot, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(gate)
        .bind(snapshot)
        .bind(body)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The queued thread events, oldest first.
    pub async fn unposted_chat_events(&self) -> Result<Vec<OutboxEntry>> {
        let rows = sqlx::query(
            "SELECT id, gate, snapshot, body, created_at FROM chat_outbox \
             WHERE posted_at IS NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxEntry {
                    id: row.try_get("id")?,
                    gate: row.try_get("gate")?,
                    snapshot: row.try_get("snapshot")?,
                    body: row.try_get("body")?,
                    created_at: from_db(row.try_get("created_at")?)?,
                })
            })
            .collect()
    }

    pub async fn mark_posted(&self, ids: &[i64], at: Timestamp) -> Result<()> {
        for id in ids {
            sqlx::query("UPDATE chat_outbox SET posted_at = $1 WHERE id = $2")
                .bind(to_db(at))
                .bind(id)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// Claims a chat delivery (an envelope or event id); `false` when it was claimed before,
    /// which means the delivery is a repeat and must not run again.
    pub async fn claim_chat_delivery(&self, delivery_id: &str, at: Timestamp) -> Result<bool> {
        let result = sqlx::query(
            "INSERT INTO chat_deliveries (delivery_id, received_at) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(delivery_id)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Forgets deliveries received before `before`; Slack stops redelivering within minutes.
    pub async fn forget_chat_deliveries_before(&self, before: Timestamp) -> Result<u64> {
        let result = sqlx::query("DELETE FROM chat_deliveries WHERE received_at < $1")
            .bind(to_db(before))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}

fn thread_from(row: &sqlx::any::AnyRow) -> Result<ChatThread> {
    Ok(ChatThread {
        gate: row.try_get("gate")?,
        snapshot: row.try_get("snapshot")?,
        channel: row.try_get("channel")?,
        ts: row.try_get("ts")?,
    })
}
