//! The live status thread of each snapshot: one status message, edited in place as results
//! arrive, with the events that matter posted as replies under it.
//!
//! Events are written to the store's outbox the moment they arrive, then posted; a restart
//! posts whatever was queued, into the same threads (their timestamps are stored). Bursts are
//! coalesced: everything that arrives within the coalescing window makes one edit per snapshot
//! and at most one reply per thread.
//!
//! The outbox and the threads' places are the notifier's own records in the store; what a
//! snapshot looks like comes from the engine's read API.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::announce::{announcement, emergency_release_created};
use super::status_message::status_message;
use crate::chat::mrkdwn;
use crate::chat::{ChatError, ChatSurface, Message, Placement};
use crate::clock::Clock;
use crate::engine::{Engine, GateEvent, ReleaseMode, SnapshotFacts};
use crate::gate::{ReleaseKind, SnapshotKey};
use crate::store::{ChatThread, OutboxEntry, Store, StoreError};

/// How long after a change the notifier waits for more before posting.
pub const DEFAULT_COALESCE: Duration = Duration::from_secs(2);
/// How long to wait before trying again after the chat service failed.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(15);

/// Keeps the status threads of every gate up to date on one chat surface.
pub struct Notifier {
    engine: Engine,
    store: Store,
    surface: Arc<dyn ChatSurface>,
    clock: Arc<dyn Clock>,
    coalesce: Duration,
}

impl Notifier {
    pub fn new(
        engine: Engine,
        store: Store,
        surface: Arc<dyn ChatSurface>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            engine,
            store,
            surface,
            clock,
            coalesce: DEFAULT_COALESCE,
        }
    }

    pub fn with_coalesce(mut self, coalesce: Duration) -> Self {
        self.coalesce = coalesce;
        self
    }

    /// Follows the engine until `shutdown`, then posts what is still pending once more.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut events = self.engine.subscribe();
        let mut dirty: BTreeSet<SnapshotKey> = self.snapshots_to_refresh().await;
        // Whatever a previous run queued is posted first.
        let mut flush_at = Some(Instant::now());
        tokio::pin!(shutdown);
        loop {
            let due = async {
                match flush_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                received = events.recv() => match received {
                    Ok(event) => {
                        self.absorb(&event, &mut dirty).await;
                        flush_at.get_or_insert_with(|| Instant::now() + self.coalesce);
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "the notifier fell behind; refreshing every live thread");
                        dirty.extend(self.snapshots_to_refresh().await);
                        flush_at.get_or_insert_with(Instant::now);
                    }
                    Err(RecvError::Closed) => break,
                },
                () = due => {
                    flush_at = match self.flush(&mut dirty).await {
                        Ok(()) => None,
                        Err(error) => {
                            tracing::warn!(%error, "posting to chat failed; trying again shortly");
                            Some(Instant::now() + RETRY_AFTER_FAILURE)
                        }
                    };
                }
            }
        }
        if let Err(error) = self.flush(&mut dirty).await {
            tracing::warn!(%error, "could not post the last chat updates before stopping; they are posted on the next start");
        }
    }

    /// Notes what an event changes, and queues its thread line durably.
    async fn absorb(&self, event: &GateEvent, dirty: &mut BTreeSet<SnapshotKey>) {
        let key = subject(event);
        if let Some(key) = &key {
            dirty.insert(key.clone());
        }
        let manual = key.as_ref().is_some_and(|key| {
            self.engine
                .gate(&key.gate)
                .is_some_and(|spec| spec.release_mode == ReleaseMode::Manual)
        });
        let Some(mut line) = announcement(event, manual) else {
            return;
        };
        if let GateEvent::ReleaseCreated {
            release, namespace, ..
        } = event
            && let Some(key) = &key
            && self.is_emergency_release(key).await
        {
            line.body = emergency_release_created(release, namespace);
        }
        let queued = self
            .store
            .enqueue_chat_event(
                &line.gate,
                line.snapshot.as_deref(),
                &line.body,
                self.clock.now(),
            )
            .await;
        if let Err(error) = queued {
            tracing::error!(%error, body = %line.body, "cannot queue a chat event; it will not be posted");
        }
    }

    /// Whether the snapshot's Release was an emergency one, which did not pass the gate.
    async fn is_emergency_release(&self, key: &SnapshotKey) -> bool {
        match self.engine.release(key).await {
            Ok(release) => release.is_some_and(|release| release.kind == ReleaseKind::Emergency),
            Err(error) => {
                tracing::warn!(%error, snapshot = %key, "cannot read the Release's kind; announcing it as gated");
                false
            }
        }
    }

    /// Edits (or posts) the status message of every changed snapshot, then posts the queued
    /// events, one reply per thread.
    async fn flush(&self, dirty: &mut BTreeSet<SnapshotKey>) -> Result<(), FlushError> {
        let outbox = self.store.unposted_chat_events().await?;
        let mut by_thread: BTreeMap<(String, Option<String>), Vec<OutboxEntry>> = BTreeMap::new();
        for entry in outbox {
            if let Some(snapshot) = &entry.snapshot {
                dirty.insert(SnapshotKey::new(&entry.gate, snapshot));
            }
            by_thread
                .entry((entry.gate.clone(), entry.snapshot.clone()))
                .or_default()
                .push(entry);
        }
        let mut threads: BTreeMap<SnapshotKey, ChatThread> = BTreeMap::new();
        while let Some(key) = dirty.first().cloned() {
            let must_exist =
                by_thread.contains_key(&(key.gate.clone(), Some(key.snapshot.clone())));
            if let Some(thread) = self.refresh_status(&key, must_exist).await? {
                threads.insert(key.clone(), thread);
            }
            dirty.remove(&key);
        }
        for ((gate, snapshot), entries) in by_thread {
            let thread = snapshot
                .as_ref()
                .and_then(|snapshot| threads.get(&SnapshotKey::new(&gate, snapshot)));
            let thread = thread.map(|thread| thread.ts.as_str());
            let posted = self.post_events(thread, entries).await?;
            tracing::debug!(%gate, ?snapshot, events = posted.len(), "posted thread events");
            self.store.mark_posted(&posted, self.clock.now()).await?;
        }
        Ok(())
    }

    /// Posts queued events as one message marked with their outbox ids, in `thread` or else in
    /// the channel, leaving out those a message already carries: a message lands before its
    /// events are marked as posted, and gatebot may have stopped in between. Returns the ids
    /// now posted.
    async fn post_events(
        &self,
        thread: Option<&str>,
        entries: Vec<OutboxEntry>,
    ) -> Result<Vec<i64>, FlushError> {
        let landed: BTreeSet<i64> = self
            .surface
            .marked_messages(thread)
            .await?
            .iter()
            .flat_map(|reply| outbox_ids(&reply.mark))
            .collect();
        let (already, unposted): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .partition(|entry| landed.contains(&entry.id));
        if !already.is_empty() {
            tracing::info!(
                ?thread,
                events = already.len(),
                "events found posted before a restart"
            );
        }
        if !unposted.is_empty() {
            let ids: Vec<i64> = unposted.iter().map(|entry| entry.id).collect();
            let placement = match thread {
                Some(thread) => Placement::Reply { thread },
                None => Placement::TopLevel,
            };
            self.surface
                .post(placement, &outbox_mark(&ids), &events_message(&unposted))
                .await?;
        }
        Ok(already
            .iter()
            .chain(&unposted)
            .map(|entry| entry.id)
            .collect())
    }

    /// Brings one snapshot's status message up to date; posts it first if it has none and is
    /// worth one. Returns where it is.
    async fn refresh_status(
        &self,
        key: &SnapshotKey,
        must_exist: bool,
    ) -> Result<Option<ChatThread>, FlushError> {
        let (gate, snapshot) = (&key.gate, &key.snapshot);
        let (Some(spec), Some(catalog)) = (self.engine.gate(gate), self.engine.catalog_of(key))
        else {
            return Ok(None);
        };
        let Some(facts) = self.engine.facts(key).await? else {
            return Ok(None);
        };
        let message = status_message(&facts, &spec.policy, &catalog, None);
        let store = &self.store;
        if let Some(thread) = store.chat_thread(gate, snapshot).await? {
            self.surface.update(&thread.ts, &message).await?;
            tracing::debug!(%gate, %snapshot, ts = %thread.ts, "status message updated");
            return Ok(Some(thread));
        }
        if !must_exist && !self.is_live(&facts) {
            return Ok(None);
        }
        let ts = self.post_status_message(gate, snapshot, &message).await?;
        let thread = ChatThread {
            gate: gate.clone(),
            snapshot: snapshot.clone(),
            channel: self.surface.channel().to_string(),
            ts,
        };
        Ok(Some(
            store.record_chat_thread(&thread, self.clock.now()).await?,
        ))
    }

    /// Posts a snapshot's first status message, marked with the snapshot, unless one is found
    /// already among the channel's latest messages: it landed, but gatebot stopped before
    /// recording where.
    async fn post_status_message(
        &self,
        gate: &str,
        snapshot: &str,
        message: &Message,
    ) -> Result<String, ChatError> {
        let mark = status_mark(gate, snapshot);
        let landed = self.surface.marked_messages(None).await?;
        if let Some(found) = landed.into_iter().find(|found| found.mark == mark) {
            tracing::info!(%gate, %snapshot, ts = %found.ts, "found the status message posted before a restart");
            self.surface.update(&found.ts, message).await?;
            return Ok(found.ts);
        }
        let ts = self
            .surface
            .post(Placement::TopLevel, &mark, message)
            .await?;
        tracing::debug!(%gate, %snapshot, %ts, "status message posted");
        Ok(ts)
    }

    /// Whether a snapshot without a status message deserves one: it can still be decided, or it
    /// is its gate's newest. Old snapshots found on a first start stay quiet.
    fn is_live(&self, facts: &SnapshotFacts) -> bool {
        let still_open = facts.verdict.deadline > self.clock.now();
        still_open || self.engine.is_newest_snapshot(&facts.snapshot.key())
    }

    /// The snapshots whose status messages may be out of date after a start: those with a
    /// thread that can still change.
    async fn snapshots_to_refresh(&self) -> BTreeSet<SnapshotKey> {
        let threads = match self.store.chat_threads().await {
            Ok(threads) => threads,
            Err(error) => {
                tracing::warn!(%error, "cannot read the status threads");
                return BTreeSet::new();
            }
        };
        let now = self.clock.now();
        threads
            .into_iter()
            .filter(|thread| self.may_still_change(thread, now))
            .map(|thread| SnapshotKey::new(thread.gate, thread.snapshot))
            .collect()
    }

    fn may_still_change(&self, thread: &ChatThread, now: Timestamp) -> bool {
        let Some(spec) = self.engine.gate(&thread.gate) else {
            return false;
        };
        self.engine
            .snapshot(&SnapshotKey::new(&thread.gate, &thread.snapshot))
            .is_some_and(|snapshot| {
                let settled = snapshot
                    .created_at
                    .saturating_add(spec.policy.result_timeout)
                    .is_ok_and(|deadline| deadline < now);
                !settled
            })
    }
}

/// The snapshot an event is about, if any.
fn subject(event: &GateEvent) -> Option<SnapshotKey> {
    match event {
        GateEvent::SnapshotTracked { gate, snapshot }
        | GateEvent::VerdictChanged { gate, snapshot, .. }
        | GateEvent::CellBlocked { gate, snapshot, .. }
        | GateEvent::RoundStarted { gate, snapshot, .. }
        | GateEvent::AttemptFinished { gate, snapshot, .. }
        | GateEvent::ReleaseCreated { gate, snapshot, .. }
        | GateEvent::ReleaseCreateFailed { gate, snapshot, .. }
        | GateEvent::ReleaseFinished { gate, snapshot, .. }
        | GateEvent::UnexpectedRelease { gate, snapshot, .. } => {
            Some(SnapshotKey::new(gate, snapshot))
        }
        GateEvent::ReleasePlanBypassed { .. }
        | GateEvent::VersionBecameGa { .. }
        | GateEvent::GangwayTrouble { .. }
        | GateEvent::GangwayRecovered { .. } => None,
    }
}

/// One message of queued event lines.
fn events_message(entries: &[OutboxEntry]) -> Message {
    let body = entries
        .iter()
        .map(|entry| entry.body.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    Message::new(fallback_of(&body)).section(&body)
}

/// The mark of a message carrying these outbox entries.
fn outbox_mark(ids: &[i64]) -> String {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    format!("outbox:{}", ids.join(","))
}

/// The mark of a snapshot's status message.
fn status_mark(gate: &str, snapshot: &str) -> String {
    format!("status:{gate}/{snapshot}")
}

/// The outbox entries a mark names; none for a mark of anything else.
fn outbox_ids(mark: &str) -> Vec<i64> {
    mark.strip_prefix("outbox:")
        .map(|ids| ids.split(',').filter_map(|id| id.parse().ok()).collect())
        .unwrap_or_default()
}

/// The first line of a body, without its markup, for notifications.
fn fallback_of(body: &str) -> String {
    mrkdwn::unescape(body.lines().next().unwrap_or_default())
}

/// Why a flush stopped; it is tried again.
#[derive(Debug, thiserror::Error)]
enum FlushError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chat(#[from] ChatError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_mark_names_its_outbox_entries_and_other_marks_name_none() {
        assert_eq!(outbox_mark(&[12, 13, 15]), "outbox:12,13,15");
        assert_eq!(outbox_ids(&outbox_mark(&[12, 13, 15])), [12, 13, 15]);
        assert!(outbox_ids("emergency:em-1").is_empty());
        assert_eq!(outbox_ids("outbox:7,x,8"), [7, 8]);
    }
}
