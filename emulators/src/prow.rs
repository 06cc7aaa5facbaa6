//! Writes into the GCS emulator what a Prow periodic job leaves in its bucket, in the shapes
//! Prow's own uploaders use, so tests and sandbox scenarios can say "a job ran".
//!
//! When the pod starts, initupload writes `started.json` and `latest-build.txt`; crier's GCS
//! reporter rewrites `prowjob.json` on every state change; when the test ends the sidecar
//! writes `finished.json`, merging the job's `$ARTIFACTS/metadata.json` into its `metadata`.
//! If the pod never runs, crier marks the ProwJob `error`.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::gcs::GcsObjects;

/// A build that starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildStart {
    pub job: String,
    pub build_id: String,
    pub started_at: Timestamp,
    /// Environment variables the trigger set through Gangway (for example the operator image
    /// under test); they land in the pod spec of `prowjob.json`.
    pub env: Vec<(String, String)>,
    /// The ProwJob's name; without one it is derived from the build id.
    pub prowjob_name: Option<String>,
    /// When the ProwJob was created (`metadata.creationTimestamp`, `status.startTime`); without
    /// one, the moment the pod started.
    pub triggered_at: Option<Timestamp>,
    /// Labels added to Prow's own, overriding them on the same key, as a trigger's are.
    pub labels: Vec<(String, String)>,
    /// Annotations added to Prow's own, overriding them on the same key.
    pub annotations: Vec<(String, String)>,
}

impl BuildStart {
    pub fn new(job: impl Into<String>, build_id: impl Into<String>, started_at: Timestamp) -> Self {
        Self {
            job: job.into(),
            build_id: build_id.into(),
            started_at,
            env: Vec::new(),
            prowjob_name: None,
            triggered_at: None,
            labels: Vec::new(),
            annotations: Vec::new(),
        }
    }

    /// Adds an environment variable to the job's pod, as a Gangway env override does.
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Names the ProwJob, as Gangway does when it creates one (the execution id).
    pub fn with_prowjob_name(mut self, name: impl Into<String>) -> Self {
        self.prowjob_name = Some(name.into());
        self
    }

    /// Says when the ProwJob was created, before its pod started.
    pub fn with_triggered_at(mut self, at: Timestamp) -> Self {
        self.triggered_at = Some(at);
        self
    }

    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push((key.into(), value.into()));
        self
    }

    pub fn with_annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.annotations.push((key.into(), value.into()));
        self
    }
}

/// How a build's test ended, as the sidecar reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildResult {
    Success,
    Failure,
    Aborted,
}

impl BuildResult {
    fn sidecar_result(self) -> &'static str {
        match self {
            BuildResult::Success => "SUCCESS",
            BuildResult::Failure => "FAILURE",
            BuildResult::Aborted => "ABORTED",
        }
    }

    fn prowjob_state(self) -> &'static str {
        match self {
            BuildResult::Success => "success",
            BuildResult::Failure => "failure",
            BuildResult::Aborted => "aborted",
        }
    }

    fn description(self) -> &'static str {
        match self {
            BuildResult::Success => "Job succeeded.",
            BuildResult::Failure => "Job failed.",
            BuildResult::Aborted => "Job aborted.",
        }
    }
}

/// A build that ends.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildFinish {
    pub result: BuildResult,
    pub finished_at: Timestamp,
    /// The revision the sidecar records; for a periodic it is the base ref it cloned.
    pub revision: String,
    /// The keys the job wrote to `$ARTIFACTS/metadata.json`.
    pub metadata: Map<String, Value>,
}

impl BuildFinish {
    pub fn new(result: BuildResult, finished_at: Timestamp) -> Self {
        Self {
            result,
            finished_at,
            revision: "main".to_string(),
            metadata: Map::new(),
        }
    }

    /// Adds a key the job wrote to its metadata file (e.g. the snapshot it tested).
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

/// The Deck that `prowjob.json`'s `status.url` points to, as on OpenShift CI.
const DECK_URL: &str = "https://prow.ci.openshift.org";

/// The longest value a Kubernetes label may have.
const LABEL_VALUE_MAX: usize = 63;

/// The `prow.k8s.io/job` label of a job: the name cut to 63 bytes, with trailing `.`, `_` and
/// `-` trimmed (`pkg/pod-utils/decorate/podspec.go`, `LabelsAndAnnotationsForSpec`). The full
/// name stays in the annotation of the same key.
pub fn job_label(job: &str) -> String {
    if job.len() <= LABEL_VALUE_MAX {
        return job.to_string();
    }
    let mut cut = LABEL_VALUE_MAX;
    while !job.is_char_boundary(cut) {
        cut -= 1;
    }
    job[..cut].trim_end_matches(['.', '_', '-']).to_string()
}

/// The page of a build on Deck, which `prowjob.json`'s `status.url` and Gangway's `job_url`
/// point to.
pub fn deck_url(bucket: &str, job: &str, build_id: &str) -> String {
    format!("{DECK_URL}/view/gs/{bucket}/logs/{job}/{build_id}")
}

/// Writes Prow's files for builds of periodic jobs into one bucket of the emulator.
pub struct ProwWriter<'a> {
    gcs: &'a GcsObjects,
    bucket: String,
}

impl<'a> ProwWriter<'a> {
    /// Writes through the GCS emulator itself or through a [`GcsObjects`] handle on it.
    pub fn new(gcs: &'a impl AsRef<GcsObjects>, bucket: impl Into<String>) -> Self {
        Self {
            gcs: gcs.as_ref(),
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The pod started: `started.json`, a pending `prowjob.json`, and `latest-build.txt`.
    pub fn start_build(&self, build: &BuildStart) {
        let started = json!({
            "timestamp": build.started_at.as_second(),
            "repos": { "openshift/hypershift": "main" },
            "repo-version": "main",
            "repo-commit": "main",
        });
        self.write_json(&build.job, &build.build_id, "started.json", &started);
        let prowjob = self.pending_prowjob(build);
        self.write_json(&build.job, &build.build_id, "prowjob.json", &prowjob);
        self.gcs.put_object(
            &self.bucket,
            &format!("logs/{}/latest-build.txt", build.job),
            build.build_id.clone(),
        );
    }

    /// The test ended: `finished.json`, and `prowjob.json` moved to its final state.
    pub fn finish_build(&self, job: &str, build_id: &str, finish: &BuildFinish) {
        let finished = json!({
            "timestamp": finish.finished_at.as_second(),
            "passed": finish.result == BuildResult::Success,
            "result": finish.result.sidecar_result(),
            "revision": finish.revision,
            "metadata": finish.metadata,
        });
        self.write_json(job, build_id, "finished.json", &finished);
        self.complete_prowjob(
            job,
            build_id,
            finish.result.prowjob_state(),
            finish.result.description(),
            finish.finished_at,
        );
    }

    /// Prow gave up on the build before its pod could report: crier sets the ProwJob to
    /// `error` and, since the pod wrote none, uploads a `finished.json` of its own.
    pub fn error_build(&self, job: &str, build_id: &str, at: Timestamp) {
        let finished = json!({
            "timestamp": at.as_second(),
            "passed": false,
            "result": "error",
            "metadata": { "uploader": "crier" },
        });
        self.write_json(job, build_id, "finished.json", &finished);
        self.complete_prowjob(job, build_id, "error", "Pod got deleted unexpectedly", at);
    }

    /// Writes arbitrary bytes as one of a build's files, e.g. a damaged `finished.json`.
    pub fn write_raw(&self, job: &str, build_id: &str, file: &str, bytes: impl Into<Vec<u8>>) {
        self.gcs
            .put_object(&self.bucket, &object_name(job, build_id, file), bytes);
    }

    fn write_json(&self, job: &str, build_id: &str, file: &str, value: &Value) {
        let bytes = serde_json::to_vec_pretty(value).expect("JSON values always serialise");
        self.write_raw(job, build_id, file, bytes);
    }

    /// Rewrites `prowjob.json` with a final state, as crier does; a build without one (a test
    /// removed it) stays without.
    fn complete_prowjob(
        &self,
        job: &str,
        build_id: &str,
        state: &str,
        description: &str,
        at: Timestamp,
    ) {
        let name = object_name(job, build_id, "prowjob.json");
        let Some(bytes) = self.gcs.object_bytes(&self.bucket, &name) else {
            return;
        };
        let Ok(mut prowjob) = serde_json::from_slice::<Value>(&bytes) else {
            return;
        };
        prowjob["status"]["state"] = json!(state);
        prowjob["status"]["description"] = json!(description);
        prowjob["status"]["completionTime"] = json!(at.to_string());
        self.write_json(job, build_id, "prowjob.json", &prowjob);
    }

    /// A periodic ProwJob the way crier uploads it while the pod runs, trimmed to the fields
    /// OpenShift CI sets for ci-operator periodics.
    fn pending_prowjob(&self, build: &BuildStart) -> Value {
        let name = build
            .prowjob_name
            .clone()
            .unwrap_or_else(|| prowjob_name(&build.build_id));
        let started = build.started_at.to_string();
        let created = build.triggered_at.unwrap_or(build.started_at).to_string();
        let env: Vec<Value> = build
            .env
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
        let mut labels = json!({
            "created-by-prow": "true",
            "prow.k8s.io/build-id": build.build_id,
            "prow.k8s.io/context": "",
            "prow.k8s.io/id": name,
            "prow.k8s.io/job": job_label(&build.job),
            "prow.k8s.io/refs.base_ref": "main",
            "prow.k8s.io/refs.org": "openshift",
            "prow.k8s.io/refs.repo": "hypershift",
            "prow.k8s.io/type": "periodic",
        });
        for (key, value) in &build.labels {
            labels[key] = json!(value);
        }
        let mut annotations = json!({
            "prow.k8s.io/context": "",
            "prow.k8s.io/job": build.job,
        });
        for (key, value) in &build.annotations {
            annotations[key] = json!(value);
        }
        json!({
            "kind": "ProwJob",
            "apiVersion": "prow.k8s.io/v1",
            "metadata": {
                "name": name,
                "namespace": "ci",
                "creationTimestamp": created,
                "labels": labels,
                "annotations": annotations,
            },
            "spec": {
                "type": "periodic",
                "agent": "kubernetes",
                "cluster": "build05",
                "namespace": "ci",
                "job": build.job,
                "report": true,
                "extra_refs": [{ "org": "openshift", "repo": "hypershift", "base_ref": "main" }],
                "decoration_config": {
                    "gcs_configuration": {
                        "bucket": self.bucket,
                        "path_strategy": "single",
                        "default_org": "openshift",
                        "default_repo": "origin",
                    },
                    "timeout": "4h0m0s",
                    "grace_period": "1h0m0s",
                },
                "pod_spec": {
                    "containers": [{
                        "name": "",
                        "image": "ci-operator:latest",
                        "command": ["ci-operator"],
                        "args": ["--report-credentials-file=/etc/report/credentials", "--target=e2e-aws"],
                        "env": env,
                    }],
                    "serviceAccountName": "ci-operator",
                },
                "prowjob_defaults": { "tenant_id": "GlobalDefaultID" },
            },
            "status": {
                "startTime": created,
                "pendingTime": started,
                "state": "pending",
                "description": "Job triggered.",
                "url": deck_url(&self.bucket, &build.job, &build.build_id),
                "pod_name": name,
                "build_id": build.build_id,
            },
        })
    }
}

fn object_name(job: &str, build_id: &str, file: &str) -> String {
    format!("logs/{job}/{build_id}/{file}")
}

/// ProwJob names are UUIDs; this one is derived from the build id so runs are reproducible.
fn prowjob_name(build_id: &str) -> String {
    let digits: String = build_id.chars().filter(char::is_ascii_digit).collect();
    let padded = format!("{digits:0>32}");
    dashed_uuid(&padded[padded.len() - 32..])
}

/// 32 hex digits in a UUID's 8-4-4-4-12 groups.
pub(crate) fn dashed_uuid(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prowjob_names_look_like_uuids() {
        let name = prowjob_name("1900000000000000042");
        assert_eq!(name, "00000000-0000-0190-0000-000000000042");
        assert_eq!(prowjob_name("7").len(), 36);
    }

    #[test]
    fn the_job_label_is_cut_to_63_bytes_without_a_trailing_separator() {
        let short = "periodic-ci-openshift-hypershift-release-5.0-periodics-e2e-aks";
        assert_eq!(job_label(short), short);
        let long = "periodic-ci-openshift-hypershift-release-4.22-periodics-hcm-azure-e2e-aks-upgrade-from-zero";
        assert_eq!(
            job_label(long),
            "periodic-ci-openshift-hypershift-release-4.22-periodics-hcm-azu"
        );
        // A cut that ends on a separator loses it, as Go's `strings.TrimRight` does.
        let dashed = format!("{}--tail", "a".repeat(62));
        assert_eq!(job_label(&dashed), "a".repeat(62));
    }
}
