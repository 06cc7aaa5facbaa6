//! An ON_QA issue as the ladder sees it, read from a Jira search result, and when it entered
//! ON_QA.
//!
//! The clock starts at the **latest** transition into ON_QA in the changelog: an issue that went
//! back to ASSIGNED because the fix did not hold, and came back with a new fix, has a new fix to
//! verify and starts the ladder from the bottom again.

use jiff::Timestamp;

use crate::jira::{self, Deployment, History};

/// A Jira user, identified the way mentions need: by `name` on Server/DC, by `accountId` on
/// Cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub active: bool,
}

impl Person {
    pub fn from_jira(user: &jira::User, deployment: Deployment) -> Option<Person> {
        let id = match deployment {
            Deployment::Server => user.name.clone(),
            Deployment::Cloud => user.account_id.clone(),
        }?;
        Some(Person {
            id,
            active: user.active,
        })
    }
}

/// What the ladder needs to know about one issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnQaIssue {
    pub key: String,
    pub summary: String,
    /// The latest transition into the watched status.
    pub entered: Timestamp,
    pub qa_contact: Option<Person>,
    pub assignee: Option<Person>,
    pub reporter: Option<Person>,
    pub components: Vec<String>,
}

/// Which Jira fields the search must return for [`OnQaIssue::from_jira`].
pub fn fields_needed(qa_contact_field: &str) -> Vec<String> {
    [
        "summary",
        "status",
        "assignee",
        "reporter",
        "components",
        qa_contact_field,
    ]
    .iter()
    .map(|field| field.to_string())
    .collect()
}

impl OnQaIssue {
    /// Reads a search result; the error says, in a sentence, why the issue cannot be escalated.
    pub fn from_jira(
        issue: &jira::Issue,
        status: &str,
        qa_contact_field: &str,
        deployment: Deployment,
    ) -> Result<OnQaIssue, String> {
        let fields = &issue.fields;
        let current = fields.status.as_ref().map(|status| status.name.as_str());
        if !current.is_some_and(|current| current.eq_ignore_ascii_case(status)) {
            return Err(format!(
                "{} is no longer in {status} (now {}); it was left alone",
                issue.key,
                current.unwrap_or("without a status")
            ));
        }
        let Some(changelog) = &issue.changelog else {
            return Err(format!(
                "{} came without its changelog, so the time it entered {status} is unknown; it was left alone",
                issue.key
            ));
        };
        let entered = latest_entry(&changelog.histories, status).ok_or_else(|| {
            format!(
                "{}'s changelog has no transition into {status} (Jira returned {} of {} changes); it was left alone",
                issue.key,
                changelog.histories.len(),
                changelog.total.unwrap_or(changelog.histories.len() as u64)
            )
        })?;
        let person = |user: &Option<jira::User>| {
            user.as_ref()
                .and_then(|user| Person::from_jira(user, deployment))
        };
        Ok(OnQaIssue {
            key: issue.key.clone(),
            summary: fields.summary.clone().unwrap_or_default(),
            entered,
            qa_contact: person(&fields.user_field(qa_contact_field)),
            assignee: person(&fields.assignee),
            reporter: person(&fields.reporter),
            components: fields.components.iter().map(|c| c.name.clone()).collect(),
        })
    }
}

/// When the issue last moved into `status`, according to its changelog.
pub fn latest_entry(histories: &[History], status: &str) -> Option<Timestamp> {
    histories
        .iter()
        .filter(|history| {
            history.items.iter().any(|item| {
                item.field == "status"
                    && item
                        .to_text
                        .as_deref()
                        .is_some_and(|to| to.eq_ignore_ascii_case(status))
            })
        })
        .map(|history| history.created)
        .max()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn issue(value: serde_json::Value) -> jira::Issue {
        serde_json::from_value(value).unwrap()
    }

    fn history(at: &str, from: &str, to: &str) -> serde_json::Value {
        json!({"id": "1", "created": at, "items": [
            {"field": "status", "fieldtype": "jira", "from": "1", "fromString": from, "to": "2", "toString": to}
        ]})
    }

    #[test]
    fn the_clock_starts_at_the_latest_entry_into_on_qa() {
        let issue = issue(json!({
            "key": "OCPBUGS-1",
            "fields": {"summary": "s", "status": {"name": "ON_QA"},
                       "customfield_12315948": {"name": "qa", "displayName": "Q A", "active": true},
                       "assignee": null},
            "changelog": {"startAt": 0, "maxResults": 3, "total": 3, "histories": [
                history("2025-01-06T09:00:00.000+0000", "MODIFIED", "ON_QA"),
                history("2025-01-07T09:00:00.000+0000", "ON_QA", "ASSIGNED"),
                history("2025-01-09T11:30:00.000+0100", "MODIFIED", "ON_QA"),
            ]}
        }));
        let parsed =
            OnQaIssue::from_jira(&issue, "ON_QA", "customfield_12315948", Deployment::Server)
                .unwrap();
        assert_eq!(
            parsed.entered,
            "2025-01-09T10:30:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(parsed.qa_contact.unwrap().id, "qa");
        assert_eq!(parsed.assignee, None);
    }

    #[test]
    fn an_issue_without_an_entry_in_its_changelog_is_explained_not_guessed() {
        let issue = issue(json!({
            "key": "OCPBUGS-2",
            "fields": {"status": {"name": "ON_QA"}},
            "changelog": {"total": 250, "histories": [history("2025-01-06T09:00:00.000+0000", "NEW", "ASSIGNED")]}
        }));
        let why = OnQaIssue::from_jira(&issue, "ON_QA", "customfield_12315948", Deployment::Server)
            .unwrap_err();
        assert!(
            why.contains("no transition into ON_QA (Jira returned 1 of 250 changes)"),
            "{why}"
        );
    }

    #[test]
    fn cloud_people_are_known_by_account_id() {
        let user: jira::User = serde_json::from_value(
            json!({"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Q"}),
        )
        .unwrap();
        assert_eq!(Person::from_jira(&user, Deployment::Server), None);
        let person = Person::from_jira(&user, Deployment::Cloud).unwrap();
        assert_eq!(person.id, "5b10ac8d82e05b22cc7d4ef5");
        assert!(person.active);
    }
}
