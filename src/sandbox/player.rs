//! Plays a scenario against a `World`: moves the manual clock forward `speed` times faster than
//! real time and, at each happening's moment, does what the outside world would do — Konflux
//! builds a Snapshot, a Prow periodic writes its results, Konflux finishes a Release.
//!
//! The player only ever plays the outside world. Releases are created by the engine, exactly as
//! in production; the player merely looks for them. Before a script command, before reporting on
//! a Release and at the end, it lets the engine catch up with everything played so far, so a
//! transcript says the same thing on a fast machine and a slow one, at any speed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use super::commands::Command;
use super::scenario::{ReleaseOutcome, RunStep};
use super::timeline::{Happening, What};
use super::world::{World, snapshot_object};
use crate::clock::{Clock, ManualClock};
use crate::engine::{Engine, GateSpec};
use crate::gate::{ReleaseStatus, SnapshotKey};
use gatebot_emulators::prow::BuildResult;

/// How often the clock moves, in real time.
const TICK: Duration = Duration::from_millis(40);
/// How long the engine may take to catch up before the player gives up.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(20);

/// Who in the outside world did something the player reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Narrator,
    Konflux,
    Prow,
}

/// What the player tells the console.
#[derive(Debug)]
pub enum Note {
    /// Something happened in the world.
    Played { source: Source, text: String },
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
    engine: Engine,
    gate: GateSpec,
    clock: ManualClock,
    start: Timestamp,
    speed: f64,
    notes: mpsc::Sender<Note>,
    /// Snapshot name → its image digest, for the runs that test it.
    digests: HashMap<String, String>,
    /// Release statuses reported so far, which the engine must have seen before a command.
    reported: Vec<(String, ReleaseStatus)>,
}

impl Player {
    /// A player for the world's first gate; the scenario's offsets count from the clock's
    /// current time.
    pub fn new(
        world: Arc<World>,
        engine: Engine,
        clock: ManualClock,
        speed: f64,
        notes: mpsc::Sender<Note>,
    ) -> Self {
        Self {
            gate: world.gates[0].clone(),
            start: clock.now(),
            world,
            engine,
            clock,
            speed,
            notes,
            digests: HashMap::new(),
            reported: Vec::new(),
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

    /// Moves the clock to `offset` from the start in ticks, `speed` times faster than real time.
    async fn advance_to(&self, offset: SignedDuration) {
        let target = self.start + offset;
        let per_tick = SignedDuration::try_from_secs_f64(TICK.as_secs_f64() * self.speed)
            .unwrap_or(SignedDuration::MAX);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let remaining = target.duration_since(self.clock.now());
            if !remaining.is_positive() {
                return;
            }
            ticks.tick().await;
            self.clock.advance(remaining.min(per_tick));
        }
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
        Ok(())
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

    async fn tell(&self, source: Source, text: String) {
        let _ = self.notes.send(Note::Played { source, text }).await;
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

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
