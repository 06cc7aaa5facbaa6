//! Who each step asks, in order of preference, and why that person.
//!
//! - Step 1 asks the QA contact; without an active one, the assignee; without an assignee, the
//!   reporter.
//! - Step 2 asks the lead of the team owning one of the issue's components; else the lead
//!   configured for the QA contact; else the one configured for the assignee (the reporter when
//!   there is no assignee).
//! - Step 3 does the same with managers, which is how "the assignee's manager" is reached when no
//!   team or QA-contact manager is configured.
//!
//! People from the issue are already known to be active. People from the configuration are
//! checked against Jira by the scan before they are mentioned, so a departed lead falls through
//! to the next candidate instead of receiving a mention nobody reads.

use std::collections::BTreeMap;

use super::config::{PersonConfig, TeamConfig};
use super::issue::{OnQaIssue, Person};
use super::ladder::Step;

/// Which of the issue's people a configured mapping was looked up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    QaContact,
    Assignee,
    Reporter,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::QaContact => "QA contact",
            Role::Assignee => "assignee",
            Role::Reporter => "reporter",
        }
    }
}

/// Why a candidate is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    QaContact,
    AssigneeInsteadOfQaContact,
    ReporterInsteadOfQaContact,
    TeamLead { team: String },
    LeadOf { role: Role, person: String },
    TeamManager { team: String },
    ManagerOf { role: Role, person: String },
}

impl Via {
    /// A phrase that completes "asked as …".
    pub fn describe(&self) -> String {
        match self {
            Via::QaContact => "the QA contact".into(),
            Via::AssigneeInsteadOfQaContact => {
                "the assignee, as the issue has no active QA contact".into()
            }
            Via::ReporterInsteadOfQaContact => {
                "the reporter, as the issue has neither an active QA contact nor an assignee".into()
            }
            Via::TeamLead { team } => format!("the lead of team {team}"),
            Via::LeadOf { role, person } => format!("the lead of the {} {person}", role.name()),
            Via::TeamManager { team } => format!("the manager of team {team}"),
            Via::ManagerOf { role, person } => {
                format!("the manager of the {} {person}", role.name())
            }
        }
    }

    /// Whether the person comes from configuration (and so must be checked in Jira first).
    pub fn is_configured(&self) -> bool {
        !matches!(
            self,
            Via::QaContact | Via::AssigneeInsteadOfQaContact | Via::ReporterInsteadOfQaContact
        )
    }
}

/// Someone a step could ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Username (Server/DC) or account id (Cloud).
    pub id: String,
    pub via: Via,
}

/// The configured teams and people.
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    pub teams: &'a BTreeMap<String, TeamConfig>,
    pub people: &'a BTreeMap<String, PersonConfig>,
}

/// Everyone the step could ask, best first. Empty means nobody is known for this step.
pub fn candidates(step: Step, issue: &OnQaIssue, directory: Directory<'_>) -> Vec<Candidate> {
    match step {
        Step::QaContact => qa_candidates(issue),
        Step::TeamLead | Step::Manager => configured_candidates(step, issue, directory),
    }
}

fn active(person: &Option<Person>) -> Option<&Person> {
    person.as_ref().filter(|person| person.active)
}

fn qa_candidates(issue: &OnQaIssue) -> Vec<Candidate> {
    let (person, via) = if let Some(qa) = active(&issue.qa_contact) {
        (Some(qa), Via::QaContact)
    } else if issue.assignee.is_some() {
        (active(&issue.assignee), Via::AssigneeInsteadOfQaContact)
    } else {
        (active(&issue.reporter), Via::ReporterInsteadOfQaContact)
    };
    person
        .map(|person| Candidate {
            id: person.id.clone(),
            via,
        })
        .into_iter()
        .collect()
}

/// Team leads or managers first, then the ones configured for the QA contact, then for the
/// assignee (or the reporter, when nobody is assigned).
fn configured_candidates(
    step: Step,
    issue: &OnQaIssue,
    directory: Directory<'_>,
) -> Vec<Candidate> {
    let is_lead = step == Step::TeamLead;
    let mut found = Vec::new();
    for (name, team) in directory.teams {
        let owns_issue = team
            .components
            .iter()
            .any(|component| issue.components.contains(component));
        let id = if is_lead { &team.lead } else { &team.manager };
        if let (true, Some(id)) = (owns_issue, id) {
            let team = name.clone();
            let via = if is_lead {
                Via::TeamLead { team }
            } else {
                Via::TeamManager { team }
            };
            found.push(Candidate {
                id: id.clone(),
                via,
            });
        }
    }
    let owner = match &issue.assignee {
        Some(assignee) => Some((Role::Assignee, assignee)),
        None => issue
            .reporter
            .as_ref()
            .map(|reporter| (Role::Reporter, reporter)),
    };
    let people = issue
        .qa_contact
        .as_ref()
        .map(|qa| (Role::QaContact, qa))
        .into_iter()
        .chain(owner);
    for (role, person) in people {
        let Some(mapping) = directory.people.get(&person.id) else {
            continue;
        };
        let id = if is_lead {
            &mapping.lead
        } else {
            &mapping.manager
        };
        if let Some(id) = id {
            let person = person.id.clone();
            let via = if is_lead {
                Via::LeadOf { role, person }
            } else {
                Via::ManagerOf { role, person }
            };
            found.push(Candidate {
                id: id.clone(),
                via,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    fn person(id: &str) -> Option<Person> {
        Some(Person {
            id: id.into(),
            active: true,
        })
    }

    fn issue() -> OnQaIssue {
        OnQaIssue {
            key: "OCPBUGS-1".into(),
            summary: "s".into(),
            entered: Timestamp::UNIX_EPOCH,
            qa_contact: person("qa"),
            assignee: person("dev"),
            reporter: person("rep"),
            components: vec!["HyperShift".into()],
        }
    }

    fn directory_fixture() -> (BTreeMap<String, TeamConfig>, BTreeMap<String, PersonConfig>) {
        let teams = BTreeMap::from([(
            "hcp".to_string(),
            TeamConfig {
                components: vec!["HyperShift".into()],
                lead: Some("hcp-lead".into()),
                manager: None,
            },
        )]);
        let people = BTreeMap::from([
            (
                "qa".to_string(),
                PersonConfig {
                    lead: Some("qa-lead".into()),
                    manager: None,
                },
            ),
            (
                "dev".to_string(),
                PersonConfig {
                    lead: None,
                    manager: Some("dev-manager".into()),
                },
            ),
            (
                "rep".to_string(),
                PersonConfig {
                    lead: None,
                    manager: Some("rep-manager".into()),
                },
            ),
        ]);
        (teams, people)
    }

    fn ids(step: Step, issue: &OnQaIssue) -> Vec<(String, String)> {
        let (teams, people) = directory_fixture();
        let directory = Directory {
            teams: &teams,
            people: &people,
        };
        candidates(step, issue, directory)
            .into_iter()
            .map(|candidate| (candidate.id, candidate.via.describe()))
            .collect()
    }

    fn pair(id: &str, why: &str) -> (String, String) {
        (id.to_string(), why.to_string())
    }

    #[test]
    fn the_qa_contact_is_asked_first() {
        assert_eq!(
            ids(Step::QaContact, &issue()),
            [pair("qa", "the QA contact")]
        );
    }

    #[test]
    fn without_an_active_qa_contact_the_assignee_is_asked() {
        let mut issue = issue();
        issue.qa_contact.as_mut().unwrap().active = false;
        assert_eq!(
            ids(Step::QaContact, &issue),
            [pair(
                "dev",
                "the assignee, as the issue has no active QA contact"
            )]
        );
    }

    #[test]
    fn without_qa_contact_and_assignee_the_reporter_is_asked() {
        let issue = OnQaIssue {
            qa_contact: None,
            assignee: None,
            ..issue()
        };
        assert_eq!(
            ids(Step::QaContact, &issue),
            [pair(
                "rep",
                "the reporter, as the issue has neither an active QA contact nor an assignee"
            )]
        );
    }

    #[test]
    fn an_inactive_assignee_is_not_replaced_by_the_reporter() {
        let mut issue = OnQaIssue {
            qa_contact: None,
            ..issue()
        };
        issue.assignee.as_mut().unwrap().active = false;
        assert!(ids(Step::QaContact, &issue).is_empty());
    }

    #[test]
    fn the_team_lead_comes_before_the_qa_contacts_lead() {
        assert_eq!(
            ids(Step::TeamLead, &issue()),
            [
                pair("hcp-lead", "the lead of team hcp"),
                pair("qa-lead", "the lead of the QA contact qa"),
            ]
        );
    }

    #[test]
    fn without_a_team_manager_the_assignees_manager_is_asked() {
        assert_eq!(
            ids(Step::Manager, &issue()),
            [pair("dev-manager", "the manager of the assignee dev")]
        );
    }

    #[test]
    fn without_an_assignee_the_reporters_manager_is_asked() {
        let issue = OnQaIssue {
            assignee: None,
            ..issue()
        };
        assert_eq!(
            ids(Step::Manager, &issue),
            [pair("rep-manager", "the manager of the reporter rep")]
        );
    }

    #[test]
    fn a_team_only_claims_issues_of_its_components() {
        let issue = OnQaIssue {
            components: vec!["Networking".into()],
            ..issue()
        };
        assert_eq!(
            ids(Step::TeamLead, &issue),
            [pair("qa-lead", "the lead of the QA contact qa")]
        );
    }
}
