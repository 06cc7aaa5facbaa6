//! An approval request and the approvals it collected, as every kind of two-person decision
//! shares them.

use jiff::Timestamp;

/// What a request asks to be approved; each kind's workflow acts once its request is approved.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ApprovalKind {
    /// Release a snapshot before its gate passed.
    EmergencyRelease,
}

/// Where a request stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "kebab-case")]
pub enum RequestState {
    /// Waiting for approvals until it expires.
    Pending,
    /// Approved; the workflow acted (or is about to).
    Approved,
    Denied,
    /// Not approved in time; nothing was done.
    Expired,
    /// What it asked for happened another way before the approval completed.
    Overtaken,
}

/// One request for a two-person decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequest {
    /// What people type after `approve` and `deny`.
    pub id: String,
    pub kind: ApprovalKind,
    /// What is to be approved, unique among the open requests of a kind (`gate/snapshot` for an
    /// emergency release).
    pub subject: String,
    /// The digest of the subject's exact content; an approval counts only for this digest.
    pub subject_digest: String,
    /// The chat user id of the person who asked.
    pub requester: String,
    /// How many approvals it needs, as configured when it was made.
    pub approvals_needed: u32,
    pub state: RequestState,
    pub requested_at: Timestamp,
    pub expires_at: Timestamp,
    pub channel: String,
    /// The thread the request was posted in, if any.
    pub thread_ts: Option<String>,
    /// The request message, once posted.
    pub message_ts: Option<String>,
    pub permalink: Option<String>,
    /// Who approved (the last approval), denied, or `gatebot` for an expiry.
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    /// Why it was denied or overtaken.
    pub reason: Option<String>,
}

/// One approval of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub approver: String,
    pub approved_at: Timestamp,
    /// The subject digest the approver saw.
    pub subject_digest: String,
}

/// How a pending request is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing<'a> {
    pub state: RequestState,
    pub by: &'a str,
    pub at: Timestamp,
    pub reason: Option<&'a str>,
}
