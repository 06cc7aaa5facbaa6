//! The ProwJobs Gangway created and their lifecycle on the emulator's clock: TRIGGERED until the
//! pod is scheduled, PENDING while it runs, then SUCCESS, FAILURE, ABORTED or ERROR.
//!
//! Each step writes into the GCS emulator what Prow writes at that moment ([`crate::prow`]):
//! `started.json`, a pending `prowjob.json` and `latest-build.txt` when the pod starts, then
//! `finished.json` and the final `prowjob.json`. Steps are settled lazily from planned times, so
//! a run that is looked at late still shows the times it would have had.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use super::jobs::{Outcome, RunPlan};
use super::request::PodSpecOptions;
use super::wire::ExecutionStatus;
use crate::prow::{BuildFinish, BuildResult, BuildStart, ProwWriter, deck_url};

/// One execution as the emulated Prow holds it (a ProwJob, in Gangway's words).
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// The ProwJob's name, a UUID.
    pub id: String,
    pub job: String,
    pub status: ExecutionStatus,
    /// What the trigger asked for (envs, labels, annotations).
    pub options: PodSpecOptions,
    pub created_at: Timestamp,
    /// When the pod is (or was) scheduled.
    pub pending_at: Timestamp,
    /// When the run ends (or ended).
    pub completes_at: Timestamp,
    /// How the run ends, planned at trigger time.
    pub outcome: Outcome,
    /// Set once the pod is scheduled: a 19-digit id, increasing.
    pub build_id: Option<String>,
    /// Deck's page of the build, once it has one (`status.url`).
    pub job_url: String,
    /// Env vars whose values the job reports in its metadata, and under which keys.
    metadata_from_env: Vec<(String, String)>,
    /// Order of triggering, to break ties between runs scheduled at the same instant.
    sequence: u64,
}

impl Execution {
    pub(super) fn new(
        id: String,
        job: String,
        options: PodSpecOptions,
        created_at: Timestamp,
        plan: RunPlan,
        metadata_from_env: Vec<(String, String)>,
    ) -> Self {
        let pending_at = after(created_at, plan.pending_after);
        Self {
            id,
            job,
            status: ExecutionStatus::Triggered,
            options,
            created_at,
            pending_at,
            completes_at: after(pending_at, plan.runs_for),
            outcome: plan.outcome,
            build_id: None,
            job_url: String::new(),
            metadata_from_env,
            sequence: 0,
        }
    }

    /// When the run ended, for a finished one (Prow's `completionTime`).
    pub fn completed_at(&self) -> Option<Timestamp> {
        self.status.is_final().then_some(self.completes_at)
    }

    fn build_start(&self, build_id: &str) -> BuildStart {
        let mut start = BuildStart::new(&self.job, build_id, self.pending_at)
            .with_prowjob_name(&self.id)
            .with_triggered_at(self.created_at);
        for (name, value) in &self.options.envs {
            start = start.with_env(name, value);
        }
        for (key, value) in &self.options.labels {
            start = start.with_label(key, value);
        }
        for (key, value) in &self.options.annotations {
            start = start.with_annotation(key, value);
        }
        start
    }

    fn finish(&mut self, prow: &ProwWriter<'_>, build_id: &str) {
        let result = match self.outcome {
            Outcome::Success => BuildResult::Success,
            Outcome::Failure => BuildResult::Failure,
            Outcome::Aborted => BuildResult::Aborted,
            Outcome::Error => {
                prow.error_build(&self.job, build_id, self.completes_at);
                self.status = ExecutionStatus::Error;
                return;
            }
        };
        let mut finish = BuildFinish::new(result, self.completes_at);
        for (env, key) in &self.metadata_from_env {
            if let Some(value) = self.options.envs.get(env) {
                finish = finish.with_metadata(key, value.as_str());
            }
        }
        prow.finish_build(&self.job, build_id, &finish);
        self.status = match self.outcome {
            Outcome::Success => ExecutionStatus::Success,
            Outcome::Failure => ExecutionStatus::Failure,
            _ => ExecutionStatus::Aborted,
        };
    }
}

fn after(at: Timestamp, by: Duration) -> Timestamp {
    let by = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
    at.checked_add(by).unwrap_or(Timestamp::MAX)
}

/// Every execution, by id: the order of a Kubernetes list, which is not the order of triggering.
#[derive(Debug, Default)]
pub(super) struct Runs {
    executions: BTreeMap<String, Execution>,
    triggered: u64,
    last_build_id: u64,
}

/// Build ids carry the milliseconds since this epoch in their upper bits, like the snowflake
/// ids OpenShift CI's builds have: 19 digits, growing with time.
const BUILD_ID_EPOCH_MS: i64 = 1_288_834_974_657;

impl Runs {
    pub fn insert(&mut self, mut execution: Execution) {
        self.triggered += 1;
        execution.sequence = self.triggered;
        self.executions.insert(execution.id.clone(), execution);
    }

    pub fn get(&self, id: &str) -> Option<&Execution> {
        self.executions.get(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &Execution> {
        self.executions.values()
    }

    pub fn in_trigger_order(&self) -> Vec<Execution> {
        let mut runs: Vec<Execution> = self.executions.values().cloned().collect();
        runs.sort_by_key(|run| run.sequence);
        runs
    }

    /// Moves every run whose time has come, writing Prow's files as it goes. Pods start in the
    /// order they were scheduled, so build ids grow with time as Prow's do.
    pub fn settle(&mut self, now: Timestamp, prow: &ProwWriter<'_>) {
        let mut due: Vec<&mut Execution> = self
            .executions
            .values_mut()
            .filter(|run| run.status == ExecutionStatus::Triggered && run.pending_at <= now)
            .collect();
        due.sort_by_key(|run| (run.pending_at, run.sequence));
        for run in due {
            let millis = run.pending_at.as_millisecond() - BUILD_ID_EPOCH_MS;
            let from_time = u64::try_from(millis.max(0)).unwrap_or(0) << 22;
            self.last_build_id = from_time.max(self.last_build_id + 1);
            let build_id = self.last_build_id.to_string();
            prow.start_build(&run.build_start(&build_id));
            run.job_url = deck_url(prow.bucket(), &run.job, &build_id);
            run.build_id = Some(build_id);
            run.status = ExecutionStatus::Pending;
        }
        for run in self.executions.values_mut() {
            if run.status == ExecutionStatus::Pending && run.completes_at <= now {
                let build_id = run.build_id.clone().expect("a pending run has a build id");
                run.finish(prow, &build_id);
            }
        }
    }
}
