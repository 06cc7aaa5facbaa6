//! The Socket Mode side: slash commands, mentions and button clicks from gatebot's channel,
//! handed to gatebot as [`Incoming`] requests on a bounded queue.
//!
//! slack-morphism acknowledges an envelope only when its callback returns, and reads nothing
//! else from that socket meanwhile; Slack wants the ack within 3 seconds. So the callbacks here
//! only convert and enqueue (`try_send`, never waiting for room) and return; what takes longer
//! runs in a spawned task. A request that finds the queue full is acknowledged and dropped with
//! a warning rather than delaying every later envelope.
//!
//! slack-morphism retries opening a connection forever and only logs failures, so "started"
//! says nothing about being connected: [`SlackListener::connected`] turns true on Slack's
//! `hello`, which is what readiness should wait for.

use std::sync::Arc;
use std::time::Duration;

use slack_morphism::errors::SlackClientProtocolError;
use slack_morphism::prelude::*;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, watch};

use super::authors::Authors;
use super::incoming;
use super::tokens::SlackTokens;
use crate::chat::{ChatError, Incoming};

/// How the Socket Mode connections behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketModeSettings {
    /// Connections kept open at once. Slack sends each envelope on one of them, so while one
    /// reconnects (it closes before it reopens) another still receives.
    pub connections: u32,
    /// The pause before trying again when a connection cannot be opened; at least a second.
    pub reconnect_after: Duration,
}

impl Default for SocketModeSettings {
    fn default() -> Self {
        Self {
            connections: 2,
            reconnect_after: Duration::from_secs(10),
        }
    }
}

impl SocketModeSettings {
    fn slack_morphism_config(&self) -> SlackClientSocketModeConfig {
        // slack-morphism feeds these seconds to `tokio::time::interval`, which panics on 0.
        let reconnect_seconds = self.reconnect_after.as_secs().max(1);
        SlackClientSocketModeConfig::new()
            .with_max_connections_count(self.connections.max(1))
            .with_reconnect_timeout_in_seconds(reconnect_seconds)
    }
}

/// Listens to gatebot's channel over Socket Mode until shut down.
pub struct SlackListener {
    socket_mode: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
    connected: watch::Receiver<bool>,
}

impl SlackListener {
    /// Opens the connections with the app token and hands every request from `channel` to
    /// `requests`. The bot token is used to look up who wrote a mention.
    pub async fn start(
        client: Arc<SlackHyperClient>,
        tokens: &SlackTokens,
        channel: &str,
        settings: &SocketModeSettings,
        requests: mpsc::Sender<Incoming>,
    ) -> Result<Self, ChatError> {
        let (connected_sender, connected) = watch::channel(false);
        let dispatch = Arc::new(Dispatch {
            channel: channel.to_string(),
            requests,
            connected: connected_sender,
            authors: Authors::new(client.clone(), &tokens.bot),
        });
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(client)
                .with_error_handler(on_error)
                .with_user_state(dispatch),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_command_events(on_command)
            .with_push_events(on_push)
            .with_interaction_events(on_interaction)
            // The hello event's type cannot be named outside slack-morphism; a closure that
            // captures nothing still coerces to the callback's function pointer.
            .with_hello_events(|_hello, _client, state| async move {
                dispatch_of(&state).await.connected.send_replace(true);
            });
        let config = settings.slack_morphism_config();
        let socket_mode = SlackClientSocketModeListener::new(&config, environment, callbacks);
        let app_token = SlackApiToken::new(tokens.app.expose().to_string().into());
        socket_mode
            .listen_for(&app_token)
            .await
            .map_err(|error| ChatError::Unavailable(format!("Socket Mode: {error}")))?;
        socket_mode.start().await;
        Ok(Self {
            socket_mode,
            connected,
        })
    }

    /// True once Slack has greeted a connection with `hello`. It stays true: slack-morphism
    /// reports no lost connection, and reconnects by itself.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }

    /// Closes every connection, so nothing more is received.
    pub async fn shutdown(&self) {
        self.socket_mode.shutdown().await;
    }
}

/// What the callbacks share.
struct Dispatch {
    channel: String,
    requests: mpsc::Sender<Incoming>,
    connected: watch::Sender<bool>,
    authors: Authors,
}

impl Dispatch {
    fn hand_over(&self, request: Incoming) {
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

async fn dispatch_of(state: &SlackClientEventsUserState) -> Arc<Dispatch> {
    state
        .read()
        .await
        .get_user_state::<Arc<Dispatch>>()
        .cloned()
        .expect("the listener's state is set before it starts")
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let dispatch = dispatch_of(&state).await;
    let reply = match incoming::command(&event, &dispatch.channel) {
        Ok(request) => {
            dispatch.hand_over(request);
            SlackMessageContent::new()
        }
        Err(ignored) => {
            tracing::debug!(command = %event.command, ?ignored, "a slash command from elsewhere");
            // Only the person who typed it sees this, and they would otherwise see nothing.
            let text = format!("{} works in <#{}> only.", event.command, dispatch.channel);
            SlackMessageContent::new().with_text(text)
        }
    };
    Ok(SlackCommandEventResponse::new(reply))
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let dispatch = dispatch_of(&state).await;
    match incoming::mention(&event, &dispatch.channel) {
        Ok(request) => {
            tokio::spawn(async move {
                if dispatch.authors.is_bot(&request.user).await {
                    tracing::debug!(user = %request.user, "a mention written by a bot");
                } else {
                    dispatch.hand_over(request);
                }
            });
        }
        Err(ignored) => {
            tracing::debug!(event_id = %event.event_id, ?ignored, "an event that is not a request");
        }
    }
    Ok(())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let dispatch = dispatch_of(&state).await;
    match incoming::clicks(&event, &dispatch.channel) {
        Ok(requests) => requests
            .into_iter()
            .for_each(|request| dispatch.hand_over(request)),
        Err(ignored) => tracing::debug!(?ignored, "an interaction that is not a request"),
    }
    Ok(())
}

/// Errors reading an envelope: acknowledged all the same, since Slack would only send the same
/// unreadable envelope again.
fn on_error(
    error: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<SlackHyperClient>,
    _state: SlackClientEventsUserState,
) -> HttpStatusCode {
    // An unreadable envelope's error carries its whole body, and with it Slack's verification
    // token: only the reason is logged.
    match error.downcast_ref::<SlackClientProtocolError>() {
        Some(unreadable) => tracing::warn!(
            error = %unreadable.json_error,
            "a Slack envelope could not be read"
        ),
        None => tracing::warn!(%error, "a Slack envelope could not be handled"),
    }
    HttpStatusCode::OK
}
