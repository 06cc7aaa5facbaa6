//! The one call gatebot makes to the release-controller: the Accepted tags of a `{major}-stable`
//! stream (`GET /api/v1/releasestream/{major}-stable/tags?phase=Accepted`).
//!
//! Each request has a time limit. Server errors, 429s, timeouts, dropped connections and bodies
//! that are not the JSON promised are retried with backoff, waiting as long as `Retry-After`
//! asks when it asks; anything else (a 404 for the stream, a 403) is a refusal that retrying
//! will not change.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use backon::Retryable;
use reqwest::header::RETRY_AFTER;
use reqwest::{StatusCode, Url};

use super::error::StreamsError;
use super::settings::ReleaseStreamsSettings;
use super::tags::ReleaseTag;
use super::wire::ApiRelease;

/// Why one attempt failed.
#[derive(Debug)]
struct Attempt {
    detail: String,
    transient: bool,
    retry_after: Option<Duration>,
}

impl Attempt {
    fn transient(detail: String) -> Self {
        Self {
            detail,
            transient: true,
            retry_after: None,
        }
    }
}

/// gatebot's release-controller client; cheap to clone.
#[derive(Debug, Clone)]
pub struct ReleaseControllerClient {
    http: reqwest::Client,
    settings: ReleaseStreamsSettings,
    base: Url,
}

impl ReleaseControllerClient {
    pub fn new(
        settings: ReleaseStreamsSettings,
        http: reqwest::Client,
    ) -> Result<Self, StreamsError> {
        let invalid = |reason: &str| StreamsError::InvalidUrl {
            url: settings.url.clone(),
            reason: reason.to_string(),
        };
        let base = Url::parse(&settings.url).map_err(|error| invalid(&error.to_string()))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("it is not an http(s) base URL"));
        }
        Ok(Self {
            http,
            settings,
            base,
        })
    }

    /// The Accepted tags of the stable stream of each of `majors`, all of them or an error.
    pub async fn accepted_tags(
        &self,
        majors: &BTreeSet<u32>,
    ) -> Result<Vec<ReleaseTag>, StreamsError> {
        let mut tags = Vec::new();
        for major in majors {
            tags.extend(self.stream_tags(&format!("{major}-stable")).await?);
        }
        Ok(tags)
    }

    async fn stream_tags(&self, stream: &str) -> Result<Vec<ReleaseTag>, StreamsError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("the URL was checked to be a base URL when the client was made")
            .pop_if_empty()
            .extend(["api", "v1", "releasestream", stream, "tags"]);
        url.query_pairs_mut().append_pair("phase", "Accepted");

        let backoff = self.settings.retry.backoff();
        let attempts = AtomicUsize::new(0);
        (|| {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.attempt(&url)
        })
        .retry(backoff)
        .when(|attempt| attempt.transient)
        .adjust(|attempt, backoff_delay| match attempt.retry_after {
            // The server's wish wins over the backoff, unless waiting would hold up the refresh.
            Some(wait) if wait > self.settings.retry.max_retry_after => None,
            Some(wait) => backoff_delay.map(|_| wait),
            None => backoff_delay,
        })
        .notify(|attempt, delay| {
            tracing::warn!(%url, detail = %attempt.detail, ?delay, "retrying a release-controller request");
        })
        .await
        .map_err(|attempt| {
            if attempt.transient {
                StreamsError::Unavailable {
                    url: url.to_string(),
                    attempts: attempts.load(Ordering::Relaxed),
                    detail: attempt.detail,
                }
            } else {
                StreamsError::Refused {
                    url: url.to_string(),
                    detail: attempt.detail,
                }
            }
        })
    }

    /// One GET, the whole body read, so a connection dropped mid-body fails this attempt.
    async fn attempt(&self, url: &Url) -> Result<Vec<ReleaseTag>, Attempt> {
        let timeout = self.settings.request_timeout;
        let unreachable = |error: reqwest::Error| Attempt::transient(explain(&error, timeout));
        let response = self
            .http
            .get(url.clone())
            .timeout(timeout)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok()?.trim().parse().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(unreachable)?;
        if status == StatusCode::OK {
            return serde_json::from_slice::<ApiRelease>(&body)
                .map(ApiRelease::into_tags)
                .map_err(|error| {
                    Attempt::transient(format!(
                        "the answer is not the release stream JSON the API promises ({error})"
                    ))
                });
        }
        let message = String::from_utf8_lossy(&body);
        let message = message.lines().next().unwrap_or_default().trim();
        let mut detail = format!("HTTP {status}: {message}");
        if let Some(wait) = retry_after {
            detail.push_str(&format!(" (asked to wait {}s)", wait.as_secs()));
        }
        if status == StatusCode::NOT_FOUND {
            detail.push_str("; the release-controller has no such stream, so check its URL");
        }
        Err(Attempt {
            detail,
            transient: status.is_server_error()
                || status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::REQUEST_TIMEOUT,
            retry_after,
        })
    }
}

/// reqwest's error with its deepest cause (which says "connection refused" or "connection
/// closed before message completed"); a timeout says how long was waited.
fn explain(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no answer within {}s", timeout.as_secs_f32());
    }
    let Some(mut deepest) = std::error::Error::source(error) else {
        return error.to_string();
    };
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    format!("{error}: {deepest}")
}
