//! Writes into the GCS emulator what a Prow periodic job leaves in its bucket, in the shapes
//! Prow's own uploaders use, so tests and sandbox scenarios can say "a job ran".
//!
//! When the pod starts, initupload writes `started.json` and `latest-build.txt`; crier's GCS
//! reporter rewrites `prowjob.json` on every state change; when the test ends the sidecar
//! writes `finished.json`, merging the job's `$ARTIFACTS/metadata.json` into its `metadata`.
//! If the pod never runs, crier marks the ProwJob `error`.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::gcs::GcsEmulator;

/// A build that starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildStart {
    pub job: String,
    pub build_id: String,
    pub started_at: Timestamp,
    /// Environment variables the trigger set through Gangway (for example the operator image
    /// under test); they land in the pod spec of `prowjob.json`.
    pub env: Vec<(String, String)>,
}

impl BuildStart {
    pub fn new(job: impl Into<String>, build_id: impl Into<String>, started_at: Timestamp) -> Self {
        Self {
            job: job.into(),
            build_id: build_id.into(),
            started_at,
            env: Vec::new(),
        }
    }

    /// Adds an environment variable to the job's pod, as a Gangway env override does.
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
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

/// Writes Prow's files for builds of periodic jobs into one bucket of the emulator.
pub struct ProwWriter<'a> {
    gcs: &'a GcsEmulator,
    bucket: String,
}

impl<'a> ProwWriter<'a> {
    pub fn new(gcs: &'a GcsEmulator, bucket: impl Into<String>) -> Self {
        Self {
            gcs,
            bucket: bucket.into(),
        }
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
        let name = prowjob_name(&build.build_id);
        let started = build.started_at.to_string();
        let env: Vec<Value> = build
            .env
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
        let job_label: String = build.job.chars().take(63).collect();
        json!({
            "kind": "ProwJob",
            "apiVersion": "prow.k8s.io/v1",
            "metadata": {
                "name": name,
                "namespace": "ci",
                "creationTimestamp": started,
                "labels": {
                    "created-by-prow": "true",
                    "prow.k8s.io/build-id": build.build_id,
                    "prow.k8s.io/context": "",
                    "prow.k8s.io/id": name,
                    "prow.k8s.io/job": job_label,
                    "prow.k8s.io/type": "periodic",
                },
                "annotations": {
                    "prow.k8s.io/context": "",
                    "prow.k8s.io/job": build.job,
                },
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
                "startTime": started,
                "pendingTime": started,
                "state": "pending",
                "description": "Job triggered.",
                "url": format!(
                    "{DECK_URL}/view/gs/{}/logs/{}/{}",
                    self.bucket, build.job, build.build_id
                ),
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
    let hex = &padded[padded.len() - 32..];
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
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
}
