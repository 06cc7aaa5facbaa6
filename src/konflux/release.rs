//! Creating a Konflux Release exactly once, and reading how it went.
//!
//! Exactly once rests on the name: it is derived from (snapshot, release plan), so every replica
//! and every retry after a crash asks for the same object, and the API server's `AlreadyExists`
//! for an object with the same spec means "done". The same name with a different spec is a clash
//! that is reported and never overwritten.

use std::collections::BTreeMap;

use backon::Retryable;
use kube::api::{DynamicObject, PostParams};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::retry::{AttemptError, patient, within};
use super::{Konflux, marks};

/// Kubernetes object names (and Konflux's webhook) allow at most 63 characters.
const MAX_NAME: usize = 63;

/// The Release name for a (snapshot, release plan): the snapshot name, shortened if needed, and
/// a short hash of both, so different plans never share a name.
pub fn release_name(snapshot: &str, release_plan: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(snapshot.as_bytes());
    hasher.update([0]);
    hasher.update(release_plan.as_bytes());
    let hash: String = hasher.finalize()[..4]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let room = MAX_NAME - hash.len() - 1;
    let stem: String = snapshot.chars().take(room).collect();
    let stem = stem.trim_end_matches(['-', '.']);
    format!("{stem}-{hash}")
}

/// Everything needed to create one Release.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRequest {
    pub namespace: String,
    pub name: String,
    pub snapshot: String,
    pub release_plan: String,
    pub grace_period_days: Option<u32>,
    pub gate: String,
    /// `gated`, `manual` or `emergency`.
    pub kind: String,
    /// Further annotations (e.g. the emergency justification and approvers).
    pub annotations: BTreeMap<String, String>,
    /// The verdict line at decision time, recorded on the object for auditors.
    pub verdict: String,
}

impl ReleaseRequest {
    /// The object as it is sent to the API server.
    pub fn to_object(&self, konflux: &Konflux) -> DynamicObject {
        let mut annotations = self.annotations.clone();
        annotations.insert(marks::KIND_ANNOTATION.into(), self.kind.clone());
        annotations.insert(marks::VERDICT_ANNOTATION.into(), self.verdict.clone());
        let mut spec = json!({ "snapshot": self.snapshot, "releasePlan": self.release_plan });
        if let Some(days) = self.grace_period_days {
            spec["gracePeriodDays"] = json!(days);
        }
        let mut object = DynamicObject::new(&self.name, konflux.release_resource())
            .within(&self.namespace)
            .data(json!({ "spec": spec }));
        object.metadata.labels = Some(BTreeMap::from([
            (
                marks::MANAGED_BY_LABEL.into(),
                marks::MANAGED_BY_VALUE.into(),
            ),
            (marks::GATE_LABEL.into(), self.gate.clone()),
        ]));
        object.metadata.annotations = Some(annotations);
        object
    }
}

/// How a create ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    /// The Release was already there with the same snapshot and plan (a retry, a restart, or
    /// another replica got there first).
    AlreadyExisted,
}

/// How a create ended badly.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(
        "Release {namespace}/{name} already exists for snapshot `{existing_snapshot}` and plan \
         `{existing_plan}`, not for this request; gatebot leaves it untouched — check who created it"
    )]
    NameClash {
        namespace: String,
        name: String,
        existing_snapshot: String,
        existing_plan: String,
    },
    #[error("the Kubernetes API refused Release {namespace}/{name}: {source}")]
    Api {
        namespace: String,
        name: String,
        #[source]
        source: AttemptError,
    },
}

impl Konflux {
    /// Creates the Release, retrying transient failures; `AlreadyExists` with the same spec counts
    /// as done.
    pub async fn create_release(
        &self,
        request: &ReleaseRequest,
    ) -> Result<CreateOutcome, ReleaseError> {
        let api = self.releases(&request.namespace);
        let object = request.to_object(self);
        let api_error = |source| ReleaseError::Api {
            namespace: request.namespace.clone(),
            name: request.name.clone(),
            source,
        };
        let limit = self.request_timeout;
        let params = PostParams::default();
        let created = (|| within(limit, api.create(&params, &object)))
            .retry(patient())
            .when(AttemptError::is_transient)
            .notify(|error, delay| {
                tracing::warn!(release = %request.name, %error, ?delay, "creating Release failed; retrying");
            })
            .await;
        match created {
            Ok(_) => Ok(CreateOutcome::Created),
            Err(AttemptError::Kube(kube::Error::Api(status))) if status.is_already_exists() => {
                let existing = (|| within(limit, api.get(&request.name)))
                    .retry(patient())
                    .when(AttemptError::is_transient)
                    .await
                    .map_err(api_error)?;
                let spec = |field: &str| {
                    existing.data["spec"][field]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                };
                let (snapshot, plan) = (spec("snapshot"), spec("releasePlan"));
                if snapshot == request.snapshot && plan == request.release_plan {
                    Ok(CreateOutcome::AlreadyExisted)
                } else {
                    Err(ReleaseError::NameClash {
                        namespace: request.namespace.clone(),
                        name: request.name.clone(),
                        existing_snapshot: snapshot,
                        existing_plan: plan,
                    })
                }
            }
            Err(source) => Err(api_error(source)),
        }
    }
}

/// Konflux's `Released` condition, the one that says how a Release went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleasedCondition {
    /// No condition yet: the release service has not picked it up.
    Unknown,
    Progressing,
    Succeeded,
    Failed {
        message: String,
    },
}

/// A Release as gatebot sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseObservation {
    pub namespace: String,
    pub name: String,
    pub snapshot: String,
    pub release_plan: String,
    pub created_by_gatebot: bool,
    /// The gate that created it, from the label gatebot puts on its Releases; it also names
    /// Releases of an emergency plan, which no gate's `release_plan` matches.
    pub gate: Option<String>,
    /// `release.appstudio.openshift.io/author`, set by Konflux's webhook.
    pub author: Option<String>,
    pub released: ReleasedCondition,
}

/// Reads a Release object.
pub fn observe_release(object: &DynamicObject) -> ReleaseObservation {
    let labels = object.metadata.labels.clone().unwrap_or_default();
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let conditions = object.data["status"]["conditions"].as_array();
    let released = conditions
        .and_then(|all| all.iter().find(|c| c["type"].as_str() == Some("Released")))
        .map_or(ReleasedCondition::Unknown, |condition| {
            match (condition["status"].as_str(), condition["reason"].as_str()) {
                (Some("True"), _) | (_, Some("Succeeded")) => ReleasedCondition::Succeeded,
                (_, Some("Failed")) => ReleasedCondition::Failed {
                    message: text(&condition["message"]),
                },
                _ => ReleasedCondition::Progressing,
            }
        });
    ReleaseObservation {
        namespace: object.metadata.namespace.clone().unwrap_or_default(),
        name: object.metadata.name.clone().unwrap_or_default(),
        snapshot: text(&object.data["spec"]["snapshot"]),
        release_plan: text(&object.data["spec"]["releasePlan"]),
        created_by_gatebot: labels.get(marks::MANAGED_BY_LABEL).map(String::as_str)
            == Some(marks::MANAGED_BY_VALUE),
        gate: labels.get(marks::GATE_LABEL).cloned(),
        author: labels.get("release.appstudio.openshift.io/author").cloned(),
        released,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_deterministic_short_and_differ_per_plan() {
        let snapshot = "hypershift-operator-main-20261121-101500-000";
        let a = release_name(snapshot, "hypershift-operator-progressive");
        assert_eq!(a, release_name(snapshot, "hypershift-operator-progressive"));
        assert!(a.starts_with(snapshot), "{a}");
        assert_ne!(a, release_name(snapshot, "hypershift-operator-emergency"));
        let long = "a".repeat(63);
        let b = release_name(&long, "plan");
        assert_eq!(b.len(), 63);
        let trailing = format!("{}-{}", "b".repeat(53), "c".repeat(9));
        assert!(!release_name(&trailing, "plan").contains("--"));
    }

    #[test]
    fn the_released_condition_is_read_as_konflux_writes_it() {
        let release = |conditions: Value| -> DynamicObject {
            serde_json::from_value(json!({
                "apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "Release",
                "metadata": {"name": "r", "namespace": "ns", "labels": {"app.kubernetes.io/managed-by": "gatebot"}},
                "spec": {"snapshot": "s", "releasePlan": "p"},
                "status": {"conditions": conditions}
            }))
            .unwrap()
        };
        let progressing = json!([{"type": "Released", "status": "False", "reason": "Progressing"}]);
        let failed = json!([{"type": "Released", "status": "False", "reason": "Failed", "message": "pipeline failed"}]);
        let succeeded = json!([{"type": "Released", "status": "True", "reason": "Succeeded"}]);
        assert_eq!(
            observe_release(&release(json!([]))).released,
            ReleasedCondition::Unknown
        );
        assert_eq!(
            observe_release(&release(progressing)).released,
            ReleasedCondition::Progressing
        );
        assert_eq!(
            observe_release(&release(failed)).released,
            ReleasedCondition::Failed {
                message: "pipeline failed".into()
            }
        );
        let done = observe_release(&release(succeeded));
        assert_eq!(done.released, ReleasedCondition::Succeeded);
        assert!(done.created_by_gatebot);
    }
}
