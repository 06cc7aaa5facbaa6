//! Starting the chat front of `gatebot run`: on Slack (Socket Mode, the production setup) or on
//! the console (to try gatebot without a workspace).
//!
//! Both end the same way: a surface, a channel of requests, and [`serve_chat`] handling them.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::io::BufReader;
use tokio::sync::{mpsc, watch};

use super::console::{ConsoleSurface, read_commands};
use super::front::ChatFront;
use super::roles::Roles;
use super::serve::serve_chat;
use super::surface::{ChatSurface, Incoming};
use crate::clock::Clock;
use crate::config::ChatConfig;
use crate::emergency::{EmergencySettings, Sweeper};
use crate::engine::Engine;
use crate::escalation::EscalationConfig;
use crate::jira::Secret;
use crate::slack::{ChannelPacing, SlackListener, SlackSurface, SlackTokens, SocketModeSettings};
use crate::status_thread::Notifier;
use crate::store::Store;

/// Which chat `gatebot run` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ChatMode {
    /// Slack when the configuration has a `[chat]` section, else none.
    #[default]
    Auto,
    Slack,
    /// Standard input and output.
    Console,
    Off,
}

/// A started chat: what `/readyz` watches, and the task that runs it.
pub struct ChatRunning {
    pub connected: Option<watch::Receiver<bool>>,
    listener: Option<SlackListener>,
    front: ChatFront,
    notifier: Notifier,
    sweeper: Sweeper,
    requests: mpsc::Receiver<Incoming>,
    surfaces: SurfaceFactory,
}

/// Makes a surface for any channel of the running chat — on Slack with the same client, token
/// and pacing, on the console printing to the same output — for posts outside the chat's own
/// channel, such as the escalation digest.
type SurfaceFactory = Box<dyn Fn(&str) -> Arc<dyn ChatSurface> + Send + Sync>;

/// How many requests may wait for a handler before new ones are refused at the door.
const WAITING_REQUESTS: usize = 256;

/// What the chat works with: the engine it reports on, the store of its own records, the clock,
/// and the rules of the commands that need configuration.
pub struct ChatServices<'a> {
    pub engine: &'a Engine,
    pub store: &'a Store,
    pub clock: &'a Arc<dyn Clock>,
    pub escalation: Option<&'a EscalationConfig>,
    pub emergency: EmergencySettings,
}

/// Connects the chat the mode and configuration ask for; `None` when there is none.
pub async fn start_chat(
    mode: ChatMode,
    config: Option<&ChatConfig>,
    console_user: &str,
    services: ChatServices<'_>,
) -> anyhow::Result<Option<ChatRunning>> {
    let ChatServices {
        engine,
        store,
        clock,
        escalation,
        emergency,
    } = services;
    let (sender, requests) = mpsc::channel(WAITING_REQUESTS);
    let roles = config.map(|chat| chat.roles.clone()).unwrap_or_default();
    let (surfaces, channel, listener) = match (mode, config) {
        (ChatMode::Off, _) | (ChatMode::Auto, None) => return Ok(None),
        (ChatMode::Slack, None) => anyhow::bail!(
            "--chat slack needs a [chat] section with the channel, the Slack token variables and the roles; see docs/configuration.md"
        ),
        (ChatMode::Console, config) => {
            let channel = config.map_or("console", |chat| chat.channel.as_str());
            let surfaces: SurfaceFactory = Box::new(|channel: &str| {
                Arc::new(ConsoleSurface::new(channel, std::io::stdout())) as Arc<dyn ChatSurface>
            });
            let (typed_in, user) = (channel.to_string(), console_user.to_string());
            tokio::spawn(async move {
                let stdin = BufReader::new(tokio::io::stdin());
                read_commands(stdin, &typed_in, &user, |incoming| {
                    let sender = sender.clone();
                    async move {
                        let _ = sender.send(incoming).await;
                    }
                })
                .await;
            });
            (surfaces, channel, None)
        }
        (ChatMode::Slack | ChatMode::Auto, Some(chat)) => {
            let tokens = SlackTokens::from_environment(&chat.slack).map_err(anyhow::Error::msg)?;
            let client = crate::slack::client(&chat.slack.api_url)
                .context("cannot build the Slack client")?;
            let surfaces = slack_surfaces(client.clone(), &tokens.bot);
            let listener = SlackListener::start(
                client,
                &tokens,
                &chat.channel,
                &SocketModeSettings::default(),
                sender,
            );
            (surfaces, chat.channel.as_str(), Some(listener))
        }
    };
    let surface = surfaces(channel);
    let front = ChatFront::new(
        engine.clone(),
        store.clone(),
        surface.clone(),
        Roles::new(roles, surface.clone()),
        clock.clone(),
    )
    .with_escalation(escalation.cloned())
    .with_emergency(emergency.clone());
    let notifier = Notifier::new(
        engine.clone(),
        store.clone(),
        surface.clone(),
        clock.clone(),
    );
    let sweeper = Sweeper::new(
        engine.clone(),
        store.clone(),
        surface,
        emergency,
        clock.clone(),
    );
    Ok(Some(ChatRunning {
        connected: listener.as_ref().map(SlackListener::connected),
        listener,
        front,
        notifier,
        sweeper,
        requests,
        surfaces,
    }))
}

/// Slack surfaces sharing one pacing, so posts to every channel keep within Slack's limits.
fn slack_surfaces(
    client: Arc<slack_morphism::prelude::SlackHyperClient>,
    bot_token: &Secret,
) -> SurfaceFactory {
    let (bot_token, pacing) = (bot_token.clone(), Arc::new(ChannelPacing::default()));
    Box::new(move |channel: &str| {
        Arc::new(SlackSurface::new(
            client.clone(),
            &bot_token,
            channel,
            pacing.clone(),
        )) as Arc<dyn ChatSurface>
    })
}

impl ChatRunning {
    /// A surface posting into `channel` through this chat.
    pub fn surface_for(&self, channel: &str) -> Arc<dyn ChatSurface> {
        (self.surfaces)(channel)
    }

    /// Serves the chat until `shutdown`, then closes the Slack connections.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        serve_chat(
            self.front,
            self.notifier,
            self.sweeper,
            self.requests,
            shutdown,
        )
        .await;
        if let Some(listener) = self.listener {
            listener.shutdown().await;
        }
    }
}
