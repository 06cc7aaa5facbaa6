//! What can go wrong talking to Jira, phrased for the person reading the log or the digest.
//!
//! Every error names the request (method and path, never a header), so a message can be quoted
//! anywhere without leaking the token.

use std::time::Duration;

/// Why a Jira request did not give an answer gatebot can use.
#[derive(Debug, thiserror::Error)]
pub enum JiraError {
    #[error("the Jira URL {url:?} is not usable: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("Jira could not be reached for {request}: {detail}")]
    Unreachable { request: String, detail: String },
    #[error(
        "Jira refused gatebot's credentials for {request} (HTTP 401): the token is wrong, expired or revoked; \
         put a valid one in the variable named by escalation.jira.token_env"
    )]
    Unauthorized { request: String },
    #[error(
        "Jira denied {request} (HTTP 403): the account behind the token may not do this: {message}"
    )]
    Forbidden { request: String, message: String },
    #[error("Jira is rate limiting gatebot ({request}, HTTP 429){}", wait_hint(*.retry_after))]
    RateLimited {
        request: String,
        retry_after: Option<Duration>,
    },
    #[error("Jira failed {request} with HTTP {status}: {message}")]
    Server {
        request: String,
        status: u16,
        message: String,
    },
    #[error("Jira rejected {request} with HTTP {status}: {message}")]
    Rejected {
        request: String,
        status: u16,
        message: String,
    },
    #[error("Jira answered {request} with something gatebot cannot read: {detail}")]
    Unreadable { request: String, detail: String },
}

fn wait_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("; it asked to wait {} s", wait.as_secs()),
        None => String::new(),
    }
}

impl JiraError {
    /// Whether the error says Jira as a whole is unavailable to gatebot right now (down, refusing
    /// the login, overloaded), as opposed to a problem with one request: a 403 is usually one
    /// issue's security level, a 404 an issue deleted meanwhile. A scan stops on outages and
    /// leaves the rest to the next scan.
    pub fn is_outage(&self) -> bool {
        !matches!(
            self,
            JiraError::Rejected { .. } | JiraError::Forbidden { .. } | JiraError::Unreadable { .. }
        )
    }

    /// Whether retrying the same request soon may succeed.
    pub(super) fn is_transient(&self) -> bool {
        matches!(
            self,
            JiraError::Unreachable { .. }
                | JiraError::RateLimited { .. }
                | JiraError::Server { .. }
        )
    }
}

/// Jira's error bodies are `{"errorMessages": [...], "errors": {field: message}}`; anything else
/// (a proxy's HTML page) is quoted, shortened.
pub(super) fn message_from_body(body: &str) -> String {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ErrorBody {
        #[serde(default)]
        error_messages: Vec<String>,
        #[serde(default)]
        errors: std::collections::BTreeMap<String, String>,
    }
    if let Ok(parsed) = serde_json::from_str::<ErrorBody>(body) {
        let mut parts = parsed.error_messages;
        parts.extend(
            parsed
                .errors
                .into_iter()
                .map(|(field, message)| format!("{field}: {message}")),
        );
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return "no explanation given".into();
    }
    let mut short: String = trimmed.chars().take(200).collect();
    if short.len() < trimmed.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_error_bodies_become_one_sentence() {
        let body = r#"{"errorMessages":["Field 'x' does not exist."],"errors":{"body":"Comment body can not be empty!"}}"#;
        assert_eq!(
            message_from_body(body),
            "Field 'x' does not exist.; body: Comment body can not be empty!"
        );
        assert_eq!(message_from_body("  "), "no explanation given");
        assert_eq!(
            message_from_body("<html>Bad Gateway</html>"),
            "<html>Bad Gateway</html>"
        );
    }

    #[test]
    fn only_whole_service_failures_count_as_outages() {
        let rejected = JiraError::Rejected {
            request: "GET x".into(),
            status: 404,
            message: "gone".into(),
        };
        assert!(!rejected.is_outage());
        let forbidden = JiraError::Forbidden {
            request: "POST x".into(),
            message: "no permission to comment".into(),
        };
        assert!(!forbidden.is_outage());
        assert!(
            JiraError::Unauthorized {
                request: "GET x".into()
            }
            .is_outage()
        );
    }
}
