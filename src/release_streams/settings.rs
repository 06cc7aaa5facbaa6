//! Where the release-controller is and how hard to try when it misbehaves. Plain data with
//! OpenShift CI's defaults; `[release_streams]` in the configuration says where.

use std::time::Duration;

use crate::prow::RetryPolicy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseStreamsSettings {
    /// Base URL of the release-controller API. Any architecture's controller knows when a
    /// version is GA; amd64 is the one OpenShift CI tooling asks by default.
    pub url: String,
    /// How long one HTTP request may take before it counts as failed (and is retried).
    pub request_timeout: Duration,
    /// Retries of 5xx, 429, timeouts, dropped connections and damaged bodies; a `Retry-After`
    /// longer than `max_retry_after` ends the refresh instead.
    pub retry: RetryPolicy,
}

impl ReleaseStreamsSettings {
    pub fn from_config(config: &crate::config::ReleaseStreamsConfig) -> Self {
        Self {
            url: config.url.to_string(),
            ..Self::default()
        }
    }
}

impl Default for ReleaseStreamsSettings {
    fn default() -> Self {
        Self {
            url: crate::config::DEFAULT_RELEASE_STREAMS_URL.to_string(),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}
