//! The release-controller's JSON, as `pkg/release-controller/types.go` in
//! openshift/release-controller defines it: `APIRelease {name, tags: [APITag]}` with
//! `APITag {name, phase, pullSpec, downloadURL}`. Only what the GA rule reads is kept.

use serde::Deserialize;

use super::tags::{ReleaseTag, TagPhase};

/// `APIRelease`. `tags` is a Go slice: `null` when no tag matched the phase filter.
#[derive(Debug, Deserialize)]
pub(super) struct ApiRelease {
    #[serde(default)]
    tags: Option<Vec<ApiTag>>,
}

#[derive(Debug, Deserialize)]
struct ApiTag {
    name: String,
    phase: String,
}

impl ApiRelease {
    pub fn into_tags(self) -> Vec<ReleaseTag> {
        self.tags
            .unwrap_or_default()
            .into_iter()
            .map(|tag| ReleaseTag::new(tag.name, TagPhase::parse(&tag.phase)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_with_their_phase_and_a_null_list_is_empty() {
        let body = r#"{
  "name": "4-stable",
  "tags": [
    {
      "name": "4.20.0",
      "phase": "Accepted",
      "pullSpec": "quay.io/openshift-release-dev/ocp-release:4.20.0-x86_64",
      "downloadURL": "https://openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com/4.20.0"
    }
  ]
}"#;
        let release: ApiRelease = serde_json::from_str(body).unwrap();
        assert_eq!(
            release.into_tags(),
            [ReleaseTag::new("4.20.0", TagPhase::Accepted)]
        );
        let empty: ApiRelease = serde_json::from_str(r#"{"name":"4-stable","tags":null}"#).unwrap();
        assert!(empty.into_tags().is_empty());
    }
}
