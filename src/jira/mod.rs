//! gatebot's Jira adapter: JQL search with the changelog, reading and posting comments, and user
//! lookup, over Jira's REST API v2.
//!
//! It is built on plain reqwest rather than gouqi. gouqi's `Issue` has no `changelog` field, so
//! `expand=changelog` data (the only way to know when an issue entered ON_QA) is dropped, and
//! its `#[instrument]`ed methods record the credentials in tracing spans. Three typed calls
//! over reqwest do all gatebot needs, and the token lives in a [`Secret`] that never prints.

mod client;
mod error;
mod secret;
mod settings;
mod wire;

pub use client::{JiraClient, Pause, RetryPolicy, SearchQuery};
pub use error::JiraError;
pub use secret::{JiraAuth, Secret};
pub use settings::{Deployment, JiraSettings};
pub use wire::{
    ChangeItem, Changelog, Comment, History, Issue, IssueFields, Named, SearchPage, Status, User,
    parse_jira_time,
};
