//! `[kubernetes]`: how gatebot reaches the cluster that holds the Konflux objects.

use reqwest::Url;

use super::document::Table;
use super::url::http_url;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubernetesConfig {
    /// The API server; when absent, the in-cluster service account is used, else the kubeconfig.
    pub api_url: Option<Url>,
}

impl KubernetesConfig {
    pub(super) fn read(mut table: Table<'_>) -> Option<Self> {
        let api_url = table.optional_with("api_url", |value| value.parse(http_url));
        table.finish();
        Some(Self { api_url: api_url? })
    }
}
