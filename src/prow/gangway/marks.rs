//! The annotations gatebot puts on every execution it starts, in one place, so that the trigger
//! that writes them and the search that looks for them (after a lost answer) cannot disagree.
//!
//! Annotations rather than labels: label values are limited to 63 characters of a narrow
//! alphabet, which snapshot names and cell names do not always fit. Gangway copies both onto
//! the ProwJob, and `prowjob.json` in GCS carries them.

use std::collections::BTreeMap;

/// The gate (its configured name) that started the execution.
pub const GATE_ANNOTATION: &str = "gatebot.hypershift.io/gate";
/// The Konflux Snapshot under test.
pub const SNAPSHOT_ANNOTATION: &str = "gatebot.hypershift.io/snapshot";
/// The cell of the gate's matrix the execution gives evidence for.
pub const CELL_ANNOTATION: &str = "gatebot.hypershift.io/cell";
/// Which attempt at this cell for this snapshot it is (1 for the first).
pub const ATTEMPT_ANNOTATION: &str = "gatebot.hypershift.io/attempt";

/// What one execution is for; the same marks find it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerMarks {
    pub gate: String,
    pub snapshot: String,
    pub cell: String,
    pub attempt: u32,
}

impl TriggerMarks {
    /// The marks as the trigger's annotations.
    pub fn annotations(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (GATE_ANNOTATION.to_string(), self.gate.clone()),
            (SNAPSHOT_ANNOTATION.to_string(), self.snapshot.clone()),
            (CELL_ANNOTATION.to_string(), self.cell.clone()),
            (ATTEMPT_ANNOTATION.to_string(), self.attempt.to_string()),
        ])
    }
}
