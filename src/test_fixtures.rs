//! Release day for unit tests: a gate, snapshots, runs and Releases, with verdicts evaluated by
//! the real gate. Renderers and answers are tested on these, so their tests read like the day the
//! docs describe: a morning build that passed and an afternoon build that is blocked.

use jiff::{SignedDuration, Timestamp};

use crate::engine::SnapshotFacts;
use crate::gate::{
    CellKey, CellPolicy, Check, GateInput, JobRun, Maturity, OcpVersion, Platform, Policy,
    ReleaseKind, ReleaseRecord, ReleaseStatus, RunState, RunTarget, Snapshot, VersionCatalog,
    evaluate,
};

/// The gate of release day: 4.19 to 4.22 (not GA yet) × aws, azure × e2e and `.0 → latest`.
/// 4.22 has no upgrade to test yet, and the oldest azure upgrade is advisory.
pub struct ReleaseDayGate {
    pub policy: Policy,
    pub catalog: VersionCatalog,
}

pub fn gate() -> ReleaseDayGate {
    ReleaseDayGate {
        policy: Policy::matrix(
            "hypershift-operator",
            (19..=22).map(|minor| OcpVersion::new(4, minor)).collect(),
            vec![Platform::new("aws"), Platform::new("azure")],
            vec![Check::Baseline, Check::UpgradeFromZero],
            SignedDuration::from_hours(12),
            |key| {
                let upgrade = key.check == Check::UpgradeFromZero;
                let applicable = !(key.version.minor == 22 && upgrade);
                CellPolicy {
                    job: applicable.then(|| job_of(&key)),
                    required: !(key.version.minor == 19
                        && key.platform.as_str() == "azure"
                        && upgrade),
                    key,
                    aggregate: None,
                }
            },
        ),
        catalog: VersionCatalog::new([
            (OcpVersion::new(4, 19), Maturity::GenerallyAvailable),
            (OcpVersion::new(4, 20), Maturity::GenerallyAvailable),
            (OcpVersion::new(4, 21), Maturity::GenerallyAvailable),
            (OcpVersion::new(4, 22), Maturity::PreRelease),
        ]),
    }
}

/// The HyperShift periodic that tests a cell, named as in `deploy/config/gatebot.toml`.
fn job_of(key: &CellKey) -> String {
    let job = match (key.platform.as_str(), key.check) {
        ("aws", Check::Baseline) => "e2e-aws-ovn",
        ("azure", Check::Baseline) => "e2e-aks",
        ("aws", _) => "hcm-e2e-aws-upgrade-from-zero",
        _ => "hcm-azure-e2e-aks-upgrade-from-zero",
    };
    format!(
        "periodic-ci-openshift-hypershift-release-{}-periodics-{job}",
        key.version
    )
}

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
    let job = gate().policy.cell(&key).unwrap().job.clone().unwrap();
    // Build ids grow with time, as Prow's do: 13:15 → …1315.
    let build_id = format!("192500000000000{}", started.replace(':', ""));
    prow_run(
        &job,
        &build_id,
        state,
        at(started),
        finished.map(at),
        snapshot,
    )
}

/// A run of `job` that tested `snapshot`, linked as Prow's job pages are; `finished_at` is
/// `None` while it runs.
pub fn prow_run(
    job: &str,
    build_id: &str,
    state: RunState,
    started_at: Timestamp,
    finished_at: Option<Timestamp>,
    snapshot: &str,
) -> JobRun {
    JobRun {
        url: format!(
            "https://prow.ci.openshift.org/view/gs/test-platform-results/logs/{job}/{build_id}"
        ),
        job: job.into(),
        build_id: build_id.into(),
        state,
        started_at: Some(started_at),
        finished_at,
        target: RunTarget::Snapshot(snapshot.into()),
    }
}

pub fn facts(
    snapshot: Snapshot,
    runs: &[JobRun],
    now: &str,
    release: Option<ReleaseRecord>,
) -> SnapshotFacts {
    let gate = gate();
    let runs: Vec<&JobRun> = runs.iter().collect();
    let verdict = evaluate(&GateInput {
        policy: &gate.policy,
        catalog: &gate.catalog,
        snapshot: &snapshot,
        runs: &runs,
        newer_snapshot: None,
        trying: &[],
        now: at(now),
    });
    SnapshotFacts {
        snapshot,
        verdict,
        attempts: Vec::new(),
        records: Default::default(),
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
