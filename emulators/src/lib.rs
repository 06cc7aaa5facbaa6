//! The outside world of gatebot, emulated in-process on 127.0.0.1.
//!
//! Each emulator speaks the real service's wire format, faults included, so gatebot's real
//! adapters (kube, reqwest, slack-morphism) can be tested end to end against it, and
//! `gatebot sandbox` can play a release day on a laptop:
//!
//! - [`kube`]: a Kubernetes API server with the Konflux CRDs (Snapshot, Release, ReleasePlan,
//!   ReleasePlanAdmission), their schemas and admission webhooks, watches and faults;
//! - [`gcs`]: Google Cloud Storage's JSON API, holding Prow results;
//! - [`prow`]: writes into the GCS emulator what a Prow job leaves in its bucket;
//! - [`gangway`]: Prow's REST trigger service, whose runs write their results into GCS;
//! - [`slack`]: Slack's Socket Mode and Web API;
//! - [`jira`]: Jira's REST API v2 (search with changelog, comments, users);
//! - [`release_controller`]: OpenShift's release-controller API (release stream tags and their
//!   phases), from which GA status is read.
//!
//! This crate knows nothing of gatebot: it depends on no product code, so what it emulates is the
//! service, not what gatebot happens to expect of it.

pub mod clock;
pub mod gangway;
pub mod gcs;
pub mod jira;
pub mod kube;
pub mod prow;
pub mod release_controller;
pub mod slack;

pub use clock::{Clock, SystemClock};
