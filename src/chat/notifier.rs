//! The live status thread of each snapshot: one status message, edited in place as results
//! arrive, with the events that matter posted as replies under it.
//!
//! Events are written to the store's outbox the moment they arrive, then posted; a restart
//! posts whatever was queued, into the same threads (their timestamps are stored). Bursts are
//! coalesced: everything that arrives within the coalescing window makes one edit per snapshot
//! and at most one reply per thread.
//!
//! The notifier also sweeps emergency requests now and then, and once at start: requests whose
//! time ran out are closed, so their messages stop offering buttons that can no longer work, and
//! an approval that a stop interrupted before its Release was decided is granted.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::announce::{announcement, emergency_release_created};
use super::message::Message;
use super::status_message::status_message;
use super::surface::{ChatError, ChatSurface, Placement};
use crate::clock::Clock;
use crate::commands::answers::SnapshotFacts;
use crate::commands::{EmergencySettings, expire_overdue, grant_interrupted_approvals};
use crate::engine::{Engine, GateEvent, GateSpec, ReleaseMode};
use crate::gate::ReleaseKind;
use crate::store::{ChatThread, OutboxEntry, StoreError};

/// How long after a change the notifier waits for more before posting.
pub const DEFAULT_COALESCE: Duration = Duration::from_secs(2);
/// How long to wait before trying again after the chat service failed.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(15);
/// How often emergency requests are swept; an expired request is refused when clicked in
/// between, so this only decides how soon its buttons disappear.
pub const DEFAULT_EXPIRY_CHECK: Duration = Duration::from_secs(30);

/// Keeps the status threads of every gate up to date on one chat surface.
pub struct Notifier {
    engine: Engine,
    surface: Arc<dyn ChatSurface>,
    clock: Arc<dyn Clock>,
    coalesce: Duration,
    expiry_check: Duration,
    emergency: EmergencySettings,
}

/// A snapshot, as `(gate, snapshot)`.
type Key = (String, String);

impl Notifier {
    pub fn new(engine: Engine, surface: Arc<dyn ChatSurface>, clock: Arc<dyn Clock>) -> Self {
        Self {
            engine,
            surface,
            clock,
            coalesce: DEFAULT_COALESCE,
            expiry_check: DEFAULT_EXPIRY_CHECK,
            emergency: EmergencySettings::default(),
        }
    }

    pub fn with_coalesce(mut self, coalesce: Duration) -> Self {
        self.coalesce = coalesce;
        self
    }

    /// How often emergency requests are swept (every 30 s by default).
    pub fn with_expiry_check(mut self, every: Duration) -> Self {
        self.expiry_check = every;
        self
    }

    /// The emergency rules an interrupted approval is granted under: the same as the chat
    /// front's.
    pub fn with_emergency(mut self, emergency: EmergencySettings) -> Self {
        self.emergency = emergency;
        self
    }

    /// Follows the engine until `shutdown`, then posts what is still pending once more.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut events = self.engine.subscribe();
        let mut dirty: BTreeSet<Key> = self.snapshots_to_refresh().await;
        // Whatever a previous run queued is posted first.
        let mut flush_at = Some(Instant::now());
        let mut expiry_checks = tokio::time::interval(self.expiry_check);
        expiry_checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
                _ = expiry_checks.tick() => self.sweep_emergency_requests().await,
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
    async fn absorb(&self, event: &GateEvent, dirty: &mut BTreeSet<Key>) {
        if let Some((gate, snapshot)) = subject(event) {
            dirty.insert((gate.to_string(), snapshot.to_string()));
        }
        let manual = |gate: &str| {
            self.gate(gate)
                .is_some_and(|spec| spec.release_mode == ReleaseMode::Manual)
        };
        let gate_of_event = subject(event).map(|(gate, _)| gate).unwrap_or_default();
        let Some(mut line) = announcement(event, manual(gate_of_event)) else {
            return;
        };
        if let GateEvent::ReleaseCreated {
            gate,
            snapshot,
            release,
            namespace,
        } = event
            && self.is_emergency_release(gate, snapshot).await
        {
            line.body = emergency_release_created(release, namespace);
        }
        let queued = self
            .engine
            .store()
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
    async fn is_emergency_release(&self, gate: &str, snapshot: &str) -> bool {
        match self
            .engine
            .store()
            .release_for_snapshot(gate, snapshot)
            .await
        {
            Ok(release) => release.is_some_and(|release| release.kind == ReleaseKind::Emergency),
            Err(error) => {
                tracing::warn!(%error, %snapshot, "cannot read the Release's kind; announcing it as gated");
                false
            }
        }
    }

    async fn sweep_emergency_requests(&self) {
        let now = self.clock.now();
        if let Err(error) = expire_overdue(&self.engine, self.surface.as_ref(), now).await {
            tracing::warn!(%error, "cannot expire overdue emergency requests; trying again later");
        }
        let surface = self.surface.as_ref();
        if let Err(error) =
            grant_interrupted_approvals(&self.engine, surface, &self.emergency).await
        {
            tracing::warn!(%error, "cannot grant interrupted emergency approvals; trying again later");
        }
    }

    /// Edits (or posts) the status message of every changed snapshot, then posts the queued
    /// events, one reply per thread.
    async fn flush(&self, dirty: &mut BTreeSet<Key>) -> Result<(), FlushError> {
        let outbox = self.engine.store().unposted_chat_events().await?;
        let mut by_thread: BTreeMap<(String, Option<String>), Vec<OutboxEntry>> = BTreeMap::new();
        for entry in outbox {
            if let Some(snapshot) = &entry.snapshot {
                dirty.insert((entry.gate.clone(), snapshot.clone()));
            }
            by_thread
                .entry((entry.gate.clone(), entry.snapshot.clone()))
                .or_default()
                .push(entry);
        }
        let mut threads: BTreeMap<Key, ChatThread> = BTreeMap::new();
        while let Some(key) = dirty.first().cloned() {
            let must_exist = by_thread.contains_key(&(key.0.clone(), Some(key.1.clone())));
            if let Some(thread) = self.refresh_status(&key, must_exist).await? {
                threads.insert(key.clone(), thread);
            }
            dirty.remove(&key);
        }
        for ((gate, snapshot), entries) in by_thread {
            let thread = snapshot
                .as_ref()
                .and_then(|snapshot| threads.get(&(gate.clone(), snapshot.clone())));
            let thread = thread.map(|thread| thread.ts.as_str());
            let posted = self.post_events(thread, entries).await?;
            tracing::debug!(%gate, ?snapshot, events = posted.len(), "posted thread events");
            self.engine
                .store()
                .mark_posted(&posted, self.clock.now())
                .await?;
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
        (gate, snapshot): &Key,
        must_exist: bool,
    ) -> Result<Option<ChatThread>, FlushError> {
        let Some(spec) = self.gate(gate) else {
            return Ok(None);
        };
        let Some(facts) = crate::commands::snapshot_facts(&self.engine, gate, snapshot).await?
        else {
            return Ok(None);
        };
        let message = status_message(&facts, &spec.policy, &spec.catalog, None);
        let store = self.engine.store();
        if let Some(thread) = store.chat_thread(gate, snapshot).await? {
            self.surface.update(&thread.ts, &message).await?;
            tracing::debug!(%gate, %snapshot, ts = %thread.ts, "status message updated");
            return Ok(Some(thread));
        }
        if !must_exist && !self.is_live(spec, &facts) {
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
    fn is_live(&self, spec: &GateSpec, facts: &SnapshotFacts) -> bool {
        let still_open = facts.verdict.deadline > self.clock.now();
        still_open
            || self
                .engine
                .is_newest_snapshot(&spec.name, &facts.snapshot.name)
    }

    /// The snapshots whose status messages may be out of date after a start: those with a
    /// thread that can still change.
    async fn snapshots_to_refresh(&self) -> BTreeSet<Key> {
        let threads = match self.engine.store().chat_threads().await {
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
            .map(|thread| (thread.gate, thread.snapshot))
            .collect()
    }

    fn may_still_change(&self, thread: &ChatThread, now: Timestamp) -> bool {
        let Some(spec) = self.gate(&thread.gate) else {
            return false;
        };
        self.engine
            .snapshot(&spec.name, &thread.snapshot)
            .is_some_and(|snapshot| {
                let settled = snapshot
                    .created_at
                    .saturating_add(spec.policy.result_timeout)
                    .is_ok_and(|deadline| deadline < now);
                !settled
            })
    }

    fn gate(&self, name: &str) -> Option<&GateSpec> {
        self.engine.gates().iter().find(|gate| gate.name == name)
    }
}

/// The snapshot an event is about, if any.
fn subject(event: &GateEvent) -> Option<(&str, &str)> {
    match event {
        GateEvent::SnapshotTracked { gate, snapshot }
        | GateEvent::VerdictChanged { gate, snapshot, .. }
        | GateEvent::CellBlocked { gate, snapshot, .. }
        | GateEvent::ReleaseCreated { gate, snapshot, .. }
        | GateEvent::ReleaseCreateFailed { gate, snapshot, .. }
        | GateEvent::ReleaseFinished { gate, snapshot, .. }
        | GateEvent::UnexpectedRelease { gate, snapshot, .. } => Some((gate, snapshot)),
        GateEvent::ReleasePlanBypassed { .. } => None,
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
    super::mrkdwn::unescape(body.lines().next().unwrap_or_default())
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
