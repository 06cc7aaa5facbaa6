//! `gatebot run` and `gatebot explain` as a release engineer runs them: the real binary, a
//! configuration file, and the emulated cluster and GCS.

mod support;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use gatebot::sandbox::world::{World, digest, emulator_clock};
use gatebot_emulators::gangway::{GangwayEmulator, JobBehaviour};
use gatebot_emulators::prow::BuildResult;
use support::{GATE_TOML, all_jobs, free_port, gate, job, wait_until, world, world_config};

const NS: &str = "crt-redhat-acm-tenant";
const LIMIT: Duration = Duration::from_secs(30);

/// A configuration for the test gate pointing at the world's emulators.
fn config(world: &World, listen_port: u16) -> String {
    format!("{}{GATE_TOML}", world_config(world, listen_port))
}

struct Bot {
    child: Child,
}

impl Bot {
    fn start(config: &std::path::Path) -> Self {
        Self::start_with_env(config, &[])
    }

    fn start_with_env(config: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_gatebot"))
            .args(["run", "--log-format", "json", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        Self { child }
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn explain_with(config: &std::path::Path, snapshot: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gatebot"))
        .args(["explain", snapshot, "--config"])
        .arg(config)
        .output()
        .expect("the binary runs")
}

async fn status_of(url: &str) -> Option<u16> {
    reqwest::get(url).await.ok().map(|r| r.status().as_u16())
}

#[tokio::test]
async fn run_releases_serves_its_endpoints_stops_on_sigterm_and_explain_reads_the_store() {
    let world = world().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config_path = dir.path().join("gatebot.toml");
    std::fs::write(&config_path, config(&world, port)).unwrap();
    let base = format!("http://127.0.0.1:{port}");

    let mut bot = Bot::start(&config_path);
    wait_until("/healthz answers", LIMIT, || async {
        status_of(&format!("{base}/healthz")).await == Some(200)
    })
    .await;
    wait_until("/readyz says ready", LIMIT, || async {
        status_of(&format!("{base}/readyz")).await == Some(200)
    })
    .await;

    let snapshot = "hypershift-operator-main-20261121-101500-000";
    world.publish_snapshot(&gate(), snapshot, &digest(1));
    let failing_prerelease = job("4.21", "azure", "baseline");
    for (i, job) in all_jobs().iter().enumerate() {
        let build = format!("1900000000{i:09}");
        let result = if *job == failing_prerelease {
            BuildResult::Failure
        } else {
            BuildResult::Success
        };
        world.start_run(job, &build, &digest(1));
        world.finish_run(job, &build, snapshot, result);
    }
    wait_until("the Release exists", LIMIT, || async {
        !world.releases(NS).is_empty()
    })
    .await;
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"gatebot_releases_created_total{gate="hypershift-operator"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"gatebot_snapshots{gate="hypershift-operator",decision="passed"} 1"#),
        "{metrics}"
    );

    bot.terminate();
    let exited = tokio::time::timeout(LIMIT, async {
        loop {
            if let Some(status) = bot.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("gatebot stops after SIGTERM");
    assert!(exited.success(), "{exited:?}");
    let mut logs = String::new();
    bot.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    for line in logs.lines() {
        let parsed: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
        assert!(parsed.get("level").is_some(), "{line}");
    }
    assert!(logs.contains("terminated"), "{logs}");
    assert_eq!(world.releases(NS).len(), 1);

    let explained = explain_with(&config_path, snapshot);
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(
        explained.status.success(),
        "{}",
        String::from_utf8_lossy(&explained.stderr)
    );
    assert!(text.contains("Verdict: PASSED"), "{text}");
    assert!(
        text.contains("allowed because 4.21 is not generally available"),
        "{text}"
    );
    assert!(
        text.contains("Release hypershift-operator-main-20261121-101500-000-"),
        "{text}"
    );

    let unknown = explain_with(&config_path, "no-such-snapshot");
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no gate tracks a snapshot named `no-such-snapshot`")
    );
}

#[tokio::test]
async fn a_bypassed_release_plan_is_in_the_explanation() {
    let world = world().await;
    world.put_release_plan(&gate(), Some("true"));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config_path = dir.path().join("gatebot.toml");
    std::fs::write(&config_path, config(&world, port)).unwrap();
    let snapshot = "hypershift-operator-main-20261121-111500-000";
    world.publish_snapshot(&gate(), snapshot, &digest(2));

    // Migrate the store before the bot starts: two processes must not migrate one SQLite file
    // at the same moment (sqlx takes no migration lock on SQLite; one replica is the rule there).
    let store = world.store().await;
    let mut bot = Bot::start(&config_path);
    wait_until("the bypass is recorded", LIMIT, || async {
        store
            .release_plan_check("hypershift-operator")
            .await
            .unwrap()
            .is_some_and(|c| c.bypassed)
    })
    .await;
    wait_until("the snapshot is recorded", LIMIT, || async {
        !store
            .snapshots("hypershift-operator")
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    bot.terminate();
    let _ = bot.child.wait();
    let explained = explain_with(&config_path, snapshot);
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(
        text.contains(
            "label release.appstudio.openshift.io/auto-release is \"true\", so Konflux releases every snapshot by itself"
        ),
        "{text}"
    );
}

/// The test gate running its own tests through the Gangway at `gangway_url`, whose token is in
/// `GATEBOT_TEST_GANGWAY_TOKEN`.
fn triggered_config(world: &World, listen_port: u16, gangway_url: &str) -> String {
    let gate = GATE_TOML.replacen(
        "platforms = [\"aws\", \"azure\"]",
        "platforms = [\"aws\", \"azure\"]\nruns = \"triggered\"",
        1,
    );
    assert_ne!(gate, GATE_TOML, "the test gate names its platforms");
    format!(
        "{}[gangway]\nurl = \"{gangway_url}\"\ntoken_env = \"GATEBOT_TEST_GANGWAY_TOKEN\"\n{gate}\n\
         [gates.rounds]\nstagger = \"0s\"\n",
        world_config(world, listen_port)
    )
}

#[tokio::test]
async fn run_triggers_a_round_for_a_gate_that_runs_its_own_tests_and_releases_once() {
    let world = world().await;
    let mut builder = GangwayEmulator::builder(world.gcs.objects())
        .clock(emulator_clock(&world.clock))
        .settle_every(Some(Duration::from_millis(50)));
    for job in all_jobs() {
        builder = builder.job(
            job,
            JobBehaviour::default()
                .scheduled_after(Duration::from_millis(50))
                .running_between(Duration::from_millis(100), Duration::from_millis(200))
                .passing(1.0),
        );
    }
    let gangway = builder.start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("gatebot.toml");
    std::fs::write(
        &config_path,
        triggered_config(&world, free_port(), gangway.url()),
    )
    .unwrap();

    let missing_token = Command::new(env!("CARGO_BIN_EXE_gatebot"))
        .args(["run", "--config"])
        .arg(&config_path)
        .env_remove("GATEBOT_TEST_GANGWAY_TOKEN")
        .output()
        .unwrap();
    assert!(!missing_token.status.success());
    let said = String::from_utf8_lossy(&missing_token.stderr);
    assert!(
        said.contains(
            "the Gangway token is missing: set the environment variable GATEBOT_TEST_GANGWAY_TOKEN"
        ),
        "{said}"
    );
    assert!(gangway.executions().is_empty(), "nothing was triggered");

    let mut bot = Bot::start_with_env(
        &config_path,
        &[("GATEBOT_TEST_GANGWAY_TOKEN", gangway.token())],
    );
    let snapshot = "hypershift-operator-main-20261121-121500-000";
    world.publish_snapshot(&gate(), snapshot, &digest(3));
    wait_until("the round's runs release the snapshot", LIMIT, || async {
        !world.releases(NS).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    bot.terminate();
    let _ = bot.child.wait();

    assert_eq!(world.releases(NS).len(), 1);
    let mut triggered: Vec<String> = gangway.executions().into_iter().map(|e| e.job).collect();
    triggered.sort();
    let mut expected = all_jobs();
    expected.sort();
    assert_eq!(triggered, expected, "every cell's job, once");
}
