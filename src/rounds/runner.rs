//! The loop that runs rounds: for each gate, the round of its newest snapshot that is still
//! open, planned by [`plan`](super::plan) and carried out — the intent recorded before every
//! trigger, executions followed through Gangway, results turned into retry decisions. Results
//! reach the gate the usual way: each run lands in GCS, where the engine's Prow poll reads it
//! and ties it to the snapshot by the image it tested.
//!
//! A round starts for a gate's newest snapshot when it has no Release, has not passed, is not
//! superseded, and no other round of the gate is open; a newer snapshot that arrives during a
//! round waits for the next round.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::attempt::{Attempt, AttemptState};
use super::plan::{Moment, plan, round_done};
use super::policy::Runs;
use super::retry::{RetryDecision, decide_retry};
use crate::clock::Clock;
use crate::engine::{Engine, GateSpec};
use crate::gate::{CellKey, Decision, RunState, Snapshot, SnapshotKey};
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
    open: Option<SnapshotKey>,
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

    /// One look at a gate's round: follow what runs (when `follow_now`, or when it is time
    /// to), look for what is uncertain, trigger what is due.
    async fn pass(
        &self,
        gate: &GateSpec,
        rounds: &mut GateRounds,
        follow_now: bool,
    ) -> Result<(), StoreError> {
        let Some(snapshot) = self.round_snapshot(gate, rounds).await? else {
            return Ok(());
        };
        let key = snapshot.key();
        let cells = cells_of(gate);
        let cell_keys: Vec<CellKey> = cells.keys().cloned().collect();
        let follow_due = follow_now
            || rounds
                .last_followed
                .is_none_or(|last| last.elapsed() >= self.settings.follow_every);
        if follow_due {
            for attempt in &self.store.attempts(&key).await? {
                self.follow(gate, &key, &cells, attempt).await?;
            }
            rounds.last_followed = Some(std::time::Instant::now());
        }
        let attempts = self.store.attempts(&key).await?;
        self.engine
            .note_round(&key, attempts.clone(), cell_keys.len());
        if round_done(&cell_keys, &attempts) {
            tracing::info!(snapshot = %key, "round finished");
            rounds.open = None;
            return Ok(());
        }
        let next = plan(
            &cell_keys,
            &attempts,
            &gate.rounds.pace,
            self.moment(rounds),
        );
        for (cell, number) in &next.find {
            self.find(&key, &cells, &attempts, cell, *number).await?;
        }
        // Every trigger that is due now goes out in this pass (all of them at once with no
        // stagger), each planned afresh; a cell whose claim another replica won comes up again,
        // so the passes are bounded by the cells.
        let mut due = next.trigger;
        for _ in 0..cell_keys.len() {
            let Some((cell, number)) = due else { break };
            let envs = gate.rounds.env_for(&snapshot);
            let triggered = self
                .trigger(&snapshot, &cells[&cell], &envs, &cell, number, rounds)
                .await?;
            if !triggered {
                break;
            }
            let attempts = self.store.attempts(&key).await?;
            due = plan(
                &cell_keys,
                &attempts,
                &gate.rounds.pace,
                self.moment(rounds),
            )
            .trigger;
        }
        Ok(())
    }

    /// What the planner needs to know of this moment.
    fn moment(&self, rounds: &GateRounds) -> Moment {
        Moment {
            now: self.clock.now(),
            last_trigger: rounds.last_trigger,
            hold_until: rounds.hold_until,
        }
    }

    /// The snapshot whose round is open, or the newest snapshot if a round may start for it.
    async fn round_snapshot(
        &self,
        gate: &GateSpec,
        rounds: &mut GateRounds,
    ) -> Result<Option<Snapshot>, StoreError> {
        if let Some(open) = &rounds.open
            && let Some(snapshot) = self.engine.snapshot(open)
        {
            return Ok(Some(snapshot));
        }
        if let Some(latest) = self.store.latest_round(&gate.name).await? {
            let cells: Vec<CellKey> = cells_of(gate).into_keys().collect();
            let attempts = self.store.attempts(&latest).await?;
            if !round_done(&cells, &attempts)
                && let Some(snapshot) = self.engine.snapshot(&latest)
            {
                rounds.open = Some(latest);
                return Ok(Some(snapshot));
            }
        }
        let Some(newest) = self.engine.snapshots(&gate.name).pop() else {
            return Ok(None);
        };
        let key = newest.key();
        let Some(facts) = self.engine.facts(&key).await? else {
            return Ok(None);
        };
        let may_start = facts.release.is_none()
            && !matches!(
                facts.verdict.decision,
                Decision::Passed | Decision::Superseded { .. }
            )
            && self.store.attempts(&key).await?.is_empty();
        if !may_start {
            return Ok(None);
        }
        tracing::info!(snapshot = %key, "starting a round");
        rounds.open = Some(key);
        Ok(Some(newest))
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
            Ok(execution) => execution,
            Err(error) => {
                tracing::warn!(%error, execution, "cannot follow an execution; trying again on the next pass");
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
                Some(decide_retry(&rule, failed, attempt.number, record.rate))
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
        let intended_at = attempts
            .iter()
            .find(|attempt| &attempt.cell == cell && attempt.number == number)
            .and_then(|attempt| match attempt.state {
                AttemptState::Intended { at } => Some(at),
                _ => None,
            })
            .unwrap_or(Timestamp::UNIX_EPOCH);
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

    /// Records the intent, then triggers `job` with `envs`; only the caller whose intent was
    /// recorded triggers. Returns whether Gangway accepted the trigger.
    async fn trigger(
        &self,
        snapshot: &Snapshot,
        job: &str,
        envs: &BTreeMap<String, String>,
        cell: &CellKey,
        number: u32,
        rounds: &mut GateRounds,
    ) -> Result<bool, StoreError> {
        let key = snapshot.key();
        let now = self.clock.now();
        if !self
            .store
            .intend_attempt(&key, cell, number, job, now)
            .await?
        {
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
