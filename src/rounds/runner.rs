//! The loop that runs rounds: for each gate, the round of its newest snapshot that is still
//! open, planned by [`plan`](super::plan) and carried out — the intent recorded before every
//! trigger, executions followed through Gangway, results turned into retry decisions. Results
//! reach the gate the usual way: each run lands in GCS, where the engine's Prow poll reads it
//! and ties it to the snapshot by the image it tested.
//!
//! A round starts for a gate's newest snapshot when it has no Release, has not passed, is not
//! superseded, and no other round of the gate is open — or, when the gate's rounds may overlap
//! (the default), the one open round has all its first runs back and only waits for retries;
//! otherwise a newer snapshot that arrives during a round waits for the next round. A round ends when its cells are settled or its required cells
//! decide the snapshot ([`round_over`]); runs it left going are still followed to their end.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::attempt::{Attempt, AttemptState};
use super::plan::{Moment, Pace, RoundCell, may_start_round, plan, room_for_round, round_over};
use super::policy::Runs;
use super::retry::{RetryDecision, decide_for_cell};
use crate::clock::Clock;
use crate::engine::{Engine, GateSpec};
use crate::gate::{CellKey, RunState, Snapshot, SnapshotKey};
use crate::prow::ProwClient;
use crate::prow::gangway::{ExecutionStatus, GangwayClient, GangwayError, TriggerMarks};
use crate::repeat::repeat_until;
use crate::store::{AttemptOutcome, Store, StoreError};

/// How the runner runs; each gate's own pace, retries and environment are its `rounds`.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundSettings {
    /// How often rounds are looked at: the granularity of the stagger between triggers.
    pub every: Duration,
    /// How often the executions in flight are asked how they stand. Jobs run for hours, and
    /// every question is a Gangway request per execution, so this is slower than `every`.
    pub follow_every: Duration,
}

impl Default for RoundSettings {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(5),
            follow_every: Duration::from_secs(60),
        }
    }
}

/// Runs the rounds of every gate the engine follows.
pub struct RoundRunner {
    engine: Engine,
    store: Store,
    gangway: GangwayClient,
    prow: ProwClient,
    clock: Arc<dyn Clock>,
    settings: RoundSettings,
    /// Per gate, what the passes remember; one pass at a time.
    gates: tokio::sync::Mutex<HashMap<String, GateRounds>>,
}

/// What the runner remembers of a gate between passes.
#[derive(Debug, Default)]
struct GateRounds {
    /// The rounds in flight, oldest first; read from the store on the first pass.
    open: Option<Vec<SnapshotKey>>,
    last_trigger: Option<Timestamp>,
    hold_until: Option<Timestamp>,
    last_followed: Option<std::time::Instant>,
}

impl RoundRunner {
    pub fn new(
        engine: Engine,
        store: Store,
        gangway: GangwayClient,
        prow: ProwClient,
        clock: Arc<dyn Clock>,
        settings: RoundSettings,
    ) -> Self {
        Self {
            engine,
            store,
            gangway,
            prow,
            clock,
            settings,
            gates: tokio::sync::Mutex::default(),
        }
    }

    /// Looks at every gate's rounds at once and then every `settings.every` until `shutdown`.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        repeat_until(self.settings.every, shutdown, || self.look(false)).await;
    }

    /// One look at every gate's rounds now, following every execution in flight whatever
    /// `follow_every` says: a pass of [`run`](Self::run), on demand. `gatebot sandbox`, whose
    /// clock is the scenario's, takes one at every step of that clock instead of running the
    /// wall-clock loop, so that what its rounds do depends on the scenario and not on how fast
    /// it is played.
    pub async fn run_once(&self) {
        self.look(true).await;
    }

    async fn look(&self, follow_now: bool) {
        let mut gates = self.gates.lock().await;
        for gate in self
            .engine
            .gates()
            .iter()
            .filter(|gate| gate.runs == Runs::Triggered)
        {
            let rounds = gates.entry(gate.name.clone()).or_default();
            if let Err(error) = self.pass(gate, rounds, follow_now).await {
                tracing::warn!(gate = %gate.name, %error, "a round pass failed; the next pass resumes it");
            }
        }
    }

    /// One look at a gate's rounds: follow what runs (when `follow_now`, or when it is time
    /// to), end the rounds that are over, start one if there is room, and for each round in
    /// flight look for what is uncertain and trigger what is due.
    async fn pass(
        &self,
        gate: &GateSpec,
        rounds: &mut GateRounds,
        follow_now: bool,
    ) -> Result<(), StoreError> {
        let cells = cells_of(gate);
        let round_cells = RoundCell::of(&gate.policy);
        let follow_due = follow_now
            || rounds
                .last_followed
                .is_none_or(|last| last.elapsed() >= self.settings.follow_every);
        if follow_due {
            self.follow_running(gate, &cells, round_cells.len()).await?;
            rounds.last_followed = Some(std::time::Instant::now());
        }
        let known = match rounds.open.take() {
            Some(open) => open,
            None => self.rounds_in_store(gate).await?,
        };
        let mut open: Vec<(Snapshot, Vec<Attempt>)> = Vec::new();
        for key in known {
            let attempts = self.store.attempts(&key).await?;
            self.engine
                .note_round(&key, attempts.clone(), round_cells.len());
            match self.engine.snapshot(&key) {
                Some(snapshot) if !self.is_over(&key, &round_cells, &attempts) => {
                    open.push((snapshot, attempts));
                }
                _ => tracing::info!(snapshot = %key, "round finished"),
            }
        }
        if let Some(newest) = self.next_round(gate, &round_cells, &open).await? {
            tracing::info!(snapshot = %newest.key(), rounds_in_flight = open.len(), "starting a round");
            open.push((newest, Vec::new()));
        }
        rounds.open = Some(open.iter().map(|(snapshot, _)| snapshot.key()).collect());
        for index in 0..open.len() {
            // The cap holds for the gate, whatever round its executions belong to.
            let elsewhere: usize = open
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != index)
                .map(|(_, (_, attempts))| attempts.iter().filter(|a| a.in_flight()).count())
                .sum();
            let pace = Pace {
                max_in_flight: gate.rounds.pace.max_in_flight.saturating_sub(elsewhere),
                ..gate.rounds.pace
            };
            let (snapshot, attempts) = &mut open[index];
            let round = (&*snapshot, round_cells.as_slice(), &pace);
            *attempts = self.advance(gate, &cells, round, rounds).await?;
        }
        Ok(())
    }

    /// Looks for the uncertain triggers of one round in flight and triggers what is due, as
    /// `plan` says; returns the round's attempts after.
    async fn advance(
        &self,
        gate: &GateSpec,
        cells: &BTreeMap<CellKey, String>,
        (snapshot, round_cells, pace): (&Snapshot, &[RoundCell], &Pace),
        rounds: &mut GateRounds,
    ) -> Result<Vec<Attempt>, StoreError> {
        let key = snapshot.key();
        let mut attempts = self.store.attempts(&key).await?;
        let next = plan(round_cells, &attempts, pace, self.moment(rounds));
        for (cell, number) in &next.find {
            self.find(&key, cells, &attempts, cell, *number).await?;
        }
        // Every trigger that is due now goes out in this pass (all of them at once with no
        // stagger), each planned afresh; a cell whose claim another replica won comes up again,
        // so the passes are bounded by the runs of the round.
        let mut due = next.trigger;
        let runs: u32 = round_cells.iter().map(|cell| cell.runs).sum();
        for _ in 0..runs {
            let Some((cell, number)) = due else { break };
            let envs = gate.rounds.env_for(snapshot);
            let lost = lost_intent(&attempts, &cell, number);
            let job = (cells[&cell].as_str(), &envs);
            if !self
                .trigger(snapshot, job, (&cell, number, lost), rounds)
                .await?
            {
                break;
            }
            attempts = self.store.attempts(&key).await?;
            due = plan(round_cells, &attempts, pace, self.moment(rounds)).trigger;
        }
        Ok(attempts)
    }

    /// Whether the round of `key` is over ([`round_over`]), with the gate's verdict now.
    fn is_over(&self, key: &SnapshotKey, cells: &[RoundCell], attempts: &[Attempt]) -> bool {
        match self.engine.verdict(key) {
            Some((_, verdict)) => round_over(cells, attempts, &verdict.tally),
            // No longer tracked: nothing to test it for.
            None => true,
        }
    }

    /// What the planner needs to know of this moment.
    fn moment(&self, rounds: &GateRounds) -> Moment {
        Moment {
            now: self.clock.now(),
            last_trigger: rounds.last_trigger,
            hold_until: rounds.hold_until,
        }
    }

    /// The snapshots of the gate that have attempts, oldest first: after a restart, the rounds
    /// that may still be in flight (those that are over drop out on the first pass).
    async fn rounds_in_store(&self, gate: &GateSpec) -> Result<Vec<SnapshotKey>, StoreError> {
        let with_attempts: BTreeSet<String> = self
            .store
            .gate_attempts(&gate.name)
            .await?
            .into_iter()
            .map(|(snapshot, _)| snapshot)
            .collect();
        Ok(self
            .engine
            .snapshots(&gate.name)
            .into_iter()
            .filter(|snapshot| with_attempts.contains(&snapshot.name))
            .map(|snapshot| snapshot.key())
            .collect())
    }

    /// The newest snapshot, if a round may start for it now ([`may_start_round`]) and the gate
    /// has room for it ([`room_for_round`]).
    async fn next_round(
        &self,
        gate: &GateSpec,
        round_cells: &[RoundCell],
        open: &[(Snapshot, Vec<Attempt>)],
    ) -> Result<Option<Snapshot>, StoreError> {
        let in_flight: Vec<&[Attempt]> = open
            .iter()
            .map(|(_, attempts)| attempts.as_slice())
            .collect();
        let Some(newest) = self.engine.snapshots(&gate.name).pop() else {
            return Ok(None);
        };
        let already_open = open
            .iter()
            .any(|(snapshot, _)| snapshot.name == newest.name);
        if !room_for_round(round_cells, &in_flight, gate.rounds.overlap) || already_open {
            return Ok(None);
        }
        let key = newest.key();
        let Some((_, verdict)) = self.engine.verdict(&key) else {
            return Ok(None);
        };
        let released = self.engine.release(&key).await?.is_some();
        let had_round = !self.store.attempts(&key).await?.is_empty();
        let may_start = may_start_round(released, &verdict.decision, had_round);
        Ok(may_start.then_some(newest))
    }

    /// Follows every running attempt of the gate, of the open round and of rounds that ended
    /// while runs were still going (their results still belong in the thread and the store),
    /// and tells the engine what changed.
    async fn follow_running(
        &self,
        gate: &GateSpec,
        cells: &BTreeMap<CellKey, String>,
        cell_count: usize,
    ) -> Result<(), StoreError> {
        let running = self.store.running_attempts(&gate.name).await?;
        let mut followed: Vec<SnapshotKey> = Vec::new();
        for (snapshot, attempt) in &running {
            let key = SnapshotKey::new(&gate.name, snapshot);
            if cells.contains_key(&attempt.cell) {
                self.follow(gate, &key, cells, attempt).await?;
            }
            if !followed.contains(&key) {
                followed.push(key);
            }
        }
        for key in followed {
            let attempts = self.store.attempts(&key).await?;
            self.engine.note_round(&key, attempts, cell_count);
        }
        Ok(())
    }

    /// Follows a triggered attempt: records its run's link once Prow scheduled it, and once its
    /// execution ended, the result and whether the cell is to run again, with the evidence.
    async fn follow(
        &self,
        gate: &GateSpec,
        key: &SnapshotKey,
        cells: &BTreeMap<CellKey, String>,
        attempt: &Attempt,
    ) -> Result<(), StoreError> {
        let AttemptState::Triggered { execution, .. } = &attempt.state else {
            return Ok(());
        };
        let execution = match self.gangway.execution(execution).await {
            Ok(execution) => {
                self.engine.note_gangway(None);
                execution
            }
            Err(error) => {
                tracing::warn!(%error, execution, "cannot follow an execution; trying again on the next pass");
                self.engine.note_gangway(Some(error.to_string()));
                return Ok(());
            }
        };
        if attempt.run_url.is_none()
            && let Some(url) = &execution.job_url
        {
            self.store
                .attempt_link(key, &attempt.cell, attempt.number, url)
                .await?;
        }
        let Some(result) = run_state(execution.status) else {
            return Ok(());
        };
        let decision = match result {
            RunState::Success => None,
            failed => {
                let build = execution
                    .location()
                    .and_then(|location| location.build_id.parse().ok());
                let rule = gate.rounds.retry_for(&attempt.cell);
                let job = &cells[&attempt.cell];
                let record = self.engine.job_record(job, rule.history_window, build);
                let Some(cell) = gate.policy.cell(&attempt.cell) else {
                    return Ok(());
                };
                let ga = self
                    .engine
                    .catalog_of(key)
                    .is_some_and(|catalog| catalog.is_ga(attempt.cell.version));
                let failure = (failed, attempt.number);
                Some(decide_for_cell(&rule, cell, ga, failure, record.rate))
            }
        };
        let (retry, reason) = match &decision {
            None => (false, None),
            Some(RetryDecision::Retry { reason }) => (true, Some(reason.as_str())),
            Some(RetryDecision::Block { reason }) => (false, Some(reason.as_str())),
        };
        if let Some(reason) = reason {
            tracing::info!(snapshot = %key, cell = %attempt.cell, retry, %reason, "attempt {} failed", attempt.number);
        }
        let outcome = AttemptOutcome {
            result,
            retry,
            reason,
        };
        self.store
            .attempt_finished(
                key,
                &attempt.cell,
                attempt.number,
                &outcome,
                self.clock.now(),
            )
            .await
    }

    /// Looks in the job's recent runs for an attempt whose trigger may have happened.
    async fn find(
        &self,
        key: &SnapshotKey,
        cells: &BTreeMap<CellKey, String>,
        attempts: &[Attempt],
        cell: &CellKey,
        number: u32,
    ) -> Result<(), StoreError> {
        let intended_at = lost_intent(attempts, cell, number).unwrap_or(Timestamp::UNIX_EPOCH);
        let since = intended_at
            .checked_sub(SignedDuration::from_mins(1))
            .unwrap_or(intended_at);
        let annotations = marks(key, cell, number).annotations();
        match self
            .prow
            .find_execution(&cells[cell], &annotations, since)
            .await
        {
            Ok(Some(found)) => {
                tracing::info!(snapshot = %key, %cell, execution = %found.id, "found the execution of an uncertain trigger");
                self.store
                    .attempt_triggered(key, cell, number, &found.id, self.clock.now())
                    .await
            }
            Ok(None) => Ok(()),
            Err(error) => {
                tracing::warn!(%error, %cell, "cannot look for an uncertain trigger; trying again");
                Ok(())
            }
        }
    }

    /// Records the intent (or, for an intent whose execution was looked for in vain since
    /// `lost`, claims it again), then triggers `job` with `envs`; only the caller whose claim
    /// went through triggers. Returns whether Gangway accepted the trigger.
    async fn trigger(
        &self,
        snapshot: &Snapshot,
        (job, envs): (&str, &BTreeMap<String, String>),
        (cell, number, lost): (&CellKey, u32, Option<Timestamp>),
        rounds: &mut GateRounds,
    ) -> Result<bool, StoreError> {
        let key = snapshot.key();
        let now = self.clock.now();
        let claimed = match lost {
            None => {
                self.store
                    .intend_attempt(&key, cell, number, job, now)
                    .await?
            }
            Some(intended_at) => {
                tracing::info!(snapshot = %key, %cell, "no execution of an uncertain trigger was found; triggering it again");
                self.store
                    .reclaim_attempt(&key, cell, number, intended_at, now)
                    .await?
            }
        };
        if !claimed {
            return Ok(false);
        }
        let annotations = marks(&key, cell, number).annotations();
        let triggered = self
            .gangway
            .trigger(job, envs, &BTreeMap::new(), &annotations)
            .await;
        // The stagger counts from the answer, so that triggers reach Gangway at least that far
        // apart whatever the network does.
        rounds.last_trigger = Some(self.clock.now());
        self.engine.note_gangway(match &triggered {
            Ok(_) | Err(GangwayError::RateLimited { .. }) => None,
            Err(error) => Some(error.to_string()),
        });
        match triggered {
            Ok(execution) => {
                self.store
                    .attempt_triggered(&key, cell, number, &execution.id, now)
                    .await?;
                Ok(true)
            }
            Err(error) if error.may_have_triggered() => {
                tracing::warn!(%error, snapshot = %key, %cell, "a trigger may have happened; looking for it before anything else");
                Ok(false)
            }
            Err(error) => {
                if let GangwayError::RateLimited { until, .. } = &error {
                    rounds.hold_until = Some(*until);
                }
                tracing::warn!(%error, snapshot = %key, %cell, "the trigger did not happen; it is tried again");
                self.store.withdraw_attempt(&key, cell, number).await?;
                Ok(false)
            }
        }
    }
}

/// When attempt `number` of `cell` was intended, if it is an intent still waiting to be found:
/// the planner only asks to trigger such an attempt again once looking for it took too long.
fn lost_intent(attempts: &[Attempt], cell: &CellKey, number: u32) -> Option<Timestamp> {
    attempts
        .iter()
        .find(|attempt| &attempt.cell == cell && attempt.number == number)
        .and_then(|attempt| match attempt.state {
            AttemptState::Intended { at } => Some(at),
            _ => None,
        })
}

/// The cells of a gate that run a job, with their job.
fn cells_of(gate: &GateSpec) -> BTreeMap<CellKey, String> {
    gate.policy
        .cells
        .iter()
        .filter_map(|cell| Some((cell.key.clone(), cell.job.clone()?)))
        .collect()
}

fn marks(key: &SnapshotKey, cell: &CellKey, number: u32) -> TriggerMarks {
    TriggerMarks {
        gate: key.gate.clone(),
        snapshot: key.snapshot.clone(),
        cell: cell.to_string(),
        attempt: number,
    }
}

/// How a finished execution ended; `None` while it has not.
fn run_state(status: ExecutionStatus) -> Option<RunState> {
    match status {
        ExecutionStatus::Success => Some(RunState::Success),
        ExecutionStatus::Failure => Some(RunState::Failure),
        ExecutionStatus::Aborted => Some(RunState::Aborted),
        ExecutionStatus::Error => Some(RunState::Error),
        _ => None,
    }
}
