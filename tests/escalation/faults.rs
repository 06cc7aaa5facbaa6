//! Jira failing: an outage in the middle of a scan, a comment whose answer was lost, a bad
//! token, rate limits, 5xx, an unreachable host; and the dry run, which must write nothing.

use std::time::Duration;

use gatebot::escalation::{ScanOptions, render_digest, scan};
use gatebot::jira::{Deployment, JiraAuth, JiraClient, Secret};
use gatebot_emulators::jira::{EmulatedIssue, Fault};

use super::support::*;

fn seed_due_issues(world: &World, count: usize) {
    for number in 1..=count {
        world.jira.add_issue(
            EmulatedIssue::on_qa_since(&format!("OCPBUGS-{number}"), at(MONDAY_9AM))
                .qa_contact("qa"),
        );
    }
}

#[tokio::test]
async fn an_outage_mid_scan_is_survived_and_the_next_scan_finishes_without_duplicates() {
    let world = World::server().await;
    seed_due_issues(&world, 120);
    // The first search page, then 30 issues (a comments read and a post each), then Jira dies.
    world.jira.outage_after(1 + 2 * 30, Fault::ServerError(503));

    let stopped = world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    assert_eq!(stopped.escalated.len(), 30);
    let reason = stopped
        .stopped_because
        .clone()
        .expect("the scan says why it stopped");
    assert!(
        reason.starts_with("Jira failed GET /rest/api/2/issue/OCPBUGS-31/comment with HTTP 503"),
        "{reason}"
    );
    assert!(
        !world
            .store
            .last_escalation_scan()
            .await
            .unwrap()
            .unwrap()
            .complete
    );

    world.jira.restore();
    let caught_up = world.scan_at(hours_after(MONDAY_9AM, 27)).await;

    assert!(caught_up.complete());
    assert_eq!(caught_up.escalated.len(), 90);
    for number in 1..=120 {
        assert_eq!(
            world.escalations_on(&format!("OCPBUGS-{number}")),
            [sent(QA_STEP, "qa")],
            "OCPBUGS-{number}"
        );
    }
    let digest = render_digest(
        &caught_up,
        &world.config.calendar().unwrap(),
        world.jira.base_url(),
        "ON_QA",
    );
    assert!(
        digest.contains(&format!(
            "had stopped early ({reason}); this scan caught up."
        )),
        "{digest}"
    );
}

#[tokio::test]
async fn a_comment_whose_answer_was_lost_is_not_posted_again() {
    let world = World::server().await;
    seed_due_issues(&world, 1);
    // The search and the comments read go through; the post is carried out but answered 504.
    world.jira.outage_after(2, Fault::LoseResponse);

    let first = world.scan_at(hours_after(MONDAY_9AM, 25)).await;
    assert!(first.stopped_because.unwrap().contains("HTTP 504"));
    world.jira.restore();
    let second = world.scan_at(hours_after(MONDAY_9AM, 27)).await;

    assert_eq!(second.escalated, []);
    assert_eq!(world.escalations_on("OCPBUGS-1"), [sent(QA_STEP, "qa")]);
    assert_eq!(world.count_requests("POST", "/comment"), 1);
    assert_eq!(
        world
            .store
            .escalation_steps("OCPBUGS-1", at(MONDAY_9AM))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_refused_token_stops_the_scan_at_once_with_a_clear_reason() {
    let world = World::server().await;
    seed_due_issues(&world, 3);
    let wrong = JiraClient::new(
        world.jira.base_url(),
        Deployment::Server,
        JiraAuth::Bearer(Secret::new("expired")),
    )
    .unwrap();

    let report = scan(
        &wrong,
        &world.store,
        &world.clock,
        &world.config,
        ScanOptions::default(),
    )
    .await
    .unwrap();

    let reason = report.stopped_because.unwrap();
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert!(reason.contains("escalation.jira.token_env"), "{reason}");
    assert_eq!(world.jira.requests().len(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_exactly_as_jira_asks() {
    let world = World::server().await;
    seed_due_issues(&world, 2);
    world.jira.fail_next(
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
        1,
    );

    let report = world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    assert!(report.complete());
    assert_eq!(*world.pauses.lock().unwrap(), [Duration::from_secs(7)]);
    assert_eq!(report.escalated.len(), 2);
}

#[tokio::test]
async fn a_rate_limit_longer_than_a_scan_waits_ends_the_scan() {
    let world = World::server().await;
    seed_due_issues(&world, 1);
    world.jira.fail_next(
        Fault::TooManyRequests {
            retry_after_secs: 3600,
        },
        1,
    );

    let report = world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    let reason = report.stopped_because.unwrap();
    assert!(
        reason.contains("HTTP 429") && reason.contains("asked to wait 3600 s"),
        "{reason}"
    );
    assert!(world.pauses.lock().unwrap().is_empty());
    assert_eq!(world.count_requests("POST", "/comment"), 0);
}

#[tokio::test]
async fn server_errors_are_retried_a_little_then_end_the_scan() {
    let world = World::server().await;
    seed_due_issues(&world, 1);
    world.jira.fail_next(Fault::ServerError(502), 3);

    let report = world.scan_at(hours_after(MONDAY_9AM, 25)).await;

    assert!(report.stopped_because.unwrap().contains("HTTP 502"));
    assert_eq!(world.count_requests("GET", "/search"), 3);
    assert_eq!(world.pauses.lock().unwrap().len(), 2);

    let next = world.scan_at(hours_after(MONDAY_9AM, 27)).await;
    assert!(next.complete());
    assert_eq!(world.escalations_on("OCPBUGS-1"), [sent(QA_STEP, "qa")]);
}

#[tokio::test]
async fn an_unreachable_jira_ends_the_scan_and_says_so() {
    let world = World::server().await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let nowhere = JiraClient::new(
        &format!("http://{address}"),
        Deployment::Server,
        JiraAuth::Bearer(Secret::new(TOKEN)),
    )
    .unwrap()
    .with_pause(std::sync::Arc::new(|_| Box::pin(async {})));

    let report = scan(
        &nowhere,
        &world.store,
        &world.clock,
        &world.config,
        ScanOptions::default(),
    )
    .await
    .unwrap();

    let reason = report.stopped_because.unwrap();
    assert!(
        reason.starts_with("Jira could not be reached for GET /rest/api/2/search (startAt 0):"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_dry_run_logs_what_it_would_post_and_writes_nothing() {
    let mut world = World::server().await;
    seed_due_issues(&world, 2);
    let options = ScanOptions {
        dry_run: true,
        from_date: None,
    };

    let flagged = world.scan_with(hours_after(MONDAY_9AM, 25), options).await;
    world.config.dry_run = true;
    let configured = world.scan_at(hours_after(MONDAY_9AM, 26)).await;

    for report in [&flagged, &configured] {
        assert!(report.dry_run);
        assert_eq!(report.escalated.len(), 2);
        assert_eq!(report.escalated[0].comment_id, None);
        assert!(report.escalated[0].body.starts_with(QA_STEP));
    }
    assert_eq!(world.count_requests("POST", "/comment"), 0);
    assert!(world.jira.comments("OCPBUGS-1").is_empty());
    assert_eq!(world.store.last_escalation_scan().await.unwrap(), None);
    assert!(world.store.escalation_watchlist().await.unwrap().is_empty());
    assert!(
        world
            .store
            .escalation_steps("OCPBUGS-1", at(MONDAY_9AM))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(world.store.recent_audit(10).await.unwrap().is_empty());
}
