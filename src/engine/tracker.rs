//! The engine's in-memory view of what the store holds: snapshots per gate and runs indexed by
//! what they tested, so that re-evaluating every tracked snapshot touches no database.
//!
//! The store stays the source of truth; the tracker is rebuilt from it at start-up and updated
//! as the engine records new facts.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;

use super::GateSpec;
use crate::gate::model::digest_of;
use crate::gate::{
    CellKey, JobIndex, JobRun, KnownRun, RunFacts, RunTarget, Snapshot, Verdict, VersionCatalog,
};
use crate::rounds::evidence::is_troubled;
use crate::rounds::{Attempt, JobRecord, cells_still_tried};
use crate::store::{Store, StoreError};

type RunKey = (String, String);

/// Snapshots and runs, indexed for evaluation. Runs live in one vector and the indexes hold
/// positions in it, so finding a snapshot's runs compares integers, not job names.
#[derive(Debug, Default)]
pub struct Tracker {
    snapshots: HashMap<String, Vec<Snapshot>>,
    runs: Vec<JobRun>,
    /// Per run (same positions as `runs`): its job's id and facts, packed so that a pass over
    /// every snapshot stays in cache instead of chasing each run's strings.
    known: Vec<(u32, RunFacts)>,
    job_ids: FxHashMap<String, u32>,
    position: FxHashMap<RunKey, usize>,
    by_snapshot: FxHashMap<String, Vec<usize>>,
    by_image: FxHashMap<String, Vec<usize>>,
    /// The attempts of gatebot's rounds, by snapshot name, with the cells each round still tries.
    rounds: HashMap<String, Round>,
}

/// One snapshot's round as the tracker keeps it.
#[derive(Debug, Default)]
struct Round {
    attempts: Vec<Attempt>,
    trying: Vec<CellKey>,
    /// Which versions were GA when this process saw the round start: the snapshot is judged
    /// with it, so a version that goes GA during the round counts from the next round on.
    catalog: Option<VersionCatalog>,
}

/// How a run's image reference or a snapshot's image is matched: by digest when there is one,
/// else by the whole reference.
fn image_key(reference: &str) -> &str {
    digest_of(reference).unwrap_or(reference)
}

impl Tracker {
    /// Everything the store knows about the gates' snapshots and all recorded runs.
    pub async fn load(store: &Store, gates: &[GateSpec]) -> Result<Self, StoreError> {
        let mut tracker = Tracker::default();
        for gate in gates {
            for snapshot in store.snapshots(&gate.name).await? {
                tracker.add_snapshot(snapshot);
            }
        }
        for run in store.runs().await? {
            tracker.add_run(run);
        }
        for gate in gates {
            let mut by_snapshot: HashMap<String, Vec<Attempt>> = HashMap::new();
            for (snapshot, attempt) in store.gate_attempts(&gate.name).await? {
                by_snapshot.entry(snapshot).or_default().push(attempt);
            }
            for (snapshot, attempts) in by_snapshot {
                tracker.set_round(&snapshot, attempts);
            }
        }
        Ok(tracker)
    }

    /// The runs of `job`, newest build first (running ones included).
    pub fn job_runs(&self, job: &str) -> Vec<&JobRun> {
        let Some(&id) = self.job_ids.get(job) else {
            return Vec::new();
        };
        let mut runs: Vec<&JobRun> = self
            .known
            .iter()
            .zip(&self.runs)
            .filter(|((job_id, _), _)| *job_id == id)
            .map(|(_, run)| run)
            .collect();
        runs.sort_by_key(|run| std::cmp::Reverse(run.build_id.parse::<u128>().unwrap_or(0)));
        runs
    }

    /// How the jobs of a verdict's troubled cells usually fare (see [`is_troubled`]), each over
    /// its latest `window` finished runs.
    pub fn job_records(
        &self,
        verdict: &Verdict,
        attempts: &[Attempt],
        window: usize,
    ) -> BTreeMap<String, JobRecord> {
        verdict
            .cells
            .iter()
            .filter(|cell| is_troubled(cell, attempts))
            .filter_map(|cell| cell.job.clone())
            .map(|job| {
                let record = JobRecord::of(self.job_runs(&job), window);
                (job, record)
            })
            .collect()
    }

    /// Replaces what is known of a snapshot's round; returns whether anything changed.
    pub fn set_round(&mut self, snapshot: &str, attempts: Vec<Attempt>) -> bool {
        let round = self.rounds.entry(snapshot.to_string()).or_default();
        if round.attempts == attempts {
            return false;
        }
        round.trying = cells_still_tried(&attempts);
        round.attempts = attempts;
        true
    }

    /// Judges `snapshot` with `catalog` from now on: the GA status when its round started.
    pub fn pin_catalog(&mut self, snapshot: &str, catalog: VersionCatalog) {
        self.rounds.entry(snapshot.to_string()).or_default().catalog = Some(catalog);
    }

    /// The GA catalog `snapshot` is judged with: the one of its round's start when known, else
    /// the gate's `current` one.
    pub fn catalog_for<'c>(
        &'c self,
        snapshot: &str,
        current: &'c VersionCatalog,
    ) -> &'c VersionCatalog {
        self.rounds
            .get(snapshot)
            .and_then(|round| round.catalog.as_ref())
            .unwrap_or(current)
    }

    /// The attempts of a snapshot's round, cell by cell; empty when no round ran for it.
    pub fn attempts(&self, snapshot: &str) -> &[Attempt] {
        self.rounds
            .get(snapshot)
            .map_or(&[], |round| round.attempts.as_slice())
    }

    /// The cells a snapshot's round still tries.
    pub fn trying(&self, snapshot: &str) -> &[CellKey] {
        self.rounds
            .get(snapshot)
            .map_or(&[], |round| round.trying.as_slice())
    }

    /// Adds a snapshot; returns `false` if the gate already tracks it.
    pub fn add_snapshot(&mut self, snapshot: Snapshot) -> bool {
        let list = self.snapshots.entry(snapshot.gate.clone()).or_default();
        if list.iter().any(|s| s.name == snapshot.name) {
            return false;
        }
        let at = list
            .partition_point(|s| (s.created_at, &s.name) < (snapshot.created_at, &snapshot.name));
        list.insert(at, snapshot);
        true
    }

    /// Adds or replaces a run; returns whether the tracker learnt anything.
    pub fn add_run(&mut self, run: JobRun) -> bool {
        let key = (run.job.clone(), run.build_id.clone());
        let Some(&at) = self.position.get(&key) else {
            let at = self.runs.len();
            self.index(at, &run.target);
            let next_id = self.job_ids.len() as u32;
            let job = *self.job_ids.entry(run.job.clone()).or_insert(next_id);
            self.known.push((job, RunFacts::of(&run)));
            self.runs.push(run);
            self.position.insert(key, at);
            return true;
        };
        let known = &self.runs[at];
        if *known == run {
            return false;
        }
        // A run's target comes from its files and does not change once known; a change means
        // the first read was incomplete (running, no metadata yet), so re-index it.
        if known.target != run.target {
            let old = known.target.clone();
            self.unindex(at, &old);
            self.index(at, &run.target);
        }
        self.known[at].1 = RunFacts::of(&run);
        self.runs[at] = run;
        true
    }

    fn index_for(&mut self, target: &RunTarget) -> Option<&mut Vec<usize>> {
        match target {
            RunTarget::Snapshot(name) => Some(self.by_snapshot.entry(name.clone()).or_default()),
            RunTarget::Image(reference) => Some(
                self.by_image
                    .entry(image_key(reference).to_string())
                    .or_default(),
            ),
            RunTarget::Unknown => None,
        }
    }

    fn index(&mut self, at: usize, target: &RunTarget) {
        if let Some(positions) = self.index_for(target) {
            positions.push(at);
        }
    }

    fn unindex(&mut self, at: usize, target: &RunTarget) {
        if let Some(positions) = self.index_for(target) {
            positions.retain(|&p| p != at);
        }
    }

    /// The snapshots of a gate, oldest first.
    pub fn snapshots(&self, gate: &str) -> &[Snapshot] {
        self.snapshots.get(gate).map_or(&[], Vec::as_slice)
    }

    pub fn snapshot(&self, gate: &str, name: &str) -> Option<&Snapshot> {
        self.snapshots(gate).iter().find(|s| s.name == name)
    }

    /// The runs that tested a snapshot, by name or by image.
    pub fn runs_for<'t>(&'t self, snapshot: &Snapshot) -> impl Iterator<Item = &'t JobRun> {
        self.positions_for(snapshot).map(|at| &self.runs[at])
    }

    /// Where the runs that tested a snapshot are. A run has one target, so it is in at most one
    /// of the two indexes and never comes twice.
    fn positions_for<'t>(&'t self, snapshot: &Snapshot) -> impl Iterator<Item = usize> + 't {
        let image = snapshot
            .digest
            .as_deref()
            .unwrap_or(image_key(&snapshot.image));
        [
            self.by_snapshot.get(&snapshot.name),
            self.by_image.get(image),
        ]
        .into_iter()
        .flatten()
        .flatten()
        .copied()
    }

    /// The runs that tested a snapshot, as the evaluator's every-pass assessment reads them.
    pub fn known_runs_for<'t>(&'t self, snapshot: &Snapshot) -> impl Iterator<Item = KnownRun<'t>> {
        self.positions_for(snapshot).map(|at| {
            let (job, facts) = self.known[at];
            KnownRun {
                job,
                facts,
                run: &self.runs[at],
            }
        })
    }

    /// The newest snapshot of the gate created after this one, if any.
    pub fn newer_snapshot(&self, snapshot: &Snapshot) -> Option<&Snapshot> {
        self.snapshots(&snapshot.gate)
            .last()
            .filter(|newest| newest.name != snapshot.name)
            .filter(|newest| {
                (newest.created_at, &newest.name) > (snapshot.created_at, &snapshot.name)
            })
    }

    pub fn run_count(&self) -> usize {
        self.runs.len()
    }
}

impl JobIndex for Tracker {
    fn job_id(&self, job: &str) -> Option<u32> {
        self.job_ids.get(job).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::RunState;
    use jiff::Timestamp;

    fn snapshot(name: &str, seconds: i64, digest_char: char) -> Snapshot {
        let digest = format!("sha256:{}", digest_char.to_string().repeat(64));
        Snapshot {
            gate: "g".into(),
            namespace: "ns".into(),
            name: name.into(),
            component: "c".into(),
            image: format!("quay.io/x@{digest}"),
            digest: Some(digest),
            git_url: None,
            git_revision: None,
            created_at: Timestamp::from_second(seconds).unwrap(),
        }
    }

    fn run(build: &str, target: RunTarget) -> JobRun {
        JobRun {
            job: "job".into(),
            build_id: build.into(),
            state: RunState::Success,
            started_at: None,
            finished_at: None,
            url: String::new(),
            target,
        }
    }

    #[test]
    fn runs_map_by_name_or_by_digest_and_never_when_unknown() {
        let mut tracker = Tracker::default();
        let a = snapshot("a", 10, 'a');
        tracker.add_snapshot(a.clone());
        tracker.add_run(run("1", RunTarget::Snapshot("a".into())));
        tracker.add_run(run(
            "2",
            RunTarget::Image(format!("registry.ci/other@sha256:{}", "a".repeat(64))),
        ));
        tracker.add_run(run(
            "3",
            RunTarget::Image(format!("quay.io/x@sha256:{}", "b".repeat(64))),
        ));
        tracker.add_run(run("4", RunTarget::Unknown));
        let builds: Vec<&str> = tracker.runs_for(&a).map(|r| r.build_id.as_str()).collect();
        assert_eq!(builds, ["1", "2"]);
    }

    #[test]
    fn a_run_whose_target_becomes_known_is_reindexed() {
        let mut tracker = Tracker::default();
        let a = snapshot("a", 10, 'a');
        tracker.add_snapshot(a.clone());
        assert!(tracker.add_run(run("1", RunTarget::Unknown)));
        assert!(tracker.add_run(run("1", RunTarget::Snapshot("a".into()))));
        assert!(!tracker.add_run(run("1", RunTarget::Snapshot("a".into()))));
        assert_eq!(tracker.runs_for(&a).count(), 1);
        assert_eq!(tracker.run_count(), 1);
    }

    #[test]
    fn only_a_later_snapshot_supersedes() {
        let mut tracker = Tracker::default();
        tracker.add_snapshot(snapshot("new", 20, 'b'));
        tracker.add_snapshot(snapshot("old", 10, 'a'));
        assert!(!tracker.add_snapshot(snapshot("old", 10, 'a')));
        let old = tracker.snapshot("g", "old").unwrap().clone();
        let new = tracker.snapshot("g", "new").unwrap().clone();
        assert_eq!(
            tracker.newer_snapshot(&old).map(|s| s.name.as_str()),
            Some("new")
        );
        assert_eq!(tracker.newer_snapshot(&new), None);
    }
}
