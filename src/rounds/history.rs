//! How a job usually fares: its pass rate over its most recent finished runs, the evidence a
//! retry decision and `blocked-why` rest on ("passed 17 of its last 20 runs"), and its last
//! passing run.

use std::fmt;

use crate::gate::{JobRun, RunRef, RunState};

/// How a job usually fares, as shown beside a failure of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub rate: PassRate,
    /// The newest run of the job that passed, among all its known runs.
    pub last_pass: Option<RunRef>,
}

impl JobRecord {
    /// The record of a job from its runs, newest first, over the latest `window` finished runs.
    pub fn of<'r>(runs: impl IntoIterator<Item = &'r JobRun> + Clone, window: usize) -> Self {
        Self {
            rate: PassRate::of_latest(runs.clone().into_iter().map(|run| run.state), window),
            last_pass: runs
                .into_iter()
                .find(|run| run.state == RunState::Success)
                .map(RunRef::from),
        }
    }
}

/// "passed 17 of its last 20 runs; last passed in build 1234 at …"
impl fmt::Display for JobRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.rate)?;
        match &self.last_pass {
            Some(run) => {
                write!(f, "; last passed in build {}", run.build_id)?;
                if let Some(at) = run.finished_at {
                    write!(f, " at {at}")?;
                }
                Ok(())
            }
            None if self.rate.finished > 0 => f.write_str("; no passing run is known"),
            None => Ok(()),
        }
    }
}

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
    fn a_record_names_the_rate_and_the_newest_pass() {
        let at = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let run = |build: &str, state| {
            crate::test_fixtures::prow_run("job", build, state, at, Some(at), "snapshot")
        };
        let runs = [run("12", Failure), run("11", Success), run("10", Success)];
        let record = JobRecord::of(&runs, 20);
        assert_eq!(record.rate.to_string(), "passed 2 of its last 3 runs");
        assert_eq!(record.last_pass.as_ref().unwrap().build_id, "11");
        assert!(
            record.to_string().contains("last passed in build 11"),
            "{record}"
        );
        let failing = JobRecord::of(&runs[..1], 20);
        assert!(
            failing.to_string().ends_with("no passing run is known"),
            "{failing}"
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
