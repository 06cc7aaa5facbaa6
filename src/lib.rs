//! gatebot: the release gate for the HyperShift operator.
//!
//! It follows Konflux Snapshots and the Prow periodic jobs that tested them, decides per snapshot
//! whether the gate is passed, and creates the Konflux Release exactly once when it is.
//!
//! The flow is observe → store → evaluate (pure) → act; see `docs/gating.md`.

pub mod app;
pub mod approvals;
pub mod chat;
pub mod clock;
pub mod commands;
pub mod config;
pub mod emergency;
pub mod engine;
pub mod escalation;
pub mod explain;
pub mod gate;
pub mod jira;
pub mod konflux;
pub mod logging;
pub mod metrics;
pub mod prow;
pub mod sandbox;
pub mod server;
pub mod slack;
pub mod status_thread;
pub mod store;
#[cfg(test)]
pub(crate) mod test_fixtures;
