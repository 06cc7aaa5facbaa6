//! The text of an escalation comment, in Jira wiki markup.
//!
//! It opens with the header [`super::sent::header`] reads back, mentions the person in the form
//! the Jira deployment understands, says how long the issue has waited and what is asked, and
//! why this person was chosen, so nobody has to guess why gatebot pinged them.

use jiff::{SignedDuration, Timestamp};

use super::calendar::WorkingCalendar;
use super::ladder::{Ladder, Step};
use super::recipients::Candidate;
use super::sent::header;
use crate::jira::Deployment;

/// A mention: `[~username]` on Server/DC, `[~accountid:…]` on Cloud.
pub fn mention(id: &str, deployment: Deployment) -> String {
    match deployment {
        Deployment::Server => format!("[~{id}]"),
        Deployment::Cloud => format!("[~accountid:{id}]"),
    }
}

/// Whole weekday hours, rounded down: "49 weekday hours" is what people read.
pub fn whole_hours(waited: SignedDuration) -> i64 {
    waited.as_secs() / 3600
}

/// An instant as people in the team's zone read it, e.g. `Mon 2025-01-06 09:00 CET`.
pub fn local_time(at: Timestamp, calendar: &WorkingCalendar) -> String {
    at.to_zoned(calendar.zone().clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Everything one comment is about.
#[derive(Debug, Clone, Copy)]
pub struct CommentFacts<'a> {
    pub issue_key: &'a str,
    pub status: &'a str,
    pub step: Step,
    pub recipient: &'a Candidate,
    pub entered: Timestamp,
    pub waited: SignedDuration,
}

/// The comment body.
pub fn comment_body(
    facts: CommentFacts<'_>,
    ladder: &Ladder,
    calendar: &WorkingCalendar,
    deployment: Deployment,
) -> String {
    let ask = match facts.step {
        Step::QaContact => format!(
            "Please verify the fix, or move the issue out of {} if it does not work.",
            facts.status
        ),
        Step::TeamLead => "Could you make sure someone verifies it soon?".to_string(),
        Step::Manager => "Could you help find someone to verify it?".to_string(),
    };
    let hours = |step| whole_hours(ladder.threshold(step));
    format!(
        "{header}\n\
         {mention}, {key} has been in {status} for {waited} weekday hours, since {since}, and the \
         release it is fixed for waits until it is verified. {ask}\n\
         _You are asked as {via}. gatebot asks the QA contact after {qa} weekday hours in {status}, \
         the team lead after {lead} and the manager after {manager}._",
        header = header(facts.step),
        mention = mention(&facts.recipient.id, deployment),
        key = facts.issue_key,
        status = facts.status,
        waited = whole_hours(facts.waited),
        since = local_time(facts.entered, calendar),
        via = facts.recipient.via.describe(),
        qa = hours(Step::QaContact),
        lead = hours(Step::TeamLead),
        manager = hours(Step::Manager),
    )
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;

    use super::*;
    use crate::escalation::recipients::Via;
    use crate::escalation::sent::{first_mention, step_of_comment};

    #[test]
    fn a_team_lead_comment_reads_well_and_reads_back() {
        let calendar = WorkingCalendar::new(TimeZone::get("Europe/Prague").unwrap(), []);
        let ladder = Ladder::new(
            SignedDuration::from_hours(24),
            SignedDuration::from_hours(48),
            SignedDuration::from_hours(72),
        );
        let recipient = Candidate {
            id: "jlead".into(),
            via: Via::TeamLead { team: "hcp".into() },
        };
        let facts = CommentFacts {
            issue_key: "OCPBUGS-7",
            status: "ON_QA",
            step: Step::TeamLead,
            recipient: &recipient,
            entered: "2025-01-06T08:00:00Z".parse().unwrap(),
            waited: SignedDuration::from_mins(49 * 60 + 59),
        };
        let body = comment_body(facts, &ladder, &calendar, Deployment::Server);
        assert_eq!(
            body,
            "*gatebot escalation, step 2 of 3: team lead*\n\
             [~jlead], OCPBUGS-7 has been in ON_QA for 49 weekday hours, since Mon 2025-01-06 09:00 CET, \
             and the release it is fixed for waits until it is verified. Could you make sure someone verifies it soon?\n\
             _You are asked as the lead of team hcp. gatebot asks the QA contact after 24 weekday hours in ON_QA, \
             the team lead after 48 and the manager after 72._"
        );
        assert_eq!(step_of_comment(&body), Some(Step::TeamLead));
        assert_eq!(first_mention(&body), Some("jlead"));
    }

    #[test]
    fn cloud_mentions_use_the_account_id() {
        assert_eq!(
            mention("5b10a2844c20165700ede21g", Deployment::Cloud),
            "[~accountid:5b10a2844c20165700ede21g]"
        );
        assert_eq!(mention("jdoe", Deployment::Server), "[~jdoe]");
    }
}
