//! The two-person rule, decided purely: given a request, the approvals it has, who acts and
//! when, what happens next. The handlers record and announce what this decides; nothing here
//! reads a store or a clock.

use jiff::Timestamp;

use super::request::{Approval, ApprovalRequest, RequestState};

/// What an approval by `actor` at `now` comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalStep {
    /// The request was decided already (approved, denied, expired or overtaken).
    Closed(RequestState),
    /// Its time ran out: close it as expired, nothing is approved.
    Expired,
    /// The requester cannot approve their own request.
    OwnRequest,
    /// This approver approved the request, as it now stands, before.
    AlreadyApproved,
    /// Record the approval; with it the request has `counted` of the `needed` approvals.
    Record { counted: usize, needed: usize },
}

impl ApprovalStep {
    /// Whether recording this approval completes the request.
    pub fn completes(&self) -> bool {
        matches!(self, ApprovalStep::Record { counted, needed } if counted >= needed)
    }
}

/// Decides an approval of `request` by `actor` at `now`.
pub fn judge_approval(
    request: &ApprovalRequest,
    approvals: &[Approval],
    actor: &str,
    now: Timestamp,
) -> ApprovalStep {
    if let Some(closed) = closed_or_expired(request, now) {
        return closed;
    }
    if actor == request.requester {
        return ApprovalStep::OwnRequest;
    }
    let counting = counting(request, approvals);
    if counting.iter().any(|approval| approval.approver == actor) {
        return ApprovalStep::AlreadyApproved;
    }
    ApprovalStep::Record {
        counted: counting.len() + 1,
        needed: usize::try_from(request.approvals_needed).unwrap_or(usize::MAX),
    }
}

/// Decides a denial of `request` at `now`: `None` when it may be denied, else why not. Anyone
/// with the approver role may deny, the requester included (withdrawing their own request).
pub fn judge_denial(request: &ApprovalRequest, now: Timestamp) -> Option<ApprovalStep> {
    closed_or_expired(request, now)
}

/// The approvals that count: one per approver, each given for the subject as it now stands.
pub fn counting<'a>(request: &ApprovalRequest, approvals: &'a [Approval]) -> Vec<&'a Approval> {
    approvals
        .iter()
        .filter(|approval| approval.subject_digest == request.subject_digest)
        .collect()
}

fn closed_or_expired(request: &ApprovalRequest, now: Timestamp) -> Option<ApprovalStep> {
    match request.state {
        RequestState::Pending if now >= request.expires_at => Some(ApprovalStep::Expired),
        RequestState::Pending => None,
        closed => Some(ApprovalStep::Closed(closed)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::test_request::pending_request;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000 + minute * 60).unwrap()
    }

    /// Open from minute 0 to minute 60.
    fn request(needed: u32) -> ApprovalRequest {
        ApprovalRequest {
            approvals_needed: needed,
            requested_at: at(0),
            expires_at: at(60),
            ..pending_request()
        }
    }

    fn approval(approver: &str, digest: &str) -> Approval {
        Approval {
            approver: approver.into(),
            approved_at: at(1),
            subject_digest: digest.into(),
        }
    }

    #[test]
    fn the_requester_cannot_approve_their_own_request() {
        assert_eq!(
            judge_approval(&request(1), &[], "U0REQ", at(1)),
            ApprovalStep::OwnRequest
        );
    }

    #[test]
    fn a_second_person_completes_a_request_that_needs_one_approval() {
        let step = judge_approval(&request(1), &[], "U0APP", at(1));
        assert_eq!(
            step,
            ApprovalStep::Record {
                counted: 1,
                needed: 1
            }
        );
        assert!(step.completes());
    }

    #[test]
    fn each_approver_counts_once_and_two_are_needed_for_two() {
        let first = [approval("U0A", "d1")];
        assert_eq!(
            judge_approval(&request(2), &first, "U0A", at(2)),
            ApprovalStep::AlreadyApproved
        );
        let step = judge_approval(&request(2), &first, "U0B", at(2));
        assert_eq!(
            step,
            ApprovalStep::Record {
                counted: 2,
                needed: 2
            }
        );
        assert!(step.completes());
        assert!(!judge_approval(&request(2), &[], "U0B", at(2)).completes());
    }

    #[test]
    fn an_approval_of_a_subject_that_changed_since_does_not_count() {
        let stale = [approval("U0A", "d0")];
        let step = judge_approval(&request(2), &stale, "U0B", at(2));
        assert_eq!(
            step,
            ApprovalStep::Record {
                counted: 1,
                needed: 2
            }
        );
        // The approver of the old subject may approve the new one.
        assert_eq!(
            judge_approval(&request(2), &stale, "U0A", at(2)),
            ApprovalStep::Record {
                counted: 1,
                needed: 2
            }
        );
    }

    #[test]
    fn a_request_past_its_time_expires_and_a_closed_one_stays_closed() {
        assert_eq!(
            judge_approval(&request(1), &[], "U0APP", at(60)),
            ApprovalStep::Expired
        );
        assert_eq!(
            judge_denial(&request(1), at(60)),
            Some(ApprovalStep::Expired)
        );
        assert_eq!(judge_denial(&request(1), at(59)), None);
        let mut denied = request(1);
        denied.state = RequestState::Denied;
        assert_eq!(
            judge_approval(&denied, &[], "U0APP", at(1)),
            ApprovalStep::Closed(RequestState::Denied)
        );
    }
}
