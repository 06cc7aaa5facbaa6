//! The Prow adapter: reads the results of Prow periodic jobs from the GCS bucket Prow uploads
//! to, and turns each build into a [`JobRun`] saying what it tested and how it went.
//!
//! The engine calls [`ProwClient::poll_job`] every poll interval with the [`JobCursor`] it kept
//! from the last poll. A poll first asks whether `logs/<job>/latest-build.txt` changed (one
//! conditional request, `304` when nothing started), lists the job's folder from the newest
//! known build on only when it did, then checks each build that had not finished. A finished
//! build is never downloaded again, so an idle poll costs one request plus one per running
//! build.
//!
//! Damaged files become [`Problem`]s next to the runs; a run whose `finished.json` cannot be
//! trusted is left out, so bad data never counts as a pass. When GCS fails for longer than the
//! retries last, the poll returns an error and the caller's cursor stays as it was.
//!
//! Jobs are started through [`gangway`], Prow's trigger service. A run it started is read back
//! here, through the same reader: [`ProwClient::read_run`] at the place the execution's
//! `job_url` names, and [`ProwClient::find_execution`] for a trigger whose answer was lost.

mod build_reader;
mod cursor;
mod error;
mod find_execution;
pub mod gangway;
mod gcs_answer;
mod gcs_client;
mod poll;
mod results;
mod settings;

use std::fmt;

use reqwest::Url;
use serde::{Deserialize, Serialize};

pub use cursor::JobCursor;
pub use error::ProwError;
pub use find_execution::{FoundExecution, RunRead};
pub use settings::{OPERATOR_IMAGE_ENV, ProwSettings, RetryPolicy};

use crate::gate::model::JobRun;
use build_reader::BuildReader;
use gcs_client::GcsReader;

/// Something in a build's files that gatebot could not use, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The file, as `gs://BUCKET/logs/JOB/BUILD/FILE`.
    pub source: String,
    /// What is wrong with it, as a sentence.
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cannot be used: {}", self.source, self.detail)
    }
}

/// What one poll of one job found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPoll {
    /// Builds that are new since the cursor, or whose state or facts changed (a running build
    /// that finished, for example), oldest first.
    pub runs: Vec<JobRun>,
    pub problems: Vec<Problem>,
    /// The cursor to pass to the next poll of this job.
    pub cursor: JobCursor,
    /// HTTP requests this poll made, retries included.
    pub requests: usize,
}

/// Reads Prow job results from GCS.
#[derive(Debug, Clone)]
pub struct ProwClient {
    settings: ProwSettings,
    http: reqwest::Client,
    gcs_api: Url,
}

impl ProwClient {
    /// Checks the settings and keeps `http` for every request (its connection pool is shared).
    pub fn new(settings: ProwSettings, http: reqwest::Client) -> Result<Self, ProwError> {
        let invalid = |field: &'static str, value: &String| {
            let value = value.clone();
            move |reason| ProwError::InvalidSettings {
                field,
                value,
                reason,
            }
        };
        let gcs_api = base_url(&settings.gcs_url, "https://storage.googleapis.com")
            .map_err(invalid("gcs_url", &settings.gcs_url))?;
        base_url(&settings.prow_url, "https://prow.ci.openshift.org")
            .map_err(invalid("prow_url", &settings.prow_url))?;
        if settings.list_page_size == 0 {
            return Err(ProwError::InvalidSettings {
                field: "list_page_size",
                value: "0".to_string(),
                reason: "would list nothing; use a page size from 1 to 1000".to_string(),
            });
        }
        Ok(Self {
            settings,
            http,
            gcs_api,
        })
    }

    /// Polls one job: finds builds that started since `cursor`, reads them, and checks the
    /// builds that had not finished. On error nothing is applied; poll again with the same
    /// cursor.
    pub async fn poll_job(&self, job: &str, cursor: &JobCursor) -> Result<JobPoll, ProwError> {
        let gcs = GcsReader::new(&self.http, &self.settings, &self.gcs_api, job);
        let builds = BuildReader {
            gcs: &gcs,
            settings: &self.settings,
            job,
        };
        let mut poll = JobPoll {
            runs: Vec::new(),
            problems: Vec::new(),
            cursor: cursor.clone(),
            requests: 0,
        };
        poll::read_new_builds(&builds, cursor, &mut poll).await?;
        poll::recheck_unfinished_builds(&builds, cursor, &mut poll).await?;
        poll.runs.sort_by(|a, b| a.recency().cmp(&b.recency()));
        poll.requests = gcs.requests();
        Ok(poll)
    }
}

/// A base URL from the settings, or why it cannot be one, with an example of one that can.
fn base_url(value: &str, example: &str) -> Result<Url, String> {
    let invalid = |reason: &str| format!("{reason}; write an http(s) base URL such as {example}");
    let url = Url::parse(value).map_err(|error| invalid(&format!("is not a URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(invalid("is not an http(s) base URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("has a query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_that_cannot_work_are_refused_with_the_field_name() {
        let http = reqwest::Client::new();
        let bad_url = ProwSettings {
            gcs_url: "storage.googleapis.com".to_string(),
            ..ProwSettings::default()
        };
        let error = ProwClient::new(bad_url, http.clone())
            .unwrap_err()
            .to_string();
        assert!(error.contains("`gcs_url`"), "{error}");
        let no_pages = ProwSettings {
            list_page_size: 0,
            ..ProwSettings::default()
        };
        assert!(ProwClient::new(no_pages, http.clone()).is_err());
        assert!(ProwClient::new(ProwSettings::default(), http).is_ok());
    }
}
