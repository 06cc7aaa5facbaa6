//! What the engine tells the outside (chat threads, logs, tests) as it happens.
//!
//! Events are facts after they were recorded in the store, so a listener that misses one can
//! always re-read the store; they exist so nobody has to poll.

use jiff::Timestamp;

use crate::gate::{CellKey, CellVerdict, Decision, OcpVersion, RunState};

/// Something the engine observed or did.
#[derive(Debug, Clone, PartialEq)]
pub enum GateEvent {
    /// A new snapshot of the gated component is being followed.
    SnapshotTracked { gate: String, snapshot: String },
    /// A snapshot's decision or tally changed.
    VerdictChanged {
        gate: String,
        snapshot: String,
        decision: Decision,
        summary: String,
    },
    /// A required cell failed or timed out.
    CellBlocked {
        gate: String,
        snapshot: String,
        cell: CellVerdict,
    },
    /// gatebot started a round for a snapshot: it triggers `cells` jobs for it through Gangway.
    RoundStarted {
        gate: String,
        snapshot: String,
        cells: usize,
    },
    /// An attempt of gatebot's round ended: a failure, retried or not and why, or a retry that
    /// passed.
    AttemptFinished {
        gate: String,
        snapshot: String,
        cell: CellKey,
        number: u32,
        result: RunState,
        retry: bool,
        reason: Option<String>,
        run_url: Option<String>,
    },
    /// gatebot's rounds cannot reach Gangway, or Gangway refuses them; they wait and resume on
    /// their own. Told once when the trouble starts.
    GangwayTrouble { since: Timestamp, problem: String },
    /// Gangway answers again after trouble that began at `since`.
    GangwayRecovered { since: Timestamp },
    /// The Release exists in the cluster (created now, or found created by an earlier attempt).
    ReleaseCreated {
        gate: String,
        snapshot: String,
        release: String,
        namespace: String,
    },
    /// Creating the Release failed for a reason retries did not fix; it is tried again on the
    /// next pass.
    ReleaseCreateFailed {
        gate: String,
        snapshot: String,
        release: String,
        error: String,
    },
    /// Konflux finished the Release.
    ReleaseFinished {
        gate: String,
        snapshot: String,
        release: String,
        succeeded: bool,
        message: Option<String>,
    },
    /// The ReleasePlan lets Konflux release without the gate.
    ReleasePlanBypassed { gate: String, warning: String },
    /// A version of the gate became generally available: failures of its required cells now
    /// block the gate. `source` says who said so, as part of a sentence.
    VersionBecameGa {
        gate: String,
        version: OcpVersion,
        source: String,
    },
    /// A Release for a gated plan that gatebot did not create.
    UnexpectedRelease {
        gate: String,
        namespace: String,
        name: String,
        release_plan: String,
        snapshot: String,
    },
}
