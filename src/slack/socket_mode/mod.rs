//! The Socket Mode side: slash commands, mentions and button clicks from gatebot's channel,
//! handed to gatebot as [`Incoming`] requests on a bounded queue.
//!
//! Slack wants every envelope acknowledged within 3 seconds, and a late ack means the same
//! request again. So a connection writes the ack as soon as it has read the envelope, before
//! it hands anything on, and hands on with `try_send`: a request that finds the queue full is
//! dropped with a warning rather than delaying every later envelope. The sockets run with
//! `TCP_NODELAY`: acks are small frames written back to back, and with Nagle's algorithm on
//! each would wait for the previous one's TCP acknowledgement.
//!
//! The connections are gatebot's own, over tokio-tungstenite, with slack-morphism's client
//! opening their URLs and its models reading the payloads. slack-morphism's Socket Mode client
//! connects without `TCP_NODELAY`, acknowledges only after a callback returns, and does not
//! report a lost connection; each of those is a property gatebot's readiness and ack latency
//! depend on.
//!
//! Readiness is [`SlackListener::connected`]: true while at least one connection has been
//! greeted by Slack's `hello` and is still open.

mod connection;
mod frame;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use slack_morphism::prelude::*;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::authors::Authors;
use super::tokens::SlackTokens;
use crate::chat::Incoming;
use frame::Requests;

/// How the Socket Mode connections behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketModeSettings {
    /// Connections kept open at once. Slack sends each envelope on one of them, so while one
    /// is replaced another still receives.
    pub connections: u32,
    /// The pause before trying again when a connection cannot be opened. A connection that was
    /// greeted and then lost is replaced at once.
    pub reconnect_after: Duration,
    /// How long a connection may stay silent (no frame at all, not even a pong to gatebot's
    /// pings) before it is taken for dead and replaced: a half-open TCP connection reports no
    /// error by itself.
    pub silence_limit: Duration,
}

impl Default for SocketModeSettings {
    fn default() -> Self {
        Self {
            connections: 2,
            reconnect_after: Duration::from_secs(10),
            // Slack pings every 10 s, and gatebot pings in between.
            silence_limit: Duration::from_secs(30),
        }
    }
}

/// Listens to gatebot's channel over Socket Mode until shut down.
pub struct SlackListener {
    link: Arc<Link>,
    stop: watch::Sender<bool>,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

impl SlackListener {
    /// Starts keeping `settings.connections` connections open with the app token, and hands
    /// every request from `channel` to `requests`. The bot token is used to look up who wrote a
    /// mention. Opening happens in the background; [`connected`](Self::connected) tells when
    /// Slack has greeted one.
    pub fn start(
        client: Arc<SlackHyperClient>,
        tokens: &SlackTokens,
        channel: &str,
        settings: &SocketModeSettings,
        requests: mpsc::Sender<Incoming>,
    ) -> Self {
        let link = Arc::new(Link {
            app_token: SlackApiToken::new(tokens.app.expose().to_string().into()),
            authors: Authors::new(client.clone(), &tokens.bot),
            client,
            channel: channel.to_string(),
            settings: settings.clone(),
            requests,
            greeted: GreetedConnections::default(),
        });
        let (stop, stopped) = watch::channel(false);
        let connections = (0..settings.connections.max(1))
            .map(|_| tokio::spawn(connection::keep_open(link.clone(), stopped.clone())))
            .collect();
        Self {
            link,
            stop,
            connections: Mutex::new(connections),
        }
    }

    /// True while at least one connection is open and greeted by Slack's `hello`.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.link.greeted.any.subscribe()
    }

    /// Closes every connection and waits until they are closed, so nothing more is received.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let connections = std::mem::take(
            &mut *self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for connection in connections {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "a Socket Mode connection ended abnormally");
            }
        }
    }
}

/// What every connection of one listener shares.
struct Link {
    client: Arc<SlackHyperClient>,
    app_token: SlackApiToken,
    channel: String,
    settings: SocketModeSettings,
    requests: mpsc::Sender<Incoming>,
    authors: Authors,
    greeted: GreetedConnections,
}

impl Link {
    /// Passes an envelope's requests on, after its ack was written.
    fn hand_over(self: &Arc<Self>, requests: Requests) {
        match requests {
            Requests::None => {}
            Requests::Ready(requests) => requests.into_iter().for_each(|r| self.enqueue(r)),
            Requests::UnlessFromBot(request) => {
                let link = self.clone();
                tokio::spawn(async move {
                    if link.authors.is_bot(&request.user).await {
                        tracing::debug!(user = %request.user, "a mention written by a bot");
                    } else {
                        link.enqueue(request);
                    }
                });
            }
        }
    }

    fn enqueue(&self, request: Incoming) {
        match self.requests.try_send(request) {
            Ok(()) => {}
            Err(TrySendError::Full(request)) => tracing::warn!(
                delivery_id = %request.delivery_id,
                user = %request.user,
                "gatebot's request queue is full; a request from Slack was dropped"
            ),
            Err(TrySendError::Closed(request)) => tracing::debug!(
                delivery_id = %request.delivery_id,
                "gatebot no longer takes requests; one from Slack was dropped"
            ),
        }
    }
}

/// How many connections are open and greeted, and whether that is any.
#[derive(Default)]
struct GreetedConnections {
    count: Mutex<usize>,
    any: watch::Sender<bool>,
}

impl GreetedConnections {
    fn greeted(&self) {
        self.change(|count| *count += 1);
    }

    fn lost(&self) {
        self.change(|count| *count -= 1);
    }

    fn change(&self, change: impl FnOnce(&mut usize)) {
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut count);
        self.any.send_replace(*count > 0);
    }
}
