//! A pending approval request for unit tests, to be adjusted field by field.

use super::{ApprovalKind, ApprovalRequest, RequestState};

/// An emergency release of `hypershift-operator/snap-1` asked by `U0REQ`, needing two approvals,
/// open from 10:00 to 12:00.
pub fn pending_request() -> ApprovalRequest {
    ApprovalRequest {
        id: "em-1a2b3c4d".into(),
        kind: ApprovalKind::EmergencyRelease,
        subject: "hypershift-operator/snap-1".into(),
        subject_digest: "d1".into(),
        requester: "U0REQ".into(),
        approvals_needed: 2,
        state: RequestState::Pending,
        requested_at: "2026-05-12T10:00:00Z".parse().unwrap(),
        expires_at: "2026-05-12T12:00:00Z".parse().unwrap(),
        channel: "C0REL".into(),
        thread_ts: None,
        message_ts: None,
        permalink: None,
        closed_by: None,
        closed_at: None,
        reason: None,
    }
}
