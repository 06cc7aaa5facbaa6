//! Rounds: the gate runs its own tests. For a new snapshot gatebot triggers the job of every
//! cell through Gangway, pinned to the snapshot's image, and re-runs a failed cell only when the
//! evidence says the failure was a flake.
//!
//! This room holds the pure decisions; the engine records and acts on them:
//! - [`retry`]: whether a failed attempt is retried, from how it failed and how the job usually
//!   fares ([`history`]).

pub mod history;
pub mod retry;

pub use history::PassRate;
pub use retry::{RetryDecision, RetryPolicy, decide_retry};
