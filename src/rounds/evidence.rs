//! What people are shown about a cell gatebot's round tried: each attempt with its run link and
//! why it was or was not retried, and how the cell's job usually fares ("passed 17 of its last
//! 20 runs; last passed in build …"). `blocked-why`, `explain` and the status message say it the
//! same way, from these lines.

use std::collections::BTreeMap;

use super::attempt::{Attempt, AttemptState};
use super::history::JobRecord;
use crate::gate::{CellKey, CellState, CellVerdict, RunState, Verdict};

/// Whether a cell deserves its evidence shown: it failed, timed out or is retried, or one of its
/// attempts failed.
pub fn is_troubled(cell: &CellVerdict, attempts: &[Attempt]) -> bool {
    let failed_attempt = attempts.iter().any(|attempt| {
        attempt.cell == cell.key
            && matches!(&attempt.state, AttemptState::Finished { result, .. } if *result != RunState::Success)
    });
    failed_attempt
        || matches!(
            cell.state,
            CellState::Failed
                | CellState::TimedOut
                | CellState::Retrying
                | CellState::AllowedFailure
        )
}

/// The lines about one cell: its attempts in order, then its job's record when known.
pub fn cell_evidence(
    cell: &CellVerdict,
    attempts: &[Attempt],
    records: &BTreeMap<String, JobRecord>,
) -> Vec<String> {
    let mut lines: Vec<String> = attempts
        .iter()
        .filter(|attempt| attempt.cell == cell.key)
        .map(ToString::to_string)
        .collect();
    if let Some(record) = cell.job.as_ref().and_then(|job| records.get(job)) {
        lines.push(format!("the job {record}"));
    }
    lines
}

/// The evidence of every troubled cell of a verdict, by cell.
pub fn evidence_by_cell(
    verdict: &Verdict,
    attempts: &[Attempt],
    records: &BTreeMap<String, JobRecord>,
) -> BTreeMap<CellKey, Vec<String>> {
    verdict
        .cells
        .iter()
        .filter(|cell| is_troubled(cell, attempts))
        .map(|cell| (cell.key.clone(), cell_evidence(cell, attempts, records)))
        .filter(|(_, lines)| !lines.is_empty())
        .collect()
}
