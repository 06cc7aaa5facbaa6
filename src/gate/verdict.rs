//! The gate's decision for one snapshot: evaluate every cell of the policy, then combine them.
//!
//! `evaluate` is the single source of truth: the engine acts on it, `explain` and `blocked-why`
//! render it. It is pure: the same inputs always give the same verdict.

use std::fmt;

use jiff::Timestamp;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::cell::{CellState, CellVerdict, evaluate_cell};
use super::model::{JobRun, Snapshot};
use super::policy::{Policy, VersionCatalog};

/// Everything the gate looks at to decide about one snapshot.
#[derive(Debug, Clone, Copy)]
pub struct GateInput<'a> {
    pub policy: &'a Policy,
    pub catalog: &'a VersionCatalog,
    pub snapshot: &'a Snapshot,
    /// The runs that tested this snapshot, of any job and in any order.
    pub runs: &'a [&'a JobRun],
    /// The name of a newer snapshot of the same component, if one exists.
    pub newer_snapshot: Option<&'a str>,
    pub now: Timestamp,
}

/// What the gate decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "decision")]
pub enum Decision {
    /// Every required cell passed (or failed where failure is allowed): release it.
    Passed,
    /// A required cell failed or timed out.
    Blocked,
    /// Required cells are still waiting for or running their jobs.
    Pending,
    /// A newer snapshot exists and this one did not pass; it will not be released.
    Superseded { by: String },
}

impl Decision {
    /// The stable word used in the store, metrics and chat.
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Passed => "passed",
            Decision::Blocked => "blocked",
            Decision::Pending => "pending",
            Decision::Superseded { .. } => "superseded",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Superseded { by } => write!(f, "superseded by {by}"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// How many required cells are in which state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub required: usize,
    pub passed: usize,
    pub allowed_failures: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub running: usize,
    pub waiting: usize,
}

impl fmt::Display for Tally {
    /// "7 of 12 required passed, 1 failed, 4 running" — zero counts are left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} required passed", self.passed, self.required)?;
        let parts = [
            (self.allowed_failures, "allowed failure"),
            (self.failed, "failed"),
            (self.timed_out, "timed out"),
            (self.running, "running"),
            (self.waiting, "waiting"),
        ];
        for (count, what) in parts {
            if count > 0 {
                let plural = if what == "allowed failure" && count > 1 {
                    "s"
                } else {
                    ""
                };
                write!(f, ", {count} {what}{plural}")?;
            }
        }
        Ok(())
    }
}

/// The full answer for one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub gate: String,
    pub snapshot: String,
    pub decision: Decision,
    pub tally: Tally,
    /// Every cell of the policy, in matrix order.
    pub cells: Vec<CellVerdict>,
    /// When results are due; past it, unfinished required cells time out.
    pub deadline: Timestamp,
    pub evaluated_at: Timestamp,
}

impl Verdict {
    /// The required cells that keep the snapshot from release.
    pub fn blocking_cells(&self) -> impl Iterator<Item = &CellVerdict> {
        self.cells
            .iter()
            .filter(|cell| cell.required && cell.state.blocks_gate())
    }

    /// The required cells the gate still waits for.
    pub fn outstanding_cells(&self) -> impl Iterator<Item = &CellVerdict> {
        self.cells.iter().filter(|cell| {
            cell.required && matches!(cell.state, CellState::Waiting | CellState::Running)
        })
    }

    /// Since when the snapshot has been blocked: the earliest time a blocking cell failed (its
    /// run's finish time) or timed out (the deadline).
    pub fn blocked_since(&self) -> Option<Timestamp> {
        self.blocking_cells()
            .map(|cell| match (&cell.run, cell.state) {
                (Some(run), CellState::Failed) => run.finished_at.unwrap_or(self.deadline),
                _ => self.deadline,
            })
            .min()
    }
}

/// Decides about one snapshot.
pub fn evaluate(input: &GateInput<'_>) -> Verdict {
    let GateInput {
        policy,
        catalog,
        snapshot,
        runs,
        newer_snapshot,
        now,
    } = *input;
    let deadline = snapshot
        .created_at
        .saturating_add(policy.result_timeout)
        .expect("a signed duration never fails to saturate");

    // Job names are long and share a prefix; a fast non-cryptographic hash keeps grouping cheap.
    let mut runs_by_job: FxHashMap<&str, Vec<&JobRun>> = FxHashMap::default();
    for run in runs {
        runs_by_job.entry(run.job.as_str()).or_default().push(run);
    }
    let no_runs = Vec::new();
    let cells: Vec<CellVerdict> = policy
        .cells
        .iter()
        .map(|cell| {
            let job_runs = cell
                .job
                .as_deref()
                .and_then(|job| runs_by_job.get(job))
                .unwrap_or(&no_runs);
            evaluate_cell(cell, job_runs, catalog, deadline, now)
        })
        .collect();

    let tally = tally(&cells);
    let decision = if tally.failed + tally.timed_out > 0 {
        Decision::Blocked
    } else if tally.running + tally.waiting > 0 {
        Decision::Pending
    } else {
        Decision::Passed
    };
    let decision = match (decision, newer_snapshot) {
        (Decision::Passed, _) => Decision::Passed,
        (_, Some(newer)) => Decision::Superseded {
            by: newer.to_string(),
        },
        (other, None) => other,
    };

    Verdict {
        gate: policy.gate.clone(),
        snapshot: snapshot.name.clone(),
        decision,
        tally,
        cells,
        deadline,
        evaluated_at: now,
    }
}

fn tally(cells: &[CellVerdict]) -> Tally {
    let mut tally = Tally::default();
    for cell in cells.iter().filter(|c| c.required) {
        if cell.state == CellState::NotApplicable {
            continue;
        }
        tally.required += 1;
        match cell.state {
            CellState::Passed => tally.passed += 1,
            CellState::AllowedFailure => tally.allowed_failures += 1,
            CellState::Failed => tally.failed += 1,
            CellState::TimedOut => tally.timed_out += 1,
            CellState::Running => tally.running += 1,
            CellState::Waiting => tally.waiting += 1,
            CellState::NotApplicable => {}
        }
    }
    tally
}
