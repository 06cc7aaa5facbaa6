//! The Gangway client: gatebot's one way to start Prow jobs (Gangway is Prow's REST trigger
//! service) and to follow the executions it started. Release gating triggers every cell's job
//! pinned to a snapshot's image; release stages and fleet-fix verification reuse the same
//! client.
//!
//! The calls are `POST /v1/executions` ([`GangwayClient::trigger`]), `GET /v1/executions/{id}`
//! ([`GangwayClient::execution`]) and `GET /v1/executions?job_name=&status=`
//! ([`GangwayClient::list`]). An execution's run is read from GCS by the rest of the Prow
//! adapter: [`Execution::location`] turns its `job_url` into `logs/<job>/<build_id>/` (Gangway
//! leaves `gcs_path` empty on OpenShift CI), and `ProwClient::read_run` reads it.
//!
//! Three rules keep triggers honest:
//! - **A trigger is never repeated blindly.** Reads are retried on server errors and broken
//!   connections; a trigger only when it certainly did nothing (the connection was refused, or
//!   the front answered 429). Once it was sent and the answer went missing it fails as
//!   [`GangwayError::Uncertain`]; the caller then looks for it with
//!   `ProwClient::find_execution` and the [`TriggerMarks`] it put on it.
//! - **A 429 holds the whole client.** `Retry-After` sets one "not before" instant shared by
//!   every clone of the client, and no request is sent before it (see `hold`).
//! - **The token never shows.** It lives in a [`Secret`](crate::jira::Secret) and goes only into
//!   the `Authorization` header, which reqwest marks sensitive.
//!
//! What operators configure ([`GangwaySettings`]):
//! - `url`: Gangway's base URL (default OpenShift CI's,
//!   `https://gangway-ci.apps.ci.l2s4.p1.openshiftapps.com`);
//! - `token`: the bearer token of gatebot's API client; Prow's configuration must list that
//!   client in `gangway.allowed_api_clients` with `allowed_jobs_filters` matching every job
//!   gatebot triggers;
//! - `request_timeout`, and `retry` (attempts, backoff, and the longest rate-limit hold a call
//!   waits for).

mod error;
mod execution;
mod hold;
mod marks;
mod settings;
mod verdict;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use backon::Retryable;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::json;

pub use error::GangwayError;
pub use execution::{Execution, ExecutionStatus, RunLocation};
pub use marks::{
    ATTEMPT_ANNOTATION, CELL_ANNOTATION, GATE_ANNOTATION, SNAPSHOT_ANNOTATION, TriggerMarks,
};
pub use settings::{DEFAULT_GANGWAY_URL, GangwaySettings};

use super::gcs_answer::{Answer, describe};
use crate::clock::Clock;
use execution::{ExecutionListJson, JobExecutionJson};
use hold::RateHold;
use verdict::{Attempt, Call, Verdict, judge, unreadable};

/// Gangway's number for a periodic job, as its docs send it.
const PERIODIC: &str = "1";

/// Talks to one Gangway. Clones share the connection pool and the rate-limit hold.
#[derive(Clone)]
pub struct GangwayClient {
    settings: GangwaySettings,
    executions: Url,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    hold: Arc<RateHold>,
}

/// Why one attempt did not succeed, and whether another may.
enum Failure {
    Retry(String),
    Held(String),
    Stop(GangwayError),
}

impl GangwayClient {
    /// Checks the settings; `clock` times rate-limit holds.
    pub fn new(
        settings: GangwaySettings,
        http: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, GangwayError> {
        let mut executions =
            super::base_url(&settings.url, DEFAULT_GANGWAY_URL).map_err(|reason| {
                GangwayError::InvalidSettings {
                    field: "url",
                    value: settings.url.clone(),
                    reason,
                }
            })?;
        executions
            .path_segments_mut()
            .expect("a checked base URL")
            .pop_if_empty()
            .extend(["v1", "executions"]);
        if settings.token.expose().trim().is_empty() {
            return Err(GangwayError::InvalidSettings {
                field: "token",
                value: String::new(),
                reason: "is empty; give the bearer token of gatebot's Gangway API client"
                    .to_string(),
            });
        }
        Ok(Self {
            settings,
            executions,
            http,
            clock,
            hold: Arc::default(),
        })
    }

    /// Starts a run of the periodic `job`, with `envs` added to every container of its pod and
    /// `labels` and `annotations` added to its ProwJob. The execution comes back `TRIGGERED`,
    /// without times or URL.
    pub async fn trigger(
        &self,
        job: &str,
        envs: &BTreeMap<String, String>,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
    ) -> Result<Execution, GangwayError> {
        let body = json!({
            "job_name": job,
            "job_execution_type": PERIODIC,
            "pod_spec_options": { "envs": envs, "labels": labels, "annotations": annotations },
        });
        let send = || {
            self.request(Method::POST, self.executions.clone())
                .json(&body)
        };
        let answer: JobExecutionJson = self.call(Call::Trigger { job }, send).await?;
        let mut execution = Execution::from(answer);
        execution.job_name.get_or_insert_with(|| job.to_string());
        tracing::info!(job, id = %execution.id, "triggered a Prow job through Gangway");
        Ok(execution)
    }

    /// The execution as it stands.
    pub async fn execution(&self, id: &str) -> Result<Execution, GangwayError> {
        let mut url = self.executions.clone();
        url.path_segments_mut()
            .expect("a checked base URL")
            .push(id);
        let send = || self.request(Method::GET, url.clone());
        let answer: JobExecutionJson = self.call(Call::Get { id }, send).await?;
        Ok(answer.into())
    }

    /// Executions of `job_name` (all jobs when empty), of one status when given. Gangway
    /// selects on the `prow.k8s.io/job` label, the name cut to 63 characters, so a longer name
    /// finds nothing; its items carry no URL, times or annotations.
    pub async fn list(
        &self,
        job_name: &str,
        status: Option<ExecutionStatus>,
    ) -> Result<Vec<Execution>, GangwayError> {
        let mut url = self.executions.clone();
        {
            let mut query = url.query_pairs_mut();
            if !job_name.is_empty() {
                query.append_pair("job_name", job_name);
            }
            if let Some(status) = status {
                query.append_pair("status", &status.to_string());
            }
        }
        let send = || self.request(Method::GET, url.clone());
        let answer: ExecutionListJson = self.call(Call::List { job: job_name }, send).await?;
        Ok(answer.into_executions())
    }

    fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .bearer_auth(self.settings.token.expose())
            .timeout(self.settings.request_timeout)
    }

    /// Makes attempts at `call` until one is accepted, a failure is final, or the retry policy
    /// runs out. Every attempt first waits for the client's rate-limit hold.
    async fn call<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        send: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, GangwayError> {
        let policy = &self.settings.retry;
        let backoff = policy.backoff();
        let attempts = AtomicUsize::new(0);
        let attempt = || async {
            let held = self.hold.wait(&*self.clock, policy.max_retry_after).await;
            held.map_err(|until| {
                Failure::Stop(GangwayError::RateLimited {
                    what: call.describe(),
                    until,
                })
            })?;
            attempts.fetch_add(1, Ordering::Relaxed);
            let verdict = match judge(call, self.send(send()).await) {
                Ok(answer) => match serde_json::from_slice(&answer.body) {
                    Ok(value) => return Ok(value),
                    Err(error) => unreadable(call, error.to_string()),
                },
                Err(verdict) => verdict,
            };
            Err(match verdict {
                Verdict::Retry(detail) => Failure::Retry(detail),
                Verdict::Hold { wait, detail } => {
                    // Without `Retry-After`, the longest backoff step is the politest guess.
                    let wait = wait.unwrap_or(policy.max_delay);
                    self.hold.hold(self.clock.now(), wait);
                    Failure::Held(detail)
                }
                Verdict::Stop(error) => Failure::Stop(error),
            })
        };
        attempt
            .retry(backoff)
            .when(|failure| !matches!(failure, Failure::Stop(_)))
            .notify(|failure, delay| {
                let detail = match failure {
                    Failure::Retry(detail) | Failure::Held(detail) => detail.as_str(),
                    Failure::Stop(_) => "",
                };
                tracing::warn!(call = %call.describe(), %detail, ?delay, "retrying a Gangway request");
            })
            .await
            .map_err(|failure| match failure {
                Failure::Stop(error) => error,
                Failure::Retry(detail) => GangwayError::Unavailable {
                    what: call.describe(),
                    attempts: attempts.load(Ordering::Relaxed),
                    detail,
                },
                Failure::Held(_) => {
                    let now = self.clock.now();
                    GangwayError::RateLimited {
                        what: call.describe(),
                        until: self.hold.until(now).unwrap_or(now),
                    }
                }
            })
    }

    /// One request with the whole body read, so a connection that breaks mid-body counts as a
    /// lost answer rather than surfacing later.
    async fn send(&self, request: reqwest::RequestBuilder) -> Attempt {
        let timeout = self.settings.request_timeout;
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_connect() => {
                return Attempt::NotSent(describe(&error, timeout));
            }
            Err(error) => return Attempt::Lost(describe(&error, timeout)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        match response.bytes().await {
            Ok(body) => {
                tracing::debug!(%status, "Gangway answered");
                Attempt::Answered(Answer {
                    status,
                    headers,
                    body: body.to_vec(),
                })
            }
            Err(error) => Attempt::Lost(describe(&error, timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::jira::Secret;

    #[test]
    fn settings_that_cannot_work_are_refused_with_the_field_name() {
        let make = |settings: GangwaySettings| {
            GangwayClient::new(settings, reqwest::Client::new(), Arc::new(SystemClock))
                .err()
                .map(|error| error.to_string())
        };
        assert_eq!(make(GangwaySettings::new(Secret::new("sha256~t"))), None);
        let no_scheme = GangwaySettings {
            url: "gangway-ci.apps.ci.l2s4.p1.openshiftapps.com".into(),
            ..GangwaySettings::new(Secret::new("sha256~t"))
        };
        let error = make(no_scheme).unwrap();
        assert!(
            error.contains("`url`") && error.contains("https://gangway-ci"),
            "{error}"
        );
        let error = make(GangwaySettings::new(Secret::new(" "))).unwrap();
        assert!(error.contains("`token`"), "{error}");
    }
}
