//! Snapshots, runs and Releases of release day for the sandbox's unit tests, with verdicts
//! evaluated by the real gate on the sandbox's gate.

use jiff::Timestamp;

use super::run::sandbox_gate;
use crate::commands::answers::SnapshotFacts;
use crate::gate::{CellKey, GateInput, JobRun, Platform, RunState, RunTarget, Snapshot, evaluate};
use crate::store::{ReleaseKind, ReleaseRecord, ReleaseStatus};

pub const MORNING: &str = "hypershift-operator-main-20260512-070000-000";
pub const AFTERNOON: &str = "hypershift-operator-main-20260512-130000-000";

/// A time on release day, "14:45".
pub fn at(hour_minute: &str) -> Timestamp {
    format!("2026-05-12T{hour_minute}:00Z").parse().unwrap()
}

pub fn snapshot(name: &str, created: &str) -> Snapshot {
    let digest = format!("sha256:{}", "ab".repeat(32));
    Snapshot {
        gate: "hypershift-operator".into(),
        namespace: "crt-redhat-acm-tenant".into(),
        name: name.into(),
        component: "hypershift-operator-main".into(),
        image: format!("quay.io/x/hypershift-operator-main@{digest}"),
        digest: Some(digest),
        git_url: None,
        git_revision: None,
        created_at: at(created),
    }
}

/// A run of the job of `cell` ("4.20 aws baseline") that tested `snapshot`; `finished` is
/// `None` while it runs.
pub fn run(
    cell: &str,
    snapshot: &str,
    state: RunState,
    started: &str,
    finished: Option<&str>,
) -> JobRun {
    let words: Vec<&str> = cell.split(' ').collect();
    let key = CellKey {
        version: words[0].parse().unwrap(),
        platform: Platform::new(words[1]),
        check: words[2].parse().unwrap(),
    };
    let job = sandbox_gate()
        .policy
        .cell(&key)
        .unwrap()
        .job
        .clone()
        .unwrap();
    // Build ids grow with time, as Prow's do: 13:15 → …1315.
    let build_id = format!("192500000000000{}", started.replace(':', ""));
    JobRun {
        url: format!(
            "https://prow.ci.openshift.org/view/gs/test-platform-results/logs/{job}/{build_id}"
        ),
        job,
        build_id,
        state,
        started_at: Some(at(started)),
        finished_at: finished.map(at),
        target: RunTarget::Snapshot(snapshot.into()),
    }
}

pub fn facts(
    snapshot: Snapshot,
    runs: &[JobRun],
    now: &str,
    release: Option<ReleaseRecord>,
) -> SnapshotFacts {
    let gate = sandbox_gate();
    let runs: Vec<&JobRun> = runs.iter().collect();
    let verdict = evaluate(&GateInput {
        policy: &gate.policy,
        catalog: &gate.catalog,
        snapshot: &snapshot,
        runs: &runs,
        newer_snapshot: None,
        now: at(now),
    });
    SnapshotFacts {
        snapshot,
        verdict,
        release,
    }
}

/// Every applicable cell passed, except the given ones.
pub fn all_passing_except(snapshot: &str, except: &[&str]) -> Vec<JobRun> {
    let cells = [
        "4.19 aws baseline",
        "4.19 aws upgrade-from-zero",
        "4.19 azure baseline",
        "4.19 azure upgrade-from-zero",
        "4.20 aws baseline",
        "4.20 aws upgrade-from-zero",
        "4.20 azure baseline",
        "4.20 azure upgrade-from-zero",
        "4.21 aws baseline",
        "4.21 aws upgrade-from-zero",
        "4.21 azure baseline",
        "4.21 azure upgrade-from-zero",
        "4.22 aws baseline",
        "4.22 azure baseline",
    ];
    cells
        .iter()
        .filter(|cell| !except.contains(cell))
        .map(|cell| run(cell, snapshot, RunState::Success, "13:10", Some("14:10")))
        .collect()
}

pub fn released(snapshot: &str) -> ReleaseRecord {
    ReleaseRecord {
        name: format!("{snapshot}-d5d055ca"),
        namespace: "crt-redhat-acm-tenant".into(),
        gate: "hypershift-operator".into(),
        snapshot: snapshot.into(),
        release_plan: "hypershift-operator-progressive".into(),
        kind: ReleaseKind::Gated,
        status: ReleaseStatus::Succeeded,
        status_message: None,
        decided_at: at("11:32"),
        created_at: Some(at("11:33")),
        updated_at: at("12:00"),
    }
}

/// The afternoon build: 4.20 aws e2e failed, 4.21 aws e2e still running, 4.22 azure e2e
/// not run yet.
pub fn blocked_afternoon() -> SnapshotFacts {
    let mut runs = all_passing_except(
        AFTERNOON,
        &[
            "4.20 aws baseline",
            "4.21 aws baseline",
            "4.22 azure baseline",
        ],
    );
    runs.push(run(
        "4.20 aws baseline",
        AFTERNOON,
        RunState::Failure,
        "13:15",
        Some("14:45"),
    ));
    runs.push(run(
        "4.21 aws baseline",
        AFTERNOON,
        RunState::Running,
        "14:00",
        None,
    ));
    facts(snapshot(AFTERNOON, "13:00"), &runs, "15:00", None)
}
