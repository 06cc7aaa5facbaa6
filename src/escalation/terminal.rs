//! A scan's report as `gatebot escalate` prints it: plain text for a terminal, with the full
//! text of every comment, so a dry run shows exactly what would be posted.

use jiff::tz::TimeZone;

use super::calendar::WorkingCalendar;
use super::comment::{local_time, whole_hours};
use super::config::EscalationConfig;
use super::ladder::Step;
use super::report::ScanReport;

/// The report, in the section's time zone.
pub fn render_report(report: &ScanReport, config: &EscalationConfig) -> String {
    // A loaded configuration has a known zone; times in UTC are still right, only less local.
    let calendar = config
        .calendar()
        .unwrap_or_else(|_| WorkingCalendar::new(TimeZone::UTC, []));
    let when = local_time(report.started_at, &calendar);
    let status = &config.status;
    let issues = counted(report.issues_seen, "issue", "issues");
    let comments = counted(report.escalated.len() as u64, "comment", "comments");
    let mut text = if report.dry_run {
        format!(
            "Dry run at {when}: {issues} in {status}; {comments} would be posted. \
             Nothing was commented and nothing was recorded.\n"
        )
    } else {
        format!("Scan at {when}: {issues} in {status}; {comments} posted.\n")
    };
    let verb = if report.dry_run { "would ask" } else { "asked" };
    for escalated in &report.escalated {
        let posted = escalated
            .comment_id
            .as_ref()
            .map(|id| format!(" in comment {id}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n{} {}\n  step {} of {} ({}): {verb} {} ({}) after {} weekday hours{posted}\n",
            escalated.issue_key,
            escalated.summary,
            escalated.step.number(),
            Step::ALL.len(),
            escalated.step.role(),
            escalated.person,
            escalated.via,
            whole_hours(escalated.waited),
        ));
        for line in escalated.body.lines() {
            text.push_str(&format!("    | {line}\n"));
        }
    }
    if !report.problems.is_empty() {
        text.push_str("\nCould not act on:\n");
        for problem in &report.problems {
            text.push_str(&format!("  - {problem}\n"));
        }
    }
    if let Some(reason) = &report.stopped_because {
        text.push_str(&format!(
            "\nThe scan stopped early: {reason}\nThe next scan picks up the rest; nobody is asked twice.\n"
        ));
    }
    text
}

/// "1 issue", "3 issues".
fn counted(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
