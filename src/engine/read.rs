//! What the rest of gatebot may ask the engine: the gates, the snapshots they track, and what a
//! snapshot looks like now — its verdict evaluated at this moment and its Release.
//!
//! Chat, commands, metrics and the sandbox read snapshot state here and nowhere else, so the
//! engine stays the one owner of tracked snapshots, runs and Release decisions, and can change
//! how it keeps them without touching its readers.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{Engine, GateSpec, reconcile};
use crate::gate::{JobRun, ReleaseKind, ReleaseRecord, Snapshot, SnapshotKey, Verdict};
use crate::rounds::{Attempt, JobRecord};
use crate::store::StoreError;

/// A run's build id as a number, for ordering builds; ids that are not numbers sort first.
fn build_number(run: &JobRun) -> u128 {
    run.build_id.parse().unwrap_or(0)
}

/// What is known about one snapshot: its verdict now, the attempts of gatebot's rounds for it,
/// and its Release if one was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotFacts {
    pub snapshot: Snapshot,
    pub verdict: Verdict,
    /// Cell by cell, in attempt order; empty when no round ran for the snapshot.
    pub attempts: Vec<Attempt>,
    /// How the jobs of its failed, timed-out or retried cells usually fare, by job.
    pub records: BTreeMap<String, JobRecord>,
    pub release: Option<ReleaseRecord>,
}

impl AsRef<Snapshot> for SnapshotFacts {
    fn as_ref(&self) -> &Snapshot {
        &self.snapshot
    }
}

impl Engine {
    pub fn gates(&self) -> &[GateSpec] {
        &self.inner.gates
    }

    /// The gate with this name, if it is configured.
    pub fn gate(&self, name: &str) -> Option<&GateSpec> {
        self.inner.gates.iter().find(|gate| gate.name == name)
    }

    /// The current verdict of a snapshot, evaluated now.
    pub fn verdict(&self, key: &SnapshotKey) -> Option<(Snapshot, Verdict)> {
        let facts = self.evaluated(key)?;
        Some((facts.snapshot, facts.verdict))
    }

    /// A snapshot evaluated now, with its round's attempts and its troubled jobs' records; the
    /// Release is left for the caller to look up.
    fn evaluated(&self, key: &SnapshotKey) -> Option<SnapshotFacts> {
        let spec = self.gate(&key.gate)?;
        let catalog = self.catalog(&key.gate)?;
        // `evaluate_one` judges the snapshot with its round's catalog when it has one.
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        let snapshot = tracker.snapshot(&key.gate, &key.snapshot)?.clone();
        let now = self.inner.clock.now();
        let verdict = reconcile::evaluate_one(spec, &catalog, &tracker, &snapshot, now);
        let attempts = tracker.attempts(&key.snapshot).to_vec();
        let window = spec.rounds.retry.history_window;
        let records = tracker.job_records(&verdict, &attempts, window);
        Some(SnapshotFacts {
            snapshot,
            verdict,
            attempts,
            records,
            release: None,
        })
    }

    /// What a tracked snapshot looks like now; `None` when no gate tracks it.
    pub async fn facts(&self, key: &SnapshotKey) -> Result<Option<SnapshotFacts>, StoreError> {
        let Some(facts) = self.evaluated(key) else {
            return Ok(None);
        };
        let release = self.release(key).await?;
        Ok(Some(SnapshotFacts { release, ..facts }))
    }

    /// What every snapshot a gate tracks looks like now, oldest first.
    pub async fn facts_of_gate(&self, gate: &str) -> Result<Vec<SnapshotFacts>, StoreError> {
        let releases = self.inner.store.releases(gate).await?;
        Ok(self
            .snapshots(gate)
            .into_iter()
            .filter_map(|snapshot| {
                let facts = self.evaluated(&snapshot.key())?;
                let release = releases
                    .iter()
                    .find(|release| release.snapshot == facts.snapshot.name)
                    .cloned();
                Some(SnapshotFacts { release, ..facts })
            })
            .collect())
    }

    /// The Release decided for a snapshot, if any, as it stands now.
    pub async fn release(&self, key: &SnapshotKey) -> Result<Option<ReleaseRecord>, StoreError> {
        self.inner
            .store
            .release_for_snapshot(&key.gate, &key.snapshot)
            .await
    }

    /// How many Releases of each kind were decided since `since`, over every gate.
    pub async fn release_kinds_since(
        &self,
        since: Timestamp,
    ) -> Result<Vec<(ReleaseKind, u64)>, StoreError> {
        self.inner.store.release_kinds_since(since).await
    }

    /// The last recorded decision (`passed`, `blocked`, …) of each snapshot of a gate.
    pub async fn recorded_decisions(
        &self,
        gate: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let latest = self.inner.store.latest_verdicts(gate).await?;
        Ok(latest
            .into_iter()
            .map(|(snapshot, verdict)| (snapshot, verdict.decision))
            .collect())
    }

    /// How a Prow job usually fares over its latest `window` finished runs — the evidence a
    /// retry rests on — counting only builds older than `before` when it is given (the pass
    /// rate *before* an attempt, not including it).
    pub fn job_record(&self, job: &str, window: usize, before: Option<u128>) -> JobRecord {
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        let runs: Vec<&JobRun> = tracker
            .job_runs(job)
            .into_iter()
            .filter(|run| before.is_none_or(|before| build_number(run) < before))
            .collect();
        JobRecord::of(runs.iter().copied(), window)
    }

    /// The snapshots a gate tracks, oldest first.
    pub fn snapshots(&self, gate: &str) -> Vec<Snapshot> {
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        tracker.snapshots(gate).to_vec()
    }

    /// Every snapshot every gate tracks, gate by gate, oldest first.
    pub fn tracked_snapshots(&self) -> Vec<Snapshot> {
        self.gates()
            .iter()
            .flat_map(|gate| self.snapshots(&gate.name))
            .collect()
    }

    /// One tracked snapshot.
    pub fn snapshot(&self, key: &SnapshotKey) -> Option<Snapshot> {
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        tracker.snapshot(&key.gate, &key.snapshot).cloned()
    }

    /// Whether this is the newest snapshot its gate tracks.
    pub fn is_newest_snapshot(&self, key: &SnapshotKey) -> bool {
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        tracker
            .snapshots(&key.gate)
            .last()
            .is_some_and(|newest| newest.name == key.snapshot)
    }
}
