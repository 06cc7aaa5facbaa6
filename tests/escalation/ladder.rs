//! The ladder over repeated scans: each step once, on the right person, in order; weekends do
//! not count; re-entering ON_QA starts over; what Jira already shows is not sent again.

use gatebot::escalation::{ListingContext, ScanOptions, Step, render_escalations};
use gatebot_emulators::jira::EmulatedIssue;

use super::support::*;

#[tokio::test]
async fn each_step_comments_once_on_the_right_person_across_repeated_scans() {
    let world = World::server().await;
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-101", at(MONDAY_9AM))
            .qa_contact("qa")
            .assignee("dev"),
    );

    for hours in [23, 25, 27, 49, 50, 73, 100, 140] {
        world.scan_at(hours_after(MONDAY_9AM, hours)).await;
    }

    assert_eq!(
        world.escalations_on("OCPBUGS-101"),
        [
            sent(QA_STEP, "qa"),
            sent(LEAD_STEP, "hcp-lead"),
            sent(MANAGER_STEP, "hcp-manager")
        ]
    );
    let recorded = world
        .store
        .escalation_steps("OCPBUGS-101", at(MONDAY_9AM))
        .await
        .unwrap();
    let steps: Vec<Step> = recorded.iter().map(|sent| sent.step).collect();
    assert_eq!(steps, Step::ALL);
    let audit = world.store.recent_audit(10).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action == "jira.escalate")
            .count(),
        3
    );
    assert!(
        audit[0]
            .detail
            .starts_with("asked hcp-manager as the manager of team hcp after 73 weekday hours"),
        "{}",
        audit[0].detail
    );
}

#[tokio::test]
async fn the_weekend_does_not_count_towards_the_first_step() {
    let world = World::server().await;
    // Friday 17:00: 24 weekday hours are over on Monday 17:00, not on Saturday 17:00.
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-102", at("2025-01-03T17:00:00Z")).qa_contact("qa"),
    );

    world.scan_at(at("2025-01-05T12:00:00Z")).await;
    world.scan_at(at("2025-01-06T16:59:00Z")).await;
    assert_eq!(world.escalations_on("OCPBUGS-102"), []);

    let report = world.scan_at(at("2025-01-06T17:00:00Z")).await;
    assert_eq!(world.escalations_on("OCPBUGS-102"), [sent(QA_STEP, "qa")]);
    assert!(
        report.escalated[0]
            .body
            .contains("for 24 weekday hours, since Fri 2025-01-03 17:00 UTC"),
        "{}",
        report.escalated[0].body
    );
}

#[tokio::test]
async fn coming_back_to_on_qa_starts_the_ladder_again() {
    let world = World::server().await;
    world
        .jira
        .add_issue(EmulatedIssue::on_qa_since("OCPBUGS-103", at(MONDAY_9AM)).qa_contact("qa"));
    world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    // The fix did not hold: back to ASSIGNED, then a new fix reaches ON_QA on Wednesday 10:00.
    world
        .jira
        .transition("OCPBUGS-103", "ASSIGNED", hours_after(MONDAY_9AM, 27));
    world
        .jira
        .transition("OCPBUGS-103", "MODIFIED", hours_after(MONDAY_9AM, 48));
    world
        .jira
        .transition("OCPBUGS-103", "ON_QA", hours_after(MONDAY_9AM, 49));

    // 74 hours after the first entry but 1 after the second: nobody is due, least of all a manager.
    world.scan_at(hours_after(MONDAY_9AM, 50)).await;
    assert_eq!(world.escalations_on("OCPBUGS-103"), [sent(QA_STEP, "qa")]);

    world.scan_at(hours_after(MONDAY_9AM, 49 + 24)).await;
    assert_eq!(
        world.escalations_on("OCPBUGS-103"),
        [sent(QA_STEP, "qa"), sent(QA_STEP, "qa")]
    );
}

#[tokio::test]
async fn overdue_steps_are_climbed_one_per_scan_in_order() {
    let world = World::server().await;
    world
        .jira
        .add_issue(EmulatedIssue::on_qa_since("OCPBUGS-104", at(MONDAY_9AM)).qa_contact("qa"));

    // gatebot first looks on Friday, 97 weekday hours in: every threshold has passed.
    let first = world.scan_at(hours_after(MONDAY_9AM, 97)).await;
    assert_eq!(first.escalated.len(), 1);
    assert_eq!(world.escalations_on("OCPBUGS-104"), [sent(QA_STEP, "qa")]);

    world.scan_at(hours_after(MONDAY_9AM, 99)).await;
    world.scan_at(hours_after(MONDAY_9AM, 101)).await;
    world.scan_at(hours_after(MONDAY_9AM, 103)).await;
    assert_eq!(
        world.escalations_on("OCPBUGS-104"),
        [
            sent(QA_STEP, "qa"),
            sent(LEAD_STEP, "hcp-lead"),
            sent(MANAGER_STEP, "hcp-manager")
        ]
    );
}

#[tokio::test]
async fn a_step_already_commented_in_jira_is_recorded_not_repeated() {
    let world = World::server().await;
    world
        .jira
        .add_issue(EmulatedIssue::on_qa_since("OCPBUGS-105", at(MONDAY_9AM)).qa_contact("qa"));
    // A long discussion, then another replica (or a gatebot whose store was lost) already
    // asked the QA contact, on the second page of comments.
    for minute in 0..120 {
        let at = hours_after(MONDAY_9AM, 2) + jiff::SignedDuration::from_mins(minute);
        world
            .jira
            .add_comment("OCPBUGS-105", "dev", "still looking", at);
    }
    world.jira.add_comment(
        "OCPBUGS-105",
        "gatebot",
        &format!("{QA_STEP}\n[~qa], please verify"),
        hours_after(MONDAY_9AM, 24),
    );

    let report = world.scan_at(hours_after(MONDAY_9AM, 30)).await;

    assert_eq!(report.escalated, []);
    assert_eq!(world.jira.comments("OCPBUGS-105").len(), 121);
    assert_eq!(
        world.count_requests("GET", "/comment"),
        2,
        "both comment pages were read"
    );
    let recorded = world
        .store
        .escalation_steps("OCPBUGS-105", at(MONDAY_9AM))
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (recorded[0].step, recorded[0].person.as_str()),
        (Step::QaContact, "qa")
    );
}

#[tokio::test]
async fn from_date_leaves_issues_that_entered_on_qa_earlier_alone() {
    let world = World::server().await;
    world.jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-106", at("2024-12-16T09:00:00Z")).qa_contact("qa"),
    );
    world
        .jira
        .add_issue(EmulatedIssue::on_qa_since("OCPBUGS-107", at(MONDAY_9AM)).qa_contact("qa"));

    let options = ScanOptions {
        dry_run: false,
        from_date: Some(jiff::civil::date(2025, 1, 1)),
    };
    let report = world.scan_with(hours_after(MONDAY_9AM, 25), options).await;

    assert_eq!(report.issues_seen, 1);
    assert_eq!(world.escalations_on("OCPBUGS-106"), []);
    assert_eq!(world.escalations_on("OCPBUGS-107"), [sent(QA_STEP, "qa")]);
    let search = &world.jira.requests()[0];
    assert!(
        search
            .param("jql")
            .unwrap()
            .contains("status CHANGED TO \"ON_QA\" AFTER \"2025-01-01\"")
    );
}

#[tokio::test]
async fn a_scan_pages_through_every_result_and_the_listing_shows_them() {
    let world = World::server().await;
    for number in 1..=120 {
        // Entered on Monday, the Friday before, or the Thursday before.
        let entered = hours_after(MONDAY_9AM, [0, -72, -96][number % 3]);
        world.jira.add_issue(
            EmulatedIssue::on_qa_since(&format!("OCPBUGS-{number}"), entered).qa_contact("qa"),
        );
    }

    let report = world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    let starts: Vec<String> = world
        .jira
        .requests()
        .iter()
        .filter(|request| request.path == "/rest/api/2/search")
        .map(|request| request.param("startAt").unwrap().to_string())
        .collect();
    assert_eq!(starts, ["0", "50", "100"]);
    assert!(
        world
            .jira
            .requests()
            .iter()
            .all(|request| request.param("expand").is_none_or(|e| e == "changelog"))
    );
    assert_eq!(report.issues_seen, 120);
    assert_eq!(report.escalated.len(), 120);

    let watchlist = world.store.escalation_watchlist().await.unwrap();
    let calendar = world.config.calendar().unwrap();
    let last_scan = world.store.last_escalation_scan().await.unwrap();
    let listing = render_escalations(
        &watchlist,
        ListingContext {
            ladder: &world.config.ladder(),
            calendar: &calendar,
            jira_url: world.jira.base_url(),
            status: "ON_QA",
            last_scan: last_scan.as_ref(),
            now: hours_after(MONDAY_9AM, 26),
        },
    );
    assert!(
        listing.starts_with(
            "*Issues in ON_QA past an escalation step* (120, as of Tue 2025-01-07 11:00 UTC)"
        ),
        "{listing}"
    );
    assert!(listing.contains("OCPBUGS-2|OCPBUGS-2> OCPBUGS-2: HostedCluster upgrade stalls — step 3 (manager), 74 weekday hours in ON_QA; asked: QA contact qa"), "{listing}");
    assert!(listing.ends_with("…and 80 more."), "{listing}");
}
