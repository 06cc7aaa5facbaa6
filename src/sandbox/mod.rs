//! `gatebot sandbox`: a release day played on a laptop, with the outside world (Kubernetes with
//! Konflux, Prow results in GCS, Gangway, the release-controller, Slack, Jira) emulated
//! in-process by `gatebot-emulators`.
//!
//! A scenario (YAML) says what happens when; the player feeds it to the emulators on a moving
//! clock, the real engine, round runner and chat front react, and the console shows what people
//! would see. The gate runs its own tests: gatebot triggers them through an emulated Gangway and
//! learns which versions are GA from an emulated release-controller (`ci`).
//! [`world::World`] is also what the integration tests build on, so what the tests prove is what
//! people see when they try gatebot. This is the only product module that uses the emulators.

mod chat;
mod ci;
pub mod commands;
mod console;
mod player;
pub mod run;
pub mod scenario;
pub mod script;
mod session;
mod slack_chat;
mod terminal;
mod timeline;
mod view;
pub mod world;
