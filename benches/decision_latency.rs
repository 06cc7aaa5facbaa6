//! Decision latency in the emulated world: from the moment the last required `finished.json`
//! of a snapshot is written to GCS until its Release exists in the Kubernetes API, with the
//! engine polling Prow every second. 200 trials; prints p50, p99 and max.
//!
//! Target: p99 under 1.5 s. Run with `cargo bench --bench decision_latency`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatebot::clock::SystemClock;
use gatebot::config::Config;
use gatebot::engine::{GateSpec, Pace};
use gatebot::gate::SnapshotKey;
use gatebot::sandbox::world::{World, digest};
use gatebot_emulators::prow::BuildResult;

#[path = "support/latency.rs"]
mod latency;

const TRIALS: u32 = 200;
const NS: &str = "crt-redhat-acm-tenant";

fn gate() -> GateSpec {
    let text = include_str!("../deploy/config/gatebot.toml");
    let config = Config::parse(text, "deploy/config/gatebot.toml").expect("the example is valid");
    config.gates[0].clone()
}

async fn until(mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "the engine did not get there in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::main]
async fn main() {
    let gate = gate();
    let jobs: Vec<String> = gate.policy.jobs().iter().map(|j| j.to_string()).collect();
    let world = World::start(vec![gate.clone()], Arc::new(SystemClock))
        .await
        .expect("emulators start");
    let pace = Pace {
        poll_interval: Duration::from_secs(1),
        ..Pace::default()
    };
    let engine = world.engine(world.store().await, pace).await;
    let background = engine.clone();
    tokio::spawn(async move { background.run(std::future::pending()).await });

    let mut latencies = Vec::new();
    for trial in 1..=TRIALS {
        let snapshot = format!("hypershift-operator-main-{trial:06}");
        world.publish_snapshot(&gate, &snapshot, &digest(trial));
        let (last, rest) = jobs.split_last().expect("the gate has jobs");
        for (i, job) in rest.iter().enumerate() {
            let build = format!("17{trial:08}{i:09}");
            world.start_run(job, &build, &digest(trial));
            world.finish_run(job, &build, &snapshot, BuildResult::Success);
        }
        let last_build = format!("17{trial:08}{:09}", jobs.len());
        world.start_run(last, &last_build, &digest(trial));
        // Every other result is in the engine's hands before the clock starts.
        until(|| {
            engine
                .verdict(&SnapshotKey::new(&gate.name, &snapshot))
                .is_some_and(|(_, v)| {
                    v.tally.passed + v.tally.allowed_failures + 1 >= v.tally.required
                })
        })
        .await;

        let started = Instant::now();
        world.finish_run(last, &last_build, &snapshot, BuildResult::Success);
        until(|| {
            world
                .releases(NS)
                .iter()
                .any(|r| r["spec"]["snapshot"] == snapshot.as_str())
        })
        .await;
        latencies.push(started.elapsed());
    }
    println!(
        "decision latency over {TRIALS} trials (poll interval 1 s): {}",
        latency::summary(&mut latencies)
    );
    assert_eq!(
        world.releases(NS).len(),
        TRIALS as usize,
        "exactly one Release per snapshot"
    );
}
