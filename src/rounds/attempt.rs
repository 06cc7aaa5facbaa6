//! One attempt of one cell in a round: the job gatebot triggered for a snapshot, from the intent
//! recorded before the trigger to the result that came back.
//!
//! The intent is written before Gangway is called, so a crash, a restart or a second replica
//! finds it: an attempt that is only intended may or may not have reached Gangway, and is found
//! (in the job's recent runs) before it is ever triggered again.

use std::fmt;

use jiff::Timestamp;

use crate::gate::{CellKey, RunState};

/// Where an attempt stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptState {
    /// Recorded before the trigger; whether Gangway carried it out is not known yet.
    Intended { at: Timestamp },
    /// Gangway accepted it as this execution.
    Triggered { execution: String, at: Timestamp },
    /// It ran; `retry` says whether the next attempt of its cell is wanted (decided by
    /// `retry::decide_retry` when the result arrived), and `reason` why, for a failure.
    Finished {
        execution: String,
        result: RunState,
        retry: bool,
        reason: Option<String>,
    },
}

/// One attempt of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub cell: CellKey,
    /// 1 for the first run of the cell in this round.
    pub number: u32,
    pub state: AttemptState,
    /// Where its run can be seen (Prow's job URL), once Prow scheduled it.
    pub run_url: Option<String>,
}

impl Attempt {
    /// Whether the attempt occupies a place among the executions in flight.
    pub fn in_flight(&self) -> bool {
        !matches!(self.state, AttemptState::Finished { .. })
    }

    /// Whether it failed and is not retried: its cell's failure is final.
    pub fn failed_for_good(&self) -> bool {
        matches!(
            &self.state,
            AttemptState::Finished { result, retry: false, .. } if *result != RunState::Success
        )
    }

    /// Whether the cell is settled by this attempt: it passed, or it failed for good.
    pub fn settles_cell(&self) -> bool {
        match &self.state {
            AttemptState::Finished { result, retry, .. } => *result == RunState::Success || !retry,
            _ => false,
        }
    }
}

impl Attempt {
    /// What happened to it, in words: "failure, retried (the job passed 18 of its last 20
    /// runs…)", "running", "passed".
    pub fn outcome(&self) -> String {
        match &self.state {
            AttemptState::Intended { .. } => "being triggered".into(),
            AttemptState::Triggered { .. } if self.run_url.is_none() => {
                "triggered, waiting for Prow to schedule it".into()
            }
            AttemptState::Triggered { .. } => "running".into(),
            AttemptState::Finished {
                result: RunState::Success,
                ..
            } => "passed".into(),
            AttemptState::Finished {
                result,
                retry,
                reason,
                ..
            } => {
                let next = if *retry { "retried" } else { "not retried" };
                match reason {
                    Some(reason) => format!("{result}, {next} ({reason})"),
                    None => format!("{result}, {next}"),
                }
            }
        }
    }
}

/// "attempt 1: failure, retried (…) — https://prow…"
impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attempt {}: {}", self.number, self.outcome())?;
        match &self.run_url {
            Some(url) => write!(f, " — {url}"),
            None => Ok(()),
        }
    }
}

/// The cells whose verdict a round still owes: the latest attempt is in flight, failed with a
/// retry wanted, or passed (Gangway says so before the run's result is read from GCS, and until
/// it is, the older failure must not block). Only a failure that is not retried is final.
pub fn cells_still_tried(attempts: &[Attempt]) -> Vec<CellKey> {
    let mut latest: Vec<&Attempt> = Vec::new();
    for attempt in attempts {
        match latest.iter_mut().find(|known| known.cell == attempt.cell) {
            Some(known) if known.number < attempt.number => *known = attempt,
            Some(_) => {}
            None => latest.push(attempt),
        }
    }
    latest
        .into_iter()
        .filter(|attempt| !attempt.failed_for_good())
        .map(|attempt| attempt.cell.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Check, OcpVersion, Platform};

    fn attempt(number: u32, state: AttemptState, run_url: Option<&str>) -> Attempt {
        Attempt {
            cell: CellKey {
                version: OcpVersion::new(4, 20),
                platform: Platform::new("aws"),
                check: Check::Baseline,
            },
            number,
            state,
            run_url: run_url.map(String::from),
        }
    }

    fn finished(result: RunState, retry: bool, reason: Option<&str>) -> AttemptState {
        AttemptState::Finished {
            execution: "x".into(),
            result,
            retry,
            reason: reason.map(String::from),
        }
    }

    #[test]
    fn an_attempt_reads_as_what_happened_to_it_with_its_link() {
        let url = Some("https://prow.example/view/1");
        let retried = attempt(1, finished(RunState::Failure, true, Some("flaky")), url);
        assert_eq!(
            retried.to_string(),
            "attempt 1: failure, retried (flaky) — https://prow.example/view/1"
        );
        let running = attempt(
            2,
            AttemptState::Triggered {
                execution: "x".into(),
                at: Timestamp::UNIX_EPOCH,
            },
            None,
        );
        assert_eq!(
            running.to_string(),
            "attempt 2: triggered, waiting for Prow to schedule it"
        );
        let passed = attempt(2, finished(RunState::Success, false, None), url);
        assert_eq!(
            passed.to_string(),
            "attempt 2: passed — https://prow.example/view/1"
        );
    }

    #[test]
    fn only_a_failure_not_retried_ends_the_rounds_hold_on_a_cell() {
        let cell_of = |a: &Attempt| a.cell.clone();
        let first_failed = attempt(1, finished(RunState::Failure, true, None), None);
        let cell = cell_of(&first_failed);
        assert_eq!(
            cells_still_tried(std::slice::from_ref(&first_failed)),
            std::slice::from_ref(&cell)
        );
        let second_passed = attempt(2, finished(RunState::Success, false, None), None);
        assert_eq!(
            cells_still_tried(&[second_passed, first_failed]),
            [cell],
            "a pass Gangway reported holds the cell until its run is read"
        );
        let blocked = attempt(1, finished(RunState::Failure, false, None), None);
        assert!(cells_still_tried(&[blocked]).is_empty());
    }
}
