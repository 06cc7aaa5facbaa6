//! An emergency request for unit tests, to be adjusted field by field.

use super::EmergencyRequest;
use crate::approvals::test_request::pending_request;
use crate::approvals::{ApprovalRequest, RequestState};
use crate::gate::SnapshotKey;

pub fn sample_request(state: RequestState) -> EmergencyRequest {
    EmergencyRequest {
        approval: ApprovalRequest {
            state,
            ..pending_request()
        },
        key: SnapshotKey::new("hypershift-operator", "snap-1"),
        digest: None,
        git_revision: None,
        gate_state: "BLOCKED".into(),
        justification: "the fix for OCPBUGS-1 must ship".into(),
        release_name: None,
    }
}
