//! How a job usually fares: its pass rate over its most recent finished runs, the evidence a
//! retry decision and `blocked-why` rest on ("passed 17 of its last 20 runs").

use std::fmt;

use crate::gate::RunState;

/// Passes among the most recent finished runs of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassRate {
    pub passed: usize,
    pub finished: usize,
}

impl PassRate {
    /// The pass rate of the latest `window` finished runs among `runs`, given newest first.
    /// Runs still going do not count; an aborted or errored run counts as not passed, since it
    /// gave no evidence that the job works.
    pub fn of_latest(runs: impl IntoIterator<Item = RunState>, window: usize) -> PassRate {
        let finished: Vec<RunState> = runs
            .into_iter()
            .filter(|state| state.is_finished())
            .take(window)
            .collect();
        PassRate {
            passed: finished
                .iter()
                .filter(|state| **state == RunState::Success)
                .count(),
            finished: finished.len(),
        }
    }

    /// Whether the rate is at least `threshold` (0.0 to 1.0).
    pub fn at_least(self, threshold: f64) -> bool {
        self.finished > 0 && self.passed as f64 >= threshold * self.finished as f64
    }
}

/// "passed 17 of its last 20 runs"
impl fmt::Display for PassRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.finished {
            0 => f.write_str("has no finished run yet"),
            1 => write!(f, "passed {} of its last run", self.passed),
            n => write!(f, "passed {} of its last {n} runs", self.passed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RunState::{Aborted, Error, Failure, Running, Success};

    #[test]
    fn only_the_latest_finished_runs_count_and_only_successes_pass() {
        let runs = [Running, Success, Failure, Aborted, Success, Error, Success];
        let rate = PassRate::of_latest(runs, 4);
        assert_eq!(
            rate,
            PassRate {
                passed: 2,
                finished: 4
            }
        );
        assert_eq!(rate.to_string(), "passed 2 of its last 4 runs");
        assert_eq!(
            PassRate::of_latest([], 20).to_string(),
            "has no finished run yet"
        );
    }

    #[test]
    fn the_threshold_is_inclusive_and_an_empty_history_meets_none() {
        let rate = PassRate {
            passed: 16,
            finished: 20,
        };
        assert!(rate.at_least(0.8));
        assert!(!rate.at_least(0.81));
        assert!(
            !PassRate {
                passed: 0,
                finished: 0
            }
            .at_least(0.0)
        );
    }
}
