//! An emulated OpenShift release-controller API (`https://amd64.ocp.releases.ci.openshift.org`),
//! the place that says which OCP builds exist and which were Accepted: gatebot learns from it
//! when a version became generally available.
//!
//! Two endpoints are served, with the shapes and status codes of
//! `cmd/release-controller-api/http.go` (`apiReleaseTags`, `apiReleaseLatest`) and the types of
//! `pkg/release-controller/types.go` (`APIRelease`, `APITag`, the `ReleasePhase*` constants) in
//! openshift/release-controller:
//!
//! - `GET /api/v1/releasestream/{stream}/tags[?phase=P[&phase=Q]]` → `APIRelease {name, tags}`,
//!   `tags` being `null` when no tag matches (a nil Go slice), 404 for an unknown stream;
//! - `GET /api/v1/releasestream/{stream}/latest[?prefix=…&in=…]` → `APITag
//!   {name, phase, pullSpec, downloadURL}` of the newest Accepted tag, 404 when nothing matches,
//!   400 for a range that does not parse.
//!
//! Errors are Go's `http.Error`: plain text with a trailing newline. Other paths get the Go
//! mux's `404 page not found`. `format=`, `rel=` and the other endpoints are not emulated.
//!
//! Tests add streams and tags, move a tag to another phase (a version goes GA mid-test), queue
//! faults (5xx, 429 with `Retry-After`, a dropped connection, a body that is not JSON), stop
//! and restart the server on the same port, and read a request log.

mod http;
mod semver;
mod streams;

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
use streams::Streams;

/// A tag's phase, as `ReleasePhase*` in `pkg/release-controller/types.go` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for an update payload to be created.
    Pending,
    /// The payload could not be created.
    Failed,
    /// The payload exists; verification is running.
    Ready,
    /// Verification passed.
    Accepted,
    /// Verification failed.
    Rejected,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Failed => "Failed",
            Phase::Ready => "Ready",
            Phase::Accepted => "Accepted",
            Phase::Rejected => "Rejected",
        }
    }
}

/// A way the emulated API misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A 5xx status with a plain-text body, as from the router in front of a restarting pod.
    ServerError(u16),
    /// 429 with `Retry-After` in seconds.
    TooManyRequests { retry_after_secs: u64 },
    /// The connection is closed without an answer.
    DropConnection,
    /// 200 with a JSON content type and a body cut off in the middle.
    MalformedBody,
}

/// One request as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// When it arrived, by the emulator's clock.
    pub at: Timestamp,
    pub path: String,
    /// The query string as sent (still percent-encoded), empty when there was none.
    pub query: String,
    /// `None` when the connection was dropped instead of answered.
    pub status: Option<u16>,
}

/// What the HTTP side and the test handle share.
struct State {
    streams: Streams,
    faults: VecDeque<Fault>,
    requests: Vec<LoggedRequest>,
    clock: Box<dyn Clock>,
}

type Shared = Arc<Mutex<State>>;

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared
        .lock()
        .expect("emulated release-controller state poisoned")
}

/// A running server: the signal that stops it and the task that serves.
struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// An emulated release-controller on 127.0.0.1; it stops when dropped.
pub struct ReleaseControllerEmulator {
    address: SocketAddr,
    base_url: String,
    shared: Shared,
    running: Option<Running>,
}

impl ReleaseControllerEmulator {
    /// Starts on a free port of 127.0.0.1, logging requests with the wall clock's time.
    pub async fn start() -> io::Result<Self> {
        Self::start_with_clock(SystemClock).await
    }

    /// Starts with request times taken from `clock`.
    pub async fn start_with_clock(clock: impl Clock) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Mutex::new(State {
            streams: Streams::default(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            clock: Box::new(clock),
        }));
        let running = Some(serve(listener, shared.clone()));
        Ok(Self {
            address,
            base_url: format!("http://{address}"),
            shared,
            running,
        })
    }

    /// `http://127.0.0.1:PORT`, to give a client as the release-controller's URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared)
    }

    /// Adds an empty stream such as `4-stable`; an existing one is left as it is.
    pub fn add_stream(&self, stream: &str) {
        self.state().streams.add_stream(stream);
    }

    /// Adds a tag to a stream that exists, or moves an existing tag to `phase`.
    pub fn add_tag(&self, stream: &str, tag: &str, phase: Phase) {
        let added = self.state().streams.set_tag(stream, tag, phase);
        assert!(
            added,
            "the emulated release-controller has no stream {stream}"
        );
    }

    /// Moves an existing tag to another phase, as verification finishing would.
    pub fn set_phase(&self, stream: &str, tag: &str, phase: Phase) {
        let mut state = self.state();
        assert!(
            state.streams.has_tag(stream, tag),
            "the emulated release-controller has no tag {tag} in {stream}"
        );
        state.streams.set_tag(stream, tag, phase);
    }

    /// Makes the next `times` requests fail with `fault`, after any already queued.
    pub fn fail_next(&self, fault: Fault, times: usize) {
        self.state()
            .faults
            .extend(std::iter::repeat_n(fault, times));
    }

    /// Drops the faults that have not fired yet.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state().requests.clone()
    }

    /// Stops listening: connections are refused until [`restart`](Self::restart). Streams,
    /// faults and the log are kept.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            let _ = running.task.await;
        }
    }

    /// Listens again on the same address after [`stop`](Self::stop).
    pub async fn restart(&mut self) -> io::Result<()> {
        if self.running.is_none() {
            let listener = TcpListener::bind(self.address).await?;
            self.running = Some(serve(listener, self.shared.clone()));
        }
        Ok(())
    }
}

impl Drop for ReleaseControllerEmulator {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
        }
    }
}

fn serve(listener: TcpListener, shared: Shared) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let app = http::router(shared);
    let task = tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = serving.await {
            tracing::error!(%error, "the emulated release-controller stopped serving");
        }
    });
    Running { stop, task }
}
