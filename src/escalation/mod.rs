//! Escalation of Jira issues that sit in ON_QA: the fix is in, the release waits for someone to
//! verify it, and gatebot asks the right people in turn, never the same person twice for the
//! same step.
//!
//! Everything that decides is pure and lives here: weekday-hour arithmetic ([`calendar`]), the
//! ladder and its thresholds ([`ladder`]), who each step asks ([`recipients`]), what was already
//! sent ([`sent`]), and the texts of comments, the `escalations` listing and the digest. The
//! pieces with I/O are [`scan`], which strings them together with the Jira client and the store,
//! [`schedule`], which runs scans when they are due and publishes each report to a feed, and
//! [`digest_poster`], which posts each report of the feed to the chat.

pub mod calendar;
pub mod comment;
pub mod config;
pub mod digest;
pub mod digest_poster;
pub mod feed;
pub mod issue;
pub mod ladder;
pub mod listing;
mod mrkdwn;
pub mod recipients;
pub mod report;
pub mod scan;
pub mod schedule;
pub mod sent;
pub mod terminal;

pub use calendar::WorkingCalendar;
pub use config::{
    DigestConfig, EscalationConfig, EscalationConfigProblem, PersonConfig, TeamConfig,
};
pub use digest::render_digest;
pub use digest_poster::post_digests;
pub use feed::EscalationFeed;
pub use issue::{OnQaIssue, Person};
pub use ladder::{Ladder, Step};
pub use listing::{ListingContext, render_escalations};
pub use report::{Escalated, ScanReport};
pub use scan::{ScanError, ScanOptions, scan};
pub use schedule::EscalationSchedule;
pub use terminal::render_report;
