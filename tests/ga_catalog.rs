//! GA status as data, wired in: the real engine and notifier against the emulated world, with
//! each gate's GA catalog kept by the real release-controller client against the emulated
//! release-controller — a version going GA turns its allowed failures into failures and is
//! announced once, and a release-controller that never answers leaves the configuration's `ga`
//! in charge, said once in the log.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gatebot::clock::SystemClock;
use gatebot::config::Config;
use gatebot::engine::{Engine, GateEvent, GateSpec};
use gatebot::gate::{Decision, OcpVersion, SnapshotKey};
use gatebot::prow::RetryPolicy;
use gatebot::release_streams::{CatalogRefresher, ReleaseControllerClient, ReleaseStreamsSettings};
use gatebot::sandbox::world::{World, digest};
use gatebot_emulators::prow::BuildResult;
use gatebot_emulators::release_controller::{Phase, ReleaseControllerEmulator};
use gatebot_emulators::slack::SlackEmulator;
use support::chat::{Bot, LIMIT, RELEASER, report_all, snapshot_name, top_level, workspace};
use support::logs::Captured;
use support::{GATE_TOML, Running, free_port, job, wait_until};
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

const GATE: &str = "hypershift-operator";
const V421: OcpVersion = OcpVersion::new(4, 21);
const REFRESH: Duration = Duration::from_millis(50);

/// The support gate (4.20 GA, 4.21 pre-release), released by hand so that a passed snapshot
/// stays as it is for the catalog to change under it.
fn manual_gate() -> GateSpec {
    let text = GATE_TOML.replacen(
        "grace_period_days = 7",
        "grace_period_days = 7\nrelease_mode = \"manual\"",
        1,
    );
    Config::parse(&text, "test gate").unwrap().gates[0].clone()
}

/// The client, quick to give up, as a test can afford.
fn client(url: &str) -> ReleaseControllerClient {
    let settings = ReleaseStreamsSettings {
        url: url.to_string(),
        request_timeout: Duration::from_secs(2),
        retry: RetryPolicy {
            max_retries: 1,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(1),
        },
    };
    ReleaseControllerClient::new(settings, reqwest::Client::new()).unwrap()
}

/// `4-stable` while 4.21 is at its release candidates.
async fn release_controller() -> ReleaseControllerEmulator {
    let rc = ReleaseControllerEmulator::start().await.unwrap();
    rc.add_stream("4-stable");
    rc.add_tag("4-stable", "4.20.0", Phase::Accepted);
    rc.add_tag("4-stable", "4.21.0-rc.1", Phase::Accepted);
    rc
}

/// The engine following the gate's GA status, as `gatebot run` has it, until dropped.
struct Following {
    task: JoinHandle<()>,
    _stop: oneshot::Sender<()>,
}

impl Following {
    fn start(engine: &Engine, gate: &GateSpec, client: ReleaseControllerClient) -> Self {
        let (stop, stopped) = oneshot::channel();
        let refresher = CatalogRefresher::new(client, gate.versions.clone(), Arc::new(SystemClock));
        let (engine, gate) = (engine.clone(), gate.name.clone());
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            engine
                .follow_ga_catalog(&gate, &refresher, REFRESH, shutdown)
                .await;
        });
        Self { task, _stop: stop }
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn decision(engine: &Engine, snapshot: &str) -> Option<Decision> {
    engine
        .verdict(&SnapshotKey::new(GATE, snapshot))
        .map(|(_, verdict)| verdict.decision)
}

fn became_ga(events: &mut broadcast::Receiver<GateEvent>) -> usize {
    std::iter::from_fn(|| events.try_recv().ok())
        .filter(|event| matches!(event, GateEvent::VersionBecameGa { .. }))
        .count()
}

#[tokio::test]
async fn a_version_going_ga_turns_its_allowed_failure_into_a_block_and_is_announced_once() {
    let gate = manual_gate();
    let world = World::start(vec![gate.clone()], Arc::new(SystemClock))
        .await
        .unwrap();
    let slack = SlackEmulator::start(workspace(&[(RELEASER, "rita")]))
        .await
        .unwrap();
    let bot = Bot::start(&world, &slack).await;
    let engine = bot.running.engine.clone();
    let mut events = engine.subscribe();
    let rc = release_controller().await;
    let _following = Following::start(&engine, &gate, client(rc.base_url()));

    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate, &snapshot, &digest(1));
    let pre_release_cell = job("4.21", "aws", "baseline");
    report_all(
        &world,
        &snapshot,
        1,
        1,
        &[(pre_release_cell, BuildResult::Failure)],
    );
    wait_until(
        "4.21's failure is allowed and the gate passes",
        LIMIT,
        || async {
            decision(&engine, &snapshot) == Some(Decision::Passed) && !rc.requests().is_empty()
        },
    )
    .await;
    assert!(!engine.catalog(GATE).unwrap().is_ga(V421));

    rc.add_tag("4-stable", "4.21.0", Phase::Accepted);
    wait_until(
        "the same snapshot is blocked by 4.21's failure",
        LIMIT,
        || async { decision(&engine, &snapshot) == Some(Decision::Blocked) },
    )
    .await;
    assert!(engine.catalog(GATE).unwrap().is_ga(V421));
    wait_until("the blocked verdict is recorded", LIMIT, || async {
        bot.store.latest_verdicts(GATE).await.unwrap()[&snapshot].decision == "blocked"
    })
    .await;

    // Several more refreshes say the same: the change is news only once.
    let asked = rc.requests().len();
    wait_until("three more refreshes", LIMIT, || async {
        rc.requests().len() >= asked + 3
    })
    .await;
    assert_eq!(became_ga(&mut events), 1);
    let announcement = |slack: &SlackEmulator| {
        top_level(slack)
            .into_iter()
            .filter(|message| message.text.contains("OCP 4.21 is generally available"))
            .count()
    };
    wait_until("the channel hears of it", LIMIT, || async {
        announcement(&slack) == 1
    })
    .await;
    tokio::time::sleep(REFRESH * 3).await;
    assert_eq!(
        announcement(&slack),
        1,
        "announced once, not at every refresh"
    );
}

#[tokio::test]
async fn without_the_release_controller_the_configurations_ga_decides_and_the_log_says_so() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // This test's runtime runs every task on this thread, so the subscriber sees them all.
    let _logging = tracing::subscriber::set_default(subscriber);

    let gate = manual_gate();
    let world = World::start(vec![gate.clone()], Arc::new(SystemClock))
        .await
        .unwrap();
    let running = Running::start(&world).await;
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let _following = Following::start(&running.engine, &gate, client(&nobody));

    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate, &snapshot, &digest(1));
    report_all(
        &world,
        &snapshot,
        1,
        1,
        &[(job("4.21", "aws", "baseline"), BuildResult::Failure)],
    );
    let lost = "GA status cannot be read from the release-controller";
    wait_until("the outage is logged", LIMIT, || async {
        captured.text().contains(lost)
    })
    .await;
    wait_until(
        "4.21's failure is allowed, as configured",
        LIMIT,
        || async { decision(&running.engine, &snapshot) == Some(Decision::Passed) },
    )
    .await;
    assert_eq!(running.engine.catalog(GATE), Some(gate.catalog.clone()));

    tokio::time::sleep(REFRESH * 4).await;
    let log = captured.text();
    assert_eq!(log.matches(lost).count(), 1, "logged once:\n{log}");
    assert!(
        log.contains("until it answers, gatebot uses the configuration's `ga`"),
        "{log}"
    );
}
