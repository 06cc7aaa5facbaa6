//! An in-process emulator of Google Cloud Storage's JSON API, holding Prow job results.
//!
//! It answers the calls a Prow results reader makes (`objects.list` with prefix, delimiter,
//! offsets and real paging; `objects.get` for metadata or bytes, with generation
//! preconditions) with the real JSON shapes and error bodies, on 127.0.0.1. Tests write
//! objects directly, read the request log to check what a poll cost, and inject faults (server
//! errors, rate limits, slow or broken answers) to show the reader survives them.

mod faults;
mod http;
mod resource;
mod store;

use std::io;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultEffect};

use crate::clock::{Clock, SystemClock};
use faults::FaultPlan;
use store::Store;

/// One request the emulator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path and query exactly as sent (object names percent-encoded).
    pub path_and_query: String,
    /// The path with percent-encoding undone, e.g. `/storage/v1/b/b/o/logs/job/1/started.json`.
    pub path: String,
    pub status: u16,
}

impl RecordedRequest {
    /// Whether the request downloaded an object's bytes rather than its metadata or a listing.
    pub fn is_download(&self) -> bool {
        self.path_and_query
            .split_once('?')
            .is_some_and(|(_, query)| query.split('&').any(|pair| pair == "alt=media"))
    }
}

/// State shared between the test-side handle and the HTTP handlers.
struct Shared {
    store: Mutex<Store>,
    faults: Mutex<FaultPlan>,
    log: Mutex<Vec<RecordedRequest>>,
    clock: Box<dyn Clock>,
    base_url: String,
}

/// A cheap, clonable handle on the emulator's objects, for whoever writes results into the
/// buckets beside the test (a Gangway emulator's runs, a sandbox scenario) while the test or
/// its world keeps the [`GcsEmulator`] itself.
#[derive(Clone)]
pub struct GcsObjects {
    shared: Arc<Shared>,
}

impl GcsObjects {
    /// Writes an object (a new generation if it exists) and returns its generation.
    pub fn put_object(&self, bucket: &str, name: &str, bytes: impl Into<Vec<u8>>) -> i64 {
        let now = self.shared.clock.now();
        self.shared
            .store
            .lock()
            .expect("store lock poisoned")
            .put(bucket, name, bytes.into(), now)
    }

    /// Removes an object; says whether it existed.
    pub fn delete_object(&self, bucket: &str, name: &str) -> bool {
        self.shared
            .store
            .lock()
            .expect("store lock poisoned")
            .delete(bucket, name)
    }

    /// The stored bytes of an object, if it exists.
    pub fn object_bytes(&self, bucket: &str, name: &str) -> Option<Vec<u8>> {
        let store = self.shared.store.lock().expect("store lock poisoned");
        store.get(bucket, name).map(|object| object.bytes.clone())
    }
}

impl AsRef<GcsObjects> for GcsObjects {
    fn as_ref(&self) -> &GcsObjects {
        self
    }
}

/// A running emulator; it stops when dropped or shut down.
pub struct GcsEmulator {
    objects: GcsObjects,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl GcsEmulator {
    /// Starts an emulator on a free port of 127.0.0.1 that stamps objects with the real time.
    pub async fn start() -> io::Result<Self> {
        Self::start_with_clock(SystemClock).await
    }

    /// Starts an emulator whose object times (`updated`, generations) come from `clock`.
    pub async fn start_with_clock(clock: impl Clock) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::default()),
            faults: Mutex::new(FaultPlan::default()),
            log: Mutex::new(Vec::new()),
            clock: Box::new(clock),
            base_url,
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let app = http::router(shared.clone());
        let server = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async {
                // A dropped sender means the emulator handle is gone: stop as well.
                let _ = stopped.await;
            });
            if let Err(error) = serving.await {
                tracing::error!(%error, "the GCS emulator stopped serving");
            }
        });
        Ok(Self {
            objects: GcsObjects { shared },
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// The base URL to give a GCS client, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.objects.shared.base_url
    }

    /// Stops listening and waits until the server task has finished.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// A handle on the objects for another emulator to write through; what it writes shows up
    /// here.
    pub fn objects(&self) -> GcsObjects {
        self.objects.clone()
    }

    /// Writes an object (a new generation if it exists) and returns its generation.
    pub fn put_object(&self, bucket: &str, name: &str, bytes: impl Into<Vec<u8>>) -> i64 {
        self.objects.put_object(bucket, name, bytes)
    }

    /// Removes an object; says whether it existed.
    pub fn delete_object(&self, bucket: &str, name: &str) -> bool {
        self.objects.delete_object(bucket, name)
    }

    /// The stored bytes of an object, if it exists.
    pub fn object_bytes(&self, bucket: &str, name: &str) -> Option<Vec<u8>> {
        self.objects.object_bytes(bucket, name)
    }

    /// Queues a fault; faults fire in the order they were added.
    pub fn inject(&self, fault: Fault) {
        self.objects
            .shared
            .faults
            .lock()
            .expect("fault lock poisoned")
            .add(fault);
    }

    /// Drops every fault that has not fired yet: the outage is over.
    pub fn clear_faults(&self) {
        self.objects
            .shared
            .faults
            .lock()
            .expect("fault lock poisoned")
            .clear();
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.objects
            .shared
            .log
            .lock()
            .expect("log lock poisoned")
            .clone()
    }

    /// How many requests have been answered so far.
    pub fn request_count(&self) -> usize {
        self.objects
            .shared
            .log
            .lock()
            .expect("log lock poisoned")
            .len()
    }
}

impl AsRef<GcsObjects> for GcsEmulator {
    fn as_ref(&self) -> &GcsObjects {
        &self.objects
    }
}

impl Drop for GcsEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
