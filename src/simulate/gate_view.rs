//! How the simulation asks the gate about a snapshot: the one place that builds the gate's
//! input ([`Subject`]) from the simulated world, so a change to what the gate is told (a field
//! saying which cells a round is still trying, say) is made here and nowhere else. Such a
//! field would be filled from the round in flight (`triggered::Rounds::open`), whose attempts
//! say which cells still wait for a retry.

use jiff::Timestamp;

use super::record::Record;
use crate::gate::{Decision, Evaluator, Subject};

/// The gate's decision about `snapshot` at `now`, over the runs that tested it — exactly what
/// the engine would decide from the same runs.
pub fn decision(
    evaluator: &Evaluator<'_>,
    record: &Record,
    snapshot: usize,
    now: Timestamp,
) -> Decision {
    let tested = &record.snapshots[snapshot];
    let newer_snapshot = record
        .snapshots
        .last()
        .filter(|_| snapshot + 1 < record.snapshots.len())
        .map(|newest| newest.snapshot.name.as_str());
    let subject = Subject {
        snapshot: &tested.snapshot,
        newer_snapshot,
        now,
    };
    evaluator.assess(subject, &tested.runs).decision
}
