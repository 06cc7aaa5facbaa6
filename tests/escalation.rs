//! ON_QA escalation end to end: gatebot's real Jira client (reqwest) against the emulated Jira
//! of `gatebot_emulators::jira`, with a real SQLite store and a manual clock.

#[path = "escalation/support.rs"]
mod support;

#[path = "support/logs.rs"]
mod logs;

#[path = "escalation/ladder.rs"]
mod ladder;

#[path = "escalation/fallbacks.rs"]
mod fallbacks;

#[path = "escalation/faults.rs"]
mod faults;

#[path = "escalation/secrets.rs"]
mod secrets;
