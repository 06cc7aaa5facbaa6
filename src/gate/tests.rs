//! Tests of the pure gate: the cell rule, the verdict, and the properties that must hold for any
//! combination of runs.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use strum::IntoEnumIterator;

use super::*;
use crate::test_fixtures::prow_run;

const JOB_PREFIX: &str = "periodic-ci-openshift-hypershift-release";

fn t(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

fn job_name(version: OcpVersion, platform: &str, check: Check) -> String {
    format!("{JOB_PREFIX}-{version}-periodics-{platform}-{check}")
}

/// 4.20 (GA) and 4.21 (pre-release) × aws, azure × the three checks, all required.
fn policy() -> (Policy, VersionCatalog) {
    let policy = Policy::matrix(
        "hypershift-operator",
        vec![OcpVersion::new(4, 20), OcpVersion::new(4, 21)],
        vec![Platform::new("aws"), Platform::new("azure")],
        Check::iter().collect(),
        SignedDuration::from_hours(12),
        |key| CellPolicy {
            job: Some(job_name(key.version, key.platform.as_str(), key.check)),
            required: true,
            key,
            aggregate: None,
        },
    );
    let catalog = VersionCatalog::new([
        (OcpVersion::new(4, 20), Maturity::GenerallyAvailable),
        (OcpVersion::new(4, 21), Maturity::PreRelease),
    ]);
    (policy, catalog)
}

fn snapshot() -> Snapshot {
    Snapshot {
        gate: "hypershift-operator".into(),
        namespace: "crt-redhat-acm-tenant".into(),
        name: "hypershift-operator-main-20261121-101500-000".into(),
        component: "hypershift-operator-main".into(),
        image: format!("quay.io/hypershift/operator@sha256:{}", "a".repeat(64)),
        digest: Some(format!("sha256:{}", "a".repeat(64))),
        git_url: Some("https://github.com/openshift/hypershift".into()),
        git_revision: Some("0123456789abcdef".into()),
        created_at: t(0),
    }
}

fn run(job: &str, build: u64, state: RunState) -> JobRun {
    prow_run(
        job,
        &build.to_string(),
        state,
        t(60),
        state.is_finished().then(|| t(3_600)),
        &snapshot().name,
    )
}

fn decide(policy: &Policy, catalog: &VersionCatalog, runs: &[JobRun], now: Timestamp) -> Verdict {
    decide_trying(policy, catalog, runs, &[], now)
}

/// [`decide`] while gatebot's round is still trying `trying`.
fn decide_trying(
    policy: &Policy,
    catalog: &VersionCatalog,
    runs: &[JobRun],
    trying: &[CellKey],
    now: Timestamp,
) -> Verdict {
    let snapshot = snapshot();
    let runs: Vec<&JobRun> = runs.iter().collect();
    evaluate(&GateInput {
        policy,
        catalog,
        snapshot: &snapshot,
        runs: &runs,
        newer_snapshot: None,
        trying,
        now,
    })
}

fn all_passing(policy: &Policy) -> Vec<JobRun> {
    policy
        .jobs()
        .iter()
        .enumerate()
        .map(|(i, job)| run(job, 1000 + i as u64, RunState::Success))
        .collect()
}

fn cell<'a>(verdict: &'a Verdict, version: &str, platform: &str, check: Check) -> &'a CellVerdict {
    verdict
        .cells
        .iter()
        .find(|c| {
            c.key.version.to_string() == version
                && c.key.platform.as_str() == platform
                && c.key.check == check
        })
        .unwrap()
}

#[test]
fn every_required_cell_passing_passes_the_gate() {
    let (policy, catalog) = policy();
    let verdict = decide(&policy, &catalog, &all_passing(&policy), t(7_200));
    assert_eq!(verdict.decision, Decision::Passed);
    assert_eq!(verdict.tally.to_string(), "12 of 12 required passed");
}

#[test]
fn nothing_yet_is_pending_with_every_cell_waiting() {
    let (policy, catalog) = policy();
    let verdict = decide(&policy, &catalog, &[], t(60));
    assert_eq!(verdict.decision, Decision::Pending);
    assert!(verdict.cells.iter().all(|c| c.state == CellState::Waiting));
    assert_eq!(
        verdict.tally.to_string(),
        "0 of 12 required passed, 12 waiting"
    );
}

#[test]
fn a_failed_ga_cell_blocks_and_names_job_run_and_time() {
    let (policy, catalog) = policy();
    let mut runs = all_passing(&policy);
    let failing = job_name(OcpVersion::new(4, 20), "azure", Check::Baseline);
    runs.retain(|r| r.job != failing);
    runs.push(run(&failing, 42, RunState::Failure));
    let verdict = decide(&policy, &catalog, &runs, t(7_200));
    assert_eq!(verdict.decision, Decision::Blocked);
    let failed = cell(&verdict, "4.20", "azure", Check::Baseline);
    assert_eq!(failed.state, CellState::Failed);
    assert!(
        failed.reason().contains(&failing) && failed.reason().contains("42"),
        "{}",
        failed.reason()
    );
    assert_eq!(failed.run.as_ref().unwrap().finished_at, Some(t(3_600)));
    assert_eq!(verdict.blocked_since(), Some(t(3_600)));
    assert_eq!(verdict.blocking_cells().count(), 1);
}

#[test]
fn a_failure_on_a_prerelease_version_is_allowed_and_says_why() {
    let (policy, catalog) = policy();
    let mut runs = all_passing(&policy);
    let failing = job_name(OcpVersion::new(4, 21), "aws", Check::UpgradeFromZero);
    runs.retain(|r| r.job != failing);
    runs.push(run(&failing, 7, RunState::Failure));
    let verdict = decide(&policy, &catalog, &runs, t(7_200));
    assert_eq!(verdict.decision, Decision::Passed);
    let allowed = cell(&verdict, "4.21", "aws", Check::UpgradeFromZero);
    assert_eq!(allowed.state, CellState::AllowedFailure);
    assert!(
        allowed.reason().contains("4.21 is not generally available"),
        "{}",
        allowed.reason()
    );
    assert_eq!(
        verdict.tally.to_string(),
        "11 of 12 required passed, 1 allowed failure"
    );
}

#[test]
fn a_retried_flake_that_passed_counts_as_passed() {
    let (policy, catalog) = policy();
    let mut runs = all_passing(&policy);
    let job = job_name(OcpVersion::new(4, 20), "aws", Check::Baseline);
    runs.push(run(&job, 1, RunState::Failure));
    runs.push(run(&job, 99_999, RunState::Failure));
    let verdict = decide(&policy, &catalog, &runs, t(7_200));
    assert_eq!(
        cell(&verdict, "4.20", "aws", Check::Baseline).state,
        CellState::Passed
    );
}

#[test]
fn a_failure_the_round_still_tries_is_retrying_and_holds_no_one_back_until_settled() {
    let (policy, catalog) = policy();
    let mut runs = all_passing(&policy);
    let job = job_name(OcpVersion::new(4, 20), "azure", Check::Baseline);
    runs.retain(|r| r.job != job);
    runs.push(run(&job, 42, RunState::Failure));
    let key = cell(
        &decide(&policy, &catalog, &runs, t(0)),
        "4.20",
        "azure",
        Check::Baseline,
    )
    .key
    .clone();
    let trying = [key];

    let retrying = decide_trying(&policy, &catalog, &runs, &trying, t(7_200));
    assert_eq!(retrying.decision, Decision::Pending, "a retry is coming");
    let retried = cell(&retrying, "4.20", "azure", Check::Baseline);
    assert_eq!(retried.state, CellState::Retrying);
    assert!(
        retried.reason().contains("runs it again"),
        "{}",
        retried.reason()
    );
    assert_eq!(
        retrying.tally.to_string(),
        "11 of 12 required passed, 1 retrying"
    );
    assert_eq!(retrying.outstanding_cells().count(), 1);

    let past_deadline = decide_trying(&policy, &catalog, &runs, &trying, t(13 * 3_600));
    assert_eq!(
        past_deadline.decision,
        Decision::Pending,
        "the round, not the deadline, settles a cell it still tries"
    );

    let settled = decide(&policy, &catalog, &runs, t(7_200));
    assert_eq!(settled.decision, Decision::Blocked, "no retry left: final");
}

#[test]
fn an_aggregated_cell_passes_on_enough_passes_and_fails_once_it_cannot_pass_any_more() {
    let (mut policy, catalog) = policy();
    let job = job_name(OcpVersion::new(4, 20), "aws", Check::Baseline);
    let index = policy
        .cells
        .iter()
        .position(|cell| cell.job.as_deref() == Some(job.as_str()))
        .unwrap();
    policy.cells[index].aggregate = Some(Aggregate { passes: 2, runs: 3 });
    let mut runs = all_passing(&policy);
    runs.retain(|r| r.job != job);
    let state = |extra: &[(u64, RunState)]| {
        let mut runs = runs.clone();
        runs.extend(extra.iter().map(|(build, state)| run(&job, *build, *state)));
        let verdict = decide(&policy, &catalog, &runs, t(7_200));
        let cell = cell(&verdict, "4.20", "aws", Check::Baseline).clone();
        (cell.state, verdict.decision, cell.reason())
    };
    use RunState::{Failure, Running, Success};
    let (one_pass, decision, _) = state(&[(1, Success), (2, Failure), (3, Running)]);
    assert_eq!(
        (one_pass, decision),
        (CellState::Running, Decision::Pending)
    );
    let (passed, decision, reason) = state(&[(1, Success), (2, Failure), (3, Success)]);
    assert_eq!((passed, decision), (CellState::Passed, Decision::Passed));
    assert!(reason.contains("an aggregated cell: 2 of 3"), "{reason}");
    let (failed, decision, _) = state(&[(1, Failure), (2, Failure), (3, Running)]);
    assert_eq!(
        (failed, decision),
        (CellState::Failed, Decision::Blocked),
        "two failures leave no way to two passes"
    );
}

#[test]
fn the_newest_run_decides_when_none_passed_and_build_ids_compare_as_numbers() {
    let (policy, catalog) = policy();
    let job = job_name(OcpVersion::new(4, 20), "aws", Check::Baseline);
    let runs = vec![
        run(&job, 999, RunState::Failure),
        run(&job, 1000, RunState::Running),
    ];
    let verdict = decide(&policy, &catalog, &runs, t(7_200));
    let running = cell(&verdict, "4.20", "aws", Check::Baseline);
    assert_eq!(running.state, CellState::Running);
    assert_eq!(running.run.as_ref().unwrap().build_id, "1000");
}

#[test]
fn no_result_by_the_deadline_times_out_on_ga_and_is_allowed_before_ga() {
    let (policy, catalog) = policy();
    let after_deadline = t(12 * 3_600 + 1);
    let verdict = decide(&policy, &catalog, &[], after_deadline);
    assert_eq!(verdict.decision, Decision::Blocked);
    assert_eq!(
        cell(&verdict, "4.20", "aws", Check::Baseline).state,
        CellState::TimedOut
    );
    assert_eq!(
        cell(&verdict, "4.21", "aws", Check::Baseline).state,
        CellState::AllowedFailure
    );
    assert_eq!(verdict.blocked_since(), Some(verdict.deadline));
}

#[test]
fn advisory_and_not_applicable_cells_never_hold_the_gate() {
    let (mut policy, catalog) = policy();
    let advisory = job_name(OcpVersion::new(4, 20), "azure", Check::UpgradeFromPrevious);
    for cell in &mut policy.cells {
        if cell.job.as_deref() == Some(advisory.as_str()) {
            cell.required = false;
        }
        if cell.key.version == OcpVersion::new(4, 21)
            && cell.key.check == Check::UpgradeFromPrevious
        {
            cell.job = None;
        }
    }
    let runs: Vec<JobRun> = all_passing(&policy)
        .into_iter()
        .map(|r| {
            if r.job == advisory {
                JobRun {
                    state: RunState::Failure,
                    ..r
                }
            } else {
                r
            }
        })
        .collect();
    let verdict = decide(&policy, &catalog, &runs, t(7_200));
    assert_eq!(verdict.decision, Decision::Passed);
    assert_eq!(
        cell(&verdict, "4.20", "azure", Check::UpgradeFromPrevious).state,
        CellState::Failed
    );
    assert_eq!(
        cell(&verdict, "4.21", "aws", Check::UpgradeFromPrevious).state,
        CellState::NotApplicable
    );
    assert_eq!(verdict.tally.required, 9);
}

#[test]
fn a_newer_snapshot_supersedes_an_unpassed_one_but_not_a_passed_one() {
    let (policy, catalog) = policy();
    let snapshot = snapshot();
    let passing = all_passing(&policy);
    let supersede = |runs: &[JobRun]| {
        let runs: Vec<&JobRun> = runs.iter().collect();
        evaluate(&GateInput {
            policy: &policy,
            catalog: &catalog,
            snapshot: &snapshot,
            runs: &runs,
            newer_snapshot: Some("newer"),
            trying: &[],
            now: t(60),
        })
        .decision
    };
    assert_eq!(supersede(&[]), Decision::Superseded { by: "newer".into() });
    assert_eq!(supersede(&passing), Decision::Passed);
}

#[test]
fn explain_names_the_failed_job_its_run_url_and_finish_time() {
    let (policy, catalog) = policy();
    let failing = job_name(OcpVersion::new(4, 20), "azure", Check::Baseline);
    let mut runs = all_passing(&policy);
    runs.retain(|r| r.job != failing);
    runs.push(run(&failing, 42, RunState::Failure));
    let verdict = decide(&policy, &catalog, &runs, t(7_200));
    let text = explain::explain(
        &policy,
        &catalog,
        &snapshot(),
        &verdict,
        (&[], &Default::default()),
    );
    assert!(text.contains("Verdict: BLOCKED"), "{text}");
    assert!(text.contains(&format!("logs/{failing}/42")), "{text}");
    assert!(text.contains(&t(3_600).to_string()), "{text}");
    assert!(text.contains("Blocked since"), "{text}");
    assert!(text.contains("4.21 (pre-release)"), "{text}");
}

#[test]
fn ages_read_like_a_person_would_say_them() {
    assert_eq!(explain::age(t(0), t(45)), "45s");
    assert_eq!(explain::age(t(0), t(11 * 60)), "11m");
    assert_eq!(explain::age(t(0), t(3 * 3_600 + 12 * 60)), "3h 12m");
    assert_eq!(explain::age(t(0), t(2 * 86_400 + 4 * 3_600)), "2d 4h");
}

/// Job ids by position in a list, as the engine's tracker hands them out.
struct JobIds(Vec<String>);

impl JobIndex for JobIds {
    fn job_id(&self, job: &str) -> Option<u32> {
        self.0
            .iter()
            .position(|known| known == job)
            .map(|at| at as u32)
    }
}

/// Any mix of runs over the test policy's jobs.
fn arbitrary_runs() -> impl Strategy<Value = Vec<JobRun>> {
    let (policy, _) = policy();
    let jobs: Vec<String> = policy.jobs().iter().map(|j| j.to_string()).collect();
    let state = prop_oneof![
        Just(RunState::Running),
        Just(RunState::Success),
        Just(RunState::Failure),
        Just(RunState::Aborted),
        Just(RunState::Error),
    ];
    prop::collection::vec((prop::sample::select(jobs), 1u64..50, state), 0..40).prop_map(|runs| {
        runs.into_iter()
            .map(|(job, build, state)| run(&job, build, state))
            .collect()
    })
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn never_passed_while_a_required_cell_failed_runs_or_is_missing(
        runs in arbitrary_runs(),
        elapsed in 0i64..(24 * 3_600),
    ) {
        let (policy, catalog) = policy();
        let verdict = decide(&policy, &catalog, &runs, t(elapsed));
        if verdict.decision == Decision::Passed {
            for cell in verdict.cells.iter().filter(|c| c.required) {
                prop_assert!(
                    !matches!(cell.state, CellState::Failed | CellState::TimedOut | CellState::Running | CellState::Waiting),
                    "passed while {} is {:?}", cell.key, cell.state
                );
            }
        }
    }

    #[test]
    fn adding_a_passing_run_never_turns_passed_into_blocked(
        runs in arbitrary_runs(),
        extra_job in 0usize..12,
        extra_build in 1u64..100,
        elapsed in 0i64..(24 * 3_600),
    ) {
        let (policy, catalog) = policy();
        let before = decide(&policy, &catalog, &runs, t(elapsed));
        let mut more = runs.clone();
        more.push(run(policy.jobs()[extra_job], extra_build, RunState::Success));
        let after = decide(&policy, &catalog, &more, t(elapsed));
        if before.decision == Decision::Passed {
            prop_assert_eq!(after.decision, Decision::Passed);
        }
    }

    #[test]
    fn the_verdict_does_not_depend_on_run_order(runs in arbitrary_runs(), elapsed in 0i64..(24 * 3_600)) {
        let (policy, catalog) = policy();
        let forward = decide(&policy, &catalog, &runs, t(elapsed));
        let mut reversed = runs.clone();
        reversed.reverse();
        prop_assert_eq!(forward, decide(&policy, &catalog, &reversed, t(elapsed)));
    }

    /// The engine acts on assessments and people read verdicts; they must never disagree.
    #[test]
    fn the_assessment_agrees_with_the_full_verdict(
        runs in arbitrary_runs(),
        elapsed in 0i64..(24 * 3_600),
        superseded in any::<bool>(),
        trying_mask in any::<u16>(),
    ) {
        let (policy, catalog) = policy();
        let snapshot = snapshot();
        let trying: Vec<CellKey> = policy
            .cells
            .iter()
            .enumerate()
            .filter(|(index, _)| trying_mask & (1 << (index % 16)) != 0)
            .map(|(_, cell)| cell.key.clone())
            .collect();
        let subject = Subject {
            snapshot: &snapshot,
            newer_snapshot: superseded.then_some("newer"),
            trying: &trying,
            now: t(elapsed),
        };
        let evaluator = Evaluator::new(&policy, &catalog);
        let assessment = evaluator.assess(subject, &runs);
        let verdict = evaluator.verdict(subject, &runs);
        let ids = JobIds(policy.jobs().iter().map(|job| job.to_string()).collect());
        let known = runs.iter().map(|run| KnownRun {
            job: ids.job_id(&run.job).unwrap(),
            facts: RunFacts::of(run),
            run,
        });
        prop_assert_eq!(
            &evaluator.assess_known(subject, known, &evaluator.cells_by_job_id(&ids)),
            &assessment
        );
        prop_assert_eq!(&assessment.decision, &verdict.decision);
        prop_assert_eq!(assessment.tally, verdict.tally);
        let states: Vec<CellState> = verdict.cells.iter().map(|c| c.state).collect();
        prop_assert_eq!(assessment.states, states);
    }
}
