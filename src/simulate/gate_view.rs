//! How the simulation asks the gate about a snapshot: the one place that builds the gate's
//! input ([`Subject`]) from the simulated world — the runs that tested the snapshot, whether a
//! newer one exists, and the cells its round still tries (`rounds::cells_still_tried`, as the
//! engine's tracker keeps them).

use jiff::Timestamp;

use super::record::Record;
use crate::gate::{Assessment, CellKey, Evaluator, Subject};

/// The gate's assessment of `snapshot` at `now`, over the runs that tested it and with the
/// cells its round still tries — exactly what the engine would decide from the same facts.
pub fn assessment(
    evaluator: &Evaluator<'_>,
    record: &Record,
    snapshot: usize,
    trying: &[CellKey],
    now: Timestamp,
) -> Assessment {
    let tested = &record.snapshots[snapshot];
    let newer_snapshot = record
        .snapshots
        .last()
        .filter(|_| snapshot + 1 < record.snapshots.len())
        .map(|newest| newest.snapshot.name.as_str());
    let subject = Subject {
        snapshot: &tested.snapshot,
        newer_snapshot,
        trying,
        now,
    };
    evaluator.assess(subject, &tested.runs)
}
