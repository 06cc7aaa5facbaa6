//! An emulated world for one or more gates: a Kubernetes API with the Konflux resources, GCS with
//! Prow results, a store in a temporary directory, and the real adapters wired to them.
//!
//! The integration tests and `gatebot sandbox` both build on it, so what the tests prove is what
//! people see when they try gatebot.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::clock::Clock;
use crate::engine::{Engine, GateSpec, Pace};
use crate::konflux::{AUTO_RELEASE_LABEL, Konflux};
use crate::prow::{OPERATOR_IMAGE_ENV, ProwClient, ProwSettings, RetryPolicy};
use crate::store::Store;
use gatebot_emulators::gcs::GcsEmulator;
use gatebot_emulators::kube::{KubeEmulator, ResourceRef};
use gatebot_emulators::prow::{BuildFinish, BuildResult, BuildStart, ProwWriter};

/// The bucket the emulated Prow writes to.
pub const BUCKET: &str = "test-platform-results";

/// Everything outside gatebot, emulated, plus a fresh store.
pub struct World {
    pub kube: KubeEmulator,
    pub gcs: GcsEmulator,
    pub clock: Arc<dyn Clock>,
    pub gates: Vec<GateSpec>,
    store_dir: tempfile::TempDir,
}

/// gatebot's clock, as the emulators read it, so the emulated world and gatebot share one time.
pub fn emulator_clock(clock: &Arc<dyn Clock>) -> Arc<dyn gatebot_emulators::Clock> {
    let clock = clock.clone();
    Arc::new(move || clock.now())
}

impl World {
    /// Starts the emulators and creates each gate's ReleasePlan with auto-release off, as a
    /// correctly set up tenant has it.
    pub async fn start(gates: Vec<GateSpec>, clock: Arc<dyn Clock>) -> std::io::Result<Self> {
        let kube = KubeEmulator::builder()
            .clock(emulator_clock(&clock))
            .start()
            .await?;
        let gcs = GcsEmulator::start_with_clock(emulator_clock(&clock)).await?;
        let world = Self {
            kube,
            gcs,
            clock,
            gates,
            store_dir: tempfile::tempdir()?,
        };
        for gate in &world.gates {
            world.put_release_plan(gate, Some("false"));
        }
        Ok(world)
    }

    /// Creates or replaces a gate's ReleasePlan with the given auto-release label.
    pub fn put_release_plan(&self, gate: &GateSpec, auto_release: Option<&str>) {
        let labels = match auto_release {
            Some(value) => json!({ AUTO_RELEASE_LABEL: value }),
            None => json!({}),
        };
        self.kube
            .insert(json!({
                "apiVersion": "appstudio.redhat.com/v1alpha1",
                "kind": "ReleasePlan",
                "metadata": {"name": gate.release_plan, "namespace": gate.namespace, "labels": labels},
                "spec": {"application": gate.component, "target": "rhtap-releng-tenant"}
            }))
            .expect("a ReleasePlan the CRD accepts");
    }

    /// The store URL of this world (a SQLite file in a temporary directory).
    pub fn store_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.store_dir.path().join("gatebot.db").display()
        )
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.store_url())
            .await
            .expect("a store in a temporary directory opens")
    }

    /// A kube client for the emulated API server, with kube's own retries off (`default_retry`)
    /// so the adapter's retries are the only ones, as the tests expect.
    pub fn kube_client(&self) -> kube::Client {
        let url = self
            .kube
            .url()
            .parse()
            .expect("the emulator URL is a valid URI");
        let mut config = kube::Config::new(url);
        config.default_namespace = "default".into();
        config.default_retry = false;
        kube::Client::try_from(config).expect("a kube client for the emulator")
    }

    pub fn konflux(&self) -> Konflux {
        Konflux::new(self.kube_client()).with_request_timeout(std::time::Duration::from_secs(1))
    }

    /// Prow settings pointing at the emulated GCS, with quick retries.
    pub fn prow_settings(&self) -> ProwSettings {
        ProwSettings {
            gcs_url: self.gcs.url().to_string(),
            bucket: BUCKET.into(),
            retry: RetryPolicy {
                max_retries: 3,
                min_delay: std::time::Duration::from_millis(5),
                max_delay: std::time::Duration::from_millis(50),
                max_retry_after: std::time::Duration::from_secs(2),
            },
            ..ProwSettings::default()
        }
    }

    pub fn prow_client(&self) -> ProwClient {
        ProwClient::new(self.prow_settings(), reqwest::Client::new())
            .expect("settings pointing at the emulator are valid")
    }

    /// A gatebot engine wired to this world, on `store`. The rest of that gatebot (its chat)
    /// takes the same handle, as `gatebot run` does: a SQLite store is one connection, and a
    /// second one to the same file would wait on the first. Engines on stores of their own share
    /// the world like replicas do.
    pub async fn engine(&self, store: Store, pace: Pace) -> Engine {
        Engine::new(
            self.gates.clone(),
            store,
            self.konflux(),
            self.prow_client(),
            self.clock.clone(),
            pace,
        )
        .await
        .expect("the engine loads from a fresh store")
    }

    /// Publishes a Snapshot of a gate's component, labelled as the gate's selector expects.
    pub fn publish_snapshot(&self, gate: &GateSpec, name: &str, digest: &str) -> Value {
        self.kube
            .insert(snapshot_object(gate, name, digest))
            .expect("a Snapshot the CRD accepts")
    }

    pub fn prow(&self) -> ProwWriter<'_> {
        ProwWriter::new(&self.gcs, BUCKET)
    }

    /// A periodic job run that tested a snapshot starts now.
    pub fn start_run(&self, job: &str, build_id: &str, snapshot_digest: &str) {
        self.prow().start_build(
            &BuildStart::new(job, build_id, self.clock.now())
                .with_env(OPERATOR_IMAGE_ENV, operator_image(snapshot_digest)),
        );
    }

    /// A periodic job run that tested a snapshot finishes now, naming the snapshot in its
    /// metadata the way the job's `metadata.json` does.
    pub fn finish_run(&self, job: &str, build_id: &str, snapshot: &str, result: BuildResult) {
        let finish = BuildFinish::new(result, self.clock.now())
            .with_metadata(ProwSettings::default().snapshot_metadata_key, snapshot);
        self.prow().finish_build(job, build_id, &finish);
    }

    /// The Releases in a namespace.
    pub fn releases(&self, namespace: &str) -> Vec<Value> {
        self.kube.list(&ResourceRef::RELEASE, Some(namespace))
    }

    /// Konflux's release service reports on a Release (`Progressing`, `Succeeded`, `Failed`).
    pub fn set_released(&self, namespace: &str, name: &str, reason: &str, message: &str) {
        let status = if reason == "Succeeded" {
            "True"
        } else {
            "False"
        };
        self.kube
            .patch_status(
                &ResourceRef::RELEASE,
                namespace,
                name,
                json!({"conditions": [{
                    "type": "Released", "status": status, "reason": reason, "message": message,
                    "lastTransitionTime": self.clock.now().to_string(),
                }]}),
            )
            .expect("the Release exists");
    }
}

/// A Snapshot object of a gate's component, labelled as the gate's selector expects.
pub fn snapshot_object(gate: &GateSpec, name: &str, digest: &str) -> Value {
    let mut labels = serde_json::Map::new();
    for pair in gate.snapshot_selector.split(',').filter(|p| !p.is_empty()) {
        if let Some((key, value)) = pair.split_once('=') {
            labels.insert(key.to_string(), json!(value));
        }
    }
    json!({
                "apiVersion": "appstudio.redhat.com/v1alpha1",
                "kind": "Snapshot",
                "metadata": {"name": name, "namespace": gate.namespace, "labels": labels},
                "spec": {
                    "application": "hypershift-operator",
                    "components": [{
                        "name": gate.component,
                        "containerImage": operator_image(digest),
                        "source": {"git": {
                            "url": "https://github.com/openshift/hypershift",
                            "revision": format!("{:0>40}", &digest[digest.len().saturating_sub(8)..]),
                        }}
                    }]
                }
    })
}

/// The operator image of a build, as Konflux names it.
pub fn operator_image(digest: &str) -> String {
    format!("quay.io/redhat-user-workloads/crt-redhat-acm-tenant/hypershift-operator-main@{digest}")
}

/// A digest for the n-th build of a world, for tests and scenarios.
pub fn digest(n: u32) -> String {
    format!("sha256:{n:064x}")
}
