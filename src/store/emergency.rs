//! Emergency release requests: who asked to release which snapshot without the gate and why,
//! where the request was posted, the approvals it collected, and how it ended.
//!
//! A request is closed by exactly one conditional update from `pending`, so two approvers
//! clicking at once, an approval racing the expiry sweep, or a click replayed after a restart
//! all see one outcome. At most one request per snapshot is pending at a time.

use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::time::{from_db, from_db_opt, to_db};
use super::{Result, Store, StoreError};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Waiting for approvals until it expires.
    Pending,
    /// Approved; the emergency Release was decided.
    Approved,
    Denied,
    /// Not approved in time; nothing was released.
    Expired,
    /// The snapshot got a Release another way (the gate passed) before the approval completed.
    Overtaken,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Denied => "denied",
            RequestState::Expired => "expired",
            RequestState::Overtaken => "overtaken",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "pending" => Ok(RequestState::Pending),
            "approved" => Ok(RequestState::Approved),
            "denied" => Ok(RequestState::Denied),
            "expired" => Ok(RequestState::Expired),
            "overtaken" => Ok(RequestState::Overtaken),
            other => Err(StoreError::Corrupt {
                what: "emergency request state",
                detail: other.to_string(),
            }),
        }
    }
}

/// One request for an emergency release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyRequest {
    /// What people type after `approve` and `deny`.
    pub id: String,
    pub gate: String,
    pub snapshot: String,
    pub digest: Option<String>,
    pub git_revision: Option<String>,
    /// The gate's verdict line when the request was made.
    pub gate_state: String,
    /// The chat user id of the person who asked.
    pub requester: String,
    /// Exactly as typed.
    pub justification: String,
    /// How many approvals it needs, as configured when it was made.
    pub approvals_needed: u32,
    pub state: RequestState,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
    pub channel: String,
    /// The snapshot's status thread the request was posted in, if it has one.
    pub thread_ts: Option<String>,
    /// The request message, once posted.
    pub message_ts: Option<String>,
    pub permalink: Option<String>,
    /// Who approved (the last approval), denied, or `gatebot` for an expiry.
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    /// Why it was denied or overtaken.
    pub reason: Option<String>,
    /// The Release the approval decided, or the one that overtook the request.
    pub release_name: Option<String>,
}

/// How a pending request is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing<'a> {
    pub state: RequestState,
    pub by: &'a str,
    pub at: Timestamp,
    pub reason: Option<&'a str>,
    pub release_name: Option<&'a str>,
}

/// One approval of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub approver: String,
    pub approved_at: Timestamp,
}

const REQUEST_COLUMNS: &str = "id, gate, snapshot, digest, git_revision, gate_state, requester, \
    justification, approvals_needed, state, requested_at, expires_at, channel, thread_ts, message_ts, permalink, \
    closed_by, closed_at, reason, release_name";

impl Store {
    /// Records a new pending request; `false` when the snapshot has a pending request already.
    pub async fn record_emergency_request(&self, request: &EmergencyRequest) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO emergency_requests (id, gate, snapshot, digest, git_revision, \
             gate_state, requester, justification, approvals_needed, state, requested_at, \
             expires_at, channel, thread_ts) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&request.id)
        .bind(&request.gate)
        .bind(&request.snapshot)
        .bind(&request.digest)
        .bind(&request.git_revision)
        .bind(&request.gate_state)
        .bind(&request.requester)
        .bind(&request.justification)
        .bind(i64::from(request.approvals_needed))
        .bind(request.state.as_str())
        .bind(to_db(request.requested_at))
        .bind(to_db(request.expires_at))
        .bind(&request.channel)
        .bind(&request.thread_ts)
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    pub async fn emergency_request(&self, id: &str) -> Result<Option<EmergencyRequest>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM emergency_requests WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(request_from_row).transpose()
    }

    /// The pending request for a snapshot, if there is one.
    pub async fn pending_emergency_request(
        &self,
        gate: &str,
        snapshot: &str,
    ) -> Result<Option<EmergencyRequest>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM emergency_requests \
             WHERE gate = $1 AND snapshot = $2 AND state = 'pending'"
        )))
        .bind(gate)
        .bind(snapshot)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(request_from_row).transpose()
    }

    /// Every pending request, oldest first.
    pub async fn pending_emergency_requests(&self) -> Result<Vec<EmergencyRequest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM emergency_requests \
             WHERE state = 'pending' ORDER BY requested_at, id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    /// Requests closed as approved whose snapshot has no Release: an approval that gatebot
    /// stopped before it could decide the Release. Oldest approval first.
    pub async fn approved_emergency_requests_without_release(
        &self,
    ) -> Result<Vec<EmergencyRequest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM emergency_requests AS request \
             WHERE state = 'approved' AND NOT EXISTS ( \
                 SELECT 1 FROM releases \
                 WHERE releases.gate = request.gate AND releases.snapshot = request.snapshot) \
             ORDER BY closed_at, id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    /// Pending requests whose time ran out by `now`, oldest first.
    pub async fn overdue_emergency_requests(
        &self,
        now: Timestamp,
    ) -> Result<Vec<EmergencyRequest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM emergency_requests \
             WHERE state = 'pending' AND expires_at <= $1 ORDER BY expires_at, id"
        )))
        .bind(to_db(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(request_from_row).collect()
    }

    /// Remembers where the request message was posted.
    pub async fn set_emergency_message(
        &self,
        id: &str,
        message_ts: &str,
        permalink: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE emergency_requests SET message_ts = $2, permalink = $3 WHERE id = $1")
            .bind(id)
            .bind(message_ts)
            .bind(permalink)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records an approval; `false` when this approver approved the request before.
    pub async fn add_emergency_approval(
        &self,
        id: &str,
        approver: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO emergency_approvals (request_id, approver, approved_at) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(approver)
        .bind(to_db(at))
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The approvals of a request, oldest first.
    pub async fn emergency_approvals(&self, id: &str) -> Result<Vec<Approval>> {
        let rows = sqlx::query(
            "SELECT approver, approved_at FROM emergency_approvals WHERE request_id = $1 \
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
                })
            })
            .collect()
    }

    /// Moves a request from `from` to the closing state; `false` when it was not in `from`
    /// any more, which means someone else decided it first.
    pub async fn close_emergency_request(
        &self,
        id: &str,
        from: RequestState,
        closing: &Closing<'_>,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE emergency_requests SET state = $3, closed_by = $4, closed_at = $5, \
             reason = $6, release_name = $7 WHERE id = $1 AND state = $2",
        )
        .bind(id)
        .bind(from.as_str())
        .bind(closing.state.as_str())
        .bind(closing.by)
        .bind(to_db(closing.at))
        .bind(closing.reason)
        .bind(closing.release_name)
        .execute(self.pool())
        .await?;
        Ok(changed.rows_affected() == 1)
    }
}

fn request_from_row(row: &AnyRow) -> Result<EmergencyRequest> {
    Ok(EmergencyRequest {
        id: row.try_get("id")?,
        gate: row.try_get("gate")?,
        snapshot: row.try_get("snapshot")?,
        digest: row.try_get("digest")?,
        git_revision: row.try_get("git_revision")?,
        gate_state: row.try_get("gate_state")?,
        requester: row.try_get("requester")?,
        justification: row.try_get("justification")?,
        approvals_needed: u32::try_from(row.try_get::<i64, _>("approvals_needed")?).map_err(
            |_| StoreError::Corrupt {
                what: "emergency request approvals needed",
                detail: "not a count".to_string(),
            },
        )?,
        state: RequestState::parse(&row.try_get::<String, _>("state")?)?,
        requested_at: from_db(row.try_get("requested_at")?)?,
        expires_at: from_db(row.try_get("expires_at")?)?,
        channel: row.try_get("channel")?,
        thread_ts: row.try_get("thread_ts")?,
        message_ts: row.try_get("message_ts")?,
        permalink: row.try_get("permalink")?,
        closed_by: row.try_get("closed_by")?,
        closed_at: from_db_opt(row.try_get("closed_at")?)?,
        reason: row.try_get("reason")?,
        release_name: row.try_get("release_name")?,
    })
}
