//! In-process emulators of the outside world: a Kubernetes API server with the Konflux resources,
//! Google Cloud Storage holding Prow results, and (later) Jira and Slack.
//!
//! They listen on 127.0.0.1 and speak the real wire formats, faults included, so the integration
//! tests exercise gatebot's real adapters (kube, reqwest) end to end. `gatebot sandbox` runs the
//! same emulators to let people try gatebot on a laptop.

pub mod gcs;
pub mod jira;
pub mod kube;
pub mod prow_writer;
pub mod world;
