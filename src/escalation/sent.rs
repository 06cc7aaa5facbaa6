//! The recognisable header of an escalation comment, and reading back from Jira's comments
//! which steps were already sent.
//!
//! Jira's comments are the record that survives everything: a lost store, a second replica, or a
//! POST whose answer never arrived although Jira created the comment. Only comments created after
//! the latest entry into ON_QA count, so an issue that comes back to ON_QA starts over.

use jiff::Timestamp;

use super::ladder::Step;
use crate::jira::Comment;

const MARK: &str = "gatebot escalation, step ";

/// The first line of every escalation comment, e.g. `*gatebot escalation, step 1 of 3: QA contact*`.
pub fn header(step: Step) -> String {
    format!(
        "*{MARK}{} of {}: {}*",
        step.number(),
        Step::ALL.len(),
        step.role()
    )
}

/// The step a comment body announces in its first line, if it is an escalation comment.
pub fn step_of_comment(body: &str) -> Option<Step> {
    let first_line = body.lines().next()?.trim().trim_matches('*');
    let rest = first_line.strip_prefix(MARK)?;
    let digit = rest.chars().next()?.to_digit(10)?;
    Step::from_number(u8::try_from(digit).ok()?)
}

/// The first person a comment mentions: `[~name]` or `[~accountid:id]`.
pub fn first_mention(body: &str) -> Option<&str> {
    let start = body.find("[~")? + 2;
    let end = start + body[start..].find(']')?;
    let inner = &body[start..end];
    Some(inner.strip_prefix("accountid:").unwrap_or(inner))
}

/// An escalation step found among an issue's comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentComment {
    pub step: Step,
    pub person: Option<String>,
    pub comment_id: String,
    pub created: Timestamp,
}

/// The escalation comments created after `entered`, in the order Jira lists them.
pub fn sent_since(comments: &[Comment], entered: Timestamp) -> Vec<SentComment> {
    comments
        .iter()
        .filter(|comment| comment.created > entered)
        .filter_map(|comment| {
            Some(SentComment {
                step: step_of_comment(&comment.body)?,
                person: first_mention(&comment.body).map(str::to_string),
                comment_id: comment.id.clone(),
                created: comment.created,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: &str, at: &str, body: &str) -> Comment {
        Comment {
            id: id.into(),
            body: body.into(),
            created: at.parse().unwrap(),
            author: None,
        }
    }

    #[test]
    fn headers_read_back_as_their_step() {
        for step in Step::ALL {
            let body = format!("{}\n[~someone], please", header(step));
            assert_eq!(step_of_comment(&body), Some(step));
        }
        assert_eq!(
            header(Step::TeamLead),
            "*gatebot escalation, step 2 of 3: team lead*"
        );
    }

    #[test]
    fn ordinary_comments_and_quotes_are_not_escalations() {
        assert_eq!(step_of_comment("Verified on 4.20.0-rc.1"), None);
        assert_eq!(
            step_of_comment("{quote}*gatebot escalation, step 1 of 3*{quote}"),
            None
        );
        assert_eq!(
            step_of_comment("*gatebot escalation, step 9 of 3: boss*"),
            None
        );
        assert_eq!(step_of_comment(""), None);
    }

    #[test]
    fn only_comments_after_the_latest_entry_count() {
        let entered: Timestamp = "2025-01-10T00:00:00Z".parse().unwrap();
        let comments = [
            comment(
                "1",
                "2025-01-02T00:00:00Z",
                &format!("{}\n[~old]", header(Step::QaContact)),
            ),
            comment("2", "2025-01-11T00:00:00Z", "looking at it"),
            comment(
                "3",
                "2025-01-12T00:00:00Z",
                &format!("{}\n[~accountid:abc123], hi", header(Step::QaContact)),
            ),
        ];
        assert_eq!(
            sent_since(&comments, entered),
            [SentComment {
                step: Step::QaContact,
                person: Some("abc123".into()),
                comment_id: "3".into(),
                created: "2025-01-12T00:00:00Z".parse().unwrap(),
            }]
        );
    }
}
