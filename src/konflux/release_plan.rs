//! The ReleasePlan check: Konflux releases a snapshot by itself when the plan's
//! `release.appstudio.openshift.io/auto-release` label is `"true"` **or missing** (its webhook
//! defaults it to `"true"`). Then the gate is bypassed, and people must be told loudly.

use kube::api::DynamicObject;

use super::Konflux;

pub const AUTO_RELEASE_LABEL: &str = "release.appstudio.openshift.io/auto-release";

/// What the ReleasePlan's label says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReleaseCheck {
    /// The label's value; `None` when the label is missing.
    pub label: Option<String>,
    /// Whether Konflux would release without gatebot.
    pub bypassed: bool,
}

impl AutoReleaseCheck {
    /// A sentence for people when the gate is bypassed.
    pub fn warning(&self, namespace: &str, plan: &str) -> Option<String> {
        self.bypassed.then(|| {
            let found = match &self.label {
                Some(value) => format!("is \"{value}\""),
                None => "is missing (Konflux treats that as \"true\")".to_string(),
            };
            format!(
                "ReleasePlan {namespace}/{plan}: label {AUTO_RELEASE_LABEL} {found}, so Konflux releases \
                 every snapshot by itself and the gate is bypassed; set it to \"false\""
            )
        })
    }
}

/// Reads the auto-release label of a ReleasePlan object.
pub fn check_auto_release(plan: &DynamicObject) -> AutoReleaseCheck {
    let label = plan
        .metadata
        .labels
        .as_ref()
        .and_then(|labels| labels.get(AUTO_RELEASE_LABEL))
        .cloned();
    let bypassed = label.as_deref() != Some("false");
    AutoReleaseCheck { label, bypassed }
}

impl Konflux {
    /// Fetches a ReleasePlan and checks its auto-release label.
    pub async fn check_release_plan(
        &self,
        namespace: &str,
        plan: &str,
    ) -> Result<AutoReleaseCheck, kube::Error> {
        let object = self.release_plans(namespace).get(plan).await?;
        Ok(check_auto_release(&object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan(labels: serde_json::Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1", "kind": "ReleasePlan",
            "metadata": {"name": "p", "namespace": "ns", "labels": labels},
            "spec": {"application": "hypershift-operator", "target": "rhtap-releng-tenant"}
        }))
        .unwrap()
    }

    #[test]
    fn only_an_explicit_false_keeps_the_gate_in_charge() {
        assert!(!check_auto_release(&plan(json!({AUTO_RELEASE_LABEL: "false"}))).bypassed);
        assert!(check_auto_release(&plan(json!({AUTO_RELEASE_LABEL: "true"}))).bypassed);
        let missing = check_auto_release(&plan(json!({})));
        assert!(missing.bypassed);
        assert!(missing.warning("ns", "p").unwrap().contains("is missing"));
    }
}
