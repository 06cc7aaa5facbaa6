//! The engine: the loops that observe Konflux and Prow, record what they see, evaluate every
//! tracked snapshot, and create Releases — each loop re-runnable at any time (reconcile, don't
//! script).
//!
//! - `observe`: watches Snapshots and Releases, checks ReleasePlans;
//! - `poll`: reads new Prow results;
//! - `reconcile`: evaluates, records verdicts, decides releases;
//! - `act`: creates decided Releases, exactly once;
//! - `ga`: keeps each gate's GA catalog current from the release-controller.
//!
//! Every fact goes to the store before it is acted on, so a restart resumes from the store.
//! Everyone else — chat, commands, metrics — asks the engine what a snapshot looks like now
//! through its narrow read API (`read`), never its store.

mod act;
mod decide;
mod events;
mod ga;
mod observe;
mod poll;
mod read;
mod reconcile;
mod spec;
mod tracker;

use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};

use dashmap::{DashMap, DashSet};

use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::gate::{CellState, RunState, SnapshotKey, VersionCatalog};
use crate::konflux::Konflux;
use crate::prow::{JobCursor, ProwClient};
use crate::rounds::{Attempt, AttemptState};
use crate::store::{Store, StoreError};

pub use decide::{Decided, ReleaseDecision};
pub use events::GateEvent;
pub use read::SnapshotFacts;
pub use reconcile::{Assessed, assess_tracked, evaluate_one};
pub use spec::{GateSpec, Pace, ReleaseMode};
pub use tracker::Tracker;

/// What changed between two views of a snapshot's round, as events: its start, and every
/// attempt that newly ended other than a first attempt passing (which the matrix shows).
fn round_events(
    key: &SnapshotKey,
    before: &[Attempt],
    now: &[Attempt],
    cells: usize,
) -> Vec<GateEvent> {
    let mut events = Vec::new();
    if before.is_empty() && !now.is_empty() {
        events.push(GateEvent::RoundStarted {
            gate: key.gate.clone(),
            snapshot: key.snapshot.clone(),
            cells,
        });
    }
    for attempt in now {
        let AttemptState::Finished {
            result,
            retry,
            reason,
            ..
        } = &attempt.state
        else {
            continue;
        };
        let known = before.iter().any(|earlier| {
            earlier.cell == attempt.cell
                && earlier.number == attempt.number
                && matches!(earlier.state, AttemptState::Finished { .. })
        });
        if known || (*result == RunState::Success && attempt.number == 1) {
            continue;
        }
        events.push(GateEvent::AttemptFinished {
            gate: key.gate.clone(),
            snapshot: key.snapshot.clone(),
            cell: attempt.cell.clone(),
            number: attempt.number,
            result: *result,
            retry: *retry,
            reason: reason.clone(),
            run_url: attempt.run_url.clone(),
        });
    }
    events
}

/// The last verdict the engine recorded for a snapshot, to notice changes without a query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Recorded {
    decision: String,
    summary: String,
    cells: Vec<CellState>,
}

/// Shared state of the engine's loops.
struct Inner {
    gates: Vec<GateSpec>,
    /// The GA catalog each gate is evaluated with, by gate index: the configuration's until the
    /// release-controller says otherwise (`set_catalog`).
    catalogs: RwLock<Vec<VersionCatalog>>,
    store: Store,
    konflux: Konflux,
    prow: ProwClient,
    clock: Arc<dyn Clock>,
    pace: Pace,
    tracker: Mutex<Tracker>,
    recorded: DashMap<SnapshotKey, Recorded>,
    /// Passed snapshots whose Release decision this process has already made, so the every-pass
    /// evaluation does not ask the store again.
    release_settled: DashSet<SnapshotKey>,
    /// Where this engine's Prow polls stand, per job; seeded from the store at start-up.
    cursors: DashMap<String, JobCursor>,
    /// Set when something changed that may change a verdict.
    dirty: Notify,
    events: broadcast::Sender<GateEvent>,
    ready: watch::Sender<Readiness>,
    /// What keeps gatebot's rounds from Gangway now, if anything.
    gangway_trouble: Mutex<Option<GangwayTrouble>>,
    /// Serialises release creation within this process; other replicas are handled by the
    /// store's uniqueness and the deterministic Release name.
    acting: tokio::sync::Mutex<()>,
}

/// Gangway cannot be reached or refuses gatebot's rounds: since when, and the latest problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GangwayTrouble {
    pub since: jiff::Timestamp,
    pub problem: String,
}

/// What has to have happened before the engine reports ready.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Readiness {
    pub snapshots_listed: usize,
    pub first_poll_done: bool,
}

/// The running gate; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Engine {
    /// Builds the engine and loads what the store already knows.
    pub async fn new(
        gates: Vec<GateSpec>,
        store: Store,
        konflux: Konflux,
        prow: ProwClient,
        clock: Arc<dyn Clock>,
        pace: Pace,
    ) -> Result<Self, StoreError> {
        let tracker = Tracker::load(&store, &gates).await?;
        let recorded = DashMap::new();
        for gate in &gates {
            for (snapshot, verdict) in store.latest_verdicts(&gate.name).await? {
                recorded.insert(
                    SnapshotKey::new(&gate.name, snapshot),
                    Recorded {
                        decision: verdict.decision,
                        summary: verdict.summary,
                        cells: Vec::new(),
                    },
                );
            }
        }
        let cursors = DashMap::new();
        for job in gates.iter().flat_map(|gate| gate.policy.jobs()) {
            if let Some(text) = store.job_cursor(job).await? {
                match serde_json::from_str::<JobCursor>(&text) {
                    Ok(cursor) => {
                        cursors.insert(job.to_string(), cursor);
                    }
                    Err(error) => {
                        tracing::warn!(%job, %error, "stored poll cursor is unreadable; reading the job afresh")
                    }
                }
            }
        }
        let (events, _) = broadcast::channel(1024);
        let (ready, _) = watch::channel(Readiness::default());
        Ok(Self {
            inner: Arc::new(Inner {
                catalogs: RwLock::new(gates.iter().map(|gate| gate.catalog.clone()).collect()),
                gates,
                store,
                konflux,
                prow,
                clock,
                pace,
                tracker: Mutex::new(tracker),
                recorded,
                release_settled: DashSet::new(),
                cursors,
                dirty: Notify::new(),
                events,
                ready,
                gangway_trouble: Mutex::new(None),
                acting: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Runs every loop until `shutdown` completes, then stops them. Stopping mid-action is safe:
    /// every action is idempotent and resumes from the store on the next start.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        let mut loops = JoinSet::new();
        for gate in 0..self.inner.gates.len() {
            loops.spawn(observe::watch_snapshots(self.clone(), gate));
            loops.spawn(observe::check_release_plan(self.clone(), gate));
        }
        for namespace in self.namespaces() {
            loops.spawn(observe::watch_releases(self.clone(), namespace));
        }
        loops.spawn(poll::poll_prow(self.clone()));
        loops.spawn(reconcile::reconcile_loop(self.clone()));
        shutdown.await;
        tracing::info!("shutting down: stopping the engine's loops");
        loops.shutdown().await;
    }

    /// Events as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<GateEvent> {
        self.inner.events.subscribe()
    }

    /// Readiness as it changes.
    pub fn readiness(&self) -> watch::Receiver<Readiness> {
        self.inner.ready.subscribe()
    }

    /// Whether every gate's snapshots were listed and Prow was polled once.
    pub fn is_ready(&self) -> bool {
        let readiness = *self.inner.ready.borrow();
        readiness.first_poll_done && readiness.snapshots_listed >= self.inner.gates.len()
    }

    fn namespaces(&self) -> Vec<String> {
        let mut namespaces: Vec<String> = self
            .inner
            .gates
            .iter()
            .map(|g| g.namespace.clone())
            .collect();
        namespaces.sort();
        namespaces.dedup();
        namespaces
    }

    fn emit(&self, event: GateEvent) {
        // No subscriber is fine: events are conveniences on top of the store.
        let _ = self.inner.events.send(event);
    }

    /// Takes in what gatebot's round for a snapshot has done so far (its attempts, as the store
    /// holds them), so that verdicts see which cells the round still tries, and tells of the
    /// round's start and of each attempt that ended. At the round's start the gate's GA catalog
    /// is pinned for the snapshot: a version that goes GA later counts from the next round on.
    pub fn note_round(&self, key: &SnapshotKey, attempts: Vec<Attempt>, cells: usize) {
        let catalog = self.catalog(&key.gate);
        let (events, changed) = {
            let mut tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
            let starts = tracker.attempts(&key.snapshot).is_empty() && !attempts.is_empty();
            if starts && let Some(catalog) = catalog {
                tracker.pin_catalog(&key.snapshot, catalog);
            }
            let events = round_events(key, tracker.attempts(&key.snapshot), &attempts, cells);
            (events, tracker.set_round(&key.snapshot, attempts))
        };
        for event in events {
            self.emit(event);
        }
        if changed {
            self.mark_dirty();
        }
    }

    /// Takes in how gatebot's last call to Gangway went: `Some(problem)` when it could not
    /// reach Gangway or was refused, `None` when it answered. The start and the end of a
    /// trouble are told once each.
    pub fn note_gangway(&self, problem: Option<String>) {
        let now = self.inner.clock.now();
        let event = {
            let mut trouble = self
                .inner
                .gangway_trouble
                .lock()
                .expect("gangway lock poisoned");
            match (trouble.as_mut(), problem) {
                (None, None) => None,
                (Some(known), Some(problem)) => {
                    known.problem = problem;
                    None
                }
                (None, Some(problem)) => {
                    *trouble = Some(GangwayTrouble {
                        since: now,
                        problem: problem.clone(),
                    });
                    Some(GateEvent::GangwayTrouble {
                        since: now,
                        problem,
                    })
                }
                (Some(known), None) => {
                    let since = known.since;
                    *trouble = None;
                    Some(GateEvent::GangwayRecovered { since })
                }
            }
        };
        if let Some(event) = event {
            self.emit(event);
        }
    }

    /// What keeps gatebot's rounds from Gangway now, if anything.
    pub fn gangway_trouble(&self) -> Option<GangwayTrouble> {
        self.inner
            .gangway_trouble
            .lock()
            .expect("gangway lock poisoned")
            .clone()
    }

    fn mark_dirty(&self) {
        self.inner.dirty.notify_one();
    }
}
