//! gatebot with its Slack front, for the chat tests: the real engine against the emulated
//! world, and the real slack-morphism client (Socket Mode and Web API) against the emulated
//! Slack, wired as `gatebot run` wires them — plus ways to feed Prow results and read what
//! the channel shows.

use std::sync::Arc;
use std::time::Duration;

use gatebot::chat::{ChatFront, ChatSurface, Roles, serve_chat};
use gatebot::config::RolesConfig;
use gatebot::emergency::{EmergencySettings, Sweeper};
use gatebot::jira::Secret;
use gatebot::sandbox::world::{World, digest};
use gatebot::slack::{ChannelPacing, SlackListener, SlackSurface, SlackTokens, SocketModeSettings};
use gatebot::status_thread::Notifier;
use gatebot::store::Store;
use gatebot_emulators::prow::BuildResult;
use gatebot_emulators::slack::{EmulatedUser, Ephemeral, Message, SlackEmulator, Workspace};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{Running, all_jobs};

pub const CHANNEL: &str = "C0RELEASES";
pub const RELEASER: &str = "U0RELEASER";
pub const VISITOR: &str = "U0VISITOR";
pub const NS: &str = "crt-redhat-acm-tenant";
pub const LIMIT: Duration = Duration::from_secs(20);

pub fn snapshot_name(n: u32) -> String {
    format!("hypershift-operator-main-20261121-1015{n:02}-000")
}

pub fn build_id(series: u32, index: usize) -> String {
    format!("18{series:08}{index:09}")
}

/// The channel, the slash command, and its people: `(member id, name)`.
pub fn workspace(people: &[(&str, &str)]) -> Workspace {
    let mut workspace = Workspace::default().with_channel(CHANNEL, "hyperfleet-releases");
    for (id, name) in people {
        workspace = workspace.with_user(EmulatedUser::new(id, name));
    }
    workspace.slash_command = "/gate".into();
    workspace
}

/// Every job of the gate reports for `snapshot`, passing unless overridden.
pub fn report_all(
    world: &World,
    snapshot: &str,
    n: u32,
    series: u32,
    overrides: &[(String, BuildResult)],
) {
    for (i, job) in all_jobs().iter().enumerate() {
        let build = build_id(series, i);
        let result = overrides
            .iter()
            .find(|(j, _)| j == job)
            .map_or(BuildResult::Success, |(_, r)| *r);
        world.start_run(job, &build, &digest(n));
        world.finish_run(job, &build, snapshot, result);
    }
}

/// Who holds which role, and the emergency rules, for one bot.
pub struct ChatSetup {
    pub roles: RolesConfig,
    pub emergency: EmergencySettings,
    /// How often the emergency sweep looks for expired requests.
    pub expiry_check: Duration,
}

impl Default for ChatSetup {
    fn default() -> Self {
        Self {
            roles: RolesConfig {
                releasers: vec![RELEASER.into()],
                approvers: Vec::new(),
                admins: Vec::new(),
            },
            emergency: EmergencySettings::default(),
            expiry_check: Duration::from_millis(200),
        }
    }
}

/// gatebot with its Slack front: engine, Socket Mode listener, chat front and notifier, all on
/// the world's clock.
pub struct Bot {
    pub running: Running,
    /// The store the chat front keeps its records in (requests, audit, threads).
    pub store: Store,
    chat: JoinHandle<()>,
    stop: Option<oneshot::Sender<()>>,
    listener: Arc<SlackListener>,
}

impl Bot {
    pub async fn start(world: &World, slack: &SlackEmulator) -> Self {
        Self::start_with(world, slack, ChatSetup::default()).await
    }

    pub async fn start_with(world: &World, slack: &SlackEmulator, setup: ChatSetup) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("gatebot=debug")
            .with_test_writer()
            .try_init();
        let running = Running::start(world).await;
        let clock = world.clock.clone();
        let client = slack_client(slack);
        let tokens = tokens(slack);
        let surface: Arc<dyn ChatSurface> = Arc::new(surface(slack));
        let (requests, incoming) = mpsc::channel(256);
        let settings = SocketModeSettings {
            connections: 1,
            reconnect_after: Duration::from_secs(1),
            ..SocketModeSettings::default()
        };
        let listener = Arc::new(SlackListener::start(
            client, &tokens, CHANNEL, &settings, requests,
        ));
        let store = running.store.clone();
        let front = ChatFront::new(
            running.engine.clone(),
            store.clone(),
            surface.clone(),
            Roles::new(setup.roles, surface.clone()),
            clock.clone(),
        )
        .with_emergency(setup.emergency.clone());
        let notifier = Notifier::new(
            running.engine.clone(),
            store.clone(),
            surface.clone(),
            clock.clone(),
        )
        .with_coalesce(Duration::from_millis(200));
        let sweeper = Sweeper::new(
            running.engine.clone(),
            store.clone(),
            surface,
            setup.emergency,
            clock,
        )
        .every(setup.expiry_check);
        let (stop, stopped) = oneshot::channel();
        let chat = tokio::spawn(serve_chat(front, notifier, sweeper, incoming, async move {
            let _ = stopped.await;
        }));
        let mut connected = listener.connected();
        tokio::time::timeout(LIMIT, connected.wait_for(|up| *up))
            .await
            .expect("Slack says hello")
            .unwrap();
        Self {
            running,
            store,
            chat,
            stop: Some(stop),
            listener,
        }
    }

    /// Stops everything at once, like a killed process.
    pub async fn kill(mut self) {
        self.chat.abort();
        let _ = (&mut self.chat).await;
        self.listener.shutdown().await;
        self.stop.take();
        self.running.kill().await;
    }
}

fn slack_client(slack: &SlackEmulator) -> Arc<slack_morphism::prelude::SlackHyperClient> {
    gatebot::slack::client(&slack.api_url().parse().unwrap()).unwrap()
}

fn tokens(slack: &SlackEmulator) -> SlackTokens {
    SlackTokens {
        app: Secret::new(slack.workspace().app_token.clone()),
        bot: Secret::new(slack.workspace().bot_token.clone()),
    }
}

/// A Slack surface on the release channel, as gatebot's own.
pub fn surface(slack: &SlackEmulator) -> SlackSurface {
    SlackSurface::new(
        slack_client(slack),
        &tokens(slack).bot,
        CHANNEL,
        Arc::new(ChannelPacing::default()),
    )
}

/// The bot's top-level messages in the channel.
pub fn top_level(slack: &SlackEmulator) -> Vec<Message> {
    slack
        .messages(CHANNEL)
        .into_iter()
        .filter(|m| m.from_bot && m.thread_ts.is_none())
        .collect()
}

/// The status message of a snapshot, with its thread.
pub fn status_message_of(slack: &SlackEmulator, snapshot: &str) -> Option<Message> {
    top_level(slack)
        .into_iter()
        .find(|m| m.text.contains(snapshot))
}

/// A message's text and blocks, to search in.
pub fn everything_in(message: &Message) -> String {
    format!(
        "{} {}",
        message.text,
        serde_json::to_string(&message.blocks).unwrap()
    )
}

pub fn replies_text(message: &Message) -> String {
    message
        .replies
        .iter()
        .map(everything_in)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn everything_in_ephemeral(message: &Ephemeral) -> String {
    format!(
        "{} {}",
        message.text,
        serde_json::to_string(&message.blocks).unwrap()
    )
}

/// Whether `user` was shown an ephemeral message containing `needle`.
pub fn ephemeral_for(slack: &SlackEmulator, user: &str, needle: &str) -> bool {
    slack
        .ephemerals(CHANNEL)
        .iter()
        .any(|e| e.user == user && everything_in_ephemeral(e).contains(needle))
}
