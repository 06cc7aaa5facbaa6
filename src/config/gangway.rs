//! `[gangway]`: where gatebot triggers Prow jobs for the gates that run their own tests
//! (`runs = "triggered"`), and the variable holding the token it triggers with.
//!
//! The section is required as soon as one gate runs triggered, and unused otherwise. The token
//! itself never appears in the file: it is an app.ci service-account token, read from the named
//! variable when gatebot starts.

use jiff::SignedDuration;
use reqwest::Url;
use serde::Deserialize;
use toml::Spanned;

use super::duration;
use super::environment;
use super::report::{Place, Report};
use super::url::http_url;
use crate::prow::gangway::DEFAULT_GANGWAY_URL;

/// The variable the example and the documentation use for the Gangway token.
pub const DEFAULT_TOKEN_ENV: &str = "GATEBOT_GANGWAY_TOKEN";
const DEFAULT_REQUEST_TIMEOUT: &str = "30s";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GangwayConfig {
    /// Base URL of Gangway, without `/v1/executions`.
    pub url: Url,
    /// The environment variable holding the bearer token.
    pub token_env: String,
    /// How long one request may take; a trigger that runs out of time is looked for, not
    /// repeated.
    pub request_timeout: SignedDuration,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct GangwaySection {
    url: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    request_timeout: Option<Spanned<String>>,
}

impl GangwaySection {
    pub(super) fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<GangwayConfig> {
        let url = report.setting(
            &place.key("url"),
            self.url.as_ref(),
            DEFAULT_GANGWAY_URL,
            http_url,
        );
        let token_env = report.setting(
            &place.key("token_env"),
            self.token_env.as_ref(),
            DEFAULT_TOKEN_ENV,
            |text| environment::secret_variable_name(text, DEFAULT_TOKEN_ENV),
        );
        let request_timeout = report.setting(
            &place.key("request_timeout"),
            self.request_timeout.as_ref(),
            DEFAULT_REQUEST_TIMEOUT,
            duration::positive,
        );
        Some(GangwayConfig {
            url: url?,
            token_env: token_env?,
            request_timeout: request_timeout?,
        })
    }
}
