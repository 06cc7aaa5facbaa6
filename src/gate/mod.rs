//! The pure core of gatebot: given a policy, a snapshot, the runs that tested it and the time,
//! decide whether the snapshot may be released, with a reason for every cell.
//!
//! Nothing in here performs I/O or reads a clock; time is an argument. That is what lets
//! `blocked-why`, `explain` and the engine share one answer, and lets tests cover every case.

pub mod cell;
pub mod evaluator;
pub mod explain;
pub mod matrix;
pub mod model;
pub mod policy;
pub mod release;
pub mod verdict;

pub use cell::{CellState, CellVerdict, RunRef};
pub use evaluator::{Assessment, Evaluator, JobIndex, KnownRun, Subject};
pub use model::{
    CellKey, Check, JobRun, OcpVersion, Platform, RunFacts, RunState, RunTarget, Snapshot,
    SnapshotKey,
};
pub use policy::{Aggregate, CellPolicy, Maturity, Policy, VersionCatalog};
pub use release::{ReleaseKind, ReleaseRecord, ReleaseStatus, release_line};
pub use verdict::{Decision, GateInput, Tally, Verdict, evaluate, verdict_line};

#[cfg(test)]
mod tests;
