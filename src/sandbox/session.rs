//! One sandbox session: starts the emulated world and CI and a real engine on a manual clock,
//! with what `gatebot run` starts beside it — the round runner that triggers the gate's jobs
//! through Gangway (its passes on the scenario's clock, see the player), and the GA status read
//! from the release-controller — plays the scenario, and serves the console — engine events,
//! the player's notes, typed or scripted commands, Ctrl-C — until the scenario ends (with a
//! script), `quit`, end of input or Ctrl-C. Then everything gets its shutdown and the emulators
//! are dropped, so nothing keeps running.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::SignedDuration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::chat::{SandboxChat, YOU};
use super::ci::Ci;
use super::commands::{self, Command};
use super::console::Console;
use super::player::{Note, Player, Source, Stage};
use super::scenario::{START, Scenario, friendly};
use super::script::Script;
use super::terminal::{Input, Keyboard};
use super::timeline::timeline;
use super::view::{event_text, offset_text};
use super::world::World;
use crate::chat::launch::{ChatMode, ChatServices, start_chat};
use crate::clock::{Clock, ManualClock};
use crate::config::ChatConfig;
use crate::emergency::EmergencySettings;
use crate::engine::{Engine, GateEvent, GateSpec, Pace, SnapshotFacts};
use crate::gate::VersionCatalog;
use crate::rounds::{RoundRunner, RoundSettings};
use crate::store::Store;

/// Everything a session needs, checked before it starts.
pub struct Setup {
    pub gate: GateSpec,
    /// How often gatebot reads the release-controller, in scenario time (the sandbox gate's
    /// `[release_streams] refresh_interval`).
    pub ga_refresh: SignedDuration,
    pub scenario: Scenario,
    pub script: Option<Script>,
    /// Scenario seconds per real second.
    pub speed: f64,
    /// Report how long start-up took.
    pub timings: bool,
    /// When the `sandbox` command started (just after the process did), for the timings.
    pub started: Instant,
    /// With `--slack`: the real workspace to post in and take commands from.
    pub slack: Option<ChatConfig>,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The scripted scenario played to its end.
    Finished,
    Quit,
    EndOfInput,
    Interrupted,
    /// The scenario could not be played; a sentence for people.
    Failed(String),
}

/// The engine's pace in the sandbox: quick, so results show up within a fraction of a second.
fn pace() -> Pace {
    Pace {
        poll_interval: Duration::from_millis(250),
        reevaluate_interval: Duration::from_millis(250),
        release_plan_check_interval: Duration::from_secs(5),
    }
}

/// How often (real time) gatebot reads the release-controller: every `refresh` of scenario
/// time at `speed`, within bounds that keep it from hammering the emulator or lagging the play.
fn ga_refresh_every(refresh: SignedDuration, speed: f64) -> Duration {
    let every = refresh.as_secs_f64().max(0.0) / speed;
    Duration::from_secs_f64(every.clamp(0.05, 1.0))
}

/// Runs a session to its end.
pub async fn run(setup: Setup) -> Outcome {
    let interrupted = listen_for_ctrl_c();
    let clock = ManualClock::new(START);
    let world = match World::start(vec![setup.gate.clone()], Arc::new(clock.clone())).await {
        Ok(world) => Arc::new(world),
        Err(error) => return Outcome::Failed(format!("the emulators could not start: {error}")),
    };
    let ci = match Ci::start(&world, &setup.gate).await {
        Ok(ci) => Arc::new(ci),
        Err(error) => return Outcome::Failed(format!("the emulators could not start: {error}")),
    };
    let world_up = setup.started.elapsed();
    let store = world.store().await;
    let engine = world.engine(store.clone(), pace()).await;
    let (stop, engine_task) = start_engine(&engine);
    // Beside the engine, as `gatebot run` has them: the rounds, and GA status. The round
    // runner's passes follow the scenario's clock rather than the wall clock: the player has it
    // take one at every step of the clock (so `RoundSettings` do not apply), which keeps what
    // the rounds do in time with the scenario at any speed.
    let rounds = RoundRunner::new(
        engine.clone(),
        store.clone(),
        ci.gangway_client(world.clock.clone()),
        world.prow_client(),
        world.clock.clone(),
        RoundSettings::default(),
    );
    let ga_task = tokio::spawn(futures::future::join_all(crate::app::follow_ga_status(
        &ci.release_controller_client(),
        ga_refresh_every(setup.ga_refresh, setup.speed),
        &engine,
        &world.clock,
        &stop.subscribe(),
    )));
    let slack_task = match &setup.slack {
        Some(chat) => match start_slack(chat, &engine, &store, &clock, &stop).await {
            Ok(task) => Some(task),
            Err(error) => {
                let _ = stop.send(true);
                return Outcome::Failed(format!("cannot connect to Slack: {error:#}"));
            }
        },
        None => None,
    };
    let (keyboard, console) = open_console(setup.script.is_some());
    let mut session = Session {
        events: engine.subscribe(),
        engine: engine.clone(),
        gate: setup.gate.clone(),
        clock: clock.clone(),
        length: setup.scenario.length(),
        speed: setup.speed,
        scripted: setup.script.is_some(),
        finished: false,
        console,
        keyboard,
        said: HashMap::new(),
        chat: SandboxChat::new(engine.clone(), store, Arc::new(clock.clone())),
    };
    session.banner(&setup);
    session.refresh().await;
    session.console.flush();
    if setup.timings {
        let text = format!(
            "timings: emulators up after {} ms, first status after {} ms (from process start)",
            world_up.as_millis(),
            setup.started.elapsed().as_millis()
        );
        session.console.log(session.offset(), "sandbox", &text);
    }

    // The player runs on its own task: it must keep going (and let go of the store) while the
    // console waits for the store.
    let (notes_sender, notes) = mpsc::channel(64);
    let stage = Stage {
        world: world.clone(),
        ci: ci.clone(),
        engine,
        rounds,
    };
    let player = Player::new(stage, clock, setup.speed, notes_sender);
    let playing = tokio::spawn(player.play(timeline(&setup.scenario, setup.script.as_ref())));
    let outcome = session.serve(notes, interrupted).await;

    session.console.close();
    playing.abort();
    let _ = playing.await;
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(2), engine_task).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), ga_task).await;
    if let Some(task) = slack_task {
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    drop(session);
    drop(ci);
    drop(world);
    outcome
}

/// Connects the chat front to Slack for `--slack`; it runs until `stop` says so.
async fn start_slack(
    chat: &ChatConfig,
    engine: &Engine,
    store: &Store,
    clock: &ManualClock,
    stop: &watch::Sender<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let clock: Arc<dyn Clock> = Arc::new(clock.clone());
    let running = start_chat(
        ChatMode::Slack,
        Some(chat),
        YOU,
        ChatServices {
            engine,
            store,
            clock: &clock,
            escalation: None,
            emergency: EmergencySettings::default(),
        },
    )
    .await?
    .expect("Slack mode with a chat configuration starts a chat");
    let mut stopped = stop.subscribe();
    Ok(tokio::spawn(running.run(async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    })))
}

/// Runs the engine's loops until `true` is sent.
fn start_engine(engine: &Engine) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let (stop, mut stopped) = watch::channel(false);
    let engine = engine.clone();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        engine.run(shutdown).await
    });
    (stop, task)
}

/// A redrawn display with a line editor at a terminal; a transcript everywhere else, with
/// commands from standard input unless a script types them.
fn open_console(scripted: bool) -> (Keyboard, Console) {
    let at_terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    // A terminal that refuses raw mode still gets a working sandbox, as a transcript.
    if !scripted
        && at_terminal
        && let Ok(keyboard) = Keyboard::terminal()
    {
        let color = std::env::var_os("NO_COLOR").is_none();
        return (keyboard, Console::live(color));
    }
    let keyboard = if scripted {
        Keyboard::Scripted
    } else {
        Keyboard::lines()
    };
    (keyboard, Console::transcript())
}

/// Listens for Ctrl-C (and SIGTERM) from now on, as `gatebot run` does; a signal that arrives
/// while the world is starting is kept until the session looks.
fn listen_for_ctrl_c() -> oneshot::Receiver<()> {
    let (sender, receiver) = oneshot::channel();
    tokio::spawn(async move {
        crate::app::shutdown_signal().await;
        let _ = sender.send(());
    });
    receiver
}

struct Session {
    engine: Engine,
    events: broadcast::Receiver<GateEvent>,
    gate: GateSpec,
    clock: ManualClock,
    length: SignedDuration,
    speed: f64,
    scripted: bool,
    finished: bool,
    console: Console,
    keyboard: Keyboard,
    /// Per snapshot: its last verdict and the blocked cells announced, so each is said once.
    said: HashMap<String, Vec<String>>,
    chat: SandboxChat,
}

impl Session {
    async fn serve(
        &mut self,
        mut notes: mpsc::Receiver<Note>,
        mut interrupted: oneshot::Receiver<()>,
    ) -> Outcome {
        let mut redraw = tokio::time::interval(Duration::from_millis(100));
        loop {
            // In this order, so that what the player told comes before what gatebot said about
            // it when both are waiting.
            tokio::select! {
                biased;
                _ = &mut interrupted => return Outcome::Interrupted,
                Some(note) = notes.recv() => {
                    if let Some(outcome) = self.note(note).await {
                        return outcome;
                    }
                }
                event = self.events.recv() => match event {
                    Ok(event) => self.event(&event),
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        return Outcome::Failed("the engine stopped unexpectedly".into());
                    }
                },
                input = self.keyboard.next() => match input {
                    Input::Line(line) => {
                        if self.typed(&line).await == Some(Command::Quit) {
                            return Outcome::Quit;
                        }
                    }
                    Input::Edited => {}
                    Input::Resized => self.console.resized(),
                    Input::Ended => return Outcome::EndOfInput,
                    Input::Interrupt => return Outcome::Interrupted,
                },
                _ = redraw.tick() => self.refresh().await,
            }
            self.console.draft(self.keyboard.draft());
            self.console.flush();
        }
    }

    /// Handles the player's note; `Some` when the session ends with it.
    async fn note(&mut self, note: Note) -> Option<Outcome> {
        match note {
            Note::Played { at, source, text } => {
                let who = match source {
                    Source::Narrator => "»",
                    Source::Konflux => "konflux",
                    Source::Prow => "prow",
                    Source::Gangway => "gangway",
                    Source::ReleaseController => "ocp",
                };
                // When it happened in the world, which the console may show a little later.
                self.console.log(at.duration_since(START), who, &text);
                None
            }
            Note::Command {
                text,
                command,
                done,
            } => {
                self.answer(&text, &command).await;
                let _ = done.send(());
                (command == Command::Quit).then_some(Outcome::Quit)
            }
            Note::Finished(Ok(())) => {
                self.finish().await;
                self.scripted.then_some(Outcome::Finished)
            }
            Note::Finished(Err(error)) => Some(Outcome::Failed(error.to_string())),
        }
    }

    fn event(&mut self, event: &GateEvent) {
        if self.repeats(event) {
            return;
        }
        self.console
            .log(self.offset(), "gatebot", &event_text(event));
    }

    /// Whether the event says again what was just said: the engine's loop and a catch-up pass
    /// of the player may both announce the same change.
    fn repeats(&mut self, event: &GateEvent) -> bool {
        let (snapshot, said) = match event {
            GateEvent::VerdictChanged {
                snapshot,
                decision,
                summary,
                ..
            } => (snapshot, format!("verdict {decision} {summary}")),
            GateEvent::CellBlocked { snapshot, cell, .. } => {
                let build = cell.run.as_ref().map_or("", |run| run.build_id.as_str());
                (snapshot, format!("blocked {} {build}", cell.key))
            }
            _ => return false,
        };
        let said_before = self.said.entry(snapshot.clone()).or_default();
        if said_before.contains(&said) {
            return true;
        }
        if said.starts_with("verdict") {
            said_before.retain(|s| !s.starts_with("verdict"));
        }
        said_before.push(said);
        false
    }

    /// A line typed at the prompt; returns the command it was, if it was one.
    async fn typed(&mut self, line: &str) -> Option<Command> {
        if line.trim().is_empty() {
            return None;
        }
        match commands::parse(line) {
            Ok(command) => {
                self.answer(line.trim(), &command).await;
                Some(command)
            }
            Err(problem) => {
                self.console.log(self.offset(), "you", line.trim());
                self.console.text(&problem);
                None
            }
        }
    }

    async fn answer(&mut self, text: &str, command: &Command) {
        let answer = match command {
            Command::Chat(line) => self.chat.ask(line).await,
            Command::Explain(reference) => {
                let facts = self.facts().await;
                let catalog = self.catalog();
                commands::explain_answer(reference, &facts, &self.gate.policy, &catalog)
            }
            Command::Help => commands::help(),
            Command::Quit => "Leaving the sandbox.\n".to_string(),
        };
        self.console.log(self.offset(), "you", text);
        self.console.text(&answer);
    }

    /// The scenario is over: report anything the engine still had to say, and the end state.
    async fn finish(&mut self) {
        loop {
            match self.events.try_recv() {
                Ok(event) => self.event(&event),
                Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
        self.finished = true;
        let ending = if self.scripted {
            "the scenario is over"
        } else {
            "the scenario is over; the world is paused and commands still work — `quit` leaves"
        };
        self.console.log(self.offset(), "sandbox", ending);
        let facts = self.facts().await;
        self.console
            .final_status(self.offset(), &facts, &self.gate.policy, &self.catalog());
        self.refresh().await;
    }

    fn banner(&mut self, setup: &Setup) {
        let title = setup.scenario.title.as_deref().unwrap_or("a scenario");
        let real = self.length.as_secs_f64() / self.speed;
        let policy = &self.gate.policy;
        let mut text = format!(
            "gatebot sandbox — {title}: {} steps over {}, played {}× faster than real time (about {real:.0} s).\n",
            setup.scenario.steps.len(),
            friendly(self.length).trim_start_matches('+'),
            self.speed
        );
        text.push_str(&format!(
            "Gate {}: OCP {} × {} × {} — {} required cells; Releases of plan {} in {}.\n",
            self.gate.name,
            join(&policy.versions),
            join(&policy.platforms),
            join(&policy.checks),
            policy.required_count(),
            self.gate.release_plan,
            self.gate.namespace,
        ));
        if !self.scripted {
            text.push_str("Type `help` for commands; `quit`, Ctrl-C or Ctrl-D leaves.\n");
        }
        self.console.text(&text);
    }

    /// Shows the current status of every snapshot.
    async fn refresh(&mut self) {
        let facts = self.facts().await;
        let header = self.header();
        let catalog = self.catalog();
        self.console
            .status(self.offset(), &header, &facts, &self.gate.policy, &catalog);
    }

    /// Which versions are GA now: the configuration's until the release-controller says more.
    fn catalog(&self) -> VersionCatalog {
        self.engine
            .catalog(&self.gate.name)
            .unwrap_or_else(|| self.gate.catalog.clone())
    }

    fn header(&self) -> String {
        let now = self.clock.now();
        let state = if self.finished {
            "finished, world paused"
        } else {
            "playing"
        };
        format!(
            "── {} · {} of {} · ×{} · {state} ──",
            now.strftime("%a %Y-%m-%d %H:%M UTC"),
            offset_text(self.offset()),
            offset_text(self.length),
            self.speed
        )
    }

    /// What is known about every snapshot of the gate now, oldest first.
    async fn facts(&self) -> Vec<SnapshotFacts> {
        let mut facts = match self.engine.facts_of_gate(&self.gate.name).await {
            Ok(facts) => facts,
            Err(error) => {
                tracing::warn!(%error, "cannot read the snapshots' Releases");
                Vec::new()
            }
        };
        facts.sort_by(|a, b| {
            (a.snapshot.created_at, &a.snapshot.name)
                .cmp(&(b.snapshot.created_at, &b.snapshot.name))
        });
        facts
    }

    fn offset(&self) -> SignedDuration {
        self.clock.now().duration_since(START)
    }
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
