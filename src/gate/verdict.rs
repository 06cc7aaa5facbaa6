//! The gate's decision for one snapshot: evaluate every cell of the policy, then combine them.
//!
//! The verdict is the single source of truth: the engine acts on it, `explain` and `blocked-why`
//! render it. `evaluate` decides about one snapshot; the engine, which re-decides about all of
//! them, prepares the policy once with an [`Evaluator`]. Both are pure: the same inputs always
//! give the same verdict.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::cell::{CellState, CellVerdict};
use super::evaluator::{Evaluator, Subject};
use super::model::{CellKey, JobRun, Snapshot};
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
    /// The cells gatebot's round is still trying (see [`Subject::trying`]).
    pub trying: &'a [CellKey],
    pub now: Timestamp,
}

/// What the gate decided.
///
/// Its name (`superseded`) is the stable word kept in the store and used as a metrics label,
/// taken with `<&str>::from(&decision)`; it is the same word serde writes in the `decision` tag.
/// `Display` is for people and names the newer snapshot ("superseded by …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case", tag = "decision")]
#[strum(serialize_all = "kebab-case")]
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

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Superseded { by } => write!(f, "superseded by {by}"),
            other => f.write_str(other.into()),
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
    /// Failed, and run again by gatebot's round.
    #[serde(default)]
    pub retrying: usize,
    pub waiting: usize,
}

impl Tally {
    /// Whether these cells decide the snapshot whatever still runs: a required cell failed or
    /// timed out, or every one passed (or failed where failing is allowed).
    pub fn is_decisive(&self) -> bool {
        self.failed + self.timed_out > 0 || self.passed + self.allowed_failures == self.required
    }

    /// Counts one required cell.
    pub fn count(&mut self, state: CellState) {
        if state == CellState::NotApplicable {
            return;
        }
        self.required += 1;
        match state {
            CellState::Passed => self.passed += 1,
            CellState::AllowedFailure => self.allowed_failures += 1,
            CellState::Failed => self.failed += 1,
            CellState::TimedOut => self.timed_out += 1,
            CellState::Running => self.running += 1,
            CellState::Retrying => self.retrying += 1,
            CellState::Waiting => self.waiting += 1,
            CellState::NotApplicable => {}
        }
    }
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
            (self.retrying, "retrying"),
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
            cell.required
                && matches!(
                    cell.state,
                    CellState::Waiting | CellState::Running | CellState::Retrying
                )
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
    let subject = Subject {
        snapshot: input.snapshot,
        newer_snapshot: input.newer_snapshot,
        trying: input.trying,
        now: input.now,
    };
    Evaluator::new(input.policy, input.catalog).verdict(subject, input.runs.iter().copied())
}

/// "BLOCKED — 9 of 13 required passed, 1 failed, 3 waiting"
pub fn verdict_line(verdict: &Verdict) -> String {
    let decision = <&str>::from(&verdict.decision).to_uppercase();
    match &verdict.decision {
        Decision::Superseded { by } => format!("{decision} by {by} — {}", verdict.tally),
        _ => format!("{decision} — {}", verdict.tally),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_keep_their_stored_names_and_sentences() {
        let superseded = Decision::Superseded {
            by: "hypershift-next".into(),
        };
        let all = [
            (Decision::Passed, "passed", "passed"),
            (Decision::Blocked, "blocked", "blocked"),
            (Decision::Pending, "pending", "pending"),
            (superseded, "superseded", "superseded by hypershift-next"),
        ];
        for (decision, name, sentence) in all {
            assert_eq!(<&str>::from(&decision), name);
            assert_eq!(decision.to_string(), sentence);
            let json = serde_json::to_value(&decision).unwrap();
            assert_eq!(json["decision"], name);
            assert_eq!(serde_json::from_value::<Decision>(json).unwrap(), decision);
        }
    }
}
