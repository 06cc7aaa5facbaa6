//! The store against a real database: a SQLite file always, and Postgres as well when
//! `GATEBOT_TEST_POSTGRES_URL` names a server (CI sets it when one answers on 127.0.0.1:5432).
//! Each Postgres test gets a database of its own.

mod support;

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use gatebot::approvals::{Approval, ApprovalKind, ApprovalRequest, Closing, RequestState};
use gatebot::emergency::EmergencyRequest;
use gatebot::gate::{
    CellKey, Check, JobRun, OcpVersion, Platform, ReleaseKind, ReleaseRecord, ReleaseStatus,
    RunState, RunTarget, Snapshot, SnapshotKey,
};
use gatebot::rounds::{Attempt, AttemptState};
use gatebot::store::{
    AttemptOutcome, AuditEntry, ReleasePlanCheck, RunChange, Store, UnexpectedRelease,
};
use support::database::Database;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

/// A place for one test's data, removed when dropped (SQLite) or at the next run (Postgres).
fn snapshot(name: &str) -> Snapshot {
    Snapshot {
        gate: "ho".into(),
        namespace: "crt-redhat-acm-tenant".into(),
        name: name.into(),
        component: "hypershift-operator-main".into(),
        image: format!("quay.io/ho@sha256:{}", "a".repeat(64)),
        digest: Some(format!("sha256:{}", "a".repeat(64))),
        git_url: Some("https://github.com/openshift/hypershift".into()),
        git_revision: Some("abc".into()),
        created_at: at(0),
    }
}

fn run(build: &str, state: RunState) -> JobRun {
    JobRun {
        job: "periodic-e2e".into(),
        build_id: build.into(),
        state,
        started_at: Some(at(10)),
        finished_at: state.is_finished().then(|| at(20)),
        url: format!("https://prow/view/{build}"),
        target: RunTarget::Snapshot("snap-1".into()),
    }
}

fn decision(name: &str, snapshot: &str, kind: ReleaseKind) -> ReleaseRecord {
    ReleaseRecord {
        name: name.into(),
        namespace: "crt-redhat-acm-tenant".into(),
        gate: "ho".into(),
        snapshot: snapshot.into(),
        release_plan: "plan".into(),
        kind,
        status: ReleaseStatus::Decided,
        status_message: None,
        decided_at: at(30),
        created_at: None,
        updated_at: at(30),
    }
}

#[tokio::test]
async fn everything_recorded_survives_a_restart() {
    for db in Database::all("restart").await {
        {
            let store = Store::open(&db.url).await.unwrap();
            assert!(
                store
                    .record_snapshot(&snapshot("snap-1"), at(1))
                    .await
                    .unwrap()
            );
            store
                .record_run(&run("100", RunState::Running), at(2))
                .await
                .unwrap();
            store
                .save_job_cursor("periodic-e2e", r#"{"latest":"100"}"#, at(2))
                .await
                .unwrap();
            store
                .record_verdict("ho", "snap-1", "pending", "0 of 1 required passed", at(3))
                .await
                .unwrap();
            store
                .decide_release(
                    &decision("rel-1", "snap-1", ReleaseKind::Gated),
                    &BTreeMap::new(),
                )
                .await
                .unwrap();
        }
        let store = Store::open(&db.url).await.unwrap();
        assert_eq!(
            store.snapshots("ho").await.unwrap(),
            vec![snapshot("snap-1")]
        );
        assert_eq!(
            store.runs().await.unwrap(),
            vec![run("100", RunState::Running)]
        );
        assert_eq!(
            store.job_cursor("periodic-e2e").await.unwrap().as_deref(),
            Some(r#"{"latest":"100"}"#)
        );
        assert_eq!(
            store.latest_verdicts("ho").await.unwrap()["snap-1"].decision,
            "pending"
        );
        let open = store.open_releases().await.unwrap();
        assert_eq!(open.len(), 1, "{}", db.url);
        assert_eq!(open[0].status, ReleaseStatus::Decided);
    }
}

#[tokio::test]
async fn runs_report_whether_they_are_new_changed_or_the_same() {
    for db in Database::all("runs").await {
        let store = Store::open(&db.url).await.unwrap();
        assert_eq!(
            store
                .record_run(&run("1", RunState::Running), at(1))
                .await
                .unwrap(),
            RunChange::New
        );
        assert_eq!(
            store
                .record_run(&run("1", RunState::Running), at(2))
                .await
                .unwrap(),
            RunChange::Unchanged
        );
        assert_eq!(
            store
                .record_run(&run("1", RunState::Failure), at(3))
                .await
                .unwrap(),
            RunChange::Updated
        );
        assert_eq!(store.runs().await.unwrap()[0].state, RunState::Failure);
    }
}

#[tokio::test]
async fn one_release_per_snapshot_whichever_path_decides_first() {
    for db in Database::all("one_release").await {
        let store = Store::open(&db.url).await.unwrap();
        let first = store
            .decide_release(
                &decision("rel-gated", "snap-1", ReleaseKind::Gated),
                &BTreeMap::new(),
            )
            .await
            .unwrap();
        let second = store
            .decide_release(
                &decision("rel-emergency", "snap-1", ReleaseKind::Emergency),
                &BTreeMap::new(),
            )
            .await
            .unwrap();
        assert!(first.won && !second.won);
        assert_eq!(first.record.name, "rel-gated");
        assert_eq!(
            second.record.name, "rel-gated",
            "the earlier decision holds"
        );
        assert_eq!(store.releases("ho").await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn two_replicas_deciding_at_once_record_one_release() {
    for db in Database::all("replicas").await {
        let a = Store::open(&db.url).await.unwrap();
        let b = Store::open(&db.url).await.unwrap();
        let record = decision("rel-1", "snap-1", ReleaseKind::Gated);
        let none = BTreeMap::new();
        let (left, right) = tokio::join!(
            a.decide_release(&record, &none),
            b.decide_release(&record, &none)
        );
        let (left, right) = (left.unwrap(), right.unwrap());
        assert_eq!(left.record.name, right.record.name);
        assert!(left.won != right.won, "exactly one decision wins");
        assert_eq!(a.releases("ho").await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_final_release_status_is_never_left() {
    for db in Database::all("final_status").await {
        let store = Store::open(&db.url).await.unwrap();
        store
            .decide_release(
                &decision("rel-1", "snap-1", ReleaseKind::Gated),
                &BTreeMap::new(),
            )
            .await
            .unwrap();
        assert!(
            store
                .update_release_status("rel-1", ReleaseStatus::Progressing, None, at(40))
                .await
                .unwrap()
        );
        assert!(
            !store
                .update_release_status("rel-1", ReleaseStatus::Progressing, None, at(41))
                .await
                .unwrap()
        );
        assert!(
            store
                .update_release_status(
                    "rel-1",
                    ReleaseStatus::Failed,
                    Some("pipeline failed"),
                    at(50)
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .update_release_status("rel-1", ReleaseStatus::Progressing, None, at(60))
                .await
                .unwrap()
        );
        let release = store
            .release_for_snapshot("ho", "snap-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(release.status, ReleaseStatus::Failed);
        assert_eq!(release.status_message.as_deref(), Some("pipeline failed"));
        assert_eq!(release.created_at, Some(at(40)));
        assert!(store.open_releases().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn repeated_facts_are_recorded_once() {
    for db in Database::all("dedupe").await {
        let store = Store::open(&db.url).await.unwrap();
        assert!(
            store
                .record_verdict("ho", "s", "pending", "0 of 2", at(1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_verdict("ho", "s", "pending", "0 of 2", at(2))
                .await
                .unwrap()
        );
        assert!(
            store
                .record_verdict("ho", "s", "blocked", "0 of 2, 1 failed", at(3))
                .await
                .unwrap()
        );
        assert_eq!(
            store.latest_verdicts("ho").await.unwrap()["s"].decision,
            "blocked"
        );

        assert!(
            store
                .record_problem("gs://b/logs/j/1/finished.json", "not JSON", at(1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_problem("gs://b/logs/j/1/finished.json", "not JSON", at(2))
                .await
                .unwrap()
        );
        assert_eq!(store.recent_problems(10).await.unwrap().len(), 1);

        let unexpected = UnexpectedRelease {
            namespace: "ns".into(),
            name: "manual-1".into(),
            release_plan: "plan".into(),
            snapshot: "s".into(),
            author: Some("someone".into()),
            first_seen_at: at(5),
        };
        assert!(store.record_unexpected_release(&unexpected).await.unwrap());
        assert!(!store.record_unexpected_release(&unexpected).await.unwrap());
        assert_eq!(store.unexpected_releases().await.unwrap(), vec![unexpected]);

        let check = |bypassed, label: Option<&str>, t| ReleasePlanCheck {
            gate: "ho".into(),
            release_plan: "plan".into(),
            auto_release: label.map(str::to_string),
            bypassed,
            checked_at: at(t),
        };
        assert!(
            store
                .record_release_plan_check(&check(true, None, 1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_release_plan_check(&check(true, None, 2))
                .await
                .unwrap()
        );
        assert!(
            store
                .record_release_plan_check(&check(false, Some("false"), 3))
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .release_plan_check("ho")
                .await
                .unwrap()
                .unwrap()
                .checked_at,
            at(3)
        );
    }
}

#[tokio::test]
async fn the_audit_log_reads_newest_first() {
    for db in Database::all("audit").await {
        let store = Store::open(&db.url).await.unwrap();
        for (n, action) in ["release.decide", "release.create"].iter().enumerate() {
            store
                .audit(&AuditEntry {
                    at: at(n as i64),
                    actor: "gatebot".into(),
                    action: action.to_string(),
                    target: "snap-1".into(),
                    outcome: "ok".into(),
                    detail: "gate passed".into(),
                    channel: Some("C1".into()),
                    thread: None,
                })
                .await
                .unwrap();
        }
        let entries = store.recent_audit(10).await.unwrap();
        assert_eq!(
            entries
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>(),
            ["release.create", "release.decide"]
        );
        assert_eq!(entries[0].channel.as_deref(), Some("C1"));
    }
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error_without_the_password() {
    let error = Store::open("postgres://gate:s3cret@127.0.0.1:1/gatebot")
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("cannot open the store at postgres://gate:***@127.0.0.1:1/gatebot"),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
}

fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[tokio::test]
async fn a_release_keeps_the_annotations_it_was_decided_with() {
    for db in Database::all("annotations").await {
        let store = Store::open(&db.url).await.unwrap();
        let emergency = annotations(&[
            ("release.hypershift.io/emergency", "true"),
            (
                "release.hypershift.io/justification",
                "<!channel> & <@U123> \"ship\"",
            ),
        ]);
        store
            .decide_release(
                &decision("rel-emergency", "snap-1", ReleaseKind::Emergency),
                &emergency,
            )
            .await
            .unwrap();
        let late = store
            .decide_release(
                &decision("rel-gated", "snap-1", ReleaseKind::Gated),
                &annotations(&[("other", "x")]),
            )
            .await
            .unwrap();
        assert!(!late.won);
        let reopened = Store::open(&db.url).await.unwrap();
        assert_eq!(
            reopened.release_annotations("rel-emergency").await.unwrap(),
            emergency
        );
        assert!(
            reopened
                .release_annotations("rel-gated")
                .await
                .unwrap()
                .is_empty(),
            "the losing decision left nothing behind"
        );
        store
            .decide_release(
                &decision("rel-plain", "snap-2", ReleaseKind::Gated),
                &BTreeMap::new(),
            )
            .await
            .unwrap();
        assert!(
            store
                .release_annotations("rel-plain")
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn releases_are_counted_by_kind_within_a_window() {
    for db in Database::all("release_kinds").await {
        let store = Store::open(&db.url).await.unwrap();
        let decided_at = |record: ReleaseRecord, seconds: i64| ReleaseRecord {
            decided_at: at(seconds),
            ..record
        };
        for (name, snapshot, kind, seconds) in [
            ("r1", "s1", ReleaseKind::Gated, 0),
            ("r2", "s2", ReleaseKind::Gated, 100),
            ("r3", "s3", ReleaseKind::Manual, 100),
            ("r4", "s4", ReleaseKind::Emergency, 100),
        ] {
            store
                .decide_release(
                    &decided_at(decision(name, snapshot, kind), seconds),
                    &BTreeMap::new(),
                )
                .await
                .unwrap();
        }
        let mut kinds = store.release_kinds_since(at(50)).await.unwrap();
        kinds.sort_by_key(|(kind, _)| kind.to_string());
        assert_eq!(
            kinds,
            [
                (ReleaseKind::Emergency, 1),
                (ReleaseKind::Gated, 1),
                (ReleaseKind::Manual, 1)
            ]
        );
    }
}

fn emergency_request(id: &str, snapshot: &str) -> EmergencyRequest {
    EmergencyRequest {
        approval: ApprovalRequest {
            id: id.into(),
            kind: ApprovalKind::EmergencyRelease,
            subject: format!("ho/{snapshot}"),
            subject_digest: "d1".into(),
            requester: "U0REQ".into(),
            approvals_needed: 2,
            state: RequestState::Pending,
            requested_at: at(0),
            expires_at: at(0) + SignedDuration::from_hours(2),
            channel: "C0REL".into(),
            thread_ts: Some("1.1".into()),
            message_ts: None,
            permalink: None,
            closed_by: None,
            closed_at: None,
            reason: None,
        },
        key: SnapshotKey::new("ho", snapshot),
        digest: Some(format!("sha256:{}", "a".repeat(64))),
        git_revision: Some("abc".into()),
        gate_state: "BLOCKED — 7 of 8 required passed, 1 failed".into(),
        justification: "<!channel> OCPBUGS-1 & friends".into(),
        release_name: None,
    }
}

fn approval(approver: &str, second: i64, digest: &str) -> Approval {
    Approval {
        approver: approver.into(),
        approved_at: at(second),
        subject_digest: digest.into(),
    }
}

#[tokio::test]
async fn an_emergency_request_is_pending_once_per_snapshot_and_closes_once() {
    for db in Database::all("emergency_requests").await {
        let store = Store::open(&db.url).await.unwrap();
        let request = emergency_request("em-1", "snap-1");
        assert!(store.record_emergency_request(&request).await.unwrap());
        assert!(
            !store
                .record_emergency_request(&emergency_request("em-2", "snap-1"))
                .await
                .unwrap(),
            "one pending request per snapshot"
        );
        assert!(
            store
                .record_emergency_request(&emergency_request("em-3", "snap-2"))
                .await
                .unwrap()
        );
        store
            .set_approval_message("em-1", "2.2", Some("https://slack/p22"))
            .await
            .unwrap();
        assert!(
            store
                .add_approval("em-1", &approval("U0A", 10, "d1"))
                .await
                .unwrap()
        );
        assert!(
            !store
                .add_approval("em-1", &approval("U0A", 11, "d1"))
                .await
                .unwrap()
        );
        assert!(
            store
                .add_approval("em-1", &approval("U0B", 12, "d0"))
                .await
                .unwrap()
        );
        let approvals = store.approvals("em-1").await.unwrap();
        let approvers: Vec<(&str, &str)> = approvals
            .iter()
            .map(|approval| (approval.approver.as_str(), approval.subject_digest.as_str()))
            .collect();
        assert_eq!(approvers, [("U0A", "d1"), ("U0B", "d0")]);

        let approved = Closing {
            state: RequestState::Approved,
            by: "U0B",
            at: at(12),
            reason: None,
        };
        let denied = Closing {
            state: RequestState::Denied,
            by: "U0C",
            at: at(13),
            reason: Some("no"),
        };
        let (first, second) = tokio::join!(
            store.close_emergency_request("em-1", RequestState::Pending, &approved, Some("rel-1")),
            store.close_emergency_request("em-1", RequestState::Pending, &denied, None)
        );
        assert!(
            first.unwrap() != second.unwrap(),
            "exactly one closing holds"
        );

        let reopened = Store::open(&db.url).await.unwrap();
        let closed = reopened.emergency_request("em-1").await.unwrap().unwrap();
        assert_eq!(closed.approval.message_ts.as_deref(), Some("2.2"));
        assert_eq!(
            closed.approval.permalink.as_deref(),
            Some("https://slack/p22")
        );
        assert_eq!(closed.justification, request.justification);
        assert_eq!(closed.approval.approvals_needed, 2);
        match closed.approval.state {
            RequestState::Approved => assert_eq!(closed.release_name.as_deref(), Some("rel-1")),
            RequestState::Denied => assert_eq!(closed.release_name, None),
            other => panic!("closed as {other:?}"),
        }
        assert_eq!(
            reopened
                .pending_emergency_request(&SnapshotKey::new("ho", "snap-1"))
                .await
                .unwrap(),
            None
        );
        assert!(
            reopened
                .record_emergency_request(&emergency_request("em-4", "snap-1"))
                .await
                .unwrap(),
            "a closed request frees the snapshot for a new one"
        );
        assert_eq!(reopened.emergency_request("em-404").await.unwrap(), None);
    }
}

#[tokio::test]
async fn only_requests_past_their_expiry_are_overdue() {
    for db in Database::all("emergency_overdue").await {
        let store = Store::open(&db.url).await.unwrap();
        store
            .record_emergency_request(&emergency_request("em-1", "snap-1"))
            .await
            .unwrap();
        let mut later = emergency_request("em-2", "snap-2");
        later.approval.expires_at = at(0) + SignedDuration::from_hours(3);
        store.record_emergency_request(&later).await.unwrap();
        let overdue = |hours: i64| {
            let store = store.clone();
            async move {
                store
                    .overdue_approval_requests(at(0) + SignedDuration::from_hours(hours))
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|request| request.id)
                    .collect::<Vec<_>>()
            }
        };
        assert!(overdue(1).await.is_empty());
        assert_eq!(overdue(2).await, ["em-1"]);
        assert_eq!(overdue(4).await, ["em-1", "em-2"]);
        let expired = Closing {
            state: RequestState::Expired,
            by: "gatebot",
            at: at(0) + SignedDuration::from_hours(4),
            reason: None,
        };
        store
            .close_emergency_request("em-1", RequestState::Pending, &expired, None)
            .await
            .unwrap();
        assert_eq!(overdue(4).await, ["em-2"]);
    }
}

#[tokio::test]
async fn an_approved_request_is_waiting_for_its_release_until_the_snapshot_has_one() {
    for db in Database::all("emergency_unreleased").await {
        let store = Store::open(&db.url).await.unwrap();
        for (id, snapshot) in [("em-1", "snap-1"), ("em-2", "snap-2"), ("em-3", "snap-3")] {
            store
                .record_emergency_request(&emergency_request(id, snapshot))
                .await
                .unwrap();
        }
        let approved = |second: i64| Closing {
            state: RequestState::Approved,
            by: "U0APP",
            at: at(second),
            reason: None,
        };
        for (id, second) in [("em-2", 20), ("em-1", 40)] {
            store
                .close_emergency_request(id, RequestState::Pending, &approved(second), None)
                .await
                .unwrap();
        }
        let waiting = || {
            let store = store.clone();
            async move {
                store
                    .approved_emergency_requests_without_release()
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|request| request.approval.id)
                    .collect::<Vec<_>>()
            }
        };
        // Pending em-3 is not waiting; the approvals come oldest first.
        assert_eq!(waiting().await, ["em-2", "em-1"]);
        store
            .decide_release(
                &decision("rel-2", "snap-2", ReleaseKind::Emergency),
                &annotations(&[]),
            )
            .await
            .unwrap();
        assert_eq!(waiting().await, ["em-1"]);
    }
}

#[tokio::test]
async fn a_round_attempt_is_claimed_once_and_follows_its_execution_to_its_result() {
    for db in Database::all("round_attempts").await {
        let store = Store::open(&db.url).await.unwrap();
        let snapshot = SnapshotKey::new("ho", "snap-1");
        let cell = CellKey {
            version: OcpVersion::new(4, 20),
            platform: Platform::new("aws"),
            check: Check::UpgradeFromZero,
        };
        let job = "periodic-ci-openshift-hypershift-release-4.20-periodics-e2e-aws-ovn";
        // Two replicas (two handles on one database) decide the same attempt at once.
        let other = Store::open(&db.url).await.unwrap();
        let (first, second) = tokio::join!(
            store.intend_attempt(&snapshot, &cell, 1, job, at(0)),
            other.intend_attempt(&snapshot, &cell, 1, job, at(0)),
        );
        assert!(
            first.unwrap() != second.unwrap(),
            "exactly one of them triggers"
        );
        assert_eq!(
            store.attempts(&snapshot).await.unwrap(),
            [Attempt {
                cell: cell.clone(),
                number: 1,
                state: AttemptState::Intended { at: at(0) },
                run_url: None,
            }]
        );

        store
            .attempt_triggered(&snapshot, &cell, 1, "exec-1", at(5))
            .await
            .unwrap();
        let run_url = "https://prow.ci.openshift.org/view/gs/test-platform-results/logs/job/17";
        store
            .attempt_link(&snapshot, &cell, 1, run_url)
            .await
            .unwrap();
        let reason = "the job passed 18 of its last 20 runs; attempt 2 of 3";
        let outcome = AttemptOutcome {
            result: RunState::Failure,
            retry: true,
            reason: Some(reason),
        };
        store
            .attempt_finished(&snapshot, &cell, 1, &outcome, at(3_600))
            .await
            .unwrap();
        assert!(
            store
                .intend_attempt(&snapshot, &cell, 2, job, at(3_601))
                .await
                .unwrap()
        );
        let reopened = Store::open(&db.url).await.unwrap();
        assert_eq!(
            reopened.attempts(&snapshot).await.unwrap(),
            [
                Attempt {
                    cell: cell.clone(),
                    number: 1,
                    state: AttemptState::Finished {
                        execution: "exec-1".into(),
                        result: RunState::Failure,
                        retry: true,
                        reason: Some(reason.into()),
                    },
                    run_url: Some(run_url.into()),
                },
                Attempt {
                    cell: cell.clone(),
                    number: 2,
                    state: AttemptState::Intended { at: at(3_601) },
                    run_url: None,
                },
            ]
        );
        let by_snapshot = reopened.gate_attempts("ho").await.unwrap();
        assert_eq!(by_snapshot.len(), 2);
        assert!(by_snapshot.iter().all(|(name, _)| name == "snap-1"));
        assert!(
            reopened
                .attempts(&SnapshotKey::new("ho", "snap-2"))
                .await
                .unwrap()
                .is_empty()
        );
    }
}
