//! `[chat.emergency]`: how an emergency release, one that skips the gate, is approved in chat
//! and marked on the Release it creates.

use jiff::SignedDuration;

use crate::config::document::Table;
use crate::config::duration;
use crate::config::names;

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

impl EmergencyConfig {
    pub(super) fn read(mut table: Table<'_>) -> Option<Self> {
        let approvals_needed = table
            .optional("approvals_needed")
            .map_or(Some(DEFAULT_APPROVALS_NEEDED), |value| value.count(1));
        let request_ttl = table.parse_or("request_ttl", DEFAULT_REQUEST_TTL, duration::positive);
        let annotation_prefix = table.parse_or(
            "annotation_prefix",
            DEFAULT_ANNOTATION_PREFIX,
            names::dns_subdomain,
        );
        table.finish();
        Some(Self {
            approvals_needed: approvals_needed?,
            request_ttl: request_ttl?,
            annotation_prefix: annotation_prefix?,
        })
    }
}
