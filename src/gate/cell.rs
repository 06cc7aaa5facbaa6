//! The state of one cell of the gate matrix, and the rule that derives it from the runs of the
//! cell's job.
//!
//! The rule, in words a release engineer can check:
//! - any passing run of the job for this snapshot passes the cell (a retried flake that then
//!   passed is a pass, as in the OpenShift release-controller);
//! - otherwise, while gatebot's round is still trying the cell (an attempt in flight, or a retry
//!   the evidence asked for), a failure is not final: the cell is retrying, and no deadline
//!   applies, because the round decides when the cell is settled;
//! - otherwise the newest run decides: still running, or failed;
//! - a failure on a version that is not GA is allowed;
//! - no finished result by the snapshot's deadline is a time-out (also allowed when not GA);
//! - an aggregated cell ("2 of 3") counts instead: it passes once enough runs passed, and fails
//!   once so many failed that it cannot pass any more.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::model::{CellKey, JobRun, RunFacts, RunState};
use super::policy::{Aggregate, CellPolicy, VersionCatalog};

/// Where a cell stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellState {
    /// No run of the job has tested this snapshot yet.
    Waiting,
    Running,
    /// A run failed and gatebot's round runs the cell again (the evidence says flake).
    Retrying,
    Passed,
    Failed,
    /// Failed or timed out on a pre-release version, which the gate tolerates.
    AllowedFailure,
    TimedOut,
    /// The policy does not run this check here.
    NotApplicable,
}

impl CellState {
    /// The single-character symbol used in matrices (console and Slack).
    pub fn symbol(self) -> &'static str {
        match self {
            CellState::Waiting => "·",
            CellState::Running => "…",
            CellState::Retrying => "↻",
            CellState::Passed => "✓",
            CellState::Failed => "✗",
            CellState::AllowedFailure => "⚠",
            CellState::TimedOut => "⏱",
            CellState::NotApplicable => "–",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            CellState::Waiting => "waiting",
            CellState::Running => "running",
            CellState::Retrying => "retrying",
            CellState::Passed => "passed",
            CellState::Failed => "failed",
            CellState::AllowedFailure => "allowed failure",
            CellState::TimedOut => "timed out",
            CellState::NotApplicable => "n/a",
        }
    }

    /// Whether a required cell in this state blocks the snapshot.
    pub fn blocks_gate(self) -> bool {
        matches!(self, CellState::Failed | CellState::TimedOut)
    }
}

/// The run that decided a cell, as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub build_id: String,
    pub url: String,
    pub state: RunState,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

impl From<&JobRun> for RunRef {
    fn from(run: &JobRun) -> Self {
        Self {
            build_id: run.build_id.clone(),
            url: run.url.clone(),
            state: run.state,
            started_at: run.started_at,
            finished_at: run.finished_at,
        }
    }
}

/// One evaluated cell. The reason for its state is rendered on demand (`reason()`), because
/// the engine re-evaluates every tracked snapshot often and reads the reason rarely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellVerdict {
    pub key: CellKey,
    pub job: Option<String>,
    pub required: bool,
    pub state: CellState,
    /// The run that decided the state: the newest pass, else the newest run.
    pub run: Option<RunRef>,
    /// When results for this cell were due.
    pub deadline: Timestamp,
    /// The cell's aggregated rule, if it has one.
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
}

impl CellVerdict {
    /// A sentence for people: why the cell is in this state.
    pub fn reason(&self) -> String {
        let reason = self.single_run_reason();
        match self.aggregate {
            Some(aggregate) if self.state != CellState::NotApplicable => {
                format!("{reason} (an aggregated cell: {aggregate} runs of its job must pass)")
            }
            _ => reason,
        }
    }

    /// The reason from the deciding run alone.
    fn single_run_reason(&self) -> String {
        let job = self.job.as_deref().unwrap_or("the job");
        let deadline = self.deadline;
        let finished = |run: &RunRef| {
            let when = run
                .finished_at
                .map(|t| format!(" at {t}"))
                .unwrap_or_default();
            format!("{job} build {} ended {}{when}", run.build_id, run.state)
        };
        let timed_out = || match &self.run {
            Some(run) => format!(
                "{job} build {} was still running at the deadline {deadline}",
                run.build_id
            ),
            None => format!("no run of {job} tested this snapshot by the deadline {deadline}"),
        };
        match (self.state, &self.run) {
            (CellState::NotApplicable, _) => {
                "the policy does not run this check on this version and platform".into()
            }
            (CellState::Passed, Some(run)) => {
                let when = run
                    .finished_at
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default();
                format!("{job} build {} passed{when}", run.build_id)
            }
            (CellState::Failed, Some(run)) => finished(run),
            (CellState::TimedOut, _) => timed_out(),
            (CellState::AllowedFailure, run) => {
                let what = match run {
                    Some(run) if run.state.is_finished() => finished(run),
                    _ => timed_out(),
                };
                format!(
                    "{what}; allowed because {} is not generally available yet",
                    self.key.version
                )
            }
            (CellState::Running, Some(run)) => format!(
                "{job} build {} is running; results are due by {deadline}",
                run.build_id
            ),
            (CellState::Retrying, Some(run)) => format!(
                "{job} build {} ended {}; gatebot runs it again",
                run.build_id, run.state
            ),
            _ => format!(
                "no run of {job} has tested this snapshot yet; results are due by {deadline}"
            ),
        }
    }
}

/// The newest runs of a cell's job that tested the snapshot: the newest pass, and the newest
/// run of any state. The evaluator finds both in one sweep over the snapshot's runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct CellRuns<'r> {
    newest_pass: Option<Ranked<'r>>,
    newest: Option<Ranked<'r>>,
    /// Finished runs that passed and that did not, for an aggregated cell.
    passes: u32,
    failures: u32,
}

/// A run with the facts evaluation compares, so a sweep rarely reads the run itself.
#[derive(Debug, Clone, Copy)]
struct Ranked<'r> {
    facts: RunFacts,
    run: &'r JobRun,
}

impl Ranked<'_> {
    /// Newer by build number; two builds with the same number (ids that are not numbers) are
    /// ordered by the run's full recency, as [`JobRun::recency`] orders them.
    fn is_newer_than(&self, other: &Ranked<'_>) -> bool {
        match self.facts.build.cmp(&other.facts.build) {
            std::cmp::Ordering::Equal => self.run.recency() > other.run.recency(),
            order => order.is_gt(),
        }
    }
}

impl<'r> CellRuns<'r> {
    /// Takes one more run of the cell's job into account, in any order.
    pub fn add(&mut self, run: &'r JobRun, facts: RunFacts) {
        let ranked = Ranked { facts, run };
        let newer = |best: &Option<Ranked>| best.is_none_or(|best| ranked.is_newer_than(&best));
        if facts.state == RunState::Success && newer(&self.newest_pass) {
            self.newest_pass = Some(ranked);
        }
        match facts.state {
            RunState::Success => self.passes += 1,
            state if state.is_finished() => self.failures += 1,
            _ => {}
        }
        if newer(&self.newest) {
            self.newest = Some(ranked);
        }
    }
}

/// Decides one cell: its state, and the run that decided it. `trying` says that gatebot's
/// round is still trying the cell.
pub fn decide_cell<'r>(
    policy: &CellPolicy,
    runs: CellRuns<'r>,
    catalog: &VersionCatalog,
    deadline: Timestamp,
    now: Timestamp,
    trying: bool,
) -> (CellState, Option<&'r JobRun>) {
    if policy.job.is_none() {
        return (CellState::NotApplicable, None);
    }
    if let Some(aggregate) = policy.aggregate {
        let ga = catalog.is_ga(policy.key.version);
        return decide_aggregate(aggregate, runs, ga, (deadline, now), trying);
    }
    if let Some(pass) = runs.newest_pass {
        return (CellState::Passed, Some(pass.run));
    }
    let ga = catalog.is_ga(policy.key.version);
    let tolerated = |state| if ga { state } else { CellState::AllowedFailure };
    if trying {
        return match runs.newest {
            // A failure on a version that is not GA is allowed whether or not it runs again.
            Some(newest) if newest.facts.state.is_finished() => {
                (tolerated(CellState::Retrying), Some(newest.run))
            }
            Some(newest) => (CellState::Running, Some(newest.run)),
            None => (CellState::Waiting, None),
        };
    }
    match runs.newest {
        Some(newest) if newest.facts.state.is_finished() => {
            (tolerated(CellState::Failed), Some(newest.run))
        }
        newest if now > deadline => (tolerated(CellState::TimedOut), newest.map(|n| n.run)),
        Some(newest) => (CellState::Running, Some(newest.run)),
        None => (CellState::Waiting, None),
    }
}

/// Decides an aggregated cell from how many of its runs passed and failed; `ga` says whether a
/// failure may hold the gate. The deadline does not apply while the round still tries it.
fn decide_aggregate<'r>(
    aggregate: Aggregate,
    runs: CellRuns<'r>,
    ga: bool,
    (deadline, now): (Timestamp, Timestamp),
    trying: bool,
) -> (CellState, Option<&'r JobRun>) {
    let newest = runs.newest.map(|ranked| ranked.run);
    let failed = if ga {
        CellState::Failed
    } else {
        CellState::AllowedFailure
    };
    if runs.passes >= aggregate.passes {
        (CellState::Passed, runs.newest_pass.map(|ranked| ranked.run))
    } else if runs.failures > aggregate.failures_allowed() {
        (failed, newest)
    } else if now > deadline && !trying {
        let timed_out = if ga {
            CellState::TimedOut
        } else {
            CellState::AllowedFailure
        };
        (timed_out, newest)
    } else if newest.is_some() {
        (CellState::Running, newest)
    } else {
        (CellState::Waiting, None)
    }
}
