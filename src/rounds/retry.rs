//! Whether a failed attempt of a cell is run again. Re-running everything that fails hides real
//! breakage and costs cluster hours; re-running nothing blocks a snapshot on every flake. The
//! rule follows the evidence:
//!
//! - an infrastructure failure (`ERROR`: the pod never ran; `ABORTED`: the run was cut short)
//!   says nothing about the snapshot, so it is retried while retries remain;
//! - a test `FAILURE` is retried only while the job's recent pass rate is at or above the
//!   threshold — a job that usually passes and failed once is likely a flake; a job that fails
//!   most of the time is failing chronically, and a retry would only delay the answer;
//! - a job with too little history to judge gets the retry, and the reason says so;
//! - a failure that cannot hold the gate (an advisory cell, a version that is not GA) is shown
//!   and never retried: a retry would only cost a run and keep the round open.

use super::history::PassRate;
use crate::gate::{CellPolicy, RunState};

/// How a gate retries, from configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryRule {
    /// Attempts after the first.
    pub retries: u32,
    /// A `FAILURE` is retried only when the job passed at least this share (0.0 to 1.0) of its
    /// recent finished runs.
    pub pass_rate_threshold: f64,
    /// How many recent finished runs the pass rate is taken over.
    pub history_window: usize,
    /// Below this many finished runs the history is too short to judge.
    pub minimum_history: usize,
}

impl Default for RetryRule {
    fn default() -> Self {
        Self {
            retries: 2,
            pass_rate_threshold: 0.8,
            history_window: 20,
            minimum_history: 5,
        }
    }
}

/// What happens after an attempt failed, with the reason people are shown.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryDecision {
    Retry { reason: String },
    Block { reason: String },
}

/// Decides about a failed attempt: `failed_as` is how attempt number `attempt` (1 for the first
/// run) ended, `history` the job's pass rate before this attempt, and `can_block` whether the
/// cell's failure can hold the gate (a required cell on a GA version).
pub fn decide_retry(
    policy: &RetryRule,
    failed_as: RunState,
    attempt: u32,
    history: PassRate,
    can_block: bool,
) -> RetryDecision {
    if !can_block {
        return RetryDecision::Block {
            reason: "the cell cannot hold the gate (it is advisory, or its version is not GA),                      so its failure is shown and a retry would only cost a run"
                .into(),
        };
    }
    let runs_allowed = policy.retries + 1;
    if attempt >= runs_allowed {
        return RetryDecision::Block {
            reason: format!(
                "attempt {attempt} of {runs_allowed} failed too; no retry is left (the gate \
                 allows {} retries)",
                policy.retries
            ),
        };
    }
    let next = attempt + 1;
    match failed_as {
        RunState::Error | RunState::Aborted => RetryDecision::Retry {
            reason: format!(
                "the run {} — an infrastructure failure, which says nothing about the snapshot; \
                 attempt {next} of {runs_allowed}",
                if failed_as == RunState::Error {
                    "never ran its tests"
                } else {
                    "was aborted"
                }
            ),
        },
        _ if history.finished < policy.minimum_history => RetryDecision::Retry {
            reason: format!(
                "the job {history}, too few to tell a flake from a real failure, so it gets the \
                 retry; attempt {next} of {runs_allowed}"
            ),
        },
        _ if history.at_least(policy.pass_rate_threshold) => RetryDecision::Retry {
            reason: format!(
                "the job {history} (at least {:.0} %), so this failure is likely a flake; \
                 attempt {next} of {runs_allowed}",
                policy.pass_rate_threshold * 100.0
            ),
        },
        _ => RetryDecision::Block {
            reason: format!(
                "the job {history} (below {:.0} %): it is failing chronically, so a retry would \
                 only delay the answer",
                policy.pass_rate_threshold * 100.0
            ),
        },
    }
}

/// [`decide_retry`] for one cell of the policy, `ga` saying whether its version is GA now: an
/// aggregated cell is never retried (its runs all started at once and decide it together), and
/// only a required cell on a GA version can hold the gate.
pub fn decide_for_cell(
    policy: &RetryRule,
    cell: &CellPolicy,
    ga: bool,
    (failed_as, attempt): (RunState, u32),
    history: PassRate,
) -> RetryDecision {
    if let Some(aggregate) = cell.aggregate {
        return RetryDecision::Block {
            reason: format!(
                "an aggregated cell: {aggregate} runs decide it, all started at once, so none is \
                 retried"
            ),
        };
    }
    decide_retry(policy, failed_as, attempt, history, cell.required && ga)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(passed: usize, finished: usize) -> PassRate {
        PassRate { passed, finished }
    }

    fn retried(decision: &RetryDecision) -> bool {
        matches!(decision, RetryDecision::Retry { .. })
    }

    #[test]
    fn a_failure_of_a_job_that_usually_passes_is_retried_while_retries_remain() {
        let policy = RetryRule::default();
        let first = decide_retry(&policy, RunState::Failure, 1, rate(17, 20), true);
        assert_eq!(
            first,
            RetryDecision::Retry {
                reason: "the job passed 17 of its last 20 runs (at least 80 %), so this failure \
                         is likely a flake; attempt 2 of 3"
                    .into()
            }
        );
        assert!(retried(&decide_retry(
            &policy,
            RunState::Failure,
            2,
            rate(17, 20),
            true
        )));
        let last = decide_retry(&policy, RunState::Failure, 3, rate(17, 20), true);
        assert!(!retried(&last), "{last:?}");
    }

    #[test]
    fn a_job_failing_chronically_blocks_at_once() {
        let decision = decide_retry(
            &RetryRule::default(),
            RunState::Failure,
            1,
            rate(9, 20),
            true,
        );
        assert_eq!(
            decision,
            RetryDecision::Block {
                reason: "the job passed 9 of its last 20 runs (below 80 %): it is failing \
                         chronically, so a retry would only delay the answer"
                    .into()
            }
        );
    }

    #[test]
    fn infrastructure_failures_are_retried_whatever_the_history() {
        let policy = RetryRule::default();
        for state in [RunState::Error, RunState::Aborted] {
            assert!(retried(&decide_retry(&policy, state, 1, rate(0, 20), true)));
        }
    }

    #[test]
    fn too_little_history_gets_the_retry_and_says_so() {
        let decision = decide_retry(
            &RetryRule::default(),
            RunState::Failure,
            1,
            rate(0, 2),
            true,
        );
        let RetryDecision::Retry { reason } = decision else {
            panic!("retried")
        };
        assert!(reason.contains("too few to tell a flake"), "{reason}");
    }

    #[test]
    fn a_failure_that_cannot_hold_the_gate_is_never_retried() {
        let decision = decide_retry(
            &RetryRule::default(),
            RunState::Error,
            1,
            rate(20, 20),
            false,
        );
        let RetryDecision::Block { reason } = decision else {
            panic!("not retried")
        };
        assert!(reason.contains("cannot hold the gate"), "{reason}");
    }

    #[test]
    fn no_retries_configured_means_the_first_failure_blocks() {
        let policy = RetryRule {
            retries: 0,
            ..RetryRule::default()
        };
        assert!(!retried(&decide_retry(
            &policy,
            RunState::Error,
            1,
            rate(20, 20),
            true
        )));
    }
}
