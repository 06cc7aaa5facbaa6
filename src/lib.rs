//! gatebot: the release gate for the HyperShift operator.
//!
//! It follows Konflux Snapshots and the Prow jobs that tested them, decides per snapshot whether
//! the gate is passed, creates the Konflux Release exactly once when it is, and keeps a live
//! status thread per snapshot in chat. People ask it why a snapshot is not released, release by
//! hand, or bypass the gate with a justification and a second person's approval.
//!
//! # The flow
//!
//! ```text
//!  Konflux (kube) ─┐                                        ┌─► konflux: create the Release once
//!  Prow (GCS) ─────┼─► engine::observe/poll ─► store ─► gate (pure) ─► engine::act
//!                  │                                        └─► status_thread ─► chat (Slack, console)
//!  Slack ─► chat::front ─► commands ─► approvals / emergency ─► engine (read API, decide) / store
//!  Jira ─► escalation (pure ladder + scan) ─► Jira comments, chat digest
//! ```
//!
//! # The rooms
//!
//! The pure core, which decides and never does I/O or reads a clock:
//! - [`gate`]: policy, cells, verdicts, explanations, and the release vocabulary;
//! - [`approvals`]: the two-person rule every approval shares;
//! - [`rounds`]: which of a snapshot's tests to run again, and why.
//!
//! The engine and its workflows, each a state machine plus the loop that feeds it:
//! - [`engine`]: the reconcile loops (observe, poll, decide, act) and the narrow read API that
//!   everyone else asks what a snapshot looks like now;
//! - [`emergency`]: releasing before the gate passed, on the approvals room;
//! - [`escalation`]: nudging Jira issues that sit in ON_QA;
//! - [`status_thread`]: the live status message and event thread of each snapshot.
//!
//! People's side:
//! - [`chat`]: the chat port (surface, messages, escaping) and the front every request passes:
//!   parsed, authorised in one place, handled, audited, answered;
//! - [`commands`]: the command catalogue (`commands/*.toml`) and one handler per command.
//!
//! Adapters to the outside world: [`konflux`], [`prow`] (results from GCS, and
//! [`prow::gangway`], the client that triggers jobs and follows their executions), [`jira`],
//! [`slack`], and [`release_streams`] (which versions are GA, from the release-controller); the
//! Gangway client and the GA catalog are not wired into the engine yet. And the rest:
//! [`config`] (one typed, validated file), [`store`] (SQLite or Postgres), [`server`] and
//! [`metrics`] (`/healthz`, `/readyz`, `/metrics`), [`explain`] (the answer from the store
//! alone), [`app`] (wiring for `gatebot run`), [`sandbox`] (`gatebot sandbox`, the only
//! module that uses the emulators of the `gatebot-emulators` crate), and [`simulate`]
//! (`gatebot simulate`: months of merges and runs on a virtual clock, decided by the pure core).
//!
//! See `docs/gating.md` for how gating works.

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
pub mod release_streams;
pub mod repeat;
pub mod rounds;
pub mod sandbox;
pub mod server;
pub mod simulate;
pub mod slack;
pub mod status_thread;
pub mod store;
#[cfg(test)]
pub(crate) mod test_fixtures;
