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
use super::notifier::Notifier;
use super::roles::Roles;
use super::serve::serve_chat;
use super::surface::{ChatSurface, Incoming};
use crate::clock::Clock;
use crate::config::ChatConfig;
use crate::engine::Engine;
use crate::slack::{ChannelPacing, SlackListener, SlackSurface, SlackTokens, SocketModeSettings};

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
    requests: mpsc::Receiver<Incoming>,
}

/// How many requests may wait for a handler before new ones are refused at the door.
const WAITING_REQUESTS: usize = 256;

/// Connects the chat the mode and configuration ask for; `None` when there is none.
pub async fn start_chat(
    mode: ChatMode,
    config: Option<&ChatConfig>,
    console_user: &str,
    engine: &Engine,
    clock: &Arc<dyn Clock>,
) -> anyhow::Result<Option<ChatRunning>> {
    let (sender, requests) = mpsc::channel(WAITING_REQUESTS);
    let roles = config.map(|chat| chat.roles.clone()).unwrap_or_default();
    let (surface, listener): (Arc<dyn ChatSurface>, Option<SlackListener>) = match (mode, config) {
        (ChatMode::Off, _) | (ChatMode::Auto, None) => return Ok(None),
        (ChatMode::Slack, None) => anyhow::bail!(
            "--chat slack needs a [chat] section with the channel, the Slack token variables and the roles; see docs/configuration.md"
        ),
        (ChatMode::Console, config) => {
            let channel = config.map_or("console", |chat| chat.channel.as_str());
            let surface = Arc::new(ConsoleSurface::new(channel, std::io::stdout()));
            let (channel, user) = (channel.to_string(), console_user.to_string());
            tokio::spawn(async move {
                let stdin = BufReader::new(tokio::io::stdin());
                read_commands(stdin, &channel, &user, |incoming| {
                    let sender = sender.clone();
                    async move {
                        let _ = sender.send(incoming).await;
                    }
                })
                .await;
            });
            (surface, None)
        }
        (ChatMode::Slack | ChatMode::Auto, Some(chat)) => {
            let tokens = SlackTokens::from_environment(&chat.slack).map_err(anyhow::Error::msg)?;
            let client = crate::slack::client(&chat.slack.api_url)
                .context("cannot build the Slack client")?;
            let surface = Arc::new(SlackSurface::new(
                client.clone(),
                &tokens.bot,
                chat.channel.clone(),
                Arc::new(ChannelPacing::default()),
            ));
            let listener = SlackListener::start(
                client,
                &tokens,
                &chat.channel,
                &SocketModeSettings::default(),
                sender,
            )
            .await
            .context("cannot start Slack Socket Mode")?;
            (surface, Some(listener))
        }
    };
    let front = ChatFront::new(
        engine.clone(),
        surface.clone(),
        Roles::new(roles, surface.clone()),
        clock.clone(),
    );
    let notifier = Notifier::new(engine.clone(), surface, clock.clone());
    Ok(Some(ChatRunning {
        connected: listener.as_ref().map(SlackListener::connected),
        listener,
        front,
        notifier,
        requests,
    }))
}

impl ChatRunning {
    /// Serves the chat until `shutdown`, then closes the Slack connections.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        serve_chat(self.front, self.notifier, self.requests, shutdown).await;
        if let Some(listener) = self.listener {
            listener.shutdown().await;
        }
    }
}
