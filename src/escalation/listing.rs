//! The `escalations` chat command's answer: the issues in ON_QA that are past a step, with
//! their level, their age and who was asked, oldest first.
//!
//! Ages are computed at the moment of asking, from the ON_QA entry the last scan saw, so the
//! list stays right between scans; the line under the heading says when the last scan ran and
//! whether it finished, with the reason when it did not.

use jiff::Timestamp;

use super::calendar::WorkingCalendar;
use super::comment::{local_time, whole_hours};
use super::ladder::Ladder;
use super::mrkdwn::issue_link;
use crate::chat::mrkdwn::escape;
use crate::store::{EscalationScan, SentStep, WatchedIssue};

/// Lines shown before the rest is summarised, to stay within one Slack message.
const MOST_LINES: usize = 40;

/// What the listing shows, besides the issues.
#[derive(Debug, Clone, Copy)]
pub struct ListingContext<'a> {
    pub ladder: &'a Ladder,
    pub calendar: &'a WorkingCalendar,
    pub jira_url: &'a str,
    pub status: &'a str,
    pub last_scan: Option<&'a EscalationScan>,
    pub now: Timestamp,
}

/// The answer to `escalations`, in Slack mrkdwn.
pub fn render_escalations(
    watchlist: &[(WatchedIssue, Vec<SentStep>)],
    context: ListingContext<'_>,
) -> String {
    let Some(last_scan) = context.last_scan else {
        return "No escalation scan has run yet, so gatebot does not know which issues wait in ON_QA.".into();
    };
    let mut past_a_step: Vec<_> = watchlist
        .iter()
        .filter_map(|(issue, sent)| {
            let waited = context
                .calendar
                .weekday_hours(issue.on_qa_since, context.now);
            context
                .ladder
                .reached(waited)
                .map(|level| (issue, sent, waited, level))
        })
        .collect();
    past_a_step.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.key.cmp(&b.0.key)));
    let as_of = local_time(context.now, context.calendar);
    let mut text = if past_a_step.is_empty() {
        format!(
            "No issue in {} is past an escalation step (as of {as_of}).",
            context.status
        )
    } else {
        format!(
            "*Issues in {} past an escalation step* ({}, as of {as_of})",
            context.status,
            past_a_step.len()
        )
    };
    text.push('\n');
    text.push_str(&last_scan_line(last_scan, context));
    for (issue, sent, waited, level) in past_a_step.iter().take(MOST_LINES) {
        let asked = if sent.is_empty() {
            "nobody asked yet".to_string()
        } else {
            let names: Vec<String> = sent
                .iter()
                .map(|sent| format!("{} {}", sent.step.role(), escape(&sent.person)))
                .collect();
            format!("asked: {}", names.join(", "))
        };
        text.push_str(&format!(
            "\n• {} {} — step {} ({}), {} weekday hours in {}; {asked}",
            issue_link(context.jira_url, &issue.key),
            escape(&issue.summary),
            level.number(),
            level.role(),
            whole_hours(*waited),
            context.status,
        ));
    }
    if past_a_step.len() > MOST_LINES {
        text.push_str(&format!("\n…and {} more.", past_a_step.len() - MOST_LINES));
    }
    text
}

/// When the last scan ran and whether it went through every issue; a stopped one comes first
/// in the answer because the list may be stale until the next scan.
fn last_scan_line(last_scan: &EscalationScan, context: ListingContext<'_>) -> String {
    let when = local_time(last_scan.started_at, context.calendar);
    match &last_scan.stopped_because {
        Some(reason) => format!(
            ":warning: _The last scan, at {when}, stopped early ({}); this list may be out of date until the next one._",
            escape(reason)
        ),
        None => format!(
            "_Last scan at {when}: complete, {} issues in {}, {} {} posted._",
            last_scan.issues_seen,
            context.status,
            last_scan.comments_sent,
            if last_scan.comments_sent == 1 {
                "comment"
            } else {
                "comments"
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use jiff::tz::TimeZone;

    use super::*;
    use crate::escalation::Step;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn scan(stopped_because: Option<&str>) -> EscalationScan {
        EscalationScan {
            started_at: at("2025-01-08T10:00:00Z"),
            finished_at: at("2025-01-08T10:01:00Z"),
            complete: stopped_because.is_none(),
            issues_seen: 3,
            comments_sent: 1,
            stopped_because: stopped_because.map(str::to_string),
        }
    }

    fn render(
        watchlist: &[(WatchedIssue, Vec<SentStep>)],
        last_scan: Option<&EscalationScan>,
    ) -> String {
        let ladder = Ladder::new(
            SignedDuration::from_hours(24),
            SignedDuration::from_hours(48),
            SignedDuration::from_hours(72),
        );
        let calendar = WorkingCalendar::new(TimeZone::UTC, []);
        render_escalations(
            watchlist,
            ListingContext {
                ladder: &ladder,
                calendar: &calendar,
                jira_url: "https://issues.redhat.com",
                status: "ON_QA",
                last_scan,
                now: at("2025-01-08T12:00:00Z"),
            },
        )
    }

    fn watched(key: &str, summary: &str, since: &str) -> WatchedIssue {
        WatchedIssue {
            key: key.into(),
            summary: summary.into(),
            on_qa_since: at(since),
        }
    }

    #[test]
    fn issues_past_a_step_are_listed_oldest_first_with_who_was_asked() {
        let old = watched("OCPBUGS-2", "NodePool <stuck>", "2025-01-06T06:00:00Z");
        let asked = SentStep {
            issue_key: "OCPBUGS-2".into(),
            on_qa_since: old.on_qa_since,
            step: Step::QaContact,
            person: "qa".into(),
            comment_id: "1".into(),
            sent_at: at("2025-01-07T08:00:00Z"),
        };
        let watchlist = [
            (
                watched("OCPBUGS-1", "fresh", "2025-01-08T09:00:00Z"),
                vec![],
            ),
            (
                watched("OCPBUGS-3", "day old", "2025-01-07T11:00:00Z"),
                vec![],
            ),
            (old, vec![asked]),
        ];
        assert_eq!(
            render(&watchlist, Some(&scan(None))),
            "*Issues in ON_QA past an escalation step* (2, as of Wed 2025-01-08 12:00 UTC)\n\
             _Last scan at Wed 2025-01-08 10:00 UTC: complete, 3 issues in ON_QA, 1 comment posted._\n\
             • <https://issues.redhat.com/browse/OCPBUGS-2|OCPBUGS-2> NodePool &lt;stuck&gt; — step 2 (team lead), 54 weekday hours in ON_QA; asked: QA contact qa\n\
             • <https://issues.redhat.com/browse/OCPBUGS-3|OCPBUGS-3> day old — step 1 (QA contact), 25 weekday hours in ON_QA; nobody asked yet"
        );
    }

    #[test]
    fn an_unfinished_last_scan_is_flagged_and_a_quiet_list_says_so() {
        let text = render(
            &[],
            Some(&scan(Some(
                "Jira failed GET /rest/api/2/search with HTTP 503: down",
            ))),
        );
        assert_eq!(
            text,
            "No issue in ON_QA is past an escalation step (as of Wed 2025-01-08 12:00 UTC).\n\
             :warning: _The last scan, at Wed 2025-01-08 10:00 UTC, stopped early (Jira failed GET /rest/api/2/search with HTTP 503: down); \
             this list may be out of date until the next one._"
        );
        assert!(render(&[], None).starts_with("No escalation scan has run yet"));
    }
}
