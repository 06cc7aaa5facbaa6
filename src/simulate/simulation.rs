//! The simulation itself: a state machine stepped one event at a time on a virtual clock.
//!
//! [`Simulation::step`] takes the next due event (a Snapshot built, a run ended, a round's
//! wake-up, a periodic job's start), lets the gate's real decisions act on it, and says what
//! happened as [`Step`]s; [`simulate`] steps to the end of the horizon and reads the figures.
//! There is no timer and no I/O, so a test can drive it step by step and look at every step.
//!
//! What the two ways of running jobs do with an event is in [`triggered`](super::triggered)
//! and [`periodic`](super::periodic); what both share (starting and ending runs, asking the gate,
//! releasing) is [`Shared`].

use std::collections::HashMap;

use jiff::Timestamp;

use super::agenda::Agenda;
use super::chance::{Chance, Stream};
use super::gate_view;
use super::merges;
use super::periodic::Periodic;
use super::record::Record;
use super::report::Figures;
use super::scenario::{Runs, Scenario};
use super::triggered::Rounds;
use crate::gate::{Assessment, CellKey, Decision, Evaluator, RunState};

/// How many finished runs each job's history keeps: enough for any retry rule's window.
const HISTORY_KEPT: usize = 100;

/// Something due at a moment of the virtual clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Event {
    /// Konflux created the Snapshot of this merge.
    SnapshotBuilt(usize),
    /// This run ends.
    RunEnds(usize),
    /// The round in flight plans again (the next stagger slot).
    RoundWake,
    /// This job's periodic run starts.
    PeriodicStart(usize),
}

/// What happened, for tests and traces.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    SnapshotCreated {
        snapshot: usize,
    },
    RoundStarted {
        snapshot: usize,
    },
    /// A run started; `attempt` is its round's cell and attempt number when a round triggered
    /// it.
    RunStarted {
        run: usize,
        job: usize,
        snapshot: Option<usize>,
        attempt: Option<(CellKey, u32)>,
    },
    RunEnded {
        run: usize,
        result: RunState,
    },
    /// `rounds::decide_retry` about a failed attempt.
    RetryDecided {
        cell: CellKey,
        attempt: u32,
        retry: bool,
        reason: String,
    },
    Released {
        snapshot: usize,
    },
    /// The round settled every cell (`rounds::round_done`).
    RoundEnded {
        snapshot: usize,
        released: bool,
    },
    /// A newer snapshot cancelled the round; its executions in flight were aborted.
    RoundCancelled {
        snapshot: usize,
        aborted: usize,
    },
}

/// What both ways of running jobs use: the clock, the record, the gate and chance.
#[derive(Debug)]
pub struct Shared<'s> {
    pub scenario: &'s Scenario,
    pub evaluator: Evaluator<'s>,
    pub agenda: Agenda<Event>,
    pub now: Timestamp,
    pub record: Record,
    /// The jobs' fortunes: run durations and results.
    pub jobs_chance: Chance,
    /// The cells each snapshot's round still tries, as the engine keeps them
    /// (`Engine::note_round`).
    pub trying: HashMap<usize, Vec<CellKey>>,
}

impl Shared<'_> {
    /// Starts a run of `job` testing `snapshot` now; its result and end are drawn now.
    pub fn start_run(
        &mut self,
        job: usize,
        snapshot: Option<usize>,
        attempt: Option<(CellKey, u32)>,
        steps: &mut Vec<Step>,
    ) -> usize {
        let world = &self.scenario.world;
        let lasts = self.jobs_chance.duration(world.job_duration);
        let result = if self.jobs_chance.happens(self.record.jobs[job].pass_rate) {
            RunState::Success
        } else {
            RunState::Failure
        };
        let run = self.record.start_run(job, snapshot, self.now, result);
        self.agenda.add(self.now + lasts, Event::RunEnds(run));
        steps.push(Step::RunStarted {
            run,
            job,
            snapshot,
            attempt,
        });
        run
    }

    /// Ends a run with its drawn result and releases its snapshot if the gate now says Passed.
    /// Returns false when the run was already over (aborted).
    pub fn end_run(&mut self, run: usize, steps: &mut Vec<Step>) -> bool {
        let result = self.record.runs[run].result;
        if !self.record.end_run(run, result, self.now) {
            return false;
        }
        steps.push(Step::RunEnded { run, result });
        if let Some(snapshot) = self.record.runs[run].snapshot {
            self.release_if_passed(snapshot, steps);
        }
        true
    }

    /// Aborts a run in flight: it tested nothing, and its job's history counts it as not
    /// passed, as `rounds::PassRate` counts an aborted run.
    pub fn abort_run(&mut self, run: usize) -> bool {
        self.record.end_run(run, RunState::Aborted, self.now)
    }

    /// The gate's assessment of a snapshot now.
    pub fn assessment(&self, snapshot: usize) -> Assessment {
        let trying = self.trying.get(&snapshot).map_or(&[][..], Vec::as_slice);
        gate_view::assessment(&self.evaluator, &self.record, snapshot, trying, self.now)
    }

    /// The gate's decision about a snapshot now.
    pub fn decision(&self, snapshot: usize) -> Decision {
        self.assessment(snapshot).decision
    }

    /// Creates the snapshot's one Release when the gate says Passed.
    fn release_if_passed(&mut self, snapshot: usize, steps: &mut Vec<Step>) {
        if self.record.snapshots[snapshot].released_at.is_some() {
            return;
        }
        if self.decision(snapshot) == Decision::Passed {
            self.record.snapshots[snapshot].released_at = Some(self.now);
            steps.push(Step::Released { snapshot });
        }
    }
}

/// How the scenario's jobs come to run, with its own state.
#[derive(Debug)]
pub enum Mode {
    Triggered(Box<Rounds>),
    Periodic(Periodic),
}

/// A simulation in progress.
#[derive(Debug)]
pub struct Simulation<'s> {
    shared: Shared<'s>,
    mode: Mode,
    merges: Vec<merges::Merge>,
    end: Timestamp,
}

impl<'s> Simulation<'s> {
    /// Draws the merges and the jobs' histories, and puts the first events on the agenda.
    pub fn new(scenario: &'s Scenario) -> Self {
        let world = &scenario.world;
        let merges = merges::schedule(world, &mut Chance::new(world.seed, Stream::Merges));
        let record = Record::new(
            &scenario.gate.policy,
            |job| world.pass_rate_of(job),
            merges.iter().map(|merge| merge.at).collect(),
            HISTORY_KEPT,
        );
        let mut shared = Shared {
            scenario,
            evaluator: Evaluator::new(&scenario.gate.policy, &scenario.gate.catalog),
            agenda: Agenda::default(),
            now: world.start,
            record,
            jobs_chance: Chance::new(world.seed, Stream::Jobs),
            trying: HashMap::new(),
        };
        seed_histories(&mut shared);
        for (index, merge) in merges.iter().enumerate() {
            shared
                .agenda
                .add(merge.built_at, Event::SnapshotBuilt(index));
        }
        let mode = match &scenario.runs {
            Runs::Triggered { .. } => Mode::Triggered(Box::new(Rounds::new(&shared))),
            Runs::Periodic { period } => Mode::Periodic(Periodic::new(
                &mut shared,
                *period,
                &mut Chance::new(world.seed, Stream::Schedule),
            )),
        };
        Self {
            shared,
            mode,
            merges,
            end: world.end(),
        }
    }

    /// Handles the next event due before the horizon ends; `None` when there is none.
    pub fn step(&mut self) -> Option<(Timestamp, Vec<Step>)> {
        if self.shared.agenda.next_at()? >= self.end {
            return None;
        }
        let (at, event) = self.shared.agenda.pop()?;
        self.shared.now = at;
        let mut steps = Vec::new();
        let shared = &mut self.shared;
        match (event, &mut self.mode) {
            (Event::SnapshotBuilt(merge), mode) => {
                let gate = &shared.scenario.gate.policy.gate;
                let snapshot = shared.record.add_snapshot(gate, merge, at);
                steps.push(Step::SnapshotCreated { snapshot });
                if let Mode::Triggered(rounds) = mode {
                    rounds.on_snapshot(shared, &mut steps);
                }
            }
            (Event::RunEnds(run), Mode::Triggered(rounds)) => {
                rounds.on_run_end(shared, run, &mut steps)
            }
            (Event::RunEnds(run), Mode::Periodic(_)) => {
                shared.end_run(run, &mut steps);
            }
            (Event::RoundWake, Mode::Triggered(rounds)) => rounds.on_wake(shared, &mut steps),
            (Event::PeriodicStart(job), Mode::Periodic(periodic)) => {
                periodic.on_start(shared, job, &mut steps)
            }
            (Event::RoundWake | Event::PeriodicStart(_), _) => {}
        }
        Some((at, steps))
    }

    /// Steps to the end of the horizon.
    pub fn run_to_end(&mut self) {
        while self.step().is_some() {}
    }

    /// What has happened so far.
    pub fn record(&self) -> &Record {
        &self.shared.record
    }

    /// The merges of the horizon and when their snapshots are built.
    pub fn merges(&self) -> &[merges::Merge] {
        &self.merges
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The figures of what has happened so far, over the whole horizon.
    pub fn figures(&self) -> Figures {
        let rounds = match &self.mode {
            Mode::Triggered(rounds) => Some(rounds.tally()),
            Mode::Periodic(_) => None,
        };
        Figures::of(
            &self.shared.record,
            self.shared.scenario.world.weeks,
            rounds,
        )
    }
}

/// Gives every job a history drawn at its pass rate, so the retry rule's threshold judges
/// from the first failure as it would in a gate that has run for a while.
fn seed_histories(shared: &mut Shared<'_>) {
    let window = match &shared.scenario.runs {
        Runs::Triggered { overrides, .. } => overrides
            .apply(&shared.scenario.gate.rounds)
            .retry
            .history_window
            .min(HISTORY_KEPT),
        Runs::Periodic { .. } => 0,
    };
    for job in 0..shared.record.jobs.len() {
        let pass_rate = shared.record.jobs[job].pass_rate;
        for _ in 0..window {
            let state = if shared.jobs_chance.happens(pass_rate) {
                RunState::Success
            } else {
                RunState::Failure
            };
            shared.record.remember(job, state);
        }
    }
}

/// Plays a scenario to the end of its horizon and reports its figures.
pub fn simulate(scenario: &Scenario) -> Figures {
    let mut simulation = Simulation::new(scenario);
    simulation.run_to_end();
    simulation.figures()
}
