//! Turns a Konflux Snapshot object into the gate's `Snapshot`, or says precisely what is wrong
//! with it.

use jiff::Timestamp;
use kube::api::DynamicObject;
use serde_json::Value;

use crate::gate::Snapshot;
use crate::gate::model::digest_of;

/// Why a Snapshot object cannot be gated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotProblem {
    #[error(
        "Snapshot {namespace}/{name} has no component `{component}`; it is not a build of the gated component"
    )]
    MissingComponent {
        namespace: String,
        name: String,
        component: String,
    },
    #[error("Snapshot {namespace}/{name} is malformed: {detail}")]
    Malformed {
        namespace: String,
        name: String,
        detail: String,
    },
}

impl SnapshotProblem {
    /// Where the problem was found, for the store's problem log.
    pub fn source(&self) -> String {
        let (namespace, name) = match self {
            SnapshotProblem::MissingComponent {
                namespace, name, ..
            }
            | SnapshotProblem::Malformed {
                namespace, name, ..
            } => (namespace, name),
        };
        format!("snapshots.appstudio.redhat.com/{namespace}/{name}")
    }
}

/// Reads the gated component out of a Snapshot.
pub fn parse_snapshot(
    object: &DynamicObject,
    gate: &str,
    component: &str,
) -> Result<Snapshot, SnapshotProblem> {
    let namespace = object.metadata.namespace.clone().unwrap_or_default();
    let name = object.metadata.name.clone().unwrap_or_default();
    let malformed = |detail: &str| SnapshotProblem::Malformed {
        namespace: namespace.clone(),
        name: name.clone(),
        detail: detail.to_string(),
    };
    if name.is_empty() {
        return Err(malformed("metadata.name is missing"));
    }
    let created_at: Timestamp = object
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|time| time.0)
        .ok_or_else(|| malformed("metadata.creationTimestamp is missing"))?;
    let components = object
        .data
        .pointer("/spec/components")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("spec.components is missing or not a list"))?;
    let entry = components
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(component))
        .ok_or_else(|| SnapshotProblem::MissingComponent {
            namespace: namespace.clone(),
            name: name.clone(),
            component: component.to_string(),
        })?;
    let image = entry
        .get("containerImage")
        .and_then(Value::as_str)
        .filter(|image| !image.is_empty())
        .ok_or_else(|| malformed(&format!("component `{component}` has no containerImage")))?;
    let text = |pointer: &str| {
        entry
            .pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(Snapshot {
        gate: gate.to_string(),
        namespace,
        name,
        component: component.to_string(),
        image: image.to_string(),
        digest: digest_of(image).map(str::to_string),
        git_url: text("/source/git/url").or_else(|| text("/source/url")),
        git_revision: text("/source/git/revision"),
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(yaml: &str) -> DynamicObject {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    const SNAPSHOT: &str = r#"
apiVersion: appstudio.redhat.com/v1alpha1
kind: Snapshot
metadata:
  name: hypershift-operator-20261121-101500-000
  namespace: crt-redhat-acm-tenant
  creationTimestamp: "2026-11-21T10:15:00Z"
spec:
  application: hypershift-operator
  components:
    - name: hypershift-operator-main
      containerImage: quay.io/redhat-user-workloads/crt-redhat-acm-tenant/hypershift-operator-main@sha256:1111111111111111111111111111111111111111111111111111111111111111
      source:
        git:
          url: https://github.com/openshift/hypershift
          revision: 0123456789abcdef0123456789abcdef01234567
"#;

    #[test]
    fn reads_image_digest_and_revision_of_the_gated_component() {
        let snapshot = parse_snapshot(&object(SNAPSHOT), "ho", "hypershift-operator-main").unwrap();
        assert_eq!(
            snapshot.digest.as_deref(),
            Some(&*format!("sha256:{}", "1".repeat(64)))
        );
        assert_eq!(
            snapshot.git_revision.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(snapshot.created_at.to_string(), "2026-11-21T10:15:00Z");
    }

    #[test]
    fn a_snapshot_without_the_component_is_reported_with_its_source() {
        let problem =
            parse_snapshot(&object(SNAPSHOT), "ho", "control-plane-operator").unwrap_err();
        assert!(matches!(problem, SnapshotProblem::MissingComponent { .. }));
        assert_eq!(
            problem.source(),
            "snapshots.appstudio.redhat.com/crt-redhat-acm-tenant/hypershift-operator-20261121-101500-000"
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let no_image = SNAPSHOT.replace("      containerImage:", "      unrelated:");
        let problem =
            parse_snapshot(&object(&no_image), "ho", "hypershift-operator-main").unwrap_err();
        assert!(
            problem.to_string().contains("has no containerImage"),
            "{problem}"
        );
        let no_components = SNAPSHOT.replace("  components:", "  other:");
        let problem =
            parse_snapshot(&object(&no_components), "ho", "hypershift-operator-main").unwrap_err();
        assert!(problem.to_string().contains("spec.components"), "{problem}");
    }

    #[test]
    fn the_real_override_snapshot_sample_parses() {
        let sample = include_str!("../../tests/fixtures/konflux/snapshot-override-example.yaml");
        let object = object(sample);
        let component = object.data["spec"]["components"][0]["name"]
            .as_str()
            .unwrap()
            .to_string();
        let mut object = object;
        object.metadata.creation_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                "2026-01-01T00:00:00Z".parse().unwrap(),
            ));
        let snapshot = parse_snapshot(&object, "dvo", &component).unwrap();
        assert!(snapshot.git_revision.is_some());
    }
}
