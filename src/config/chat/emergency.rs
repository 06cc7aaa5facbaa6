//! `[chat.emergency]`: how an emergency release, one that skips the gate, is approved in chat
//! and marked on the Release it creates.

use jiff::SignedDuration;
use serde::Deserialize;
use toml::Spanned;

use crate::config::duration;
use crate::config::names;
use crate::config::report::{Place, Report};

pub const DEFAULT_APPROVALS_NEEDED: u32 = 1;
pub const DEFAULT_REQUEST_TTL: &str = "2h";
pub const DEFAULT_ANNOTATION_PREFIX: &str = "release.hypershift.io";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyConfig {
    /// How many approvals an emergency release request needs.
    pub approvals_needed: u32,
    /// How long a request stays open for approval.
    pub request_ttl: SignedDuration,
    /// The prefix (`<prefix>/<name>`) of the annotations put on a Release created in an emergency.
    pub annotation_prefix: String,
}

/// The settings of a `[chat]` section without `[chat.emergency]`.
impl Default for EmergencyConfig {
    fn default() -> Self {
        Self {
            approvals_needed: DEFAULT_APPROVALS_NEEDED,
            request_ttl: duration::positive(DEFAULT_REQUEST_TTL)
                .expect("the default request time-to-live is a valid duration"),
            annotation_prefix: DEFAULT_ANNOTATION_PREFIX.to_string(),
        }
    }
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct EmergencySection {
    approvals_needed: Option<Spanned<i64>>,
    request_ttl: Option<Spanned<String>>,
    annotation_prefix: Option<Spanned<String>>,
}

impl EmergencySection {
    pub(super) fn validate(
        &self,
        place: &Place,
        report: &mut Report<'_>,
    ) -> Option<EmergencyConfig> {
        let approvals_needed = report.count_or(
            &place.key("approvals_needed"),
            self.approvals_needed.as_ref(),
            1,
            DEFAULT_APPROVALS_NEEDED,
        );
        let request_ttl = report.setting(
            &place.key("request_ttl"),
            self.request_ttl.as_ref(),
            DEFAULT_REQUEST_TTL,
            duration::positive,
        );
        let annotation_prefix = report.setting(
            &place.key("annotation_prefix"),
            self.annotation_prefix.as_ref(),
            DEFAULT_ANNOTATION_PREFIX,
            names::dns_subdomain,
        );
        Some(EmergencyConfig {
            approvals_needed: approvals_needed?,
            request_ttl: request_ttl?,
            annotation_prefix: annotation_prefix?,
        })
    }
}
