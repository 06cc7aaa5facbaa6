//! gatebot's Jira adapter: JQL search with the changelog, reading and posting comments, and user
//! lookup, over Jira's REST API v2.
//!
//! It is built on plain reqwest, not on gouqi 0.20 (the design card's choice), because gouqi
//! loses what [`JiraClient`]'s retry rules are made of, on every call gatebot makes:
//!
//! - Its request path (`r#async::Jira::request`, `ClientCore::process_response` in
//!   `src/core.rs`) keeps a response's status and body and drops its headers, so a 429's
//!   `Retry-After` never reaches the caller and a rate limit cannot be waited out as Jira asks.
//! - It deserialises the body of every answer that is not a 4xx, 5xx included, as the expected
//!   answer, so a 503 or a 504 arrives as a serde error, indistinguishable from an unreadable
//!   200: reads could not be retried on 5xx, and a comment answered 504, which may have landed,
//!   would read as a malformed answer instead of an outage. Against the emulated Jira, gouqi
//!   returned `Fault { code: 429 }` without the wait, and `Serde("invalid type: string
//!   \"Service Unavailable\"…")` for a 503.
//! - `issues().comment` chooses the API by host name: on `*.atlassian.net` it posts ADF to
//!   `/rest/api/3`, where the wiki-markup mention `[~accountid:…]` becomes plain text and the
//!   QA contact is not notified. It has no call that lists an issue's comments.
//!
//! Its generic `get::<T>` would read `expand=changelog` into [`SearchPage`] well, and its
//! `#[instrument]`ed methods, which record credentials in their spans, could be filtered out of
//! the logs; the calls can move once gouqi reports every non-2xx status and `Retry-After`.
//! Meanwhile the token lives in a [`Secret`] that never prints.

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
