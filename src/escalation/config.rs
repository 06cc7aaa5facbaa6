//! The `[escalation]` section of gatebot's configuration, its defaults, and the checks that
//! turn a mistake into a message naming the field and the fix.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Deserializer, Serialize};

use super::calendar::WorkingCalendar;
use super::ladder::Ladder;
use crate::jira::{Deployment, JiraClient, JiraSettings};

/// A team: the Jira components it owns and who leads and manages it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    pub components: Vec<String>,
    pub lead: Option<String>,
    pub manager: Option<String>,
}

/// One person's lead and manager, for issues no team claims.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonConfig {
    pub lead: Option<String>,
    pub manager: Option<String>,
}

/// Where the per-scan digest goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    pub channel: String,
    /// The thread to reply in (a message `ts`); without it the digest starts its own message.
    pub thread_ts: Option<String>,
}

/// Everything the ON_QA escalation needs to know; see `docs/escalation.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EscalationConfig {
    pub jira: JiraSettings,
    /// When scans run: a cron expression in `time_zone`.
    pub schedule: String,
    /// The search; without it gatebot builds one from `project`, `status` and `target_versions`.
    pub jql: Option<String>,
    pub project: String,
    pub status: String,
    pub target_versions: Vec<String>,
    /// How JQL names the target-version field.
    pub target_version_field: String,
    /// The issue field holding the QA contact.
    pub qa_contact_field: String,
    /// IANA name of the zone whose midnights and weekends count.
    pub time_zone: String,
    /// Days that do not count, written as TOML dates (`2025-12-25`) or strings.
    #[serde(deserialize_with = "holiday_dates")]
    pub holidays: Vec<Date>,
    pub qa_contact_after_hours: u32,
    pub team_lead_after_hours: u32,
    pub manager_after_hours: u32,
    /// Search page size (Jira's `maxResults`).
    pub page_size: u32,
    /// Log what would be commented and change nothing.
    pub dry_run: bool,
    pub teams: BTreeMap<String, TeamConfig>,
    /// Per Jira user (username on Server/DC, account id on Cloud).
    pub people: BTreeMap<String, PersonConfig>,
    pub digest: Option<DigestConfig>,
}

impl Default for EscalationConfig {
    fn default() -> Self {
        Self {
            jira: JiraSettings::default(),
            schedule: "0 */2 * * MON-FRI".into(),
            jql: None,
            project: "OCPBUGS".into(),
            status: "ON_QA".into(),
            target_versions: Vec::new(),
            target_version_field: "Target Version".into(),
            qa_contact_field: "customfield_12315948".into(),
            time_zone: "UTC".into(),
            holidays: Vec::new(),
            qa_contact_after_hours: 24,
            team_lead_after_hours: 48,
            manager_after_hours: 72,
            page_size: 50,
            dry_run: false,
            teams: BTreeMap::new(),
            people: BTreeMap::new(),
            digest: None,
        }
    }
}

/// One thing wrong with the configuration: which field, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationConfigProblem {
    pub path: String,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for EscalationConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.fix)
    }
}

impl std::error::Error for EscalationConfigProblem {}

impl EscalationConfig {
    /// Everything wrong with the section, each naming its field under `path_prefix`
    /// (e.g. `escalation`). Empty means the section is usable.
    pub fn validate(&self, path_prefix: &str) -> Vec<EscalationConfigProblem> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String, fix: &str| {
            problems.push(EscalationConfigProblem {
                path: format!("{path_prefix}.{field}"),
                message,
                fix: fix.to_string(),
            });
        };
        if let Err(error) = self.schedule.parse::<croner::Cron>() {
            problem(
                "schedule",
                format!("{:?} is not a cron expression: {error}", self.schedule),
                "use five fields, e.g. \"0 */2 * * MON-FRI\" for every two hours on weekdays",
            );
        }
        if let Err(error) = TimeZone::get(&self.time_zone) {
            problem(
                "time_zone",
                format!("{:?} is not a known time zone: {error}", self.time_zone),
                "use an IANA name such as \"Europe/Prague\" or \"America/New_York\"",
            );
        }
        if self.jql.is_none() && self.target_versions.is_empty() {
            problem(
                "target_versions",
                "no target versions are listed, so every issue in the project's ON_QA would be escalated".into(),
                "list the versions being released, e.g. target_versions = [\"4.20.0\"], or set escalation.jql",
            );
        }
        if self
            .jql
            .as_deref()
            .is_some_and(|jql| jql.to_ascii_lowercase().contains("order by"))
        {
            problem(
                "jql",
                "the search has its own ORDER BY".into(),
                "remove it: gatebot orders by key so that paging is stable",
            );
        }
        if self.jql.as_deref().is_some_and(|jql| jql.trim().is_empty()) {
            problem(
                "jql",
                "the search is empty".into(),
                "remove the line to use the default search, or write a JQL query",
            );
        }
        let hours = [
            ("qa_contact_after_hours", self.qa_contact_after_hours),
            ("team_lead_after_hours", self.team_lead_after_hours),
            ("manager_after_hours", self.manager_after_hours),
        ];
        if hours[0].1 == 0 {
            problem(
                hours[0].0,
                "the first step cannot be due at once".into(),
                "use a number of weekday hours above 0, e.g. 24",
            );
        }
        for pair in hours.windows(2) {
            if pair[1].1 <= pair[0].1 {
                problem(
                    pair[1].0,
                    format!(
                        "{} must be later than {} ({})",
                        pair[1].1, pair[0].0, pair[0].1
                    ),
                    "keep the steps in order: QA contact, then team lead, then manager",
                );
            }
        }
        if !(1..=100).contains(&self.page_size) {
            problem(
                "page_size",
                format!("{} is outside 1..=100", self.page_size),
                "use 50, Jira's usual page size",
            );
        }
        if !self.jira.url.starts_with("https://") && !self.jira.url.starts_with("http://") {
            problem(
                "jira.url",
                format!("{:?} is not an http(s) URL", self.jira.url),
                "use the Jira base URL, e.g. \"https://issues.redhat.com\"",
            );
        }
        if self.jira.token_env.trim().is_empty() {
            problem(
                "jira.token_env",
                "no environment variable is named for the token".into(),
                "name one, e.g. token_env = \"JIRA_TOKEN\"",
            );
        }
        if self.jira.deployment == Deployment::Cloud && self.jira.email.is_none() {
            problem(
                "jira.email",
                "Jira Cloud needs the account e-mail that goes with the API token".into(),
                "set email = \"bot@example.com\"",
            );
        }
        for (name, team) in &self.teams {
            if team.components.is_empty() {
                problem(
                    &format!("teams.{name}.components"),
                    "the team owns no component, so it never matches an issue".into(),
                    "list its Jira components, e.g. components = [\"HyperShift\"]",
                );
            }
            if team.lead.is_none() && team.manager.is_none() {
                problem(
                    &format!("teams.{name}"),
                    "the team names neither a lead nor a manager".into(),
                    "add lead = \"username\" and/or manager = \"username\"",
                );
            }
        }
        if let Some(digest) = &self.digest
            && digest.channel.trim().is_empty()
        {
            problem(
                "digest.channel",
                "the digest has no channel".into(),
                "set channel = \"C0123456789\" or remove [escalation.digest]",
            );
        }
        problems
    }

    /// The working calendar; fails only on a time zone `validate` also reports.
    pub fn calendar(&self) -> Result<WorkingCalendar, EscalationConfigProblem> {
        let zone = TimeZone::get(&self.time_zone).map_err(|error| EscalationConfigProblem {
            path: "escalation.time_zone".into(),
            message: format!("{:?} is not a known time zone: {error}", self.time_zone),
            fix: "use an IANA name such as \"Europe/Prague\"".into(),
        })?;
        Ok(WorkingCalendar::new(zone, self.holidays.iter().copied()))
    }

    /// A client for `jira`, logged in with the token from the variable `jira.token_env` names.
    pub fn jira_client(&self) -> Result<JiraClient, String> {
        let auth = self.jira.auth_from_env()?;
        JiraClient::new(&self.jira.url, self.jira.deployment, auth)
            .map_err(|error| error.to_string())
    }

    pub fn ladder(&self) -> Ladder {
        let hours = |hours: u32| SignedDuration::from_hours(i64::from(hours));
        Ladder::new(
            hours(self.qa_contact_after_hours),
            hours(self.team_lead_after_hours),
            hours(self.manager_after_hours),
        )
    }

    /// The JQL of a scan. `from_date` narrows it to issues that changed into the status on or
    /// after that day; the scan still checks the exact entry time itself.
    pub fn search_jql(&self, from_date: Option<Date>) -> String {
        let mut jql = match &self.jql {
            Some(jql) => format!("({jql})"),
            None => {
                let mut clauses = vec![
                    format!("project = {}", quote(&self.project)),
                    format!("status = {}", quote(&self.status)),
                ];
                if !self.target_versions.is_empty() {
                    let versions: Vec<String> =
                        self.target_versions.iter().map(|v| quote(v)).collect();
                    clauses.push(format!(
                        "{} in ({})",
                        quote(&self.target_version_field),
                        versions.join(", ")
                    ));
                }
                clauses.join(" AND ")
            }
        };
        if let Some(date) = from_date {
            jql.push_str(&format!(
                " AND status CHANGED TO {} AFTER \"{date}\"",
                quote(&self.status)
            ));
        }
        jql.push_str(" ORDER BY key ASC");
        jql
    }

    /// When the next scan is due after `now`, per `schedule` in `time_zone`.
    pub fn next_scan_after(&self, now: Timestamp) -> Result<Timestamp, EscalationConfigProblem> {
        let calendar = self.calendar()?;
        let schedule_problem = |message: String| EscalationConfigProblem {
            path: "escalation.schedule".into(),
            message,
            fix: "use five cron fields, e.g. \"0 */2 * * MON-FRI\"".into(),
        };
        let cron = self.schedule.parse::<croner::Cron>().map_err(|error| {
            schedule_problem(format!(
                "{:?} is not a cron expression: {error}",
                self.schedule
            ))
        })?;
        let local_now = now.to_zoned(calendar.zone().clone());
        cron.find_next_occurrence(&local_now, false)
            .map(|next| next.timestamp())
            .map_err(|error| {
                schedule_problem(format!("{:?} never fires again: {error}", self.schedule))
            })
    }
}

/// TOML has a date type of its own, which `jiff` cannot read; strings are accepted too.
fn holiday_dates<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Date>, D::Error> {
    use serde::de::Error;
    Vec::<toml::Value>::deserialize(deserializer)?
        .into_iter()
        .map(|value| match value {
            toml::Value::Datetime(toml::value::Datetime {
                date: Some(date),
                time: None,
                offset: None,
            }) => Date::new(date.year as i16, date.month as i8, date.day as i8)
                .map_err(D::Error::custom),
            toml::Value::String(text) => text
                .parse::<Date>()
                .map_err(|error| D::Error::custom(format!("holiday {text:?}: {error}"))),
            other => Err(D::Error::custom(format!(
                "holiday {other} is not a date such as 2025-12-25"
            ))),
        })
        .collect()
}

/// A JQL string literal.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usable() -> EscalationConfig {
        EscalationConfig {
            target_versions: vec!["4.20.0".into()],
            ..EscalationConfig::default()
        }
    }

    #[test]
    fn defaults_follow_the_issue() {
        let config: EscalationConfig =
            toml::from_str("target_versions = [\"4.20.0\", \"4.19.z\"]").unwrap();
        assert_eq!(config.qa_contact_field, "customfield_12315948");
        assert_eq!(config.schedule, "0 */2 * * MON-FRI");
        assert_eq!(
            config.search_jql(None),
            "project = \"OCPBUGS\" AND status = \"ON_QA\" AND \"Target Version\" in (\"4.20.0\", \"4.19.z\") ORDER BY key ASC"
        );
        assert!(config.validate("escalation").is_empty());
    }

    #[test]
    fn holidays_are_toml_dates_or_date_strings() {
        let config: EscalationConfig =
            toml::from_str("holidays = [2025-12-25, \"2026-01-01\"]").unwrap();
        assert_eq!(
            config.holidays,
            [
                jiff::civil::date(2025, 12, 25),
                jiff::civil::date(2026, 1, 1)
            ]
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = toml::from_str::<EscalationConfig>("qa_field = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `qa_field`"), "{error}");
    }

    #[test]
    fn from_date_narrows_the_search() {
        let jql = usable().search_jql(Some(jiff::civil::date(2025, 3, 1)));
        assert!(
            jql.ends_with("AND status CHANGED TO \"ON_QA\" AFTER \"2025-03-01\" ORDER BY key ASC"),
            "{jql}"
        );
        let custom = EscalationConfig {
            jql: Some("key = X-1 OR key = X-2".into()),
            ..usable()
        };
        assert!(
            custom
                .search_jql(None)
                .starts_with("(key = X-1 OR key = X-2) ORDER BY")
        );
    }

    #[test]
    fn mistakes_name_their_field_and_fix() {
        let config = EscalationConfig {
            schedule: "every two hours".into(),
            time_zone: "Mars/Olympus".into(),
            team_lead_after_hours: 12,
            teams: BTreeMap::from([("hcp".to_string(), TeamConfig::default())]),
            jira: JiraSettings {
                deployment: Deployment::Cloud,
                ..JiraSettings::default()
            },
            ..EscalationConfig::default()
        };
        let paths: Vec<String> = config
            .validate("escalation")
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            paths,
            [
                "escalation.schedule",
                "escalation.time_zone",
                "escalation.target_versions",
                "escalation.team_lead_after_hours",
                "escalation.jira.email",
                "escalation.teams.hcp.components",
                "escalation.teams.hcp",
            ]
        );
    }

    #[test]
    fn the_default_schedule_skips_the_weekend() {
        let friday_evening: Timestamp = "2025-01-03T23:30:00Z".parse().unwrap();
        let next = usable().next_scan_after(friday_evening).unwrap();
        assert_eq!(next, "2025-01-06T00:00:00Z".parse::<Timestamp>().unwrap());
    }
}
