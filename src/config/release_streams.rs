//! `[release_streams]`: where gatebot reads which OCP versions are generally available (the
//! OpenShift release-controller), and how often.
//!
//! The section is optional: without it each gate's `ga` alone says which versions are GA, as
//! written. With it, the release-controller decides, `ga` is the fallback while it has never
//! answered, and `ga_pinned` in `[[gates.versions]]` overrules it.

use jiff::SignedDuration;
use reqwest::Url;

use serde::Deserialize;
use toml::Spanned;

use super::duration;
use super::report::{Place, Report};
use super::url::http_url;

pub const DEFAULT_RELEASE_STREAMS_URL: &str = "https://amd64.ocp.releases.ci.openshift.org";
pub const DEFAULT_REFRESH_INTERVAL: &str = "10m";

/// A version goes GA a few times a year; asking more than once a minute only loads the
/// release-controller.
const MINIMUM_REFRESH_INTERVAL: SignedDuration = SignedDuration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseStreamsConfig {
    /// Base URL of the release-controller API.
    pub url: Url,
    /// How often the stable streams are read.
    pub refresh_interval: SignedDuration,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct ReleaseStreamsSection {
    url: Option<Spanned<String>>,
    refresh_interval: Option<Spanned<String>>,
}

impl ReleaseStreamsSection {
    pub(super) fn validate(
        &self,
        place: &Place,
        report: &mut Report<'_>,
    ) -> Option<ReleaseStreamsConfig> {
        let url = report.setting(
            &place.key("url"),
            self.url.as_ref(),
            DEFAULT_RELEASE_STREAMS_URL,
            http_url,
        );
        let refresh_interval = report.setting(
            &place.key("refresh_interval"),
            self.refresh_interval.as_ref(),
            DEFAULT_REFRESH_INTERVAL,
            |text| duration::at_least(text, MINIMUM_REFRESH_INTERVAL),
        );
        Some(ReleaseStreamsConfig {
            url: url?,
            refresh_interval: refresh_interval?,
        })
    }
}
