//! An in-process Kubernetes API server for the Konflux resources gatebot reads and writes.
//!
//! [`KubeEmulator::start`] binds `127.0.0.1:0` and serves namespaced custom resources the way a
//! real API server does, so gatebot's real adapter (kube's `Api<DynamicObject>` and
//! `kube::runtime::watcher`) can be tested against it and `gatebot sandbox` can run it:
//!
//! - list (label/field selectors, `limit` + `continue` paging over a consistent snapshot), watch
//!   (resume from a resourceVersion, 410 `Expired` past the kept history, bookmarks, selector
//!   transitions), get, create (`generateName`), update (PUT, optimistic concurrency on
//!   `metadata.resourceVersion`), merge / JSON patch, delete (finalizers), and the `/status`
//!   subresource (status writes change only `.status`; other writes keep it);
//! - server-owned metadata: `uid`, `resourceVersion` (one global counter), `creationTimestamp`,
//!   `generation` (bumped when anything but metadata and status changes);
//! - errors as real `Status` bodies (404 `NotFound`, 409 `AlreadyExists` / `Conflict`, 422
//!   `Invalid` with `details.causes[]`, 400 `BadRequest`, webhook denials);
//! - the embedded Konflux CRDs (Snapshot, Release, ReleasePlan, ReleasePlanAdmission): their
//!   `openAPIV3Schema` prunes, defaults and validates objects (`schema.rs`), and the
//!   release-service admission webhooks are imitated (`admission.rs`);
//! - fault injection ([`Fault`]), [`KubeEmulator::drop_watches`], a request log, and a test-side
//!   API that does not go through HTTP ([`KubeEmulator::insert`], [`KubeEmulator::get`], …).
//!
//! Dropping the emulator (or [`KubeEmulator::shutdown`]) stops the server, its watch streams and
//! any request a fault rule holds.
//!
//! Not emulated: authentication and RBAC (every request acts as [`KubeEmulatorBuilder::user`]),
//! namespaces as objects (any namespace name is accepted), `managedFields` and field ownership
//! (server-side apply is a merge), conversion between versions, CEL beyond a small subset.

mod admission;
mod apiserver;
mod cel;
mod faults;
mod meta;
mod patch;
mod registry;
mod routes;
mod schema;
mod selector;
mod status;
mod store;
mod watch;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
use apiserver::{Part, Shared, Target, WriteOpts, lock};

pub use admission::{
    AUTHOR_LABEL, AUTO_RELEASE_LABEL, AUTOMATED_LABEL, RELEASE_PLAN_LABEL, SNAPSHOT_LABEL,
};
pub use faults::{Fault, FaultAction, Verb};
pub use registry::{ResourceRef, ResourceType, ResourceVersion};
pub use schema::CrdSchema;
pub use status::{ApiError, FieldError, FieldErrorKind};

/// One request the emulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// The raw query string (`watch=true&resourceVersion=12&...`).
    pub query: String,
    /// `None` for paths that name no resource (discovery, health) or unsupported methods.
    pub verb: Option<Verb>,
    pub plural: Option<String>,
    pub name: Option<String>,
    /// The HTTP status answered; `None` while the request is still open (a watch is logged with
    /// its 200 once it starts streaming; a hung request stays `None`).
    pub status: Option<u16>,
}

/// Options for an emulator; [`KubeEmulator::start`] uses the defaults.
pub struct KubeEmulatorBuilder {
    bind: SocketAddr,
    clock: Arc<dyn Clock>,
    user: String,
    history_limit: usize,
    bookmark_interval: Duration,
    extra: Vec<ResourceType>,
}

impl Default for KubeEmulatorBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            clock: Arc::new(SystemClock),
            user: "system:serviceaccount:gatebot:gatebot".into(),
            history_limit: 1000,
            bookmark_interval: Duration::from_secs(60),
            extra: Vec::new(),
        }
    }
}

impl KubeEmulatorBuilder {
    /// Listen here instead of `127.0.0.1:0` (e.g. a fixed port for `gatebot sandbox`).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Where `creationTimestamp` and `deletionTimestamp` come from.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The user every request acts as (the Release `author` label is derived from it).
    /// Default: `system:serviceaccount:gatebot:gatebot`.
    pub fn user(mut self, user: &str) -> Self {
        self.user = user.to_string();
        self
    }

    /// How many change events are kept for watch resumption and list paging (default 1000);
    /// older resourceVersions get 410 `Expired`.
    pub fn history_limit(mut self, events: usize) -> Self {
        self.history_limit = events;
        self
    }

    /// How often a watch with `allowWatchBookmarks=true` gets a `BOOKMARK` (default 60 s, about
    /// what a real API server does).
    pub fn bookmark_interval(mut self, every: Duration) -> Self {
        self.bookmark_interval = every.max(Duration::from_millis(10));
        self
    }

    /// Serve one more resource type (from [`ResourceType::from_crd_yaml`] or
    /// [`ResourceType::schemaless`]).
    pub fn resource(mut self, ty: ResourceType) -> Self {
        self.extra.push(ty);
        self
    }

    pub async fn start(self) -> std::io::Result<KubeEmulator> {
        let mut registry = registry::Registry::konflux();
        for t in self.extra {
            registry.add(Arc::new(t));
        }
        let (drop_watches, _) = tokio::sync::watch::channel(0u64);
        let (shutdown, _) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared {
            store: Mutex::new(store::Store::new(self.history_limit)),
            registry: RwLock::new(registry),
            faults: Mutex::new(faults::Faults::default()),
            log: Mutex::new(Vec::new()),
            clock: self.clock,
            user: RwLock::new(self.user),
            drop_watches,
            shutdown,
            bookmark_interval: self.bookmark_interval,
            open_watches: AtomicUsize::new(0),
        });
        let listener = tokio::net::TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        let app = routes::router(shared.clone());
        let mut stopped = shared.shutdown.subscribe();
        let task = tokio::spawn(async move {
            let signal = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await
            {
                tracing::warn!(error = %e, "kube emulator server stopped with an error");
            }
        });
        tracing::debug!(%addr, "kube emulator listening");
        Ok(KubeEmulator {
            shared,
            addr,
            task: Some(task),
        })
    }
}

/// A running emulated API server. See the module docs.
pub struct KubeEmulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl KubeEmulator {
    /// Start with the defaults on `127.0.0.1:0`.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        Self::builder()
            .start()
            .await
            .expect("the kube emulator could not bind a port on 127.0.0.1")
    }

    pub fn builder() -> KubeEmulatorBuilder {
        KubeEmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop the server and wait (at most a few seconds) until it has stopped.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    fn target(&self, r: &ResourceRef, ns: Option<&str>) -> Result<Target, ApiError> {
        let ty = self
            .shared
            .registry()
            .by_ref(r)
            .ok_or_else(ApiError::unknown_path)?;
        Ok(Target {
            ty,
            version: r.version.to_string(),
            ns: ns.map(str::to_string),
        })
    }

    // ---- test-side API (no HTTP, no faults, not in the request log) ----

    /// Create or replace an object as state already in the cluster: the resource comes from its
    /// `apiVersion` and `kind`, the namespace from `metadata.namespace` (default `default`).
    ///
    /// Watch events are sent and the object is pruned, defaulted and validated against its CRD
    /// like any write, so a fixture that a real cluster would refuse is refused here too. The
    /// admission webhooks are skipped and `status` is kept, because an inserted object stands
    /// for something that already went through them (e.g. a Release some controller created
    /// and another one has since given a status). A replaced object keeps its `uid` and
    /// `creationTimestamp`.
    pub fn insert(&self, object: Value) -> Result<Value, ApiError> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        let (ty, version) = self
            .shared
            .registry()
            .by_kind(api_version, kind)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "no resource is registered for apiVersion {api_version:?} kind {kind:?}"
                ))
            })?;
        let ns = if ty.namespaced {
            Some(
                object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_string(),
            )
        } else {
            None
        };
        let t = Target { ty, version, ns };
        apiserver::insert(&self.shared, &t, object)
    }

    /// The stored object, if any.
    pub fn get(&self, r: &ResourceRef, ns: &str, name: &str) -> Option<Value> {
        let t = self.target(r, Some(ns)).ok()?;
        apiserver::get(&self.shared, &t, name).ok()
    }

    /// The objects of a resource in `ns` (all namespaces with `None`), in list order.
    pub fn list(&self, r: &ResourceRef, ns: Option<&str>) -> Vec<Value> {
        let Ok(t) = self.target(r, ns) else {
            return Vec::new();
        };
        apiserver::list(&self.shared, &t, &Default::default())
            .ok()
            .and_then(|l| l["items"].as_array().cloned())
            .unwrap_or_default()
    }

    /// JSON-merge-patch an object as another client would (admission webhooks included).
    pub fn patch(
        &self,
        r: &ResourceRef,
        ns: &str,
        name: &str,
        merge: Value,
    ) -> Result<Value, ApiError> {
        let t = self.target(r, Some(ns))?;
        let o = WriteOpts {
            admission: true,
            ..Default::default()
        };
        apiserver::patch(
            &self.shared,
            &t,
            name,
            patch::PatchType::Merge,
            &merge,
            Part::Main,
            &o,
        )
        .map(|w| w.object)
    }

    /// JSON-merge-patch the `/status` subresource, as a controller reporting progress would
    /// (e.g. `{"conditions": [{"type": "Released", ...}]}` is sent as `{"status": {...}}`).
    pub fn patch_status(
        &self,
        r: &ResourceRef,
        ns: &str,
        name: &str,
        status_merge: Value,
    ) -> Result<Value, ApiError> {
        let t = self.target(r, Some(ns))?;
        let body = serde_json::json!({"status": status_merge});
        apiserver::patch(
            &self.shared,
            &t,
            name,
            patch::PatchType::Merge,
            &body,
            Part::Status,
            &WriteOpts::default(),
        )
        .map(|w| w.object)
    }

    /// Delete an object (with finalizers: mark it for deletion). `None` if it did not exist.
    pub fn delete(&self, r: &ResourceRef, ns: &str, name: &str) -> Option<Value> {
        let t = self.target(r, Some(ns)).ok()?;
        apiserver::delete(&self.shared, &t, name, &Default::default()).ok()
    }

    /// The newest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.shared.store().rv()
    }

    /// Forget all change history (an etcd compaction): watches and `continue` tokens from
    /// before now get 410 `Expired`.
    pub fn compact(&self) {
        self.shared.store().compact();
    }

    /// Keep at most this many change events from now on.
    pub fn set_history_limit(&self, events: usize) {
        self.shared.store().set_history_limit(events);
    }

    /// Serve one more resource type from now on.
    pub fn register(&self, ty: ResourceType) {
        self.shared
            .registry
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add(Arc::new(ty));
    }

    // ---- faults ----

    /// Add a fault-injection rule (first matching rule wins).
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).add(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Rules that have not fired their count yet.
    pub fn pending_faults(&self) -> Vec<Fault> {
        lock(&self.shared.faults).pending()
    }

    /// Cut every open watch stream mid-flight (the connection is aborted).
    pub fn drop_watches(&self) {
        self.shared.drop_watches.send_modify(|n| *n += 1);
    }

    /// How many watch streams are open right now.
    pub fn open_watches(&self) -> usize {
        self.shared.open_watches.load(Ordering::SeqCst)
    }

    // ---- request log ----

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).clone()
    }

    /// How many requests had this verb on this resource (plural).
    pub fn count_requests(&self, verb: Verb, plural: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.verb == Some(verb) && r.plural.as_deref() == Some(plural))
            .count()
    }
}

impl Drop for KubeEmulator {
    fn drop(&mut self) {
        // Watches and held requests end, then the server's graceful shutdown completes.
        self.shared.shutdown.send_replace(true);
    }
}
