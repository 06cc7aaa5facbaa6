//! A Gangway execution as gatebot uses it — id, job, status, times, and where its run's files
//! are — decoded from Gangway's `JobExecution` JSON at the edge.
//!
//! Gangway fills in little: a trigger's answer has no times and no URL, a listing's items have
//! no URL, and the docs' sample of a GET shows an empty `job_name`. Empty strings become `None`
//! here, and an unknown status becomes [`ExecutionStatus::Unspecified`], which never counts as
//! done.

use jiff::Timestamp;
use serde::Deserialize;

/// `JobExecutionStatus` of Gangway's proto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::Display, strum::EnumString)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Gangway said nothing usable (`JOB_EXECUTION_STATUS_UNSPECIFIED` or a name it may add
    /// later).
    #[strum(serialize = "JOB_EXECUTION_STATUS_UNSPECIFIED")]
    Unspecified,
    /// Waiting for the scheduler to pick a cluster.
    Scheduling,
    /// Created, its pod not scheduled yet (no `job_url` yet).
    Triggered,
    /// Its pod runs.
    Pending,
    Success,
    Failure,
    Aborted,
    /// Prow gave up on it (the pod could not run).
    Error,
}

impl ExecutionStatus {
    /// The proto's numbers, which the JSON transcoder also accepts.
    const BY_NUMBER: [Self; 8] = [
        Self::Unspecified,
        Self::Triggered,
        Self::Pending,
        Self::Success,
        Self::Failure,
        Self::Aborted,
        Self::Error,
        Self::Scheduling,
    ];

    /// Whether the run is over; only then is `completed` set.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Success | Self::Failure | Self::Aborted | Self::Error
        )
    }

    /// Reads a status by name or number; anything else is [`Self::Unspecified`].
    fn read(text: &str) -> Self {
        text.parse().unwrap_or_else(|_| {
            text.parse::<usize>()
                .ok()
                .and_then(|number| Self::BY_NUMBER.get(number).copied())
                .unwrap_or(Self::Unspecified)
        })
    }
}

/// One execution of a Prow job started through Gangway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// The execution id, which is also the ProwJob's name.
    pub id: String,
    /// `None` when Gangway left it empty.
    pub job_name: Option<String>,
    pub status: ExecutionStatus,
    /// The run's page on Deck, once its pod is scheduled.
    pub job_url: Option<String>,
    /// Empty on OpenShift CI; [`Execution::location`] reads `job_url` instead.
    pub gcs_path: Option<String>,
    pub created: Option<Timestamp>,
    pub completed: Option<Timestamp>,
}

impl Execution {
    /// Where the run's files are in GCS, once Gangway gives its `job_url`.
    pub fn location(&self) -> Option<RunLocation> {
        RunLocation::from_job_url(self.job_url.as_deref()?)
    }
}

/// Where a periodic run's files are: `gs://<bucket>/logs/<job>/<build_id>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLocation {
    pub bucket: String,
    pub job: String,
    pub build_id: String,
}

impl RunLocation {
    /// Reads Deck's link to a periodic run,
    /// `https://<deck>/view/gs/<bucket>/logs/<job>/<build_id>` (`/view/gcs/` in older links).
    /// Presubmit links (`pr-logs/…`) and anything else are `None`.
    pub fn from_job_url(job_url: &str) -> Option<Self> {
        let (_, path) = job_url
            .split_once("/view/gs/")
            .or_else(|| job_url.split_once("/view/gcs/"))?;
        let path = path.split(['?', '#']).next()?.trim_end_matches('/');
        let [bucket, "logs", job, build_id] = path.split('/').collect::<Vec<_>>()[..] else {
            return None;
        };
        let plain = |part: &str| !part.is_empty() && part != "." && part != "..";
        let numeric = build_id.bytes().all(|b| b.is_ascii_digit());
        (plain(bucket) && plain(job) && !build_id.is_empty() && numeric).then(|| Self {
            bucket: bucket.to_string(),
            job: job.to_string(),
            build_id: build_id.to_string(),
        })
    }

    /// The run's folder in its bucket, `logs/<job>/<build_id>/`.
    pub fn prefix(&self) -> String {
        format!("logs/{}/{}/", self.job, self.build_id)
    }
}

/// `JobExecution` as the JSON transcoder prints it. Fields Gangway leaves unset are absent.
#[derive(Debug, Deserialize)]
pub(super) struct JobExecutionJson {
    id: String,
    #[serde(default)]
    job_name: String,
    #[serde(default)]
    job_status: Option<serde_json::Value>,
    #[serde(default)]
    job_url: String,
    #[serde(default)]
    gcs_path: String,
    create_time: Option<Timestamp>,
    completion_time: Option<Timestamp>,
}

/// `ListJobExecutionsResponse`.
#[derive(Debug, Deserialize)]
pub(super) struct ExecutionListJson {
    #[serde(default)]
    job_execution: Vec<JobExecutionJson>,
}

impl ExecutionListJson {
    pub fn into_executions(self) -> Vec<Execution> {
        self.job_execution
            .into_iter()
            .map(Execution::from)
            .collect()
    }
}

impl From<JobExecutionJson> for Execution {
    fn from(json: JobExecutionJson) -> Self {
        let text = |value: String| Some(value).filter(|value| !value.trim().is_empty());
        let status = match &json.job_status {
            Some(serde_json::Value::String(name)) => ExecutionStatus::read(name),
            Some(serde_json::Value::Number(number)) => ExecutionStatus::read(&number.to_string()),
            _ => ExecutionStatus::Unspecified,
        };
        Self {
            id: json.id,
            job_name: text(json.job_name),
            status,
            job_url: text(json.job_url),
            gcs_path: text(json.gcs_path),
            created: json.create_time,
            completed: json.completion_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const JOB: &str = "periodic-ci-openshift-hypershift-release-4.22-periodics-e2e-aks";

    fn execution(value: serde_json::Value) -> Execution {
        serde_json::from_value::<JobExecutionJson>(value)
            .unwrap()
            .into()
    }

    #[test]
    fn the_docs_sample_answer_reads_with_empty_fields_as_none() {
        let read = execution(json!({
            "id": "e2e0f7b4-1c1c-4a52-9a7b-5d1f0e5e8c11",
            "job_name": "",
            "job_type": "JOB_EXECUTION_TYPE_UNSPECIFIED",
            "job_status": "SUCCESS",
            "gcs_path": "",
            "job_url": format!("https://prow.ci.openshift.org/view/gs/test-platform-results/logs/{JOB}/1896543210987654321"),
            "create_time": "2026-03-02T09:00:00Z",
            "completion_time": "2026-03-02T10:01:00Z",
        }));
        assert_eq!(read.job_name, None);
        assert_eq!(read.gcs_path, None);
        assert_eq!(read.status, ExecutionStatus::Success);
        assert!(read.status.is_final());
        assert_eq!(
            read.completed,
            Some("2026-03-02T10:01:00Z".parse().unwrap())
        );
        let location = read.location().unwrap();
        assert_eq!(location.bucket, "test-platform-results");
        assert_eq!(
            location.prefix(),
            format!("logs/{JOB}/1896543210987654321/")
        );
    }

    #[test]
    fn statuses_read_by_name_or_number_and_unknown_ones_are_unspecified() {
        let status =
            |value: serde_json::Value| execution(json!({"id": "x", "job_status": value})).status;
        assert_eq!(status(json!("TRIGGERED")), ExecutionStatus::Triggered);
        assert_eq!(status(json!("SCHEDULING")), ExecutionStatus::Scheduling);
        assert_eq!(status(json!(2)), ExecutionStatus::Pending);
        assert_eq!(status(json!("7")), ExecutionStatus::Scheduling);
        assert_eq!(status(json!("PAUSED")), ExecutionStatus::Unspecified);
        assert_eq!(status(json!(99)), ExecutionStatus::Unspecified);
        assert_eq!(status(json!(null)), ExecutionStatus::Unspecified);
        assert!(!ExecutionStatus::Unspecified.is_final());
        assert_eq!(
            ExecutionStatus::Unspecified.to_string(),
            "JOB_EXECUTION_STATUS_UNSPECIFIED"
        );
        assert_eq!(ExecutionStatus::Pending.to_string(), "PENDING");
    }

    #[test]
    fn only_deck_links_to_periodic_runs_give_a_location() {
        let at = |url: &str| RunLocation::from_job_url(url);
        let old = at(&format!(
            "https://deck-ci.apps.ci.l2s4.p1.openshiftapps.com/view/gcs/origin-ci-test/logs/{JOB}/17/?x=1"
        ))
        .unwrap();
        assert_eq!(
            (old.bucket.as_str(), old.build_id.as_str()),
            ("origin-ci-test", "17")
        );
        for refused in [
            "https://prow.ci.openshift.org/view/gs/b/pr-logs/pull/o_r/1/j/17",
            "https://prow.ci.openshift.org/view/gs/b/logs/j/latest",
            "https://prow.ci.openshift.org/view/gs/b/logs/../17",
            "https://prow.ci.openshift.org/view/gs/b/logs/j",
            "https://prow.ci.openshift.org/job-history/gs/b/logs/j",
            "",
        ] {
            assert_eq!(at(refused), None, "{refused}");
        }
    }
}
