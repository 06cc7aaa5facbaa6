//! The HTTP calls gatebot makes to Jira, with retries that cannot double-post.
//!
//! Reads (search, comments, user lookup) are retried a little on 5xx and connection failures;
//! a 429 is retried after exactly the `Retry-After` Jira asks for, unless that is longer than a
//! scan should wait. A comment POST is retried only on 429, which Jira sends before doing
//! anything: after a 5xx or a lost connection the comment may exist, and only reading the
//! comments again (the next scan does) can tell.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::settings::Deployment;
use super::wire::{Comment, CommentPage, SearchPage, User};
use super::{JiraAuth, JiraError};

/// How long to wait before a retry; tests substitute one that records and returns at once.
pub type Pause = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// How hard a request tries before its error is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: usize,
    /// Delay before the first retry of a 5xx or connection failure; doubles after that.
    pub first_delay: Duration,
    /// A `Retry-After` longer than this ends the request instead of stalling the scan.
    pub longest_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 2,
            first_delay: Duration::from_millis(500),
            longest_wait: Duration::from_secs(60),
        }
    }
}

/// What one search page asks for.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub jql: String,
    pub fields: Vec<String>,
    pub expand_changelog: bool,
    pub page_size: u64,
}

/// gatebot's Jira client; cheap to clone.
#[derive(Clone)]
pub struct JiraClient {
    http: reqwest::Client,
    base: String,
    deployment: Deployment,
    auth: JiraAuth,
    retry: RetryPolicy,
    pause: Pause,
}

impl std::fmt::Debug for JiraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JiraClient")
            .field("base", &self.base)
            .field("deployment", &self.deployment)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl JiraClient {
    /// A client for the Jira at `base_url` (e.g. `https://issues.redhat.com`).
    pub fn new(base_url: &str, deployment: Deployment, auth: JiraAuth) -> Result<Self, JiraError> {
        let bad_url = |reason: &str| JiraError::BadUrl {
            url: base_url.to_string(),
            reason: reason.to_string(),
        };
        let parsed = reqwest::Url::parse(base_url).map_err(|error| bad_url(&error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad_url(
                "it must start with https:// (or http:// for a local emulator)",
            ));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad_url(
                "it must not carry credentials; gatebot reads the token from escalation.jira.token_env",
            ));
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("gatebot/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|error| bad_url(&format!("the HTTP client cannot be built: {error}")))?;
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            deployment,
            auth,
            retry: RetryPolicy::default(),
            pause: Arc::new(|wait| Box::pin(tokio::time::sleep(wait))),
        })
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the real sleep between retries.
    pub fn with_pause(mut self, pause: Pause) -> Self {
        self.pause = pause;
        self
    }

    pub fn deployment(&self) -> Deployment {
        self.deployment
    }

    /// One page of a JQL search, starting at result `start_at`.
    pub async fn search(
        &self,
        query: &SearchQuery,
        start_at: u64,
    ) -> Result<SearchPage, JiraError> {
        let mut params = vec![
            ("jql", query.jql.clone()),
            ("startAt", start_at.to_string()),
            ("maxResults", query.page_size.to_string()),
            ("fields", query.fields.join(",")),
        ];
        if query.expand_changelog {
            params.push(("expand", "changelog".into()));
        }
        let context = format!(" (startAt {start_at})");
        self.call(Method::GET, "/rest/api/2/search", &params, None, &context)
            .await
    }

    /// All comments of an issue, oldest first, paging through them.
    pub async fn comments(&self, key: &str) -> Result<Vec<Comment>, JiraError> {
        let path = format!("/rest/api/2/issue/{key}/comment");
        let mut comments = Vec::new();
        loop {
            let params = [
                ("startAt", comments.len().to_string()),
                ("maxResults", "100".to_string()),
            ];
            let page: CommentPage = self.call(Method::GET, &path, &params, None, "").await?;
            let done = page.comments.is_empty()
                || page.start_at + page.comments.len() as u64 >= page.total;
            comments.extend(page.comments);
            if done {
                return Ok(comments);
            }
        }
    }

    /// Posts a comment in Jira wiki markup; returns the comment Jira created.
    pub async fn add_comment(&self, key: &str, body: &str) -> Result<Comment, JiraError> {
        let path = format!("/rest/api/2/issue/{key}/comment");
        let payload = serde_json::json!({ "body": body });
        self.call(Method::POST, &path, &[], Some(&payload), "")
            .await
    }

    /// Looks a user up by username (Server/DC) or account id (Cloud); `None` if Jira has no such
    /// user.
    pub async fn user(&self, id: &str) -> Result<Option<User>, JiraError> {
        let param = match self.deployment {
            Deployment::Server => "username",
            Deployment::Cloud => "accountId",
        };
        let result = self
            .call(
                Method::GET,
                "/rest/api/2/user",
                &[(param, id.to_string())],
                None,
                "",
            )
            .await;
        match result {
            Ok(user) => Ok(Some(user)),
            Err(JiraError::Rejected { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        body: Option<&serde_json::Value>,
        context: &str,
    ) -> Result<T, JiraError> {
        let request = format!("{method} {path}{context}");
        let idempotent = method == Method::GET;
        let longest_wait = self.retry.longest_wait;
        let pause = self.pause.clone();
        let attempt = || self.attempt::<T>(method.clone(), path, params, body, &request);
        attempt
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(self.retry.first_delay)
                    .with_max_times(self.retry.retries),
            )
            .sleep(move |wait| pause(wait))
            .when(|error: &JiraError| {
                error.is_transient() && (idempotent || matches!(error, JiraError::RateLimited { .. }))
            })
            .adjust(move |error, next| match error {
                JiraError::RateLimited {
                    retry_after: Some(wait),
                    ..
                } => next.and((*wait <= longest_wait).then_some(*wait)),
                _ => next,
            })
            .notify(|error, wait| {
                tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "retrying a Jira request");
            })
            .await
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, String)],
        body: Option<&serde_json::Value>,
        request: &str,
    ) -> Result<T, JiraError> {
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base))
            .query(params);
        builder = match &self.auth {
            JiraAuth::Bearer(token) => builder.bearer_auth(token.expose()),
            JiraAuth::Basic { email, token } => builder.basic_auth(email, Some(token.expose())),
        };
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let unreachable = |error: reqwest::Error| JiraError::Unreachable {
            request: request.to_string(),
            detail: transport_detail(&error),
        };
        let response = builder.send().await.map_err(unreachable)?;
        let status = response.status();
        tracing::debug!(request, status = status.as_u16(), "Jira answered");
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|error| JiraError::Unreadable {
                request: request.to_string(),
                detail: error.to_string(),
            });
        }
        let message = super::error::message_from_body(&String::from_utf8_lossy(&bytes));
        let request = request.to_string();
        Err(match status {
            StatusCode::UNAUTHORIZED => JiraError::Unauthorized { request },
            StatusCode::FORBIDDEN => JiraError::Forbidden { request, message },
            StatusCode::TOO_MANY_REQUESTS => JiraError::RateLimited {
                request,
                retry_after,
            },
            status if status.is_server_error() => JiraError::Server {
                request,
                status: status.as_u16(),
                message,
            },
            status => JiraError::Rejected {
                request,
                status: status.as_u16(),
                message,
            },
        })
    }
}

/// The innermost causes of a transport error, which say more than reqwest's own summary.
fn transport_detail(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "the request timed out".into();
    }
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes.is_empty() {
        error.to_string()
    } else {
        causes.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jira::Secret;

    #[test]
    fn urls_with_credentials_or_odd_schemes_are_refused() {
        let auth = || JiraAuth::Bearer(Secret::new("t"));
        let error = JiraClient::new("https://bot:pw@jira.example", Deployment::Server, auth())
            .unwrap_err()
            .to_string();
        assert!(error.contains("must not carry credentials"), "{error}");
        assert!(JiraClient::new("ftp://jira.example", Deployment::Server, auth()).is_err());
        assert!(JiraClient::new("https://jira.example/", Deployment::Server, auth()).is_ok());
    }
}
