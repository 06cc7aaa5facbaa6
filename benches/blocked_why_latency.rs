//! `blocked-why` answer time with 1,000 tracked snapshots: from the moment the emulated Slack
//! sends the slash command until the ephemeral answer is posted, through the real Socket Mode
//! listener, chat front, gate evaluation and Web API client. 200 questions about snapshots
//! chosen across the whole history; prints p50, p99 and max.
//!
//! Target: p99 under 200 ms. Run with `cargo bench --bench blocked_why_latency`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatebot::chat::{ChatFront, ChatSurface, Roles, serve_chat};
use gatebot::clock::{Clock, SystemClock};
use gatebot::config::{Config, RolesConfig};
use gatebot::emergency::{EmergencySettings, Sweeper};
use gatebot::engine::{GateSpec, Pace};
use gatebot::gate::{JobRun, RunState, RunTarget, Snapshot};
use gatebot::sandbox::world::{World, digest, operator_image};
use gatebot::slack::{ChannelPacing, SlackSurface};
use gatebot::status_thread::Notifier;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc;

#[path = "support/latency.rs"]
mod latency;
#[path = "support/slack.rs"]
mod slack;

use slack::{CHANNEL, Connected, PERSON, connect};

const SNAPSHOTS: u32 = 1_000;
const QUESTIONS: u32 = 200;

fn gate() -> GateSpec {
    let text = include_str!("../deploy/config/gatebot.toml");
    let config = Config::parse(text, "deploy/config/gatebot.toml").expect("the example is valid");
    config.gates[0].clone()
}

fn snapshot_name(n: u32) -> String {
    format!("hypershift-operator-main-{n:06}")
}

/// A thousand snapshots, one a minute, each tested by every job; every seventh has a failure.
async fn seed(world: &World, gate: &GateSpec) {
    let store = world.store().await;
    let now = Timestamp::now();
    for n in 0..SNAPSHOTS {
        let created_at = now - SignedDuration::from_mins(i64::from(SNAPSHOTS - n));
        let snapshot = Snapshot {
            gate: gate.name.clone(),
            namespace: gate.namespace.clone(),
            name: snapshot_name(n),
            component: gate.component.clone(),
            image: operator_image(&digest(n)),
            digest: Some(digest(n)),
            git_url: Some("https://github.com/openshift/hypershift".into()),
            git_revision: Some(format!("{n:040x}")),
            created_at,
        };
        store
            .record_snapshot(&snapshot, created_at)
            .await
            .expect("recorded");
        for (i, job) in gate.policy.jobs().iter().enumerate() {
            let state = if n % 7 == 0 && i == 0 {
                RunState::Failure
            } else {
                RunState::Success
            };
            let run = JobRun {
                job: job.to_string(),
                build_id: format!("17{n:08}{i:09}"),
                state,
                started_at: Some(created_at),
                finished_at: Some(created_at + SignedDuration::from_hours(2)),
                url: format!(
                    "https://prow.ci.openshift.org/view/gs/test-platform-results/logs/{job}/17{n:08}{i:09}"
                ),
                target: RunTarget::Snapshot(snapshot_name(n)),
            };
            store.record_run(&run, created_at).await.expect("recorded");
        }
    }
}

#[tokio::main]
async fn main() {
    let gate = gate();
    let world = World::start(vec![gate.clone()], Arc::new(SystemClock))
        .await
        .expect("emulators start");
    seed(&world, &gate).await;
    let store = world.store().await;
    let engine = world.engine(store.clone(), Pace::default()).await;

    let (requests, incoming) = mpsc::channel(64);
    let Connected {
        slack,
        client,
        tokens,
        listener,
    } = connect(requests).await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let surface: Arc<dyn ChatSurface> = Arc::new(SlackSurface::new(
        client,
        &tokens.bot,
        CHANNEL,
        Arc::new(ChannelPacing::default()),
    ));
    let front = ChatFront::new(
        engine.clone(),
        store.clone(),
        surface.clone(),
        Roles::new(RolesConfig::default(), surface.clone()),
        clock.clone(),
    );
    let notifier = Notifier::new(
        engine.clone(),
        store.clone(),
        surface.clone(),
        clock.clone(),
    );
    let sweeper = Sweeper::new(engine, store, surface, EmergencySettings::default(), clock);
    tokio::spawn(serve_chat(
        front,
        notifier,
        sweeper,
        incoming,
        std::future::pending(),
    ));

    let mut latencies = Vec::new();
    for question in 0..QUESTIONS {
        let snapshot = snapshot_name(question * (SNAPSHOTS / QUESTIONS) + question % 5);
        let answered = slack.ephemerals(CHANNEL).len();
        let started = Instant::now();
        slack.slash_command(PERSON, CHANNEL, &format!("blocked-why {snapshot}"));
        while slack.ephemerals(CHANNEL).len() == answered {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no answer in 10 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        latencies.push(started.elapsed());
        let answer = slack.ephemerals(CHANNEL).pop().expect("answered");
        assert!(
            answer.text.contains(&snapshot),
            "answers about {snapshot}: {}",
            answer.text
        );
    }
    println!(
        "blocked-why answer time over {QUESTIONS} questions, {SNAPSHOTS} tracked snapshots: {}",
        latency::summary(&mut latencies)
    );
    listener.shutdown().await;
}
