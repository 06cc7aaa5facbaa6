//! A small reader for the Google Cloud Storage JSON API: exactly the three calls the Prow
//! adapter needs (a conditional metadata read, a folder listing, a download).
//!
//! Transient failures (5xx, 429, timeouts, broken or corrupted bodies) are retried with backoff,
//! honouring `Retry-After`; downloads are checked against the MD5 that GCS sends. Every request
//! is counted, so a poll can say what it cost.

use std::sync::atomic::{AtomicUsize, Ordering};

use backon::Retryable;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use super::error::ProwError;
use super::gcs_answer::{Answer, Failure, describe, json_body, unexpected, verify_md5};
use super::settings::ProwSettings;

/// Whether an object changed since a known generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Freshness {
    Unchanged,
    Changed { generation: String },
    Missing,
}

/// Reads one bucket on behalf of one job's poll.
pub(super) struct GcsReader<'a> {
    http: &'a reqwest::Client,
    settings: &'a ProwSettings,
    api: &'a Url,
    job: &'a str,
    requests: AtomicUsize,
}

#[derive(Deserialize)]
struct ObjectMetadata {
    generation: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListPage {
    #[serde(default)]
    prefixes: Vec<String>,
    next_page_token: Option<String>,
}

impl<'a> GcsReader<'a> {
    pub fn new(
        http: &'a reqwest::Client,
        settings: &'a ProwSettings,
        api: &'a Url,
        job: &'a str,
    ) -> Self {
        Self {
            http,
            settings,
            api,
            job,
            requests: AtomicUsize::new(0),
        }
    }

    /// HTTP requests made so far, retries included.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Asks for an object's metadata only if its generation is not `known`: one request that
    /// GCS answers with an empty `304 Not Modified` when nothing changed.
    pub async fn generation_if_changed(
        &self,
        object: &str,
        known: Option<&str>,
    ) -> Result<Freshness, ProwError> {
        let mut url = self.object_url(object);
        if let Some(generation) = known {
            url.query_pairs_mut()
                .append_pair("ifGenerationNotMatch", generation);
        }
        self.fetch(url, |answer| match answer.status {
            StatusCode::NOT_MODIFIED => Ok(Freshness::Unchanged),
            StatusCode::NOT_FOUND => Ok(Freshness::Missing),
            StatusCode::OK => {
                let metadata: ObjectMetadata = json_body(&answer)?;
                Ok(Freshness::Changed {
                    generation: metadata.generation,
                })
            }
            _ => Err(unexpected(&answer)),
        })
        .await
    }

    /// The folders (`<prefix><name>/`) directly under `prefix`, from `start_offset` on,
    /// following every page.
    pub async fn list_folders(
        &self,
        prefix: &str,
        start_offset: Option<&str>,
    ) -> Result<Vec<String>, ProwError> {
        let mut folders = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut url = self.objects_url();
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("prefix", prefix)
                    .append_pair("delimiter", "/")
                    .append_pair("maxResults", &self.settings.list_page_size.to_string());
                if let Some(offset) = start_offset {
                    query.append_pair("startOffset", offset);
                }
                if let Some(token) = &page_token {
                    query.append_pair("pageToken", token);
                }
            }
            let page: ListPage = self
                .fetch(url.clone(), |answer| match answer.status {
                    StatusCode::OK => json_body(&answer),
                    _ => Err(unexpected(&answer)),
                })
                .await?;
            folders.extend(page.prefixes);
            match page.next_page_token.filter(|token| !token.is_empty()) {
                Some(token) if page_token.as_ref() == Some(&token) => {
                    return Err(self.refused(&url, "GCS sent the same page token twice in a row"));
                }
                Some(token) => page_token = Some(token),
                None => return Ok(folders),
            }
        }
    }

    /// An object's bytes, or `None` if it does not exist.
    pub async fn download(&self, object: &str) -> Result<Option<Vec<u8>>, ProwError> {
        let mut url = self.object_url(object);
        url.query_pairs_mut().append_pair("alt", "media");
        self.fetch(url, |answer| match answer.status {
            StatusCode::OK => {
                verify_md5(&answer)?;
                Ok(Some(answer.body))
            }
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(unexpected(&answer)),
        })
        .await
    }

    fn objects_url(&self) -> Url {
        let mut url = self.api.clone();
        url.path_segments_mut()
            .expect("the GCS URL was checked to be a base URL when the client was made")
            .pop_if_empty()
            .extend(["storage", "v1", "b", &self.settings.bucket, "o"]);
        url
    }

    /// The object's URL, with its name as one path segment (`/` becomes `%2F`).
    fn object_url(&self, object: &str) -> Url {
        let mut url = self.objects_url();
        url.path_segments_mut()
            .expect("the GCS URL was checked to be a base URL when the client was made")
            .push(object);
        url
    }

    /// Sends GET requests to `url` until `accept` takes an answer, a failure is not worth
    /// retrying, or the retry policy runs out.
    async fn fetch<T>(
        &self,
        url: Url,
        accept: impl Fn(Answer) -> Result<T, Failure>,
    ) -> Result<T, ProwError> {
        let policy = &self.settings.retry;
        let backoff = policy.backoff();
        let attempts = AtomicUsize::new(0);
        let attempt = || async {
            attempts.fetch_add(1, Ordering::Relaxed);
            self.requests.fetch_add(1, Ordering::Relaxed);
            accept(self.get(url.clone()).await?)
        };
        attempt
            .retry(backoff)
            .when(|failure| failure.transient)
            .adjust(|failure, backoff_delay| {
                // Out of retries stays out of retries; otherwise the server's wish wins, unless
                // it asks for longer than a poll should wait.
                let delay = backoff_delay?;
                match failure.retry_after {
                    Some(wait) if wait > policy.max_retry_after => None,
                    Some(wait) => Some(wait),
                    None => Some(delay),
                }
            })
            .notify(|failure, delay| {
                tracing::warn!(
                    job = self.job,
                    %url,
                    detail = %failure.detail,
                    ?delay,
                    "retrying a GCS request"
                );
            })
            .await
            .map_err(|failure| {
                if failure.transient {
                    ProwError::Unavailable {
                        job: self.job.to_string(),
                        url: url.to_string(),
                        attempts: attempts.load(Ordering::Relaxed),
                        detail: failure.detail,
                    }
                } else {
                    self.refused(&url, failure.detail)
                }
            })
    }

    fn refused(&self, url: &Url, detail: impl Into<String>) -> ProwError {
        ProwError::Refused {
            job: self.job.to_string(),
            url: url.to_string(),
            detail: detail.into(),
        }
    }

    /// One GET with the whole body read, so a connection that breaks mid-body fails this
    /// attempt instead of surfacing later.
    async fn get(&self, url: Url) -> Result<Answer, Failure> {
        let timeout = self.settings.request_timeout;
        let response = self
            .http
            .get(url)
            .timeout(timeout)
            .send()
            .await
            .map_err(|error| Failure::transient(describe(&error, timeout)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|error| Failure::transient(describe(&error, timeout)))?;
        Ok(Answer {
            status,
            headers,
            body: body.to_vec(),
        })
    }
}
