//! Watch streams: chunked, newline-delimited JSON events
//! `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}`.
//!
//! - No `resourceVersion` (or `"0"`): one synthetic `ADDED` per current object, then live events.
//! - `resourceVersion=N`: every change after N from the kept history, then live events; if N is
//!   older than the history, a single `ERROR` event carrying a 410 `Expired` `Status`, then the
//!   stream ends (kube's watcher relists on that).
//! - `sendInitialEvents=true`: the current objects, then a `BOOKMARK` annotated
//!   `k8s.io/initial-events-end: "true"` (kube's streaming-list mode).
//! - Label and field selectors apply to events the way the watch cache applies them: an object
//!   that starts matching arrives as `ADDED`, one that stops matching as `DELETED`.
//! - `allowWatchBookmarks=true`: a `BOOKMARK` every bookmark interval and one before the stream
//!   ends at `timeoutSeconds`.
//! - `drop_watches()` aborts every open stream mid-flight (the connection is cut without the
//!   final chunk); emulator shutdown ends them cleanly.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::apiserver::{ListQuery, Shared, Target, parse_rv};
use super::status::ApiError;
use super::store::{Event, EventType};

/// The parameters of a watch request.
#[derive(Debug, Clone, Default)]
pub(crate) struct WatchParams {
    pub resource_version: Option<String>,
    pub timeout: Option<Duration>,
    pub bookmarks: bool,
    pub send_initial_events: bool,
    pub query: ListQuery,
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut s = serde_json::to_string(&json!({"type": kind, "object": object})).unwrap_or_default();
    s.push('\n');
    Bytes::from(s)
}

fn bookmark(t: &Target, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(
        "BOOKMARK",
        &json!({"kind": t.ty.kind, "apiVersion": t.api_version(), "metadata": meta}),
    )
}

/// How one stored change looks through this watch's filters, if at all.
fn translate(t: &Target, q: &ListQuery, ev: &Event) -> Option<Bytes> {
    let now_matches = ev.kind != EventType::Deleted && q.matches(t, &ev.object);
    let before_matched = ev.prev.as_ref().is_some_and(|p| q.matches(t, p));
    match ev.kind {
        EventType::Added => now_matches.then(|| line("ADDED", &t.present(&ev.object))),
        EventType::Modified => match (before_matched, now_matches) {
            (true, true) => Some(line("MODIFIED", &t.present(&ev.object))),
            (false, true) => Some(line("ADDED", &t.present(&ev.object))),
            (true, false) => {
                let mut gone = t.present(ev.prev.as_deref().expect("matched before"));
                gone["metadata"]["resourceVersion"] = Value::String(ev.rv.to_string());
                Some(line("DELETED", &gone))
            }
            (false, false) => None,
        },
        EventType::Deleted => before_matched.then(|| line("DELETED", &t.present(&ev.object))),
    }
}

/// Counts a stream as open for as long as it lives.
struct OpenWatch(Arc<Shared>);

impl Drop for OpenWatch {
    fn drop(&mut self) {
        self.0.open_watches.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Start a watch: the response streams until timeout, client disconnect, `drop_watches()` or
/// shutdown.
pub(crate) fn watch(sh: Arc<Shared>, t: Target, p: WatchParams) -> Result<Response, ApiError> {
    let requested = match p.resource_version.as_deref() {
        None | Some("") => None,
        Some(s) => Some(parse_rv(s)?),
    };
    let gr = t.gr();
    let mut initial = Vec::new();
    let mut expired = false;
    let (live, mut progress) = {
        let store = sh.store();
        let live = store.subscribe();
        let progress = store.rv();
        match requested {
            Some(rv) if rv != 0 && !p.send_initial_events => match store.events_after(rv) {
                Ok(events) => {
                    initial.extend(
                        events
                            .iter()
                            .filter(|e| e.gr == gr)
                            .filter_map(|e| translate(&t, &p.query, e)),
                    );
                    (live, progress.max(rv))
                }
                Err(too_old) => {
                    let err = ApiError::expired(format!(
                        "too old resource version: {rv} ({})",
                        too_old.oldest
                    ));
                    initial.push(line("ERROR", &err.to_status()));
                    expired = true;
                    (live, progress)
                }
            },
            _ => {
                for obj in store
                    .current(&gr)
                    .values()
                    .filter(|o| p.query.matches(&t, o))
                {
                    initial.push(line("ADDED", &t.present(obj)));
                }
                if p.send_initial_events {
                    initial.push(bookmark(&t, progress, true));
                }
                (live, progress)
            }
        }
    };

    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(64);
    sh.open_watches.fetch_add(1, Ordering::SeqCst);
    let guard = OpenWatch(sh.clone());
    let mut live: broadcast::Receiver<Arc<Event>> = live;
    let mut dropped = sh.drop_watches.subscribe();
    let mut shutdown = sh.shutdown.subscribe();
    let interval = sh.bookmark_interval;
    let timeout = p.timeout.unwrap_or(Duration::from_secs(1800));
    tokio::spawn(async move {
        let _guard = guard;
        for l in initial {
            if tx.send(Ok(l)).await.is_err() {
                return;
            }
        }
        if expired || *shutdown.borrow() {
            return;
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        loop {
            tokio::select! {
                _ = &mut deadline => {
                    if p.bookmarks {
                        let _ = tx.send(Ok(bookmark(&t, progress, false))).await;
                    }
                    return;
                }
                _ = shutdown.changed() => return,
                _ = dropped.changed() => {
                    let _ = tx
                        .send(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "watch dropped by the emulator")))
                        .await;
                    return;
                }
                _ = tx.closed() => return,
                _ = tick.tick(), if p.bookmarks => {
                    if tx.send(Ok(bookmark(&t, progress, false))).await.is_err() {
                        return;
                    }
                }
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        progress = progress.max(ev.rv);
                        if ev.gr == t.gr()
                            && let Some(l) = translate(&t, &p.query, &ev)
                            && tx.send(Ok(l)).await.is_err()
                        {
                            return;
                        }
                    }
                    // Too slow to keep up: end the stream; the client resumes from its last rv.
                    Err(_) => return,
                },
            }
        }
    });

    let mut resp = Response::new(Body::from_stream(ReceiverStream::new(rx)));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}
