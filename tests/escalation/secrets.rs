//! The token never reaches a log, even with every target at TRACE: not on success, not in a
//! 401, not in a retry warning, not in the client's `Debug`.

use gatebot::escalation::{ScanOptions, scan};
use gatebot::jira::{Deployment, JiraAuth, JiraClient, Secret};
use gatebot_emulators::jira::{EmulatedIssue, Fault};

use super::logs::capture_trace_logs;
use super::support::*;

#[tokio::test]
async fn the_token_never_appears_in_trace_level_logs() {
    let captured = capture_trace_logs();

    let world = World::server().await;
    world
        .jira
        .add_issue(EmulatedIssue::on_qa_since("OCPBUGS-301", at(MONDAY_9AM)).qa_contact("qa"));
    world.jira.fail_next(Fault::ServerError(503), 1);
    world.scan_at(hours_after(MONDAY_9AM, 25)).await;
    let cloud = JiraClient::new(
        world.jira.base_url(),
        Deployment::Cloud,
        JiraAuth::Basic {
            email: "gatebot@example.com".into(),
            token: Secret::new(TOKEN),
        },
    )
    .unwrap();
    let refused = scan(
        &cloud,
        &world.store,
        &world.clock,
        &world.config,
        ScanOptions::default(),
    )
    .await
    .unwrap();
    tracing::info!(client = ?world.client, cloud = ?cloud, "clients in use");
    tracing::info!(reason = ?refused.stopped_because, "refused scan");

    let logs = captured.text();
    assert!(
        logs.contains("escalated") && logs.contains("retrying a Jira request"),
        "the capture works"
    );
    assert!(logs.contains("HTTP 401"), "the refused scan was logged");
    assert!(logs.contains("TRACE"), "trace records were captured");
    assert!(!logs.contains(TOKEN), "the token leaked into the logs");
    assert!(
        !logs.contains("Bearer pat"),
        "an Authorization header leaked into the logs"
    );
}
