//! Triggered mode (`runs = "triggered"`): gatebot runs a round of tests for the newest
//! snapshot, as `rounds::RoundRunner` does, with the same pure decisions:
//!
//! - a round starts when the newest snapshot has no Release, the gate does not already say
//!   Passed (nor superseded), it never had a round, and no round of the gate is in flight — or,
//!   when the gate's rounds overlap, the one in flight has its first runs back
//!   (`rounds::room_for_round`, `rounds::may_start_round`); otherwise a newer snapshot waits
//!   for the next round (unless the scenario cancels superseded rounds);
//! - `rounds::plan` says which cell to trigger when (stagger, cap on executions in flight);
//! - a failed attempt is retried when `rounds::decide_for_cell` says so, from the job's own pass
//!   rate (`rounds::PassRate`) before the attempt and whether the cell can hold the gate;
//! - the gate sees which cells the round still tries (`rounds::cells_still_tried`), so a
//!   failure with a retry coming does not block;
//! - the round ends when `rounds::round_over` says so: every cell is settled, or the gate's
//!   required cells decide the snapshot whatever still runs.
//!
//! What is left out: Gangway itself (every trigger is accepted at once, so an attempt is never
//! merely intended, and there is no `Retry-After`), and the engine's polling delays.

use jiff::Timestamp;
use serde::Serialize;

use super::record::RoundSpan;
use super::scenario::Runs;
use super::simulation::{Event, Shared, Step};
use crate::gate::{CellKey, RunState};
use crate::rounds::{
    Attempt, AttemptState, Moment, Pace, PassRate, RetryDecision, RoundCell, RoundPolicy,
    cells_still_tried, decide_for_cell, may_start_round, plan, room_for_round, round_over,
};

/// The round in flight.
#[derive(Debug, Clone)]
pub struct Round {
    pub snapshot: usize,
    pub attempts: Vec<Attempt>,
    /// The run of each attempt, in the same order.
    runs: Vec<usize>,
}

/// How the rounds went, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RoundTally {
    pub started: usize,
    /// Ended with every cell settled and no Release: a required cell failed for good.
    pub ended_blocked: usize,
    pub cancelled: usize,
    /// Attempts after a cell's first.
    pub retries: usize,
    /// Runs aborted when their round was cancelled.
    pub aborted_runs: usize,
}

/// The rounds of the gate.
#[derive(Debug)]
pub struct Rounds {
    /// The gate's round policy, with the scenario's overrides.
    policy: RoundPolicy,
    /// The cells as the round runs them (`rounds::RoundCell::of`).
    round_cells: Vec<RoundCell>,
    cancel_superseded: bool,
    /// The cells a round triggers (every cell with a job, advisory ones too), in the order
    /// the runner triggers them, and the job of each.
    cells: Vec<CellKey>,
    jobs: Vec<usize>,
    /// The rounds in flight, oldest first: one, or two when rounds may overlap.
    open: Vec<Round>,
    /// The newest snapshot that had a round: rounds start for the newest snapshot only, so no
    /// snapshot up to it gets one again.
    last_round: Option<usize>,
    last_trigger: Option<Timestamp>,
    /// The wake-up on the agenda, if any.
    wake: Option<Timestamp>,
    tally: RoundTally,
}

impl Rounds {
    pub fn new(shared: &Shared<'_>) -> Self {
        let Runs::Triggered {
            overrides,
            cancel_superseded,
        } = &shared.scenario.runs
        else {
            panic!("rounds run in a triggered scenario only");
        };
        let mut cells: Vec<(CellKey, usize)> = shared
            .scenario
            .gate
            .policy
            .cells
            .iter()
            .filter_map(|cell| {
                let job = shared.record.job_index(cell.job.as_deref()?)?;
                Some((cell.key.clone(), job))
            })
            .collect();
        // The runner plans over its cells in key order.
        cells.sort();
        let (cells, jobs) = cells.into_iter().unzip();
        Self {
            policy: overrides.apply(&shared.scenario.gate.rounds),
            round_cells: RoundCell::of(&shared.scenario.gate.policy),
            cancel_superseded: *cancel_superseded,
            cells,
            jobs,
            open: Vec::new(),
            last_round: None,
            last_trigger: None,
            wake: None,
            tally: RoundTally::default(),
        }
    }

    pub fn tally(&self) -> RoundTally {
        self.tally
    }

    /// A Snapshot was built: it waits for the next round, or cancels the one in flight.
    pub fn on_snapshot(&mut self, shared: &mut Shared<'_>, steps: &mut Vec<Step>) {
        if self.cancel_superseded
            && let Some(round) = self.open.pop()
        {
            let aborted = round
                .runs
                .iter()
                .filter(|&&run| shared.abort_run(run))
                .count();
            self.tally.cancelled += 1;
            shared.record.end_round(round.snapshot, shared.now, true);
            self.tally.aborted_runs += aborted;
            steps.push(Step::RoundCancelled {
                snapshot: round.snapshot,
                aborted,
            });
        }
        self.advance(shared, steps);
    }

    /// The stagger slot came.
    pub fn on_wake(&mut self, shared: &mut Shared<'_>, steps: &mut Vec<Step>) {
        if self.wake == Some(shared.now) {
            self.wake = None;
        }
        self.advance(shared, steps);
    }

    /// A run ended: if it is an attempt of the round in flight, record its result and whether
    /// its cell runs again.
    pub fn on_run_end(&mut self, shared: &mut Shared<'_>, run: usize, steps: &mut Vec<Step>) {
        let found = self.open.iter().enumerate().find_map(|(index, round)| {
            let attempt = round.runs.iter().position(|&r| r == run)?;
            Some((index, attempt))
        });
        let Some((index, attempt)) = found else {
            // An aborted run of a cancelled round.
            shared.end_run(run, steps);
            return;
        };
        let result = shared.record.runs[run].result;
        let (retry, reason) = match result {
            RunState::Success => (false, None),
            failed => self.decide(shared, (index, attempt), failed, steps),
        };
        shared.end_run(run, steps);
        let round = &mut self.open[index];
        let attempt = &mut round.attempts[attempt];
        let AttemptState::Triggered { execution, .. } = &attempt.state else {
            unreachable!("an attempt with a run in flight is triggered");
        };
        attempt.state = AttemptState::Finished {
            execution: execution.clone(),
            result,
            retry,
            reason,
        };
        let trying = cells_still_tried(&round.attempts);
        shared.trying.insert(round.snapshot, trying);
        self.advance(shared, steps);
    }

    /// `rounds::decide_retry` about a failed attempt, from its job's history before it.
    fn decide(
        &mut self,
        shared: &Shared<'_>,
        (round, attempt): (usize, usize),
        failed_as: RunState,
        steps: &mut Vec<Step>,
    ) -> (bool, Option<String>) {
        let attempt = &self.open[round].attempts[attempt];
        let job = job_of(&self.cells, &self.jobs, &attempt.cell);
        let history = shared.record.jobs[job].history.iter().copied();
        let rule = self.policy.retry_for(&attempt.cell);
        let rate = PassRate::of_latest(history, rule.history_window);
        let gate = &shared.scenario.gate;
        let cell = gate
            .policy
            .cell(&attempt.cell)
            .expect("a round's cells are the gate's");
        let ga = gate.catalog.is_ga(attempt.cell.version);
        let decision = decide_for_cell(&rule, cell, ga, (failed_as, attempt.number), rate);
        let (retry, reason) = match decision {
            RetryDecision::Retry { reason } => (true, reason),
            RetryDecision::Block { reason } => (false, reason),
        };
        steps.push(Step::RetryDecided {
            cell: attempt.cell.clone(),
            attempt: attempt.number,
            retry,
            reason: reason.clone(),
        });
        (retry, Some(reason))
    }

    /// Does what the round runner's pass does, until nothing more is due now: end the rounds
    /// that are over, start a round for the newest snapshot when one may start, trigger what
    /// `plan` says for each round in flight.
    fn advance(&mut self, shared: &mut Shared<'_>, steps: &mut Vec<Step>) {
        loop {
            if let Some(index) = self.open.iter().position(|round| {
                let tally = shared.assessment(round.snapshot).tally;
                round_over(&self.round_cells, &round.attempts, &tally)
            }) {
                let round = self.open.remove(index);
                let released = shared.record.snapshots[round.snapshot]
                    .released_at
                    .is_some();
                if !released {
                    self.tally.ended_blocked += 1;
                }
                shared.record.end_round(round.snapshot, shared.now, false);
                steps.push(Step::RoundEnded {
                    snapshot: round.snapshot,
                    released,
                });
                continue;
            }
            if let Some(snapshot) = self.may_start(shared) {
                self.open.push(Round {
                    snapshot,
                    attempts: Vec::new(),
                    runs: Vec::new(),
                });
                self.last_round = Some(snapshot);
                shared.record.rounds.push(RoundSpan {
                    snapshot,
                    started_at: shared.now,
                    ended_at: None,
                    cancelled: false,
                });
                self.tally.started += 1;
                steps.push(Step::RoundStarted { snapshot });
                continue;
            }
            let mut wake = None;
            let mut triggered = false;
            for index in 0..self.open.len() {
                let elsewhere: usize = self
                    .open
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != index)
                    .map(|(_, round)| round.attempts.iter().filter(|a| a.in_flight()).count())
                    .sum();
                // The cap holds for the gate, whatever round the executions belong to.
                let pace = Pace {
                    max_in_flight: self.policy.pace.max_in_flight.saturating_sub(elsewhere),
                    ..self.policy.pace
                };
                let moment = Moment {
                    now: shared.now,
                    last_trigger: self.last_trigger,
                    hold_until: None,
                };
                let round = &mut self.open[index];
                let next = plan(&self.round_cells, &round.attempts, &pace, moment);
                debug_assert!(
                    next.find.is_empty(),
                    "no attempt is ever only intended here"
                );
                if let Some((cell, number)) = next.trigger {
                    let job = job_of(&self.cells, &self.jobs, &cell);
                    let run = shared.start_run(
                        job,
                        Some(round.snapshot),
                        Some((cell.clone(), number)),
                        steps,
                    );
                    round.attempts.push(Attempt {
                        cell,
                        number,
                        state: AttemptState::Triggered {
                            execution: format!("sim-{run}"),
                            at: shared.now,
                        },
                        run_url: None,
                    });
                    shared
                        .trying
                        .insert(round.snapshot, cells_still_tried(&round.attempts));
                    round.runs.push(run);
                    if number > 1 {
                        self.tally.retries += 1;
                    }
                    self.last_trigger = Some(shared.now);
                    triggered = true;
                    break;
                }
                wake = wake.into_iter().chain(next.wake_at).min();
            }
            if triggered {
                continue;
            }
            if let Some(at) = wake
                && self.wake != Some(at)
            {
                self.wake = Some(at);
                shared.agenda.add(at, Event::RoundWake);
            }
            return;
        }
    }

    /// The newest snapshot, if a round may start for it now: the runner's rule, with no round
    /// in flight — or, when rounds may overlap, one that has all its first runs back and only
    /// waits for retries.
    fn may_start(&self, shared: &Shared<'_>) -> Option<usize> {
        let in_flight: Vec<&[Attempt]> = self
            .open
            .iter()
            .map(|round| round.attempts.as_slice())
            .collect();
        if !room_for_round(&self.round_cells, &in_flight, self.policy.overlap) {
            return None;
        }
        let newest = shared.record.newest()?;
        let had_round = self.last_round.is_some_and(|last| newest <= last);
        let released = shared.record.snapshots[newest].released_at.is_some();
        may_start_round(released, &shared.decision(newest), had_round).then_some(newest)
    }
}

/// The job of one of the round's cells.
fn job_of(cells: &[CellKey], jobs: &[usize], cell: &CellKey) -> usize {
    let index = cells
        .iter()
        .position(|known| known == cell)
        .expect("a round's cells are the gate's");
    jobs[index]
}
