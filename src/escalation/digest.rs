//! The digest a scan posts to the configured chat thread: who was asked, what could not be
//! done, and whether this scan (or the one before) stopped early.

use super::calendar::WorkingCalendar;
use super::comment::{local_time, whole_hours};
use super::mrkdwn::issue_link;
use super::report::ScanReport;
use crate::chat::mrkdwn::escape;

/// Lines of each list shown before the rest is summarised.
const MOST_LINES: usize = 30;

/// The digest of one scan, in Slack mrkdwn.
pub fn render_digest(
    report: &ScanReport,
    calendar: &WorkingCalendar,
    jira_url: &str,
    status: &str,
) -> String {
    let when = local_time(report.started_at, calendar);
    let asked = report.escalated.len();
    let mut text = if report.dry_run {
        format!(
            "*ON_QA escalation scan (dry run)* at {when}: {} issues in {status}; nothing was commented, \
             {asked} {} would have been posted.",
            report.issues_seen,
            plural(asked, "comment", "comments"),
        )
    } else {
        format!(
            "*ON_QA escalation scan* at {when}: {} issues in {status}, {asked} {} asked.",
            report.issues_seen,
            plural(asked, "person", "people"),
        )
    };
    for escalated in report.escalated.iter().take(MOST_LINES) {
        text.push_str(&format!(
            "\n• {} step {} ({}): {} {}, {}, after {} weekday hours",
            issue_link(jira_url, &escalated.issue_key),
            escalated.step.number(),
            escalated.step.role(),
            if report.dry_run { "would ask" } else { "asked" },
            escape(&escalated.person),
            escape(&escalated.via),
            whole_hours(escalated.waited),
        ));
    }
    more(&mut text, report.escalated.len());
    if !report.problems.is_empty() {
        text.push_str("\nCould not act on:");
        for problem in report.problems.iter().take(MOST_LINES) {
            text.push_str(&format!("\n• {}", escape(problem)));
        }
        more(&mut text, report.problems.len());
    }
    if let Some(reason) = &report.stopped_because {
        text.push_str(&format!(
            "\n:warning: This scan stopped early: {}. The next scan picks up the rest; nobody is asked twice.",
            escape(reason)
        ));
    }
    if let Some(previous) = &report.previous
        && let Some(reason) = &previous.stopped_because
    {
        let outcome = if report.complete() {
            "this scan caught up"
        } else {
            "this one did not finish either"
        };
        text.push_str(&format!(
            "\nThe previous scan, at {}, had stopped early ({}); {outcome}.",
            local_time(previous.started_at, calendar),
            escape(reason)
        ));
    }
    text
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

fn more(text: &mut String, total: usize) {
    if total > MOST_LINES {
        text.push_str(&format!("\n…and {} more.", total - MOST_LINES));
    }
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;
    use jiff::{SignedDuration, Timestamp};

    use super::*;
    use crate::escalation::{Escalated, Step};
    use crate::store::EscalationScan;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn report() -> ScanReport {
        ScanReport {
            started_at: at("2025-01-08T12:00:00Z"),
            finished_at: at("2025-01-08T12:00:05Z"),
            dry_run: false,
            issues_seen: 12,
            escalated: vec![Escalated {
                issue_key: "OCPBUGS-9".into(),
                summary: "s".into(),
                step: Step::QaContact,
                person: "dev".into(),
                via: "the assignee, as the issue has no active QA contact".into(),
                waited: SignedDuration::from_hours(26),
                comment_id: Some("10001".into()),
                body: "…".into(),
            }],
            problems: vec!["OCPBUGS-4 has waited 50 weekday hours, past the team lead step, but nobody can be asked: no team lead is configured for its components (Networking), its QA contact or its assignee".into()],
            stopped_because: None,
            previous: Some(EscalationScan {
                started_at: at("2025-01-08T10:00:00Z"),
                finished_at: at("2025-01-08T10:00:01Z"),
                complete: false,
                issues_seen: 3,
                comments_sent: 0,
                stopped_because: Some("Jira could not be reached for GET /rest/api/2/search (startAt 0): connection refused".into()),
            }),
        }
    }

    #[test]
    fn the_digest_names_who_was_asked_what_failed_and_what_was_caught_up() {
        let calendar = WorkingCalendar::new(TimeZone::UTC, []);
        assert_eq!(
            render_digest(&report(), &calendar, "https://issues.redhat.com", "ON_QA"),
            "*ON_QA escalation scan* at Wed 2025-01-08 12:00 UTC: 12 issues in ON_QA, 1 person asked.\n\
             • <https://issues.redhat.com/browse/OCPBUGS-9|OCPBUGS-9> step 1 (QA contact): asked dev, the assignee, as the issue has no active QA contact, after 26 weekday hours\n\
             Could not act on:\n\
             • OCPBUGS-4 has waited 50 weekday hours, past the team lead step, but nobody can be asked: no team lead is configured for its components (Networking), its QA contact or its assignee\n\
             The previous scan, at Wed 2025-01-08 10:00 UTC, had stopped early (Jira could not be reached for GET /rest/api/2/search (startAt 0): connection refused); this scan caught up."
        );
    }

    #[test]
    fn a_stopped_dry_run_says_both() {
        let calendar = WorkingCalendar::new(TimeZone::UTC, []);
        let report = ScanReport {
            dry_run: true,
            problems: vec![],
            previous: None,
            stopped_because: Some("Jira refused gatebot's credentials".into()),
            ..report()
        };
        let text = render_digest(&report, &calendar, "https://issues.redhat.com", "ON_QA");
        assert!(text.starts_with("*ON_QA escalation scan (dry run)* at Wed 2025-01-08 12:00 UTC: 12 issues in ON_QA; nothing was commented, 1 comment would have been posted.\n• <https://issues.redhat.com/browse/OCPBUGS-9|OCPBUGS-9> step 1 (QA contact): would ask dev"), "{text}");
        assert!(text.ends_with("\n:warning: This scan stopped early: Jira refused gatebot's credentials. The next scan picks up the rest; nobody is asked twice."), "{text}");
    }
}
