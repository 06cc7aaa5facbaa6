//! In-process emulators of the outside world: a Kubernetes API server with the Konflux resources,
//! Google Cloud Storage holding Prow results, Jira, and Slack (Socket Mode and Web API).
//!
//! They listen on 127.0.0.1 and speak the real wire formats, faults included, so the integration
//! tests exercise gatebot's real adapters (kube, reqwest) end to end. `gatebot sandbox` runs the
//! same emulators to let people try gatebot on a laptop.

mod chat;
pub mod commands;
mod console;
pub mod gcs;
pub mod jira;
pub mod kube;
mod player;
pub mod prow_writer;
pub mod run;
pub mod scenario;
pub mod script;
mod session;
pub mod slack;
mod slack_chat;
mod terminal;
#[cfg(test)]
pub(crate) mod test_fixtures;
mod timeline;
mod view;
pub mod world;
