//! An emergency request for unit tests, to be adjusted field by field.

use super::EmergencyRequest;
use crate::approvals::{ApprovalKind, ApprovalRequest, RequestState};
use crate::gate::SnapshotKey;

pub fn sample_request(state: RequestState) -> EmergencyRequest {
    let at = |text: &str| text.parse().unwrap();
    EmergencyRequest {
        approval: ApprovalRequest {
            id: "em-1a2b3c4d".into(),
            kind: ApprovalKind::EmergencyRelease,
            subject: "hypershift-operator/snap-1".into(),
            subject_digest: "d1".into(),
            requester: "U0REQ".into(),
            approvals_needed: 2,
            state,
            requested_at: at("2026-05-12T10:00:00Z"),
            expires_at: at("2026-05-12T12:00:00Z"),
            channel: "C0REL".into(),
            thread_ts: None,
            message_ts: None,
            permalink: None,
            closed_by: None,
            closed_at: None,
            reason: None,
        },
        key: SnapshotKey::new("hypershift-operator", "snap-1"),
        digest: None,
        git_revision: None,
        gate_state: "BLOCKED".into(),
        justification: "the fix for OCPBUGS-1 must ship".into(),
        release_name: None,
    }
}
