//! Who is asked when the obvious person is missing: the assignee for a missing QA contact, the
//! reporter for a missing assignee, the assignee's lead and manager when no team claims the
//! issue, the next candidate when a configured person has left, and Cloud's account ids.

use gatebot::jira::Deployment;
use gatebot_emulators::jira::{EmulatedIssue, EmulatedUser};

use super::support::*;

#[tokio::test]
async fn without_a_qa_contact_the_assignee_is_asked() {
    let world = World::server().await;
    world
        .jira
        .add_issue(EmulatedIssue::on_qa_since("OCPBUGS-201", at(MONDAY_9AM)).assignee("dev"));

    let report = world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    assert_eq!(world.escalations_on("OCPBUGS-201"), [sent(QA_STEP, "dev")]);
    assert!(
        report.escalated[0]
            .body
            .contains("You are asked as the assignee, as the issue has no active QA contact.")
    );
}

#[tokio::test]
async fn without_qa_contact_and_assignee_the_reporter_is_asked() {
    let world = World::server().await;
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-202", at(MONDAY_9AM)).reporter(Some("reporter")),
    );

    world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    assert_eq!(
        world.escalations_on("OCPBUGS-202"),
        [sent(QA_STEP, "reporter")]
    );
}

#[tokio::test]
async fn an_inactive_qa_contact_is_passed_over_for_the_assignee() {
    let world = World::server().await;
    world.jira.add_user(EmulatedUser::new("qa-gone").inactive());
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-203", at(MONDAY_9AM))
            .qa_contact("qa-gone")
            .assignee("dev"),
    );

    world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    assert_eq!(world.escalations_on("OCPBUGS-203"), [sent(QA_STEP, "dev")]);
}

#[tokio::test]
async fn when_no_team_claims_the_issue_the_assignees_lead_and_manager_are_asked() {
    let world = World::server().await;
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-204", at(MONDAY_9AM))
            .qa_contact("qa")
            .assignee("dev")
            .components(&["Networking"]),
    );

    for hours in [25, 49, 73] {
        world.scan_at(hours_after(MONDAY_9AM, hours)).await;
    }

    assert_eq!(
        world.escalations_on("OCPBUGS-204"),
        [
            sent(QA_STEP, "qa"),
            sent(LEAD_STEP, "dev-lead"),
            sent(MANAGER_STEP, "dev-manager")
        ]
    );
    let manager_comment = &world.jira.comments("OCPBUGS-204")[2].body;
    assert!(
        manager_comment.contains("You are asked as the manager of the assignee dev."),
        "{manager_comment}"
    );
}

#[tokio::test]
async fn a_configured_lead_who_left_jira_is_passed_over() {
    let world = World::server().await;
    world
        .jira
        .add_user(EmulatedUser::new("hcp-lead").inactive());
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-205", at(MONDAY_9AM))
            .qa_contact("qa")
            .assignee("dev"),
    );

    world.scan_at(hours_after(MONDAY_9AM, 25)).await;
    world.scan_at(hours_after(MONDAY_9AM, 49)).await;

    assert_eq!(
        world.escalations_on("OCPBUGS-205"),
        [sent(QA_STEP, "qa"), sent(LEAD_STEP, "dev-lead")]
    );
    let lookups: Vec<String> = world
        .jira
        .requests()
        .iter()
        .filter(|request| request.path == "/rest/api/2/user")
        .map(|request| request.param("username").unwrap_or_default().to_string())
        .collect();
    assert_eq!(lookups, ["hcp-lead", "dev-lead"]);
}

#[tokio::test]
async fn when_nobody_can_be_asked_the_report_says_why_and_nothing_is_posted() {
    let world = World::server().await;
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-206", at(MONDAY_9AM))
            .qa_contact("qa")
            .components(&["Networking"]),
    );

    world.scan_at(hours_after(MONDAY_9AM, 25)).await;
    let report = world.scan_at(hours_after(MONDAY_9AM, 49)).await;

    assert_eq!(world.escalations_on("OCPBUGS-206"), [sent(QA_STEP, "qa")]);
    assert_eq!(
        report.problems,
        [
            "OCPBUGS-206 has waited 49 weekday hours, past the team lead step, but nobody can be asked: \
          no team lead is configured for its components (Networking), its QA contact or its assignee"
        ]
    );
}

#[tokio::test]
async fn jira_cloud_gets_basic_auth_and_account_id_mentions() {
    let mut world = World::new(Deployment::Cloud).await;
    // On Cloud, configuration names people by account id.
    world.config.teams.get_mut("hcp").unwrap().lead = Some("557058:hcp-lead".into());
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-207", at(MONDAY_9AM))
            .qa_contact("qa")
            .assignee("dev"),
    );

    world.scan_at(hours_after(MONDAY_9AM, 25)).await;
    world.scan_at(hours_after(MONDAY_9AM, 49)).await;

    let comments = world.jira.comments("OCPBUGS-207");
    assert!(
        comments[0]
            .body
            .contains("[~accountid:557058:qa], OCPBUGS-207 has been in ON_QA"),
        "{}",
        comments[0].body
    );
    assert_eq!(
        world.escalations_on("OCPBUGS-207")[1],
        sent(LEAD_STEP, "557058:hcp-lead")
    );
    assert!(
        world
            .jira
            .requests()
            .iter()
            .all(|request| request.status != 401)
    );
}
