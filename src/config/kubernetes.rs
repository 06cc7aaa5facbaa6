//! `[kubernetes]`: how gatebot reaches the cluster that holds the Konflux objects.

use reqwest::Url;
use serde::Deserialize;
use toml::Spanned;

use super::report::{Place, Report};
use super::url::http_url;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubernetesConfig {
    /// The API server; when absent, the in-cluster service account is used, else the kubeconfig.
    pub api_url: Option<Url>,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct KubernetesSection {
    api_url: Option<Spanned<String>>,
}

impl KubernetesSection {
    pub(super) fn validate(
        &self,
        place: &Place,
        report: &mut Report<'_>,
    ) -> Option<KubernetesConfig> {
        let api_url = report.optional(&place.key("api_url"), self.api_url.as_ref(), http_url);
        Some(KubernetesConfig { api_url: api_url? })
    }
}
