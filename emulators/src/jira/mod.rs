//! An emulated Jira (REST API v2) for tests and the sandbox: JQL search with `expand=changelog`
//! and paging, comments GET and POST, user lookup, and the ways a real Jira fails.
//!
//! Tests seed issues, users and comments, then point gatebot's real Jira client at
//! [`JiraEmulator::base_url`]. Every request must carry the configured credentials, or it gets
//! Jira's 401. Faults can be queued for the next requests (401, 5xx, 429 with `Retry-After`, or a
//! comment that is created but whose answer is lost), or an outage can start after a number of
//! requests. A request log (method, path, query, status — never headers) lets tests check what
//! gatebot asked for.

mod data;
mod jql;
mod server;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::prelude::{BASE64_STANDARD, Engine as _};
use jiff::Timestamp;

pub use data::{
    EmulatedComment, EmulatedIssue, EmulatedUser, QA_CONTACT_FIELD, StatusChange,
    TARGET_VERSION_FIELD,
};

use crate::clock::Clock;

/// Which kind of Jira is emulated; it decides how users are named.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Deployment {
    /// Jira Server or Data Center: users are named by `name`.
    #[default]
    Server,
    /// Jira Cloud: users are named by `accountId`.
    Cloud,
}

/// The only credentials the emulated Jira accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A personal access token, sent as `Authorization: Bearer …` (Server and Data Center).
    Bearer(String),
    /// An account e-mail and API token, sent as HTTP Basic (Cloud).
    Basic { email: String, token: String },
}

/// A way the emulated Jira misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 401, as for a revoked token.
    Unauthorized,
    /// A 5xx status, as from an overloaded node or a proxy in front of a dead one.
    ServerError(u16),
    /// 429 with `Retry-After` in seconds.
    TooManyRequests { retry_after_secs: u64 },
    /// The request is carried out, but the answer is a 504: the client cannot know it worked.
    LoseResponse,
}

/// One request as the emulator saw it. Headers are left out on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub status: u16,
}

impl LoggedRequest {
    /// The value of a query parameter, if sent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// How the emulator is set up.
#[derive(Clone)]
pub struct EmulatorOptions {
    /// The only credentials it accepts.
    pub auth: Credentials,
    /// Server/DC renders users with `name`; Cloud with `accountId`.
    pub deployment: Deployment,
    /// The user the credentials belong to; it authors the comments gatebot posts.
    pub bot_user: String,
    /// The most results a search page returns, whatever `maxResults` asks.
    pub max_results: u64,
    /// Where the time of posted comments comes from.
    pub clock: Arc<dyn Clock>,
}

/// What the emulator holds; the HTTP side and the test handle share it.
struct State {
    options: EmulatorOptions,
    base_url: String,
    users: BTreeMap<String, EmulatedUser>,
    issues: Vec<EmulatedIssue>,
    comments: BTreeMap<String, Vec<EmulatedComment>>,
    next_comment_id: u64,
    queued_faults: VecDeque<Fault>,
    outage: Option<(usize, Fault)>,
    requests: Vec<LoggedRequest>,
}

/// A running emulated Jira on 127.0.0.1; it stops when dropped.
pub struct JiraEmulator {
    base_url: String,
    state: Arc<Mutex<State>>,
    server: tokio::task::JoinHandle<()>,
}

impl JiraEmulator {
    /// Starts the emulator on a free port of 127.0.0.1.
    pub async fn start(options: EmulatorOptions) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let mut users = BTreeMap::new();
        users.insert(
            options.bot_user.clone(),
            EmulatedUser::new(&options.bot_user),
        );
        let state = Arc::new(Mutex::new(State {
            options,
            base_url: base_url.clone(),
            users,
            issues: Vec::new(),
            comments: BTreeMap::new(),
            next_comment_id: 10_000,
            queued_faults: VecDeque::new(),
            outage: None,
            requests: Vec::new(),
        }));
        let server = tokio::spawn(server::serve(listener, state.clone()));
        Ok(Self {
            base_url,
            state,
            server,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("emulated Jira state poisoned")
    }

    pub fn add_user(&self, user: EmulatedUser) {
        self.state().users.insert(user.name.clone(), user);
    }

    /// Adds an issue, or replaces the one with the same key.
    pub fn add_issue(&self, issue: EmulatedIssue) {
        let mut state = self.state();
        state.issues.retain(|known| known.key != issue.key);
        state.issues.push(issue);
        state.issues.sort_by_key(EmulatedIssue::order_key);
    }

    /// Moves an issue to another status at `at`, recording it in the changelog.
    pub fn transition(&self, key: &str, to: &str, at: Timestamp) {
        let mut state = self.state();
        let issue = state
            .issues
            .iter_mut()
            .find(|issue| issue.key == key)
            .unwrap_or_else(|| panic!("the emulated Jira has no issue {key}"));
        issue.transition(to, at);
    }

    /// A comment by someone other than gatebot.
    pub fn add_comment(&self, key: &str, author: &str, body: &str, at: Timestamp) {
        self.state().store_comment(key, author, body, at);
    }

    /// An issue's comments, oldest first.
    pub fn comments(&self, key: &str) -> Vec<EmulatedComment> {
        self.state().comments.get(key).cloned().unwrap_or_default()
    }

    /// Makes the next `times` requests fail with `fault`.
    pub fn fail_next(&self, fault: Fault, times: usize) {
        self.state()
            .queued_faults
            .extend(std::iter::repeat_n(fault, times));
    }

    /// Lets `requests` more requests through, then fails every one with `fault` until
    /// [`restore`](Self::restore).
    pub fn outage_after(&self, requests: usize, fault: Fault) {
        let mut state = self.state();
        let from = state.requests.len() + requests;
        state.outage = Some((from, fault));
    }

    /// Ends an outage and drops queued faults.
    pub fn restore(&self) {
        let mut state = self.state();
        state.outage = None;
        state.queued_faults.clear();
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state().requests.clone()
    }
}

impl Drop for JiraEmulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl State {
    fn store_comment(
        &mut self,
        key: &str,
        author: &str,
        body: &str,
        at: Timestamp,
    ) -> EmulatedComment {
        self.next_comment_id += 1;
        let comment = EmulatedComment {
            id: self.next_comment_id.to_string(),
            author: author.into(),
            body: body.into(),
            created: at,
        };
        self.comments
            .entry(key.into())
            .or_default()
            .push(comment.clone());
        comment
    }

    /// The `Authorization` header value the emulator accepts.
    fn expected_authorization(&self) -> String {
        match &self.options.auth {
            Credentials::Bearer(token) => format!("Bearer {token}"),
            Credentials::Basic { email, token } => {
                format!(
                    "Basic {}",
                    BASE64_STANDARD.encode(format!("{email}:{token}"))
                )
            }
        }
    }
}
