//! The parts of Jira's REST v2 answers that gatebot reads, as typed structs.
//!
//! Anything not named here is ignored on purpose, so a Jira upgrade that adds fields changes
//! nothing. Issue fields stay a map because which custom field holds the QA contact is
//! configuration, not code.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

/// One page of `GET /rest/api/2/search`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub total: u64,
    pub issues: Vec<Issue>,
}

/// An issue as search returns it; `changelog` is there only with `expand=changelog`.
#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub key: String,
    pub fields: IssueFields,
    #[serde(default)]
    pub changelog: Option<Changelog>,
}

/// The fields gatebot asks for; custom fields land in `other`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IssueFields {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub assignee: Option<User>,
    #[serde(default)]
    pub reporter: Option<User>,
    #[serde(default)]
    pub components: Vec<Named>,
    #[serde(flatten)]
    pub other: HashMap<String, serde_json::Value>,
}

impl IssueFields {
    /// A user-picker field by id (e.g. the QA contact's `customfield_12315948`); `None` when the
    /// field is absent, empty, or not a user.
    pub fn user_field(&self, id: &str) -> Option<User> {
        let value = self.other.get(id)?;
        serde_json::from_value(value.clone()).ok()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub name: String,
}

/// Anything Jira names by `name`: components, versions.
#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    pub name: String,
}

/// A Jira user. Server/DC identifies users by `name`, Cloud by `accountId`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    /// Jira omits it in some payloads; a user it does not call inactive is taken as active.
    #[serde(default = "active_unless_told")]
    pub active: bool,
}

fn active_unless_told() -> bool {
    true
}

/// `changelog` of an issue fetched with `expand=changelog`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Changelog {
    #[serde(default)]
    pub total: Option<u64>,
    pub histories: Vec<History>,
}

/// One change set: who changed what, when.
#[derive(Debug, Clone, Deserialize)]
pub struct History {
    #[serde(deserialize_with = "jira_time")]
    pub created: Timestamp,
    pub items: Vec<ChangeItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChangeItem {
    pub field: String,
    #[serde(default, rename = "fromString")]
    pub from_text: Option<String>,
    #[serde(default, rename = "toString")]
    pub to_text: Option<String>,
}

/// One page of `GET /rest/api/2/issue/{key}/comment`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentPage {
    pub start_at: u64,
    pub total: u64,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: String,
    pub body: String,
    #[serde(deserialize_with = "jira_time")]
    pub created: Timestamp,
    #[serde(default)]
    pub author: Option<User>,
}

/// Parses Jira's `2016-02-01T08:17:04.000-0800` (and RFC 3339, which Cloud also sends).
pub fn parse_jira_time(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>()
        .map_err(|error| format!("{text:?} is not a Jira time: {error}"))
}

fn jira_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_jira_time(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_times_with_compact_offsets_parse() {
        let at = parse_jira_time("2016-02-01T08:17:04.000-0800").unwrap();
        assert_eq!(at, "2016-02-01T16:17:04Z".parse::<Timestamp>().unwrap());
        assert!(parse_jira_time("yesterday").is_err());
    }

    #[test]
    fn the_go_jira_search_sample_parses_with_its_changelog() {
        let text = include_str!("../../tests/fixtures/jira/search-with-changelog.json");
        let page: SearchPage = serde_json::from_str(text).unwrap();
        assert_eq!(page.total, 10);
        let issue = &page.issues[0];
        assert_eq!(issue.key, "AR-86");
        assert_eq!(issue.fields.status.as_ref().unwrap().name, "Ready");
        let assignee = issue.fields.assignee.as_ref().unwrap();
        assert_eq!(assignee.name.as_deref(), Some("mister.morris"));
        let histories = &issue.changelog.as_ref().unwrap().histories;
        assert_eq!(histories[0].items[0].field, "summary");
        assert!(issue.fields.user_field("customfield_11200").is_none());
    }
}
