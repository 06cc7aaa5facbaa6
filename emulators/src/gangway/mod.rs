//! An in-process emulator of Gangway, Prow's REST trigger service, as OpenShift CI serves it,
//! with the runs it starts written into the GCS emulator the way Prow writes them.
//!
//! Sources: `kubernetes-sigs/prow` `pkg/gangway/gangway.proto` (routes, messages, enums),
//! `pkg/gangway/gangway.go` (validation, lookup, authorization, get and list),
//! `pkg/config/gangway.go` (clients and their tenant filters), `pkg/pjutil/pjutil.go` and
//! `pkg/pod-utils/decorate/podspec.go` (ProwJob names, labels and annotations); openshift/ci-docs
//! `triggering-prowjobs-via-rest.md` (bearer tokens, rate limits, the JSON of an answer).
//!
//! What is emulated:
//! - `POST /v1/executions`: Gangway's checks and messages (`InvalidArgument` for a bad request,
//!   `Unknown` — HTTP 500 — for an unknown job or an unsupported type, as the real service
//!   passes those errors on without a gRPC code), the client allowlist by tenant
//!   (`PermissionDenied`), and an answer built from the request: status `TRIGGERED`, empty
//!   `gcs_path` and `job_url`;
//! - `GET /v1/executions/{id}`: the run as it stands, with `job_url` once its pod is scheduled;
//!   an unknown id is the Kubernetes `NotFound` passed on, so HTTP 500 `Unknown`;
//! - `GET /v1/executions?job_name=&status=`: a label selector on `prow.k8s.io/job`, which holds
//!   the job name cut to 63 characters, so a longer name finds nothing;
//! - each run's lifecycle on the emulator's [`Clock`]: TRIGGERED, PENDING after a scheduling
//!   delay, then the planned outcome after the run's duration, with `started.json`,
//!   `prowjob.json`, `latest-build.txt` and `finished.json` written into GCS at those moments;
//!   runs settle on every request, on [`GangwayEmulator::settle`], and on a background tick;
//! - the front: `Authorization: Bearer` required (401 `Unauthenticated` without a known token),
//!   and faults — rate limits with `Retry-After`, server errors, closed connections, latency,
//!   and triggers carried out whose answer is lost.
//!
//! What is not: presubmit, postsubmit and batch jobs (every non-periodic trigger fails as one
//! whose job is not found), the scheduler's `SCHEDULING` state, `max_concurrency`, aborting of
//! runs, `BulkJobStatusChange`, the annotation OpenShift CI adds with the caller's name, and
//! the exact bodies of the front's own refusals (401, 429, 5xx), which no public source shows;
//! they are given the `google.rpc.Status` shape of Gangway's answers.

mod conn;
mod faults;
mod http;
mod jobs;
mod request;
mod rng;
mod runs;
mod service;
mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultEffect, Route};
pub use jobs::{DEFAULT_TENANT, JobBehaviour, Outcome};
pub use request::PodSpecOptions;
pub use runs::Execution;
pub use wire::ExecutionStatus;

use crate::clock::{Clock, SystemClock};
use crate::gcs::GcsObjects;
use crate::prow::ProwWriter;
use conn::{Cut, CuttableListener};
use faults::FaultPlan;
use rng::SplitMix64;
use runs::Runs;
use service::{Client, Prow};

/// OpenShift CI's results bucket.
pub const DEFAULT_BUCKET: &str = "test-platform-results";

/// The token of the client every emulator starts with (shaped like an OpenShift token).
pub const DEFAULT_TOKEN: &str = "sha256~gangway-emulator-token";

/// One request the emulator received. The token is never recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path and query as sent, e.g. `/v1/executions?job_name=x`.
    pub path: String,
    /// The status answered; `None` when the connection was closed without an answer.
    pub status: Option<u16>,
    /// The job the request was about, when it names one.
    pub job_name: Option<String>,
}

impl RecordedRequest {
    pub fn is_trigger(&self) -> bool {
        self.method == "POST" && self.path == "/v1/executions"
    }
}

/// State shared between the test-side handle, the HTTP handlers and the ticker.
struct Shared {
    prow: Mutex<Prow>,
    faults: Mutex<FaultPlan>,
    log: Mutex<Vec<RecordedRequest>>,
    clock: Arc<dyn Clock>,
    gcs: GcsObjects,
    bucket: String,
    base_url: String,
}

impl Shared {
    fn prow(&self) -> MutexGuard<'_, Prow> {
        self.prow.lock().expect("prow lock poisoned")
    }

    fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.faults.lock().expect("fault lock poisoned")
    }

    fn log(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.log.lock().expect("log lock poisoned")
    }

    fn settle(&self) {
        let now = self.clock.now();
        let writer = ProwWriter::new(&self.gcs, self.bucket.clone());
        self.prow().runs.settle(now, &writer);
    }
}

/// How to start an emulator; see [`GangwayEmulator::builder`].
pub struct GangwayBuilder {
    gcs: GcsObjects,
    clock: Arc<dyn Clock>,
    bucket: String,
    token: String,
    seed: u64,
    settle_every: Option<Duration>,
    jobs: BTreeMap<String, JobBehaviour>,
}

impl GangwayBuilder {
    /// The clock runs live on (default: the wall clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The bucket runs are written to (default [`DEFAULT_BUCKET`]).
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.bucket = bucket.into();
        self
    }

    /// The token of the default client, allowed to run jobs of [`DEFAULT_TENANT`].
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// The seed of everything left to chance: outcomes, durations, execution ids.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How often runs are settled in the background (real time; default 200 ms), so GCS shows
    /// results even when nobody asks Gangway. `None`: only requests and `settle()` do it.
    pub fn settle_every(mut self, every: Option<Duration>) -> Self {
        self.settle_every = every;
        self
    }

    /// A periodic job the emulated Prow knows.
    pub fn job(mut self, name: impl Into<String>, behaviour: JobBehaviour) -> Self {
        self.jobs.insert(name.into(), behaviour);
        self
    }

    /// Starts the emulator on a free port of 127.0.0.1.
    pub async fn start(self) -> io::Result<GangwayEmulator> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let default_client = Client {
            allowed_tenants: BTreeSet::from([DEFAULT_TENANT.to_string()]),
        };
        let shared = Arc::new(Shared {
            prow: Mutex::new(Prow {
                jobs: self.jobs,
                clients: BTreeMap::from([(self.token.clone(), default_client)]),
                runs: Runs::default(),
                rng: SplitMix64::new(self.seed),
            }),
            faults: Mutex::new(FaultPlan::default()),
            log: Mutex::new(Vec::new()),
            clock: self.clock,
            gcs: self.gcs,
            bucket: self.bucket,
            base_url,
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let app = http::router(shared.clone()).into_make_service_with_connect_info::<Cut>();
        let server = tokio::spawn(async move {
            let serving =
                axum::serve(CuttableListener(listener), app).with_graceful_shutdown(async {
                    // A dropped sender means the emulator handle is gone: stop as well.
                    let _ = stopped.await;
                });
            if let Err(error) = serving.await {
                tracing::error!(%error, "the Gangway emulator stopped serving");
            }
        });
        let ticker = self.settle_every.map(|every| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(every);
                loop {
                    ticks.tick().await;
                    shared.settle();
                }
            })
        });
        Ok(GangwayEmulator {
            shared,
            token: self.token,
            stop: Some(stop),
            server: Some(server),
            ticker,
        })
    }
}

/// A running emulator; it stops when dropped or shut down.
pub struct GangwayEmulator {
    shared: Arc<Shared>,
    token: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    ticker: Option<JoinHandle<()>>,
}

impl GangwayEmulator {
    /// An emulator that writes its runs through `gcs` (see [`crate::gcs::GcsEmulator::objects`]).
    pub fn builder(gcs: GcsObjects) -> GangwayBuilder {
        GangwayBuilder {
            gcs,
            clock: Arc::new(SystemClock),
            bucket: DEFAULT_BUCKET.to_string(),
            token: DEFAULT_TOKEN.to_string(),
            seed: 0,
            settle_every: Some(Duration::from_millis(200)),
            jobs: BTreeMap::new(),
        }
    }

    /// The base URL to give a client, `http://127.0.0.1:PORT` (routes start with `/v1/`).
    pub fn url(&self) -> &str {
        &self.shared.base_url
    }

    /// The default client's bearer token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Adds or replaces a job; runs already triggered keep their plan.
    pub fn set_job(&self, name: impl Into<String>, behaviour: JobBehaviour) {
        self.shared.prow().jobs.insert(name.into(), behaviour);
    }

    /// How a known job behaves now, with the scripted outcomes it has not used yet; `None` for
    /// a job the emulated Prow does not know.
    pub fn job(&self, name: &str) -> Option<JobBehaviour> {
        self.shared.prow().jobs.get(name).cloned()
    }

    /// The next runs of a known job end like this, in order ("fails, then passes").
    pub fn script(&self, job: &str, outcomes: impl IntoIterator<Item = Outcome>) {
        let mut prow = self.shared.prow();
        let behaviour = prow
            .jobs
            .get_mut(job)
            .expect("script a job the emulator knows");
        *behaviour = std::mem::take(behaviour).then(outcomes);
    }

    /// Another API client, allowed to run the jobs of these tenants.
    pub fn add_client(&self, token: impl Into<String>, tenants: &[&str]) {
        let client = Client {
            allowed_tenants: tenants.iter().map(|tenant| tenant.to_string()).collect(),
        };
        self.shared.prow().clients.insert(token.into(), client);
    }

    /// Moves every run whose time has come on the clock, writing its files into GCS.
    pub fn settle(&self) {
        self.shared.settle();
    }

    /// Every execution, in the order they were triggered.
    pub fn executions(&self) -> Vec<Execution> {
        self.shared.prow().runs.in_trigger_order()
    }

    /// Queues a fault; faults fire in the order they were added.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults().add(fault);
    }

    /// Drops every fault that has not fired yet: the bad day is over.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log().clone()
    }

    /// Stops listening and ticking, and waits until the server task has finished.
    pub async fn shutdown(mut self) {
        self.stop_ticking();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    fn stop_ticking(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
    }
}

impl Drop for GangwayEmulator {
    fn drop(&mut self) {
        self.stop_ticking();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
