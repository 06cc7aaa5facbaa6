//! Re-evaluating every tracked snapshot: 1,000 snapshots against a 6 versions × 2 platforms ×
//! 3 checks policy, with 100,000 runs in the tracker: the pass the engine makes after every
//! change. Target: under 20 ms per full pass.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use strum::IntoEnumIterator;

use gatebot::engine::{GateSpec, ReleaseMode, Tracker, assess_tracked};
use gatebot::gate::{
    CellPolicy, Check, JobRun, Maturity, OcpVersion, Platform, Policy, RunState, RunTarget,
    Snapshot,
};
use gatebot::release_streams::{ConfiguredVersions, GaCatalog};
use gatebot::rounds::{RoundPolicy, Runs};

const SNAPSHOTS: usize = 1_000;
const RUNS: usize = 100_000;

fn gate() -> GateSpec {
    let versions: Vec<OcpVersion> = (17..23).map(|minor| OcpVersion::new(4, minor)).collect();
    let configured = ConfiguredVersions {
        fallback: versions
            .iter()
            .map(|&v| {
                let maturity = if v.minor == 22 {
                    Maturity::PreRelease
                } else {
                    Maturity::GenerallyAvailable
                };
                (v, maturity)
            })
            .collect(),
        pins: Default::default(),
    };
    let catalog = GaCatalog::decide(&configured, None, false).version_catalog();
    GateSpec {
        versions: configured,
        name: "hypershift-operator".into(),
        namespace: "crt-redhat-acm-tenant".into(),
        application: "hypershift-operator".into(),
        component: "hypershift-operator-main".into(),
        snapshot_selector: String::new(),
        release_plan: "hypershift-operator-progressive".into(),
        emergency_release_plan: "hypershift-operator-progressive".into(),
        grace_period_days: None,
        release_mode: ReleaseMode::Automatic,
        runs: Runs::Periodic,
        rounds: RoundPolicy::default(),
        policy: Policy::matrix(
            "hypershift-operator",
            versions,
            vec![Platform::new("aws"), Platform::new("azure")],
            Check::iter().collect(),
            SignedDuration::from_hours(12),
            |key| CellPolicy {
                job: Some(format!(
                    "periodic-ci-openshift-hypershift-release-{}-periodics-{}-{}",
                    key.version, key.platform, key.check
                )),
                required: true,
                key,
                aggregate: None,
            },
        ),
        catalog,
    }
}

fn tracker(gate: &GateSpec, start: Timestamp) -> Tracker {
    let mut tracker = Tracker::default();
    let jobs = gate.policy.jobs();
    for index in 0..SNAPSHOTS {
        let digest = format!("sha256:{index:064x}");
        tracker.add_snapshot(Snapshot {
            gate: gate.name.clone(),
            namespace: gate.namespace.clone(),
            name: format!("hypershift-operator-main-{index:06}"),
            component: gate.component.clone(),
            image: format!("quay.io/hypershift/operator@{digest}"),
            digest: Some(digest),
            git_url: None,
            git_revision: None,
            created_at: start + SignedDuration::from_mins(index as i64),
        });
    }
    let states = [
        RunState::Success,
        RunState::Success,
        RunState::Failure,
        RunState::Running,
    ];
    for index in 0..RUNS {
        let snapshot = index % SNAPSHOTS;
        // Half the runs name the snapshot, half the image they tested.
        let target = if index % 2 == 0 {
            RunTarget::Snapshot(format!("hypershift-operator-main-{snapshot:06}"))
        } else {
            RunTarget::Image(format!("registry.ci/hypershift@sha256:{snapshot:064x}"))
        };
        let state = states[index % states.len()];
        tracker.add_run(JobRun {
            job: jobs[index / SNAPSHOTS % jobs.len()].to_string(),
            build_id: (1_000_000 + index).to_string(),
            state,
            started_at: Some(start),
            finished_at: state
                .is_finished()
                .then_some(start + SignedDuration::from_hours(2)),
            url: format!(
                "https://prow.ci.openshift.org/view/gs/test-platform-results/logs/job/{index}"
            ),
            target,
        });
    }
    tracker
}

fn reevaluate_everything(c: &mut Criterion) {
    let start = Timestamp::from_second(1_800_000_000).unwrap();
    let gate = gate();
    let tracker = tracker(&gate, start);
    let catalogs = [gate.catalog.clone()];
    let gates = [gate];
    let now = start + SignedDuration::from_hours(6);
    assert_eq!(
        assess_tracked(&gates, &catalogs, &tracker, now).len(),
        SNAPSHOTS
    );
    c.bench_function("evaluate 1000 snapshots x 36 cells, 100k runs", |b| {
        b.iter(|| black_box(assess_tracked(black_box(&gates), &catalogs, &tracker, now)))
    });
}

criterion_group!(benches, reevaluate_everything);
criterion_main!(benches);
