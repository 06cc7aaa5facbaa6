//! Plays a scenario against a `World`: moves the manual clock forward `speed` times faster than
//! real time and, at each happening's moment, does what the outside world would do — Konflux
//! builds a Snapshot, a Prow periodic writes its results, Gangway's runs of a job start going
//! another way, the release-controller accepts a version, Konflux finishes a Release.
//!
//! The player only ever plays the outside world. Rounds are triggered and Releases created by
//! gatebot, exactly as in production; the player merely tells what Gangway and Prow did with
//! them. The clock moves in steps of at most a minute that land on every whole minute, and at
//! each step Gangway moves its runs on and gatebot's round runner takes a pass, so what the
//! rounds do depends on the scenario alone, not on the speed or the machine. Before a script
//! command, before reporting on a Release and at the end, the player lets the engine catch up
//! with everything played so far, so a transcript says the same thing on a fast machine and a
//! slow one, at any speed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use super::ci::{Ci, write_history};
use super::commands::Command;
use super::scenario::{GangwayStep, HistoryStep, ReleaseOutcome, RunStep};
use super::timeline::{Happening, What};
use super::world::{World, snapshot_object};
use crate::clock::{Clock, ManualClock};
use crate::engine::{Engine, GateSpec};
use crate::gate::{OcpVersion, ReleaseStatus, SnapshotKey};
use crate::prow::gangway::ATTEMPT_ANNOTATION;
use crate::rounds::{RoundRunner, SNAPSHOT_ENV};
use gatebot_emulators::gangway::{Execution, ExecutionStatus};
use gatebot_emulators::prow::BuildResult;

/// How often the clock moves, in real time, at most.
const TICK: Duration = Duration::from_millis(40);
/// The clock's steps land on every multiple of this, from the last happening on.
const GRID: SignedDuration = SignedDuration::from_secs(60);
/// The clock never moves more often than this, in real time.
const SHORTEST_TICK: Duration = Duration::from_millis(1);
/// How long the engine may take to catch up before the player gives up.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(20);

/// Who in the outside world did something the player reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Narrator,
    Konflux,
    Prow,
    Gangway,
    /// OpenShift's release-controller.
    ReleaseController,
}

/// What the player tells the console.
#[derive(Debug)]
pub enum Note {
    /// Something happened in the world, at `at`.
    Played {
        at: Timestamp,
        source: Source,
        text: String,
    },
    /// A script command is due; the player waits for `done` before it moves on.
    Command {
        text: String,
        command: Command,
        done: oneshot::Sender<()>,
    },
    /// The scenario is over, or could not go on.
    Finished(Result<(), PlayError>),
}

/// Why the scenario could not be played to its end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlayError(String);

pub struct Player {
    world: Arc<World>,
    ci: Arc<Ci>,
    engine: Engine,
    /// gatebot's round runner, which takes a pass at every step of the clock.
    rounds: RoundRunner,
    gate: GateSpec,
    clock: ManualClock,
    start: Timestamp,
    /// How far the clock moves at a time, and how often, in real time.
    step: SignedDuration,
    tick: Duration,
    notes: mpsc::Sender<Note>,
    /// Snapshot name → its image digest, for the runs that test it.
    digests: HashMap<String, String>,
    /// Release statuses reported so far, which the engine must have seen before a command.
    reported: Vec<(String, ReleaseStatus)>,
    /// Gangway executions told so far → whether their end was told too.
    told: HashMap<String, bool>,
}

/// Where the player plays: the world, the CI around the gate, and gatebot's engine and round
/// runner.
pub struct Stage {
    pub world: Arc<World>,
    pub ci: Arc<Ci>,
    pub engine: Engine,
    pub rounds: RoundRunner,
}

impl Player {
    /// A player for the world's first gate; the scenario's offsets count from the clock's
    /// current time.
    pub fn new(stage: Stage, clock: ManualClock, speed: f64, notes: mpsc::Sender<Note>) -> Self {
        let (step, tick) = stepping(speed);
        Self {
            gate: stage.world.gates[0].clone(),
            start: clock.now(),
            world: stage.world,
            ci: stage.ci,
            engine: stage.engine,
            rounds: stage.rounds,
            clock,
            step,
            tick,
            notes,
            digests: HashMap::new(),
            reported: Vec::new(),
            told: HashMap::new(),
        }
    }

    /// Plays every happening, then lets the engine catch up and reports the end.
    pub async fn play(mut self, timeline: Vec<Happening>) {
        let result = self.play_all(timeline).await;
        let _ = self.notes.send(Note::Finished(result)).await;
    }

    async fn play_all(&mut self, timeline: Vec<Happening>) -> Result<(), PlayError> {
        for happening in timeline {
            self.advance_to(happening.at).await;
            self.perform(happening.what).await?;
        }
        self.catch_up().await
    }

    /// Moves the clock to `offset` from the start step by step, `speed` times faster than real
    /// time, with the CI's step after each.
    async fn advance_to(&mut self, offset: SignedDuration) {
        let target = self.start + offset;
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::now() + self.tick, self.tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let remaining = target.duration_since(self.clock.now());
            if !remaining.is_positive() {
                return;
            }
            ticks.tick().await;
            self.clock.advance(remaining.min(self.step));
            self.ci_step().await;
        }
    }

    /// What the CI does at this moment: Gangway moves its runs on (writing into GCS what Prow
    /// writes), gatebot's round runner takes a pass — follows its executions, triggers what is
    /// due — and what Prow finished and Gangway started is told, in that order.
    async fn ci_step(&mut self) {
        self.ci.gangway.settle();
        let before = self.ci.gangway.executions();
        self.tell_executions(&before, false).await;
        self.rounds.run_once().await;
        let after = self.ci.gangway.executions();
        self.tell_executions(&after, true).await;
    }

    /// Tells the runs that finished since the last time, and with `started` the executions
    /// Gangway was asked for since.
    async fn tell_executions(&mut self, executions: &[Execution], started: bool) {
        let mut news: Vec<(Timestamp, String, Source)> = Vec::new();
        for execution in executions {
            let told = self.told.get(&execution.id).copied();
            if started && told.is_none() {
                news.push((
                    execution.created_at,
                    self.triggered(execution),
                    Source::Gangway,
                ));
                self.told.insert(execution.id.clone(), false);
            }
            if let (Some(false), Some(done)) = (
                self.told.get(&execution.id).copied(),
                execution.completed_at(),
            ) {
                news.push((done, self.ended(execution), Source::Prow));
                self.told.insert(execution.id.clone(), true);
            }
        }
        news.sort_by_key(|(at, ..)| *at);
        for (at, text, source) in news {
            self.tell_at(at, source, text).await;
        }
    }

    /// "4.21 aws baseline triggered for SNAPSHOT", with the attempt when it is not the first.
    fn triggered(&self, execution: &Execution) -> String {
        let cell = self.cell_of(execution);
        let snapshot = execution
            .options
            .envs
            .get(SNAPSHOT_ENV)
            .map_or("an unnamed snapshot", String::as_str);
        match execution.options.annotations.get(ATTEMPT_ANNOTATION) {
            Some(attempt) if attempt != "1" => {
                format!("{cell} triggered again for {snapshot} (attempt {attempt})")
            }
            _ => format!("{cell} triggered for {snapshot}"),
        }
    }

    /// "4.21 aws baseline build 2054… finished: FAILURE", as for a scenario's runs.
    fn ended(&self, execution: &Execution) -> String {
        let result = match execution.status {
            ExecutionStatus::Success => "success",
            ExecutionStatus::Failure => "FAILURE",
            ExecutionStatus::Aborted => "ABORTED",
            _ => "ERROR",
        };
        let build = execution.build_id.as_deref().unwrap_or("without a build");
        format!(
            "{} build {build} finished: {result}",
            self.cell_of(execution)
        )
    }

    fn cell_of(&self, execution: &Execution) -> String {
        self.ci
            .cell_of(&execution.job)
            .map_or_else(|| execution.job.clone(), ToString::to_string)
    }

    async fn perform(&mut self, what: What) -> Result<(), PlayError> {
        match what {
            What::Publish { step, name, build } => self.publish(step, &name, build).await,
            What::StartRun { run, build_id } => {
                let digest = &self.digests[&run.snapshot];
                self.world.start_run(&run.job, &build_id, digest);
                let text = format!(
                    "{} build {build_id} started, testing {}",
                    run.cell, run.snapshot
                );
                self.tell(Source::Prow, text).await;
                Ok(())
            }
            What::FinishRun { run, build_id } => {
                self.world
                    .finish_run(&run.job, &build_id, &run.snapshot, run.result);
                self.tell(Source::Prow, finished(&run, &build_id)).await;
                Ok(())
            }
            What::ReportRelease {
                step,
                snapshot,
                outcome,
                message,
            } => {
                self.report_release(step, &snapshot, outcome, &message)
                    .await
            }
            What::Gangway(step) => {
                self.gangway(&step);
                Ok(())
            }
            What::History(step) => self.history(&step).await,
            What::Ga { version } => self.ga(version).await,
            What::Say(text) => {
                self.tell(Source::Narrator, text).await;
                Ok(())
            }
            What::Command { text, command } => {
                self.catch_up().await?;
                let (done, answered) = oneshot::channel();
                let note = Note::Command {
                    text,
                    command,
                    done,
                };
                if self.notes.send(note).await.is_ok() {
                    let _ = answered.await;
                }
                Ok(())
            }
        }
    }

    async fn publish(&mut self, step: usize, name: &str, build: u32) -> Result<(), PlayError> {
        let digest = build_digest(build);
        let revision = build_revision(build);
        let mut object = snapshot_object(&self.gate, name, &digest);
        object["spec"]["components"][0]["source"]["git"]["revision"] =
            Value::from(revision.clone());
        self.world.kube.insert(object).map_err(|error| {
            PlayError(format!(
                "step {step}: the emulated Kubernetes API refused Snapshot `{name}`: {error}"
            ))
        })?;
        self.digests.insert(name.to_string(), digest.clone());
        let text = format!(
            "built main at {} into Snapshot {name} (image {})",
            &revision[..7],
            short_digest(&digest)
        );
        self.tell(Source::Konflux, text).await;
        // gatebot follows the new snapshot before the clock moves on, and its round runner
        // looks at it at once, as it would within seconds in production.
        self.until_followed(step, name).await?;
        // The first pass starts the round and triggers its first job; the next one, at the
        // same moment, tells of the round's start.
        self.rounds.run_once().await;
        self.ci_step().await;
        Ok(())
    }

    /// Waits until the engine follows snapshot `name`.
    async fn until_followed(&self, step: usize, name: &str) -> Result<(), PlayError> {
        let key = SnapshotKey::new(&self.gate.name, name);
        let followed = tokio::time::timeout(CATCH_UP_LIMIT, async {
            while self.engine.verdict(&key).is_none() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        followed.map_err(|_| {
            PlayError(format!(
                "step {step}: gatebot did not follow Snapshot `{name}` within {} s; the emulators or the store are stuck",
                CATCH_UP_LIMIT.as_secs()
            ))
        })
    }

    /// The runs Gangway starts of a job go another way from now on.
    fn gangway(&self, step: &GangwayStep) {
        self.ci.behave(step);
    }

    /// Writes how a job fared on the nights before, and lets gatebot read it at once, so its
    /// first retry decision already weighs it.
    async fn history(&self, step: &HistoryStep) -> Result<(), PlayError> {
        write_history(&self.world, step, self.start);
        self.engine.poll_once().await;
        let text = format!(
            "{} ran on the {} nights before: {} passed, {} failed",
            step.cell,
            step.passed + step.failed,
            step.passed,
            step.failed
        );
        self.tell(Source::Prow, text).await;
        Ok(())
    }

    /// The release-controller accepts the version's first release; the play goes on once
    /// gatebot's next read of it has made the version GA.
    async fn ga(&self, version: OcpVersion) -> Result<(), PlayError> {
        let (tag, stream) = self.ci.accept_ga(version);
        let text =
            format!("{tag} is Accepted in the {stream} release stream: OCP {version} is out");
        self.tell(Source::ReleaseController, text).await;
        let seen = tokio::time::timeout(CATCH_UP_LIMIT, async {
            while !self
                .engine
                .catalog(&self.gate.name)
                .is_some_and(|catalog| catalog.is_ga(version))
            {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        seen.map_err(|_| {
            PlayError(format!(
                "gatebot did not learn from the release-controller within {} s that {version} is generally available",
                CATCH_UP_LIMIT.as_secs()
            ))
        })
    }

    /// Finishes the Release the engine created for a snapshot, as Konflux's pipeline would.
    async fn report_release(
        &mut self,
        step: usize,
        snapshot: &str,
        outcome: ReleaseOutcome,
        message: &str,
    ) -> Result<(), PlayError> {
        self.catch_up().await?;
        let namespace = &self.gate.namespace;
        let Some(release) = self
            .world
            .releases(namespace)
            .into_iter()
            .find(|release| release["spec"]["snapshot"] == snapshot)
        else {
            let verdict = self
                .engine
                .verdict(&SnapshotKey::new(&self.gate.name, snapshot))
                .map(|(_, verdict)| {
                    format!(
                        "its verdict is {} — {}",
                        verdict.decision.to_string().to_uppercase(),
                        verdict.tally
                    )
                })
                .unwrap_or_else(|| "gatebot does not follow it".to_string());
            return Err(PlayError(format!(
                "step {step}: there is no Release of snapshot `{snapshot}` to report on, because gatebot has not created one ({verdict}); let every required cell pass in earlier steps, or remove this step"
            )));
        };
        let name = release["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.world
            .set_released(namespace, &name, outcome.reason(), message);
        let status = match outcome {
            ReleaseOutcome::Succeeded => ReleaseStatus::Succeeded,
            ReleaseOutcome::Failed => ReleaseStatus::Failed,
        };
        self.reported.push((snapshot.to_string(), status));
        let detail = if message.is_empty() {
            String::new()
        } else {
            format!(" ({message})")
        };
        let text = format!(
            "release pipeline of {name} ended: {}{detail}",
            outcome.reason()
        );
        self.tell(Source::Konflux, text).await;
        Ok(())
    }

    /// Waits until the engine has seen everything played so far, and has evaluated and acted on
    /// it: every Snapshot followed, every Prow result read, every reported Release status
    /// recorded. Polling and reconciling on demand are the engine's own idempotent passes.
    async fn catch_up(&self) -> Result<(), PlayError> {
        let caught_up = tokio::time::timeout(CATCH_UP_LIMIT, async {
            for snapshot in self.digests.keys() {
                while self
                    .engine
                    .verdict(&SnapshotKey::new(&self.gate.name, snapshot))
                    .is_none()
                {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            self.engine.poll_once().await;
            for (snapshot, status) in &self.reported {
                while !self.release_status_is(snapshot, *status).await {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            self.engine.reconcile_once().await
        })
        .await;
        match caught_up {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(PlayError(format!(
                "gatebot could not evaluate the snapshots: {error}"
            ))),
            Err(_) => Err(PlayError(format!(
                "gatebot did not catch up with the scenario within {} s; the emulators or the store are stuck",
                CATCH_UP_LIMIT.as_secs()
            ))),
        }
    }

    async fn release_status_is(&self, snapshot: &str, status: ReleaseStatus) -> bool {
        let record = self
            .engine
            .release(&SnapshotKey::new(&self.gate.name, snapshot))
            .await;
        matches!(record, Ok(Some(record)) if record.status == status)
    }

    /// Tells what happened just now.
    async fn tell(&self, source: Source, text: String) {
        self.tell_at(self.clock.now(), source, text).await;
    }

    async fn tell_at(&self, at: Timestamp, source: Source, text: String) {
        let _ = self.notes.send(Note::Played { at, source, text }).await;
    }
}

fn finished(run: &RunStep, build_id: &str) -> String {
    let result = match run.result {
        BuildResult::Success => "success",
        BuildResult::Failure => "FAILURE",
        BuildResult::Aborted => "ABORTED",
    };
    format!("{} build {build_id} finished: {result}", run.cell)
}

/// The image digest of the n-th build: a real-looking sha256, different in its first
/// characters, which are the ones people compare.
pub fn build_digest(build: u32) -> String {
    format!(
        "sha256:{}",
        hex_sha256(&format!("hypershift-operator-main build {build}"))
    )
}

/// The git revision the n-th build was made from.
fn build_revision(build: u32) -> String {
    hex_sha256(&format!("openshift/hypershift main commit {build}"))[..40].to_string()
}

/// `sha256:3f2a9c1d4e5b`: the digest shortened the way registries and people do.
pub fn short_digest(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    format!("sha256:{}", &hex[..hex.len().min(12)])
}

/// How far the clock moves at a time and how often (real time) at `speed`: `speed` times faster
/// than real time, never more than [`GRID`] at a time, in steps that divide it, so that every
/// whole minute is a step whatever the speed.
fn stepping(speed: f64) -> (SignedDuration, Duration) {
    let grid = GRID.as_secs_f64();
    let per_tick = TICK.as_secs_f64() * speed;
    let parts = (grid / per_tick).ceil().max(1.0);
    let step = grid / parts;
    let tick = Duration::from_secs_f64(step / speed).max(SHORTEST_TICK);
    let step = SignedDuration::try_from_secs_f64(step).unwrap_or(GRID);
    (step, tick)
}

pub(super) fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_steps_at_most_a_minute_and_lands_on_every_whole_minute() {
        let secs = |(step, tick): (SignedDuration, Duration)| (step.as_secs_f64(), tick);
        assert_eq!(secs(stepping(1000.0)), (30.0, Duration::from_millis(30)));
        assert_eq!(secs(stepping(20_000.0)), (60.0, Duration::from_millis(3)));
        let (step, tick) = secs(stepping(10.0));
        assert!((step - 0.4).abs() < 1e-9 && tick == Duration::from_millis(40));
        assert_eq!(secs(stepping(1e9)).1, SHORTEST_TICK);
    }
}
