//! What the Prow adapter needs to know about the outside world: where the results live, which
//! metadata keys and env var name the tested snapshot or image, and how hard to try when GCS
//! misbehaves.
//!
//! Plain data with OpenShift CI defaults; configuration parsing builds it.

use std::time::Duration;

use backon::ExponentialBuilder;

/// The env var that the HyperShift release gate sets (through Gangway) to the operator image a
/// periodic should test.
pub const OPERATOR_IMAGE_ENV: &str = "MULTISTAGE_PARAM_OVERRIDE_OVERRIDE_HYPERSHIFT_OPERATOR_IMAGE";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProwSettings {
    /// Base URL of the GCS JSON API.
    pub gcs_url: String,
    /// The bucket Prow uploads results to.
    pub bucket: String,
    /// Base URL of Prow's Deck, for links to a run's page.
    pub prow_url: String,
    /// The `finished.json` metadata key in which a job names the Snapshot it tested.
    pub snapshot_metadata_key: String,
    /// The `finished.json` metadata key in which a job names the operator image it tested.
    pub image_metadata_key: String,
    /// The env var in `prowjob.json`'s pod spec that carries the tested operator image.
    pub image_env: String,
    /// How many of the newest builds to read the first time a job is polled.
    pub backfill_builds: usize,
    /// `maxResults` for listings; GCS caps it at 1000.
    pub list_page_size: u32,
    /// How long one HTTP request may take before it counts as failed (and is retried).
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for ProwSettings {
    fn default() -> Self {
        Self {
            gcs_url: "https://storage.googleapis.com".to_string(),
            bucket: "test-platform-results".to_string(),
            prow_url: "https://prow.ci.openshift.org".to_string(),
            snapshot_metadata_key: "gatebot-snapshot".to_string(),
            image_metadata_key: "hypershift-operator-image".to_string(),
            image_env: OPERATOR_IMAGE_ENV.to_string(),
            backfill_builds: 20,
            list_page_size: 1000,
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// Retries for transient failures (5xx, 429, timeouts, broken connections): exponential
/// backoff with jitter between `min_delay` and `max_delay`, or the server's `Retry-After` when
/// it sends one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retrying off.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this ends the poll instead: waiting that long inside one
    /// poll would hold up every job behind it, and the next poll comes anyway.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The backoff between attempts, jittered so that callers failing together do not retry
    /// together.
    pub(super) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .with_jitter()
    }
}

impl ProwSettings {
    /// The settings a configuration file asks for; retry and paging keep their defaults.
    pub fn from_config(config: &crate::config::ProwConfig) -> Self {
        Self {
            gcs_url: config.gcs_url.as_str().trim_end_matches('/').to_string(),
            bucket: config.bucket.clone(),
            prow_url: config.prow_url.as_str().trim_end_matches('/').to_string(),
            snapshot_metadata_key: config.snapshot_metadata_key.clone(),
            image_metadata_key: config.image_metadata_key.clone(),
            image_env: config.image_env.clone(),
            backfill_builds: config.backfill_builds as usize,
            ..Self::default()
        }
    }
}
