//! Credentials for Jira, in a wrapper that cannot be printed.
//!
//! A token that reaches a log line, an error message or a tracing span is a leaked token
//! (DESIGN rule 6). `Secret`'s `Debug` and `Display` print `***`, so a `?auth` in a log macro, a
//! derived `Debug` on a struct holding it, or an error that formats it all stay safe. The only way
//! to the text is `expose`, called where the `Authorization` header is built.

use std::fmt;

/// A string that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret text, for building a request header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How gatebot proves who it is to Jira.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JiraAuth {
    /// A personal access token, sent as `Authorization: Bearer …` (Jira Server and Data Center).
    Bearer(Secret),
    /// An account e-mail and API token, sent as HTTP Basic (Jira Cloud).
    Basic { email: String, token: Secret },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neither_debug_nor_display_shows_the_token() {
        let auth = JiraAuth::Basic {
            email: "bot@example.com".into(),
            token: Secret::new("tok-123"),
        };
        let printed = format!("{auth:?} {auth:#?} {}", Secret::new("tok-123"));
        assert!(!printed.contains("tok-123"), "{printed}");
        assert!(printed.contains("bot@example.com"));
    }
}
