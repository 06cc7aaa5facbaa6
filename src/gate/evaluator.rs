//! Evaluation of many snapshots against one gate, fast enough to re-run on every change.
//!
//! The engine re-evaluates every tracked snapshot whenever a result arrives or a deadline may
//! have passed. Most of those passes change nothing, so the evaluator has two answers: an
//! [`Assessment`] (decision, tally and cell states, computed without copying any run) for the
//! every-time pass, and the full [`Verdict`] with each cell's deciding run for a snapshot whose
//! assessment changed or that someone asks about. Both come from the same sweep, so they can
//! never disagree.

use jiff::Timestamp;
use rustc_hash::FxHashMap;

use super::cell::{CellRuns, CellState, CellVerdict, RunRef, decide_cell};
use super::model::{CellKey, JobRun, RunFacts, Snapshot};
use super::policy::{Policy, VersionCatalog};
use super::verdict::{Decision, Tally, Verdict};

/// A gate's policy prepared for evaluating many snapshots: which cells each job answers.
#[derive(Debug)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
    catalog: &'p VersionCatalog,
    /// Job names are long and share a prefix; a fast non-cryptographic hash keeps lookups cheap.
    cells_of_job: FxHashMap<&'p str, Vec<usize>>,
}

/// The cheap answer for one snapshot: enough to notice whether anything changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub decision: Decision,
    pub tally: Tally,
    /// One state per policy cell, in matrix order.
    pub states: Vec<CellState>,
}

/// Gives job names small ids, so runs can be matched to cells without hashing their names.
pub trait JobIndex {
    fn job_id(&self, job: &str) -> Option<u32>;
}

/// A run as the engine's tracker keeps it: its job's id, its facts, and the run itself (read
/// only to break ties and to show the deciding run).
#[derive(Debug, Clone, Copy)]
pub struct KnownRun<'r> {
    pub job: u32,
    pub facts: RunFacts,
    pub run: &'r JobRun,
}

/// What one snapshot is evaluated with, besides the policy.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub snapshot: &'a Snapshot,
    /// The name of a newer snapshot of the same component, if one exists.
    pub newer_snapshot: Option<&'a str>,
    /// The cells gatebot's round is still trying: an attempt is in flight or a retry is wanted.
    /// A failure of such a cell is not final yet. Empty when no round ran for the snapshot.
    pub trying: &'a [CellKey],
    pub now: Timestamp,
}

impl<'p> Evaluator<'p> {
    pub fn new(policy: &'p Policy, catalog: &'p VersionCatalog) -> Self {
        let mut cells_of_job: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (index, cell) in policy.cells.iter().enumerate() {
            if let Some(job) = cell.job.as_deref() {
                cells_of_job.entry(job).or_default().push(index);
            }
        }
        Self {
            policy,
            catalog,
            cells_of_job,
        }
    }

    /// Decision, tally and cell states for a snapshot, from the runs that tested it (any
    /// order, any jobs).
    pub fn assess<'r>(
        &self,
        subject: Subject<'_>,
        runs: impl IntoIterator<Item = &'r JobRun>,
    ) -> Assessment {
        let states: Vec<CellState> = self
            .decide_cells(runs, subject)
            .map(|(state, _)| state)
            .collect();
        self.assessment(states, subject)
    }

    fn assessment(&self, states: Vec<CellState>, subject: Subject<'_>) -> Assessment {
        let tally = self.tally(&states);
        Assessment {
            decision: decision(tally, subject.newer_snapshot),
            tally,
            states,
        }
    }

    /// The full verdict for a snapshot, with every cell's deciding run.
    pub fn verdict<'r>(
        &self,
        subject: Subject<'_>,
        runs: impl IntoIterator<Item = &'r JobRun>,
    ) -> Verdict {
        let deadline = self.deadline(subject.snapshot);
        let cells: Vec<CellVerdict> = self
            .decide_cells(runs, subject)
            .zip(&self.policy.cells)
            .map(|((state, run), cell)| CellVerdict {
                key: cell.key.clone(),
                job: cell.job.clone(),
                required: cell.required,
                state,
                run: run.map(RunRef::from),
                deadline,
                aggregate: cell.aggregate,
            })
            .collect();
        let states: Vec<CellState> = cells.iter().map(|cell| cell.state).collect();
        let tally = self.tally(&states);
        Verdict {
            gate: self.policy.gate.clone(),
            snapshot: subject.snapshot.name.clone(),
            decision: decision(tally, subject.newer_snapshot),
            tally,
            cells,
            deadline,
            evaluated_at: subject.now,
        }
    }

    /// When results for the snapshot are due.
    fn deadline(&self, snapshot: &Snapshot) -> Timestamp {
        snapshot
            .created_at
            .saturating_add(self.policy.result_timeout)
            .expect("a signed duration never fails to saturate")
    }

    /// One sweep over the runs, then each cell's state and deciding run, in matrix order.
    fn decide_cells<'r>(
        &self,
        runs: impl IntoIterator<Item = &'r JobRun>,
        subject: Subject<'_>,
    ) -> impl Iterator<Item = (CellState, Option<&'r JobRun>)> {
        let swept = runs.into_iter().filter_map(|run| {
            let cells = self.cells_of_job.get(run.job.as_str())?;
            Some((cells.as_slice(), RunFacts::of(run), run))
        });
        self.sweep(swept, subject)
    }

    /// Each cell's state and deciding run from the runs of its jobs, each given with the cells
    /// its job answers and its facts.
    fn sweep<'a, 'r>(
        &self,
        runs: impl Iterator<Item = (&'a [usize], RunFacts, &'r JobRun)>,
        subject: Subject<'_>,
    ) -> impl Iterator<Item = (CellState, Option<&'r JobRun>)> {
        let (deadline, now) = (self.deadline(subject.snapshot), subject.now);
        let mut per_cell: Vec<(CellRuns, bool)> = self
            .policy
            .cells
            .iter()
            .map(|cell| (CellRuns::default(), subject.trying.contains(&cell.key)))
            .collect();
        for (cells, facts, run) in runs {
            for &cell in cells {
                per_cell[cell].0.add(run, facts);
            }
        }
        self.policy
            .cells
            .iter()
            .zip(per_cell)
            .map(move |(cell, (runs, trying))| {
                decide_cell(cell, runs, self.catalog, deadline, now, trying)
            })
    }

    /// The cells each job answers, indexed by the ids a [`JobIndex`] gave the jobs.
    pub fn cells_by_job_id(&self, jobs: &impl JobIndex) -> Vec<Vec<usize>> {
        let mut by_id: Vec<Vec<usize>> = Vec::new();
        for (job, cells) in &self.cells_of_job {
            if let Some(id) = jobs.job_id(job) {
                let id = id as usize;
                if by_id.len() <= id {
                    by_id.resize(id + 1, Vec::new());
                }
                by_id[id] = cells.clone();
            }
        }
        by_id
    }

    /// [`Evaluator::assess`] over runs known by job id and facts, as the engine keeps them:
    /// a pass over every tracked snapshot then reads 16 bytes per run, not the runs' strings.
    pub fn assess_known<'r>(
        &self,
        subject: Subject<'_>,
        runs: impl Iterator<Item = KnownRun<'r>>,
        cells_by_job_id: &[Vec<usize>],
    ) -> Assessment {
        let swept = runs.filter_map(|known| {
            let cells = cells_by_job_id.get(known.job as usize)?;
            Some((cells.as_slice(), known.facts, known.run))
        });
        let states: Vec<CellState> = self.sweep(swept, subject).map(|(state, _)| state).collect();
        self.assessment(states, subject)
    }

    /// How many required cells are in which state.
    fn tally(&self, states: &[CellState]) -> Tally {
        let mut tally = Tally::default();
        for (cell, state) in self.policy.cells.iter().zip(states) {
            if cell.required {
                tally.count(*state);
            }
        }
        tally
    }
}

/// Combines the tally into the decision; an unpassed snapshot with a newer one is superseded.
fn decision(tally: Tally, newer_snapshot: Option<&str>) -> Decision {
    let decision = if tally.failed + tally.timed_out > 0 {
        Decision::Blocked
    } else if tally.running + tally.retrying + tally.waiting > 0 {
        Decision::Pending
    } else {
        Decision::Passed
    };
    match (decision, newer_snapshot) {
        (Decision::Passed, _) => Decision::Passed,
        (_, Some(newer)) => Decision::Superseded {
            by: newer.to_string(),
        },
        (other, None) => other,
    }
}
