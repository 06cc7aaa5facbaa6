//! Emergency releases: which snapshot an emergency approval request asks to release, why, what
//! the gate said when it was asked, and the Release its approval decided. The request itself —
//! requester, approvals, expiry, outcome — is an approval request (`approvals.rs`).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::approvals::{REQUEST_COLUMNS, close, insert_request, request_from_row};
use super::{Result, Store};
use crate::approvals::{ApprovalKind, Closing, RequestState};
use crate::emergency::EmergencyRequest;
use crate::gate::SnapshotKey;

const EMERGENCY_COLUMNS: &str = "e.gate, e.snapshot, e.digest, e.git_revision, e.gate_state, \
    e.justification, e.release_name";

impl Store {
    /// Records a new pending request with what it asks to release; `false` when the snapshot
    /// has a pending request already.
    pub async fn record_emergency_request(&self, request: &EmergencyRequest) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        if !insert_request(&mut *tx, &request.approval).await? {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO emergency_releases (request_id, gate, snapshot, digest, git_revision, \
             gate_state, justification) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&request.approval.id)
        .bind(&request.key.gate)
        .bind(&request.key.snapshot)
        .bind(&request.digest)
        .bind(&request.git_revision)
        .bind(&request.gate_state)
        .bind(&request.justification)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn emergency_request(&self, id: &str) -> Result<Option<EmergencyRequest>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS}, {EMERGENCY_COLUMNS} FROM approval_requests r \
             JOIN emergency_releases e ON e.request_id = r.id WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(emergency_from_row).transpose()
    }

    /// The pending request for a snapshot, if there is one.
    pub async fn pending_emergency_request(
        &self,
        key: &SnapshotKey,
    ) -> Result<Option<EmergencyRequest>> {
        let Some(pending) = self
            .pending_approval_request(ApprovalKind::EmergencyRelease, &key.to_string())
            .await?
        else {
            return Ok(None);
        };
        self.emergency_request(&pending.id).await
    }

    /// Requests closed as approved whose snapshot has no Release: an approval that gatebot
    /// stopped before it could decide the Release. Oldest approval first.
    pub async fn approved_emergency_requests_without_release(
        &self,
    ) -> Result<Vec<EmergencyRequest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS}, {EMERGENCY_COLUMNS} FROM approval_requests r \
             JOIN emergency_releases e ON e.request_id = r.id \
             WHERE r.state = 'approved' AND NOT EXISTS ( \
                 SELECT 1 FROM releases \
                 WHERE releases.gate = e.gate AND releases.snapshot = e.snapshot) \
             ORDER BY r.closed_at, r.id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(emergency_from_row).collect()
    }

    /// Closes an emergency request from `from`, naming the Release its approval decided or the
    /// one that overtook it; `false` when someone else decided it first.
    pub async fn close_emergency_request(
        &self,
        id: &str,
        from: RequestState,
        closing: &Closing<'_>,
        release_name: Option<&str>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        if !close(&mut *tx, id, from, closing).await? {
            return Ok(false);
        }
        if release_name.is_some() {
            sqlx::query("UPDATE emergency_releases SET release_name = $2 WHERE request_id = $1")
                .bind(id)
                .bind(release_name)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

fn emergency_from_row(row: &AnyRow) -> Result<EmergencyRequest> {
    Ok(EmergencyRequest {
        approval: request_from_row(row)?,
        key: SnapshotKey::new(
            row.try_get::<String, _>("gate")?,
            row.try_get::<String, _>("snapshot")?,
        ),
        digest: row.try_get("digest")?,
        git_revision: row.try_get("git_revision")?,
        gate_state: row.try_get("gate_state")?,
        justification: row.try_get("justification")?,
        release_name: row.try_get("release_name")?,
    })
}
