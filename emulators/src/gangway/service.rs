//! What Gangway does with each call once its front has let the request through, after
//! `pkg/gangway/gangway.go`: `CreateJobExecution` (through `HandleProwJob`), `GetJobExecution`
//! and `ListJobExecutions`, over the emulated Prow's jobs and ProwJobs.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::jobs::JobBehaviour;
use super::request::{self, CreateRequest, label_value_problems};
use super::rng::SplitMix64;
use super::runs::{Execution, Runs};
use super::wire::{self, Code, ExecutionStatus, PERIODIC, POSTSUBMIT, PRESUBMIT, Refusal};
use crate::prow::job_label;

/// An API client the front let in: the tenants whose jobs it may run
/// (`gangway.allowed_api_clients[].allowed_jobs_filters[].tenant_id` in Prow's config).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Client {
    pub allowed_tenants: BTreeSet<String>,
}

/// The emulated Prow: its periodic jobs, its API clients (by token) and its ProwJobs.
#[derive(Debug)]
pub(super) struct Prow {
    pub jobs: BTreeMap<String, JobBehaviour>,
    pub clients: BTreeMap<String, Client>,
    pub runs: Runs,
    pub rng: SplitMix64,
}

impl Prow {
    /// `CreateJobExecution`: checks, looks the job up, authorizes, creates the ProwJob.
    pub fn create(
        &mut self,
        client: &Client,
        request: CreateRequest,
        now: Timestamp,
    ) -> Result<Value, Refusal> {
        request::validate(&request)?;
        let unknown = |message: String| Refusal::new(Code::Unknown, message);
        let name = &request.job_name;
        match request.job_type {
            PERIODIC => {}
            kind @ (PRESUBMIT | POSTSUBMIT) => {
                // Validate already made sure refs are there; the emulated Prow has only
                // periodics, so the lookup in `get{Pre,Post}submitsStatic` finds nothing.
                let refs = request.refs.clone().unwrap_or_default();
                let pulls = refs.get("pulls").and_then(Value::as_array);
                if kind == PRESUBMIT && pulls.is_none_or(Vec::is_empty) {
                    return Err(unknown("at least 1 Pulls is required".to_string()));
                }
                let text = |key: &str| refs.get(key).and_then(Value::as_str).unwrap_or_default();
                let org_repo = format!("{}/{}", text("org"), text("repo"));
                let kind = if kind == PRESUBMIT {
                    "presubmit"
                } else {
                    "postsubmit"
                };
                return Err(unknown(format!(
                    "failed to find associated {kind} job {name:?} from orgRepo {org_repo:?}"
                )));
            }
            other => {
                return Err(unknown(format!(
                    "unsupported JobExecutionType type: {}",
                    wire::type_name(other)
                )));
            }
        }
        let Some(job) = self.jobs.get_mut(name) else {
            return Err(unknown(format!(
                "failed to find associated periodic job {name:?}"
            )));
        };
        if !client.allowed_tenants.contains(&job.tenant_id) {
            return Err(Refusal::new(
                Code::PermissionDenied,
                "client is not authorized to execute the given job",
            ));
        }
        let plan = job.plan(&mut self.rng);
        let id = self.rng.uuid();
        let options = request.options.clone().unwrap_or_default();
        let metadata_from_env = job.metadata_from_env.clone();
        let execution = Execution::new(id, name.clone(), options, now, plan, metadata_from_env);
        // `HandleProwJob` answers from the request, not from the ProwJob: no times, no URL.
        let mut messages = Map::new();
        if let Some(options) = &request.options {
            messages.insert("pod_spec_options".into(), options.to_json());
        }
        let answer = wire::job_execution(
            &execution.id,
            name,
            request.job_type,
            ExecutionStatus::Triggered,
            "",
            messages,
        );
        self.runs.insert(execution);
        Ok(answer)
    }

    /// `GetJobExecution`: the ProwJob by name. An unknown name is the Kubernetes `NotFound`
    /// error passed on as is, which gRPC turns into `Unknown`.
    pub fn get(&self, id: &str) -> Result<Value, Refusal> {
        let Some(run) = self.runs.get(id) else {
            return Err(Refusal::new(
                Code::Unknown,
                format!("prowjobs.prow.k8s.io {id:?} not found"),
            ));
        };
        let mut messages = Map::new();
        messages.insert("create_time".into(), wire::timestamp(run.created_at));
        if let Some(done) = run.completed_at() {
            messages.insert("completion_time".into(), wire::timestamp(done));
        }
        Ok(wire::job_execution(
            &run.id,
            &run.job,
            PERIODIC,
            run.status,
            &run.job_url,
            messages,
        ))
    }

    /// `ListJobExecutions`: a label selector `prow.k8s.io/job=<job_name>`, so only names of at
    /// most 63 characters can match (the label is the cut name). A longer one makes an invalid
    /// selector; the API server refuses it and Gangway, which only logs that error, answers an
    /// empty list. Items carry no URL and no times.
    pub fn list(&self, job_name: &str, status: ExecutionStatus) -> Value {
        let selectable = job_name.is_empty() || label_value_problems(job_name).is_empty();
        let items: Vec<Value> = self
            .runs
            .all()
            .filter(|_| selectable)
            .filter(|run| job_name.is_empty() || job_label(&run.job) == job_name)
            .filter(|run| status == ExecutionStatus::Unspecified || run.status == status)
            .map(|run| wire::job_execution(&run.id, &run.job, PERIODIC, run.status, "", Map::new()))
            .collect();
        json!({ "job_execution": items })
    }
}
