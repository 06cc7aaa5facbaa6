//! Shared set-up for the integration tests: a gate built from a real configuration file, an
//! emulated world, engines running in the background, and bounded waiting; `chat` adds the
//! Slack front for the chat tests, `logs` a capture of every log line for the secret tests.

#![allow(dead_code)] // each test target uses a different part of the support code

pub mod chat;
pub mod database;
pub mod logs;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use gatebot::clock::SystemClock;
use gatebot::config::Config;
use gatebot::engine::{Engine, GateSpec, Pace};
use gatebot::sandbox::world::World;
use gatebot::store::Store;
use tokio::task::JoinHandle;

/// A gate over 4.20 (GA) and 4.21 (pre-release) × aws, azure × baseline, upgrade-from-zero:
/// eight required cells.
pub const GATE_TOML: &str = r#"
[[gates]]
name = "hypershift-operator"
namespace = "crt-redhat-acm-tenant"
application = "hypershift-operator"
component = "hypershift-operator-main"
release_plan = "hypershift-operator-progressive"
grace_period_days = 7
result_timeout = "12h"
platforms = ["aws", "azure"]

[[gates.versions]]
version = "4.20"
ga = true

[[gates.versions]]
version = "4.21"
ga = false

[gates.checks.baseline]
jobs = { aws = "periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aws-ovn", azure = "periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aks" }

[gates.checks.upgrade-from-zero]
jobs = { aws = "periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aws-upgrade-from-zero", azure = "periodic-ci-openshift-hypershift-release-{version}-periodics-hcm-azure-e2e-aks-upgrade-from-zero" }
"#;

pub fn gate() -> GateSpec {
    let config = Config::parse(GATE_TOML, "test gate").expect("the test gate is valid");
    config.gates[0].clone()
}

pub fn job(version: &str, platform: &str, check: &str) -> String {
    let suffix = match (platform, check) {
        ("aws", "baseline") => "e2e-aws-ovn",
        ("azure", "baseline") => "e2e-aks",
        ("aws", "upgrade-from-zero") => "e2e-aws-upgrade-from-zero",
        ("azure", "upgrade-from-zero") => "hcm-azure-e2e-aks-upgrade-from-zero",
        other => panic!("no job for {other:?}"),
    };
    format!("periodic-ci-openshift-hypershift-release-{version}-periodics-{suffix}")
}

/// Every job of the test gate.
pub fn all_jobs() -> Vec<String> {
    let mut jobs = Vec::new();
    for version in ["4.20", "4.21"] {
        for platform in ["aws", "azure"] {
            for check in ["baseline", "upgrade-from-zero"] {
                jobs.push(job(version, platform, check));
            }
        }
    }
    jobs
}

/// A port nothing listens on, for a process under test to serve on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The sections of a configuration file that point gatebot at the world's emulators and serve
/// its endpoints on `listen_port`; gates and chat come after.
pub fn world_config(world: &World, listen_port: u16) -> String {
    format!(
        r#"[store]
url = "{store}"

[kubernetes]
api_url = "{kube}"

[prow]
gcs_url = "{gcs}"
poll_interval = "1s"

[server]
listen = "127.0.0.1:{listen_port}"
"#,
        store = world.store_url(),
        kube = world.kube.url(),
        gcs = world.gcs.url(),
    )
}

pub fn fast_pace() -> Pace {
    Pace {
        poll_interval: Duration::from_millis(100),
        reevaluate_interval: Duration::from_millis(100),
        release_plan_check_interval: Duration::from_millis(100),
    }
}

pub async fn world() -> World {
    World::start(vec![gate()], Arc::new(SystemClock))
        .await
        .expect("emulators start")
}

/// An engine running in the background; dropping or `kill`ing it stops it abruptly.
pub struct Running {
    pub engine: Engine,
    /// The engine's store, which the rest of this gatebot (its chat) shares.
    pub store: Store,
    task: JoinHandle<()>,
}

impl Running {
    pub async fn start(world: &World) -> Self {
        Self::start_on(world, world.store().await).await
    }

    /// An engine on `store` rather than the world's own: a second replica, say.
    pub async fn start_on(world: &World, store: Store) -> Self {
        let engine = world.engine(store.clone(), fast_pace()).await;
        let background = engine.clone();
        let task = tokio::spawn(async move { background.run(std::future::pending()).await });
        Self {
            engine,
            store,
            task,
        }
    }

    /// Stops the engine wherever it is, like a killed process.
    pub async fn kill(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits until `condition` holds, checking every 20 ms, for at most `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let waited = tokio::time::timeout(limit, async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "timed out after {limit:?} waiting until {what}"
    );
}
