//! Approval requests of every kind and the approvals they collected (the approvals room's
//! records). What a request asks for lives in its workflow's own table, keyed by the request id.
//!
//! A request is closed by exactly one conditional update from `pending`, so two approvers
//! clicking at once, an approval racing the expiry sweep, or a click replayed after a restart
//! all see one outcome. At most one request per subject and kind is pending at a time.

use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::time::{from_db, from_db_opt, to_db};
use super::{Result, Store, StoreError};
use crate::approvals::{Approval, ApprovalKind, ApprovalRequest, Closing, RequestState};

/// The columns of `approval_requests`, as [`request_from_row`] reads them.
pub(super) const REQUEST_COLUMNS: &str = "r.id, r.kind, r.subject, r.subject_digest, \
    r.requester, r.approvals_needed, r.state, r.requested_at, r.expires_at, r.channel, \
    r.thread_ts, r.message_ts, r.permalink, r.closed_by, r.closed_at, r.reason";

impl Store {
    pub async fn approval_request(&self, id: &str) -> Result<Option<ApprovalRequest>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM approval_requests r WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(request_from_row).transpose()
    }

    /// The pending request of a kind for a subject, if there is one.
    pub async fn pending_approval_request(
        &self,
        kind: ApprovalKind,
        subject: &str,
    ) -> Result<Option<ApprovalRequest>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM approval_requests r \
             WHERE r.kind = $1 AND r.subject = $2 AND r.state = 'pending'"
        )))
        .bind(<&str>::from(kind))
        .bind(subject)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(request_from_row).transpose()
    }

    /// Every pending request, oldest first.
    pub async fn pending_approval_requests(&self) -> Result<Vec<ApprovalRequest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM approval_requests r \
             WHERE r.state = 'pending' ORDER BY r.requested_at, r.id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    /// Pending requests whose time ran out by `now`, oldest first.
    pub async fn overdue_approval_requests(&self, now: Timestamp) -> Result<Vec<ApprovalRequest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM approval_requests r \
             WHERE r.state = 'pending' AND r.expires_at <= $1 ORDER BY r.expires_at, r.id"
        )))
        .bind(to_db(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    /// Remembers where the request message was posted.
    pub async fn set_approval_message(
        &self,
        id: &str,
        message_ts: &str,
        permalink: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE approval_requests SET message_ts = $2, permalink = $3 WHERE id = $1")
            .bind(id)
            .bind(message_ts)
            .bind(permalink)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records an approval of the subject as the approver saw it; `false` when this approver
    /// approved the request before.
    pub async fn add_approval(&self, id: &str, approval: &Approval) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO approvals (request_id, approver, approved_at, subject_digest) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(&approval.approver)
        .bind(to_db(approval.approved_at))
        .bind(&approval.subject_digest)
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The approvals of a request, oldest first.
    pub async fn approvals(&self, id: &str) -> Result<Vec<Approval>> {
        let rows = sqlx::query(
            "SELECT approver, approved_at, subject_digest FROM approvals WHERE request_id = $1 \
             ORDER BY approved_at, approver",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Approval {
                    approver: row.try_get("approver")?,
                    approved_at: from_db(row.try_get("approved_at")?)?,
                    subject_digest: row.try_get("subject_digest")?,
                })
            })
            .collect()
    }

    /// Moves a request from `from` to the closing state; `false` when it was not in `from`
    /// any more, which means someone else decided it first.
    pub async fn close_approval_request(
        &self,
        id: &str,
        from: RequestState,
        closing: &Closing<'_>,
    ) -> Result<bool> {
        close(self.pool(), id, from, closing).await
    }
}

/// Records a new pending request; `false` when its subject has a pending request already.
pub(super) async fn insert_request<'e>(
    executor: impl Executor<'e, Database = Any>,
    request: &ApprovalRequest,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO approval_requests (id, kind, subject, subject_digest, requester, \
         approvals_needed, state, requested_at, expires_at, channel, thread_ts) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT DO NOTHING",
    )
    .bind(&request.id)
    .bind(<&str>::from(request.kind))
    .bind(&request.subject)
    .bind(&request.subject_digest)
    .bind(&request.requester)
    .bind(i64::from(request.approvals_needed))
    .bind(<&str>::from(request.state))
    .bind(to_db(request.requested_at))
    .bind(to_db(request.expires_at))
    .bind(&request.channel)
    .bind(&request.thread_ts)
    .execute(executor)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The one conditional update that closes a request.
pub(super) async fn close<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
    from: RequestState,
    closing: &Closing<'_>,
) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE approval_requests SET state = $3, closed_by = $4, closed_at = $5, reason = $6 \
         WHERE id = $1 AND state = $2",
    )
    .bind(id)
    .bind(<&str>::from(from))
    .bind(<&str>::from(closing.state))
    .bind(closing.by)
    .bind(to_db(closing.at))
    .bind(closing.reason)
    .execute(executor)
    .await?;
    Ok(changed.rows_affected() == 1)
}

pub(super) fn request_from_row(row: &AnyRow) -> Result<ApprovalRequest> {
    let corrupt = |what: &'static str, detail: String| StoreError::Corrupt { what, detail };
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    Ok(ApprovalRequest {
        id: row.try_get("id")?,
        kind: kind
            .parse()
            .map_err(|_| corrupt("approval request kind", kind.clone()))?,
        subject: row.try_get("subject")?,
        subject_digest: row.try_get("subject_digest")?,
        requester: row.try_get("requester")?,
        approvals_needed: u32::try_from(row.try_get::<i64, _>("approvals_needed")?)
            .map_err(|_| corrupt("approvals needed", "not a count".to_string()))?,
        state: state
            .parse()
            .map_err(|_| corrupt("approval request state", state.clone()))?,
        requested_at: from_db(row.try_get("requested_at")?)?,
        expires_at: from_db(row.try_get("expires_at")?)?,
        channel: row.try_get("channel")?,
        thread_ts: row.try_get("thread_ts")?,
        message_ts: row.try_get("message_ts")?,
        permalink: row.try_get("permalink")?,
        closed_by: row.try_get("closed_by")?,
        closed_at: from_db_opt(row.try_get("closed_at")?)?,
        reason: row.try_get("reason")?,
    })
}
