//! Evaluation: every tracked snapshot of every gate is evaluated against the current facts; what
//! changed is recorded and announced, and a passed snapshot of an automatic gate gets its Release
//! decided.

use jiff::Timestamp;

use super::{Engine, GateEvent, GateSpec, Recorded, ReleaseMode, Tracker};
use crate::gate::{Decision, GateInput, Snapshot, Verdict, evaluate};
use crate::konflux::release_name;
use crate::store::{AuditEntry, ReleaseKind, ReleaseRecord, ReleaseStatus, StoreError};

/// Evaluates one snapshot with what the tracker knows.
pub fn evaluate_one(
    gate: &GateSpec,
    tracker: &Tracker,
    snapshot: &Snapshot,
    now: Timestamp,
) -> Verdict {
    let runs = tracker.runs_for(snapshot);
    evaluate(&GateInput {
        policy: &gate.policy,
        catalog: &gate.catalog,
        snapshot,
        runs: &runs,
        newer_snapshot: tracker.newer_snapshot(snapshot).map(|s| s.name.as_str()),
        now,
    })
}

/// Evaluates every snapshot the tracker holds, for every gate; each verdict comes with the
/// index of its gate.
pub fn evaluate_tracked(
    gates: &[GateSpec],
    tracker: &Tracker,
    now: Timestamp,
) -> Vec<(usize, Verdict)> {
    gates
        .iter()
        .enumerate()
        .flat_map(|(index, gate)| {
            tracker
                .snapshots(&gate.name)
                .iter()
                .map(move |snapshot| (index, evaluate_one(gate, tracker, snapshot, now)))
        })
        .collect()
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
    /// Evaluates every tracked snapshot of every gate, records what changed, decides the
    /// releases that are due, and creates them.
    pub async fn reconcile_once(&self) -> Result<(), StoreError> {
        let now = self.inner.clock.now();
        let verdicts = self.evaluate_all(now);
        for (gate_index, verdict) in &verdicts {
            let gate = &self.inner.gates[*gate_index];
            self.record_verdict(gate, verdict, now).await?;
            if verdict.decision == Decision::Passed && gate.release_mode == ReleaseMode::Automatic {
                self.decide_gated_release(gate, verdict, now).await?;
            }
        }
        self.create_decided_releases().await
    }

    /// Every tracked snapshot's verdict, computed under one short lock.
    pub fn evaluate_all(&self, now: Timestamp) -> Vec<(usize, Verdict)> {
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        evaluate_tracked(&self.inner.gates, &tracker, now)
    }

    async fn record_verdict(
        &self,
        gate: &GateSpec,
        verdict: &Verdict,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let key = (gate.name.clone(), verdict.snapshot.clone());
        let current = Recorded {
            decision: verdict.decision.as_str().to_string(),
            summary: verdict.tally.to_string(),
            cells: verdict.cells.iter().map(|c| c.state).collect(),
        };
        let previous = self
            .inner
            .recorded
            .lock()
            .expect("recorded-verdicts lock poisoned")
            .get(&key)
            .cloned();
        if previous.as_ref() == Some(&current) {
            return Ok(());
        }
        let headline_changed = previous
            .as_ref()
            .is_none_or(|p| p.decision != current.decision || p.summary != current.summary);
        if headline_changed {
            self.inner
                .store
                .record_verdict(
                    &gate.name,
                    &verdict.snapshot,
                    &current.decision,
                    &current.summary,
                    now,
                )
                .await?;
            tracing::info!(gate = %gate.name, snapshot = %verdict.snapshot, decision = %verdict.decision, summary = %current.summary, "verdict changed");
            self.emit(GateEvent::VerdictChanged {
                gate: gate.name.clone(),
                snapshot: verdict.snapshot.clone(),
                decision: verdict.decision.clone(),
                summary: current.summary.clone(),
            });
        }
        // Cell states are only known for verdicts evaluated by this process; after a restart the
        // first pass re-learns them without announcing old failures again.
        let known_cells = previous.as_ref().map_or(&[][..], |p| p.cells.as_slice());
        if !known_cells.is_empty() {
            for (cell, before) in verdict.cells.iter().zip(known_cells) {
                if cell.required && cell.state.blocks_gate() && cell.state != *before {
                    self.emit(GateEvent::CellBlocked {
                        gate: gate.name.clone(),
                        snapshot: verdict.snapshot.clone(),
                        cell: cell.clone(),
                    });
                }
            }
        }
        self.inner
            .recorded
            .lock()
            .expect("recorded-verdicts lock poisoned")
            .insert(key, current);
        Ok(())
    }

    async fn decide_gated_release(
        &self,
        gate: &GateSpec,
        verdict: &Verdict,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let store = &self.inner.store;
        if store
            .release_for_snapshot(&gate.name, &verdict.snapshot)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let by_someone_else = store
            .unexpected_releases()
            .await?
            .into_iter()
            .find(|r| r.snapshot == verdict.snapshot && r.namespace == gate.namespace);
        if let Some(other) = by_someone_else {
            tracing::warn!(
                gate = %gate.name, snapshot = %verdict.snapshot, release = %other.name,
                "gate passed, but the snapshot was already released outside gatebot; not creating a second Release"
            );
            return Ok(());
        }
        if let Some(newer) = self
            .newer_released_snapshot(gate, &verdict.snapshot)
            .await?
        {
            tracing::info!(
                gate = %gate.name, snapshot = %verdict.snapshot, %newer,
                "gate passed, but a newer snapshot is already released; not releasing an older build automatically"
            );
            return Ok(());
        }
        let record = ReleaseRecord {
            name: release_name(&verdict.snapshot, &gate.release_plan),
            namespace: gate.namespace.clone(),
            gate: gate.name.clone(),
            snapshot: verdict.snapshot.clone(),
            release_plan: gate.release_plan.clone(),
            kind: ReleaseKind::Gated,
            status: ReleaseStatus::Decided,
            status_message: Some(verdict.tally.to_string()),
            decided_at: now,
            created_at: None,
            updated_at: now,
        };
        let holding = store.decide_release(&record).await?;
        if holding.name == record.name && holding.decided_at == now {
            store
                .audit(&AuditEntry {
                    at: now,
                    actor: "gatebot".into(),
                    action: "release.decide".into(),
                    target: verdict.snapshot.clone(),
                    outcome: "ok".into(),
                    detail: format!(
                        "gate {} passed ({}); Release {} decided",
                        gate.name, verdict.tally, record.name
                    ),
                    channel: None,
                    thread: None,
                })
                .await?;
        }
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
