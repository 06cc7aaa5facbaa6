//! What a scan did, for the caller, the log, the digest and the store.

use jiff::{SignedDuration, Timestamp};

use super::ladder::Step;
use crate::store::EscalationScan;

/// A step carried out (or, in a dry run, that would have been).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub issue_key: String,
    pub summary: String,
    pub step: Step,
    /// Username (Server/DC) or account id (Cloud).
    pub person: String,
    /// Why that person, e.g. "the assignee, as the issue has no active QA contact".
    pub via: String,
    pub waited: SignedDuration,
    /// The Jira comment; `None` in a dry run.
    pub comment_id: Option<String>,
    pub body: String,
}

/// The outcome of one scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub dry_run: bool,
    /// Issues in the watched status that the scan looked at.
    pub issues_seen: u64,
    pub escalated: Vec<Escalated>,
    /// Issues the scan could not act on, each in a sentence.
    pub problems: Vec<String>,
    /// Why the scan stopped before the end (Jira down, 401, 429, 5xx).
    pub stopped_because: Option<String>,
    /// The scan before this one, so the digest can say the work it left was caught up.
    pub previous: Option<EscalationScan>,
}

impl ScanReport {
    pub fn complete(&self) -> bool {
        self.stopped_because.is_none()
    }
}
