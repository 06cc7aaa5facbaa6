//! Socket Mode ack latency: from the moment the emulated Slack writes an envelope until it reads
//! gatebot's ack, with 100 envelopes in flight and a handler that takes 2 s for each request.
//! Ten rounds of 100 slash commands; prints p50, p99 and max.
//!
//! Target: p99 under 10 ms. Run with `cargo bench --bench slack_ack_latency`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc;

#[path = "support/latency.rs"]
mod latency;
#[path = "support/slack.rs"]
mod slack;

use slack::{CHANNEL, Connected, PERSON, connect};

const ROUNDS: usize = 10;
const IN_FLIGHT: usize = 100;
const HANDLER_TAKES: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() {
    let (requests, mut incoming) = mpsc::channel(4 * IN_FLIGHT);
    let Connected {
        slack, listener, ..
    } = connect(requests).await;
    // Every request keeps a handler busy for two seconds, as a slow `release` would.
    tokio::spawn(async move {
        while let Some(_request) = incoming.recv().await {
            tokio::spawn(tokio::time::sleep(HANDLER_TAKES));
        }
    });

    let mut latencies = Vec::new();
    for round in 0..ROUNDS {
        let before = slack.acks().len();
        for i in 0..IN_FLIGHT {
            slack.slash_command(PERSON, CHANNEL, &format!("status {round} {i}"));
        }
        let acks = slack
            .wait_for_acks(before + IN_FLIGHT, Duration::from_secs(30))
            .await;
        assert_eq!(acks.len(), before + IN_FLIGHT, "every envelope is acked");
        let delivered: HashMap<String, std::time::Instant> = slack
            .deliveries()
            .into_iter()
            .map(|d| (d.envelope_id, d.at))
            .collect();
        for ack in &acks[before..] {
            latencies.push(ack.at.duration_since(delivered[&ack.envelope_id]));
        }
    }
    println!(
        "ack latency over {} envelopes ({IN_FLIGHT} in flight, handlers taking {HANDLER_TAKES:?}): {}",
        latencies.len(),
        latency::summary(&mut latencies)
    );
    listener.shutdown().await;
}
