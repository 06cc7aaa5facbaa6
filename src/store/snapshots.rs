//! Snapshots gatebot follows, per gate.

use jiff::Timestamp;
use sqlx::Row;

use super::time::{from_db, to_db};
use super::{Result, Store};
use crate::gate::Snapshot;

impl Store {
    /// Records a snapshot; returns `true` the first time it is seen. Konflux never changes a
    /// Snapshot's components, so an existing row is left as it is.
    pub async fn record_snapshot(&self, snapshot: &Snapshot, seen_at: Timestamp) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO snapshots (gate, name, namespace, component, image, digest, git_url, \
             git_revision, created_at, first_seen_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
             ON CONFLICT (gate, name) DO NOTHING",
        )
        .bind(&snapshot.gate)
        .bind(&snapshot.name)
        .bind(&snapshot.namespace)
        .bind(&snapshot.component)
        .bind(&snapshot.image)
        .bind(&snapshot.digest)
        .bind(&snapshot.git_url)
        .bind(&snapshot.git_revision)
        .bind(to_db(snapshot.created_at))
        .bind(to_db(seen_at))
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Every snapshot of a gate, oldest first.
    pub async fn snapshots(&self, gate: &str) -> Result<Vec<Snapshot>> {
        let rows = sqlx::query(
            "SELECT gate, name, namespace, component, image, digest, git_url, git_revision, \
             created_at FROM snapshots WHERE gate = $1 ORDER BY created_at, name",
        )
        .bind(gate)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Snapshot {
                    gate: row.try_get("gate")?,
                    name: row.try_get("name")?,
                    namespace: row.try_get("namespace")?,
                    component: row.try_get("component")?,
                    image: row.try_get("image")?,
                    digest: row.try_get("digest")?,
                    git_url: row.try_get("git_url")?,
                    git_revision: row.try_get("git_revision")?,
                    created_at: from_db(row.try_get("created_at")?)?,
                })
            })
            .collect()
    }
}
