//! The annotations an emergency Release carries, so whoever looks at the Release in the cluster
//! sees that it skipped the gate, why, who asked, who approved, when, and where the request was
//! made — without access to gatebot's store or the chat.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::EmergencyRequest;
use crate::approvals::Approval;

/// The annotations, under `prefix` (such as `release.hypershift.io`). The justification is
/// kept exactly as typed.
pub fn emergency_annotations(
    prefix: &str,
    request: &EmergencyRequest,
    approvals: &[Approval],
    approved_at: Timestamp,
) -> BTreeMap<String, String> {
    let approvers: Vec<&str> = approvals
        .iter()
        .map(|approval| approval.approver.as_str())
        .collect();
    let mut annotations = BTreeMap::from([
        ("emergency", "true".to_string()),
        ("justification", request.justification.clone()),
        ("request-id", request.approval.id.clone()),
        ("requested-by", request.approval.requester.clone()),
        ("requested-at", request.approval.requested_at.to_string()),
        ("approved-by", approvers.join(",")),
        ("approved-at", approved_at.to_string()),
    ]);
    if let Some(permalink) = &request.approval.permalink {
        annotations.insert("request-permalink", permalink.clone());
    }
    annotations
        .into_iter()
        .map(|(name, value)| (format!("{prefix}/{name}"), value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::RequestState;
    use crate::emergency::test_request::sample_request;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn every_fact_of_the_approval_is_on_the_release() {
        let mut request = sample_request(RequestState::Pending);
        request.justification = "<!channel> & <@U123> said \"ship\"".into();
        request.approval.message_ts = Some("1.2".into());
        request.approval.permalink = Some("https://slack.example/archives/C0REL/p12".into());
        let approvals = ["U0ONE", "U0TWO"].map(|approver| Approval {
            approver: approver.into(),
            approved_at: at("2026-05-12T10:30:00Z"),
            subject_digest: "d1".into(),
        });
        let annotations = emergency_annotations(
            "release.example.com",
            &request,
            &approvals,
            at("2026-05-12T10:31:00Z"),
        );
        let expected: BTreeMap<String, String> = [
            ("emergency", "true"),
            ("justification", "<!channel> & <@U123> said \"ship\""),
            ("request-id", "em-1a2b3c4d"),
            ("requested-by", "U0REQ"),
            ("requested-at", "2026-05-12T10:00:00Z"),
            ("approved-by", "U0ONE,U0TWO"),
            ("approved-at", "2026-05-12T10:31:00Z"),
            (
                "request-permalink",
                "https://slack.example/archives/C0REL/p12",
            ),
        ]
        .into_iter()
        .map(|(name, value)| (format!("release.example.com/{name}"), value.to_string()))
        .collect();
        assert_eq!(annotations, expected);
    }
}
