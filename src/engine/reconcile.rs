//! Evaluation: every tracked snapshot of every gate is assessed against the current facts; what
//! changed is recorded and announced, and a passed snapshot of an automatic gate gets its Release
//! decided.
//!
//! Most passes change nothing, so each pass computes only the cheap [`Assessment`] of every
//! snapshot and builds a full verdict only where a cell newly blocks the gate.

use jiff::Timestamp;

use super::{Engine, GateEvent, GateSpec, Recorded, ReleaseDecision, ReleaseMode, Tracker};
use crate::gate::{
    Assessment, CellState, Decision, Evaluator, GateInput, ReleaseKind, Snapshot, SnapshotKey,
    Subject, Tally, Verdict, VersionCatalog, evaluate,
};
use crate::store::StoreError;

/// Evaluates one snapshot with what the tracker knows and the gate's GA `catalog`, with every
/// cell's reason.
pub fn evaluate_one(
    gate: &GateSpec,
    catalog: &VersionCatalog,
    tracker: &Tracker,
    snapshot: &Snapshot,
    now: Timestamp,
) -> Verdict {
    let runs: Vec<_> = tracker.runs_for(snapshot).collect();
    evaluate(&GateInput {
        policy: &gate.policy,
        catalog: tracker.catalog_for(&snapshot.name, catalog),
        snapshot,
        runs: &runs,
        newer_snapshot: tracker.newer_snapshot(snapshot).map(|s| s.name.as_str()),
        trying: tracker.trying(&snapshot.name),
        now,
    })
}

/// One tracked snapshot's assessment, with the index of its gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    pub gate: usize,
    pub snapshot: String,
    pub assessment: Assessment,
}

/// Assesses every snapshot the tracker holds, for every gate, each with its GA catalog
/// (`catalogs[i]` is that of `gates[i]`).
pub fn assess_tracked(
    gates: &[GateSpec],
    catalogs: &[VersionCatalog],
    tracker: &Tracker,
    now: Timestamp,
) -> Vec<Assessed> {
    let mut assessed = Vec::new();
    for (index, (gate, catalog)) in gates.iter().zip(catalogs).enumerate() {
        let evaluator = Evaluator::new(&gate.policy, catalog);
        let cells_by_job_id = evaluator.cells_by_job_id(tracker);
        for snapshot in tracker.snapshots(&gate.name) {
            let subject = Subject {
                snapshot,
                newer_snapshot: tracker.newer_snapshot(snapshot).map(|s| s.name.as_str()),
                trying: tracker.trying(&snapshot.name),
                now,
            };
            let runs = tracker.known_runs_for(snapshot);
            let pinned = tracker.catalog_for(&snapshot.name, catalog);
            // A snapshot whose round started before a version went GA keeps its round's catalog.
            let assessment = if pinned == catalog {
                evaluator.assess_known(subject, runs, &cells_by_job_id)
            } else {
                let evaluator = Evaluator::new(&gate.policy, pinned);
                let cells_by_job_id = evaluator.cells_by_job_id(tracker);
                evaluator.assess_known(subject, runs, &cells_by_job_id)
            };
            assessed.push(Assessed {
                gate: index,
                snapshot: snapshot.name.clone(),
                assessment,
            });
        }
    }
    assessed
}

/// Re-evaluates whenever something changed, and periodically so deadlines are noticed.
pub(super) async fn reconcile_loop(engine: Engine) {
    loop {
        if let Err(error) = engine.reconcile_once().await {
            tracing::error!(%error, "reconciling failed; trying again shortly");
        }
        tokio::select! {
            _ = engine.inner.dirty.notified() => {}
            _ = tokio::time::sleep(engine.inner.pace.reevaluate_interval) => {}
        }
    }
}

impl Engine {
    /// Assesses every tracked snapshot of every gate, records what changed, decides the
    /// releases that are due, and creates them.
    pub async fn reconcile_once(&self) -> Result<(), StoreError> {
        let now = self.inner.clock.now();
        let assessed = {
            let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
            assess_tracked(&self.inner.gates, &self.catalogs(), &tracker, now)
        };
        for item in &assessed {
            let gate = &self.inner.gates[item.gate];
            self.record_assessment(gate, item, now).await?;
            if item.assessment.decision == Decision::Passed
                && gate.release_mode == ReleaseMode::Automatic
                && !self.release_settled(gate, &item.snapshot)
            {
                self.decide_gated_release(gate, &item.snapshot, item.assessment.tally, now)
                    .await?;
                self.settle_release(gate, &item.snapshot);
            }
        }
        self.create_decided_releases().await
    }

    /// Records a snapshot's assessment if it differs from the last one, and announces the
    /// change: a new headline in the store and as an event, and each required cell that newly
    /// blocks the gate.
    async fn record_assessment(
        &self,
        gate: &GateSpec,
        item: &Assessed,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let assessment = &item.assessment;
        let decision = <&str>::from(&assessment.decision);
        let key = SnapshotKey::new(&gate.name, &item.snapshot);
        let (known_cells, headline_changed) = {
            match self.inner.recorded.get(&key).as_deref() {
                Some(previous)
                    if previous.decision == decision && previous.cells == assessment.states =>
                {
                    return Ok(());
                }
                Some(previous) => (
                    previous.cells.clone(),
                    previous.decision != decision
                        || previous.summary != assessment.tally.to_string(),
                ),
                // A snapshot this process has never recorded is new: every blocking cell is news.
                None => (vec![CellState::Waiting; assessment.states.len()], true),
            }
        };
        let summary = assessment.tally.to_string();
        if headline_changed {
            self.inner
                .store
                .record_verdict(&gate.name, &item.snapshot, decision, &summary, now)
                .await?;
            tracing::info!(gate = %gate.name, snapshot = %item.snapshot, decision = %assessment.decision, %summary, "verdict changed");
            self.emit(GateEvent::VerdictChanged {
                gate: gate.name.clone(),
                snapshot: item.snapshot.clone(),
                decision: assessment.decision.clone(),
                summary: summary.clone(),
            });
        }
        // After a restart the cells of verdicts recorded before are unknown; the first pass
        // re-learns them without announcing old failures again.
        let newly_blocking: Vec<usize> = gate
            .policy
            .cells
            .iter()
            .zip(assessment.states.iter().zip(&known_cells))
            .enumerate()
            .filter(|(_, (cell, (now, before)))| {
                cell.required && now.blocks_gate() && now != before
            })
            .map(|(index, _)| index)
            .collect();
        if !newly_blocking.is_empty()
            && let Some(verdict) = self.verdict_at(gate, &item.snapshot, now)
        {
            for index in newly_blocking {
                self.emit(GateEvent::CellBlocked {
                    gate: gate.name.clone(),
                    snapshot: item.snapshot.clone(),
                    cell: verdict.cells[index].clone(),
                });
            }
        }
        self.inner.recorded.insert(
            key,
            Recorded {
                decision: decision.to_string(),
                summary,
                cells: assessment.states.clone(),
            },
        );
        Ok(())
    }

    /// A snapshot's full verdict as of `now`.
    fn verdict_at(&self, gate: &GateSpec, snapshot: &str, now: Timestamp) -> Option<Verdict> {
        let catalog = self.catalog(&gate.name)?;
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        let snapshot = tracker.snapshot(&gate.name, snapshot)?;
        Some(evaluate_one(gate, &catalog, &tracker, snapshot, now))
    }

    fn release_settled(&self, gate: &GateSpec, snapshot: &str) -> bool {
        self.inner
            .release_settled
            .contains(&SnapshotKey::new(&gate.name, snapshot))
    }

    fn settle_release(&self, gate: &GateSpec, snapshot: &str) {
        self.inner
            .release_settled
            .insert(SnapshotKey::new(&gate.name, snapshot));
    }

    async fn decide_gated_release(
        &self,
        gate: &GateSpec,
        snapshot: &str,
        tally: Tally,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let store = &self.inner.store;
        if store
            .release_for_snapshot(&gate.name, snapshot)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let by_someone_else = store
            .unexpected_releases()
            .await?
            .into_iter()
            .find(|r| r.snapshot == snapshot && r.namespace == gate.namespace);
        if let Some(other) = by_someone_else {
            tracing::warn!(
                gate = %gate.name, %snapshot, release = %other.name,
                "gate passed, but the snapshot was already released outside gatebot; not creating a second Release"
            );
            return Ok(());
        }
        if let Some(newer) = self.newer_released_snapshot(gate, snapshot).await? {
            tracing::info!(
                gate = %gate.name, %snapshot, %newer,
                "gate passed, but a newer snapshot is already released; not releasing an older build automatically"
            );
            return Ok(());
        }
        let decision = ReleaseDecision {
            snapshot,
            kind: ReleaseKind::Gated,
            release_plan: &gate.release_plan,
            reason: format!("gate {} passed ({tally})", gate.name),
            actor: "gatebot",
            channel: None,
            thread: None,
            now,
            annotations: Default::default(),
        };
        self.decide_release(gate, &decision).await?;
        Ok(())
    }

    /// A snapshot newer than this one that already has a Release, if any.
    async fn newer_released_snapshot(
        &self,
        gate: &GateSpec,
        snapshot: &str,
    ) -> Result<Option<String>, StoreError> {
        let newer: Vec<String> = {
            let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
            let all = tracker.snapshots(&gate.name);
            let position = all.iter().position(|s| s.name == snapshot);
            position
                .map(|at| all[at + 1..].iter().map(|s| s.name.clone()).collect())
                .unwrap_or_default()
        };
        if newer.is_empty() {
            return Ok(None);
        }
        let released = self.inner.store.releases(&gate.name).await?;
        Ok(released
            .into_iter()
            .map(|r| r.snapshot)
            .find(|name| newer.contains(name)))
    }
}
