//! One attempt of one cell in a round: the job gatebot triggered for a snapshot, from the intent
//! recorded before the trigger to the result that came back.
//!
//! The intent is written before Gangway is called, so a crash, a restart or a second replica
//! finds it: an attempt that is only intended may or may not have reached Gangway, and is found
//! (in the job's recent runs) before it is ever triggered again.

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

    /// Whether the cell is settled by this attempt: it passed, or it failed for good.
    pub fn settles_cell(&self) -> bool {
        match &self.state {
            AttemptState::Finished { result, retry, .. } => *result == RunState::Success || !retry,
            _ => false,
        }
    }
}

/// The cells a round still tries: its latest attempt is in flight, or failed with a retry
/// wanted. Until the round settles them, their failures are not final.
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
        .filter(|attempt| !attempt.settles_cell())
        .map(|attempt| attempt.cell.clone())
        .collect()
}
