//! What the emulated Jira holds, the way tests seed it, and how it renders it in Jira's JSON
//! shapes (those of the go-jira sample in `tests/fixtures/jira/`).

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Deployment;
use super::jql::{Clause, Field, Query};

/// The custom fields the emulator serves, as on Red Hat's Jira.
pub const QA_CONTACT_FIELD: &str = "customfield_12315948";
pub const TARGET_VERSION_FIELD: &str = "customfield_12319940";

/// A Jira user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedUser {
    pub name: String,
    pub account_id: String,
    pub display_name: String,
    pub active: bool,
}

impl EmulatedUser {
    /// An active user whose account id is derived from the name.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            account_id: format!("557058:{name}"),
            display_name: name.into(),
            active: true,
        }
    }

    pub fn inactive(self) -> Self {
        Self {
            active: false,
            ..self
        }
    }
}

/// One status transition in an issue's changelog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub at: Timestamp,
    pub from: String,
    pub to: String,
}

/// A Jira issue; people are referred to by username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedIssue {
    pub key: String,
    pub summary: String,
    pub status: String,
    pub created: Timestamp,
    pub components: Vec<String>,
    pub target_versions: Vec<String>,
    pub qa_contact: Option<String>,
    pub assignee: Option<String>,
    pub reporter: Option<String>,
    pub history: Vec<StatusChange>,
}

impl EmulatedIssue {
    /// A bug that went NEW → ASSIGNED → POST → MODIFIED over three days and entered ON_QA at
    /// `entered`, targeted at 4.20.0, component HyperShift, reported by `reporter`.
    pub fn on_qa_since(key: &str, entered: Timestamp) -> Self {
        let day = SignedDuration::from_hours(24);
        let steps = ["NEW", "ASSIGNED", "POST", "MODIFIED", "ON_QA"];
        let created = entered - day * 3;
        let history = steps
            .windows(2)
            .enumerate()
            .map(|(index, pair)| StatusChange {
                at: if pair[1] == "ON_QA" {
                    entered
                } else {
                    created + day * index as i32
                },
                from: pair[0].into(),
                to: pair[1].into(),
            })
            .collect();
        Self {
            key: key.into(),
            summary: format!("{key}: HostedCluster upgrade stalls"),
            status: "ON_QA".into(),
            created,
            components: vec!["HyperShift".into()],
            target_versions: vec!["4.20.0".into()],
            qa_contact: None,
            assignee: None,
            reporter: Some("reporter".into()),
            history,
        }
    }

    pub fn qa_contact(mut self, name: &str) -> Self {
        self.qa_contact = Some(name.into());
        self
    }

    pub fn assignee(mut self, name: &str) -> Self {
        self.assignee = Some(name.into());
        self
    }

    pub fn reporter(mut self, name: Option<&str>) -> Self {
        self.reporter = name.map(str::to_string);
        self
    }

    pub fn components(mut self, components: &[&str]) -> Self {
        self.components = components.iter().map(|c| c.to_string()).collect();
        self
    }

    /// Moves the issue to another status at `at`, as a person would.
    pub fn transition(&mut self, to: &str, at: Timestamp) {
        self.history.push(StatusChange {
            at,
            from: std::mem::replace(&mut self.status, to.into()),
            to: to.into(),
        });
    }

    /// Issue keys sort by project, then numerically.
    pub fn order_key(&self) -> (String, u64) {
        let (project, number) = self.key.rsplit_once('-').unwrap_or((&self.key, "0"));
        (project.to_string(), number.parse().unwrap_or(0))
    }

    pub fn matches(&self, query: &Query) -> bool {
        query
            .clauses
            .iter()
            .all(|clause| self.matches_clause(clause))
    }

    fn matches_clause(&self, clause: &Clause) -> bool {
        match clause {
            Clause::OneOf {
                field,
                values,
                negated,
            } => {
                let own: Vec<&str> = match field {
                    Field::Project => vec![self.key.split('-').next().unwrap_or("")],
                    Field::Status => vec![self.status.as_str()],
                    Field::Key => vec![self.key.as_str()],
                    Field::Component => self.components.iter().map(String::as_str).collect(),
                    Field::TargetVersion => {
                        self.target_versions.iter().map(String::as_str).collect()
                    }
                };
                let hit = own
                    .iter()
                    .any(|mine| values.iter().any(|value| value.eq_ignore_ascii_case(mine)));
                hit != *negated
            }
            Clause::ChangedToAfter { status, after } => {
                let Ok(after) = after.to_zoned(TimeZone::UTC) else {
                    return false;
                };
                self.history.iter().any(|change| {
                    change.to.eq_ignore_ascii_case(status) && change.at >= after.timestamp()
                })
            }
        }
    }
}

/// A comment on an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedComment {
    pub id: String,
    pub author: String,
    pub body: String,
    pub created: Timestamp,
}

/// Jira's time format: `2016-02-01T08:17:04.000+0000`.
pub fn jira_time(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%z")
        .to_string()
}

/// Renders users, issues and comments for one emulated deployment.
pub struct Renderer<'a> {
    pub base_url: &'a str,
    pub deployment: Deployment,
    pub users: &'a BTreeMap<String, EmulatedUser>,
}

impl Renderer<'_> {
    pub fn user(&self, name: &str) -> Value {
        let fallback = EmulatedUser::new(name);
        let user = self.users.get(name).unwrap_or(&fallback);
        match self.deployment {
            Deployment::Server => json!({
                "self": format!("{}/rest/api/2/user?username={}", self.base_url, user.name),
                "name": user.name,
                "key": user.name,
                "emailAddress": format!("{}@example.com", user.name),
                "avatarUrls": {"48x48": format!("{}/secure/useravatar?ownerId={}", self.base_url, user.name)},
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": "UTC"
            }),
            Deployment::Cloud => json!({
                "self": format!("{}/rest/api/2/user?accountId={}", self.base_url, user.account_id),
                "accountId": user.account_id,
                "accountType": "atlassian",
                "avatarUrls": {"48x48": format!("{}/secure/useravatar?accountId={}", self.base_url, user.account_id)},
                "displayName": user.display_name,
                "active": user.active,
                "timeZone": "UTC"
            }),
        }
    }

    fn optional_user(&self, name: &Option<String>) -> Value {
        name.as_deref().map_or(Value::Null, |name| self.user(name))
    }

    /// An issue with the requested fields (`None` = all) and, if asked, its changelog.
    pub fn issue(
        &self,
        id: usize,
        issue: &EmulatedIssue,
        fields: Option<&[String]>,
        changelog: bool,
    ) -> Value {
        let all = json!({
            "summary": issue.summary,
            "status": {
                "self": format!("{}/rest/api/2/status/10018", self.base_url),
                "description": "",
                "iconUrl": format!("{}/images/icons/statuses/generic.png", self.base_url),
                "name": issue.status,
                "id": "10018",
                "statusCategory": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"}
            },
            "assignee": self.optional_user(&issue.assignee),
            "reporter": self.optional_user(&issue.reporter),
            "components": issue.components.iter().enumerate().map(|(n, name)| json!({
                "self": format!("{}/rest/api/2/component/{}", self.base_url, 12_000 + n),
                "id": (12_000 + n).to_string(),
                "name": name
            })).collect::<Vec<_>>(),
            QA_CONTACT_FIELD: self.optional_user(&issue.qa_contact),
            TARGET_VERSION_FIELD: issue.target_versions.iter().enumerate().map(|(n, name)| json!({
                "self": format!("{}/rest/api/2/version/{}", self.base_url, 12_400 + n),
                "id": (12_400 + n).to_string(),
                "name": name,
                "archived": false,
                "released": false
            })).collect::<Vec<_>>(),
            "created": jira_time(issue.created),
            "updated": jira_time(issue.history.last().map_or(issue.created, |change| change.at)),
            "issuetype": {"name": "Bug", "subtask": false},
            "project": {"key": issue.order_key().0}
        });
        let fields: serde_json::Map<String, Value> = match (all, fields) {
            (Value::Object(all), None) => all,
            (Value::Object(all), Some(wanted)) => all
                .into_iter()
                .filter(|(name, _)| wanted.iter().any(|w| w == name))
                .collect(),
            (_, _) => serde_json::Map::new(),
        };
        let mut rendered = json!({
            "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
            "id": id.to_string(),
            "self": format!("{}/rest/api/2/issue/{id}", self.base_url),
            "key": issue.key,
            "fields": fields
        });
        if changelog {
            let histories: Vec<Value> = issue
                .history
                .iter()
                .enumerate()
                .map(|(n, change)| {
                    json!({
                        "id": (id * 100 + n).to_string(),
                        "author": self.user("jira-workflow"),
                        "created": jira_time(change.at),
                        "items": [{
                            "field": "status",
                            "fieldtype": "jira",
                            "from": "1",
                            "fromString": change.from,
                            "to": "2",
                            "toString": change.to
                        }]
                    })
                })
                .collect();
            rendered["changelog"] = json!({
                "startAt": 0,
                "maxResults": histories.len(),
                "total": histories.len(),
                "histories": histories
            });
        }
        rendered
    }

    pub fn comment(&self, key: &str, comment: &EmulatedComment) -> Value {
        json!({
            "self": format!("{}/rest/api/2/issue/{key}/comment/{}", self.base_url, comment.id),
            "id": comment.id,
            "author": self.user(&comment.author),
            "body": comment.body,
            "updateAuthor": self.user(&comment.author),
            "created": jira_time(comment.created),
            "updated": jira_time(comment.created)
        })
    }
}
