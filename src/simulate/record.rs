//! What has happened so far in a simulation: the merges, the Snapshots Konflux built, the jobs
//! and every run of them, and the Releases. The gate reads the runs of a snapshot from here as
//! the engine reads them from Prow, and the report reads its figures from here at the end.

use std::collections::VecDeque;

use jiff::Timestamp;

use crate::gate::{JobRun, Policy, RunState, RunTarget, Snapshot};

/// A Snapshot of main and what became of it.
#[derive(Debug, Clone)]
pub struct SimSnapshot {
    pub snapshot: Snapshot,
    /// It contains the first `contains` merges (every merge up to the one it was built from).
    pub contains: usize,
    /// The runs that tested it, as Prow reports them (a running run, then its result).
    pub runs: Vec<JobRun>,
    pub released_at: Option<Timestamp>,
}

/// A job of the gate.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    /// The chance that a run passes.
    pub pass_rate: f64,
    /// Its finished runs, newest first: the evidence `rounds::PassRate` is taken from.
    pub history: VecDeque<RunState>,
}

/// One run of a job.
#[derive(Debug, Clone)]
pub struct Run {
    pub job: usize,
    /// The snapshot it tested, if any existed when it started.
    pub snapshot: Option<usize>,
    /// Its place in that snapshot's `runs`.
    slot: usize,
    pub started_at: Timestamp,
    /// How it will end, drawn when it started.
    pub result: RunState,
    /// Finished, or aborted before it could.
    pub over: bool,
}

/// A round of tests, in triggered mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundSpan {
    pub snapshot: usize,
    pub started_at: Timestamp,
    /// When every cell was settled, or the round was cancelled; `None` while it runs.
    pub ended_at: Option<Timestamp>,
    pub cancelled: bool,
}

/// Everything that happened.
#[derive(Debug, Clone)]
pub struct Record {
    pub merges: Vec<Timestamp>,
    pub snapshots: Vec<SimSnapshot>,
    pub jobs: Vec<Job>,
    pub runs: Vec<Run>,
    /// Every round started, in order (triggered mode).
    pub rounds: Vec<RoundSpan>,
    /// How many finished runs a job's history keeps.
    history_kept: usize,
}

impl Record {
    /// A record with the policy's jobs, each with `pass_rate(job)` and an empty history of at
    /// most `history_kept` runs.
    pub fn new(
        policy: &Policy,
        pass_rate: impl Fn(&str) -> f64,
        merges: Vec<Timestamp>,
        history_kept: usize,
    ) -> Self {
        let jobs = policy
            .jobs()
            .into_iter()
            .map(|name| Job {
                name: name.to_string(),
                pass_rate: pass_rate(name),
                history: VecDeque::with_capacity(history_kept),
            })
            .collect();
        Self {
            merges,
            snapshots: Vec::new(),
            jobs,
            runs: Vec::new(),
            rounds: Vec::new(),
            history_kept,
        }
    }

    /// The job with this name.
    pub fn job_index(&self, name: &str) -> Option<usize> {
        self.jobs.iter().position(|job| job.name == name)
    }

    /// The newest snapshot: the one Konflux created last.
    pub fn newest(&self) -> Option<usize> {
        self.snapshots.len().checked_sub(1)
    }

    /// Records the Snapshot Konflux built from merge number `merge` (0-based).
    pub fn add_snapshot(&mut self, gate: &str, merge: usize, at: Timestamp) -> usize {
        let index = self.snapshots.len();
        let name = format!("hypershift-operator-main-sim-{index:04}");
        self.snapshots.push(SimSnapshot {
            snapshot: Snapshot {
                gate: gate.to_string(),
                namespace: "simulated".into(),
                image: format!("quay.io/simulated/hypershift-operator:{name}"),
                name,
                component: "hypershift-operator-main".into(),
                digest: None,
                git_url: None,
                git_revision: Some(format!("merge-{merge}")),
                created_at: at,
            },
            contains: merge + 1,
            runs: Vec::new(),
            released_at: None,
        });
        index
    }

    /// Adds a job's finished run to its history.
    pub fn remember(&mut self, job: usize, state: RunState) {
        let history = &mut self.jobs[job].history;
        history.push_front(state);
        history.truncate(self.history_kept);
    }

    /// Starts a run of `job` testing `snapshot`; it will end as `result`.
    pub fn start_run(
        &mut self,
        job: usize,
        snapshot: Option<usize>,
        at: Timestamp,
        result: RunState,
    ) -> usize {
        let index = self.runs.len();
        let mut slot = 0;
        if let Some(tested) = snapshot {
            let tested = &mut self.snapshots[tested];
            slot = tested.runs.len();
            tested.runs.push(JobRun {
                job: self.jobs[job].name.clone(),
                // Prow build ids grow; the evaluator orders a job's runs by them.
                build_id: (index + 1).to_string(),
                state: RunState::Running,
                started_at: Some(at),
                finished_at: None,
                url: format!("sim://runs/{}", index + 1),
                target: RunTarget::Snapshot(tested.snapshot.name.clone()),
            });
        }
        self.runs.push(Run {
            job,
            snapshot,
            slot,
            started_at: at,
            result,
            over: false,
        });
        index
    }

    /// Ends a run as `state` (its drawn result, or `Aborted`); the job remembers it. Returns
    /// false when the run was already over.
    pub fn end_run(&mut self, run: usize, state: RunState, at: Timestamp) -> bool {
        let record = &mut self.runs[run];
        if record.over {
            return false;
        }
        record.over = true;
        let (job, snapshot, slot) = (record.job, record.snapshot, record.slot);
        if let Some(tested) = snapshot {
            let run = &mut self.snapshots[tested].runs[slot];
            run.state = state;
            run.finished_at = Some(at);
        }
        self.remember(job, state);
        true
    }

    /// Ends the round in flight (the last one started).
    pub fn end_round(&mut self, snapshot: usize, at: Timestamp, cancelled: bool) {
        let open = self
            .rounds
            .iter_mut()
            .rev()
            .find(|round| round.snapshot == snapshot && round.ended_at.is_none());
        if let Some(round) = open {
            round.ended_at = Some(at);
            round.cancelled = cancelled;
        }
    }
}
