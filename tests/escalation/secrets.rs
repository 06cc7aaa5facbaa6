//! The token never reaches a log, even with every target at TRACE: not on success, not in a
//! 401, not in a retry warning, not in the client's `Debug`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use gatebot::escalation::{ScanOptions, scan};
use gatebot::jira::{Deployment, JiraAuth, JiraClient, Secret};
use gatebot_emulators::jira::{EmulatedIssue, Fault};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::util::SubscriberInitExt;

use super::support::*;

/// Everything logged, in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_token_never_appears_in_trace_level_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    // Global, and bridging the `log` crate, so that reqwest's, hyper's and axum's records are
    // captured too: exactly what `RUST_LOG=trace` shows an operator.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish()
        .try_init()
        .expect("no other test in this binary installs a global subscriber");

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

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
