//! Rounds: the gate runs its own tests. For a new snapshot gatebot triggers the job of every
//! cell through Gangway, pinned to the snapshot's image, and re-runs a failed cell only when the
//! evidence says the failure was a flake.
//!
//! This room holds the pure decisions; the engine records and acts on them:
//! - [`attempt`]: one run of one cell, from the intent recorded before its trigger to its result;
//! - [`plan`]: what a round does next — which cell to trigger (staggered, capped, never during a
//!   `Retry-After`), which uncertain attempts to look for first, and when to look again;
//! - [`evidence`]: what people are shown about a cell's attempts and its job's record;
//! - [`retry`]: whether a failed attempt is retried, from how it failed and how the job usually
//!   fares ([`history`]);
//! - [`policy`]: a gate's rounds as configured (`runs = "triggered"`, `[gates.rounds]`,
//!   `[gates.retries]`);
//! - [`runner`]: the loop that carries rounds out through Gangway (`prow::gangway`), started by
//!   `gatebot run` when a gate runs its own tests and `[gangway]` says where Gangway is.

pub mod attempt;
pub mod evidence;
pub mod history;
pub mod plan;
pub mod policy;
pub mod retry;
pub mod runner;

pub use attempt::{Attempt, AttemptState, cells_still_tried};
pub use history::{JobRecord, PassRate};
pub use plan::{
    Moment, Pace, Plan, RoundCell, first_runs_back, may_start_round, plan, room_for_round,
    round_done, round_over,
};
pub use policy::{RoundPolicy, Runs, SNAPSHOT_ENV, default_env};
pub use retry::{RetryDecision, RetryRule, decide_for_cell, decide_retry};
pub use runner::{RoundRunner, RoundSettings};
