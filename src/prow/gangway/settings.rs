//! What the Gangway client needs to know: where Gangway is, the token it accepts, and how hard
//! to try when it misbehaves. Plain data with OpenShift CI's defaults, or read from `[gangway]`
//! with the token from the variable it names.

use std::time::Duration;

use crate::config::GangwayConfig;
use crate::jira::Secret;
use crate::prow::RetryPolicy;

/// OpenShift CI's Gangway (the REST routes start with `/v1/`).
pub const DEFAULT_GANGWAY_URL: &str = "https://gangway-ci.apps.ci.l2s4.p1.openshiftapps.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GangwaySettings {
    /// Base URL of Gangway, without `/v1/executions`.
    pub url: String,
    /// The bearer token of gatebot's API client (an app.ci service-account token).
    pub token: Secret,
    /// How long one HTTP request may take. A trigger that runs out of time is *uncertain*, not
    /// retried.
    pub request_timeout: Duration,
    /// Retries of reads, and of triggers that certainly did nothing. `max_retry_after` is the
    /// longest a call waits for a rate-limit hold before it gives up with
    /// [`super::GangwayError::RateLimited`].
    pub retry: RetryPolicy,
}

impl GangwaySettings {
    /// The settings of `[gangway]`, with the token read from the variable it names.
    pub fn from_config(config: &GangwayConfig) -> Result<Self, String> {
        let token = std::env::var(&config.token_env).map_err(|_| {
            format!(
                "the Gangway token is missing: set the environment variable {} (named by \
                 gangway.token_env)",
                config.token_env
            )
        })?;
        Ok(Self {
            url: config.url.to_string(),
            request_timeout: config.request_timeout.unsigned_abs(),
            ..Self::new(Secret::new(token))
        })
    }

    /// OpenShift CI's Gangway with this token, and default timeouts and retries.
    pub fn new(token: Secret) -> Self {
        Self {
            url: DEFAULT_GANGWAY_URL.to_string(),
            token,
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}
