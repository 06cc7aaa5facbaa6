//! An emulated Slack for tests and the sandbox: Socket Mode (`apps.connections.open`, the
//! `/link` WebSocket with `hello`, pings, envelopes, acks, redelivery, `disconnect`) and the Web
//! API methods gatebot calls, in the wire shapes of Slack's docs and official SDKs.
//!
//! Point a Slack client at [`SlackEmulator::api_url`] and give it the workspace's app and bot
//! tokens. Tests then play the users (slash commands, mentions, messages, button clicks), read
//! what the bot acknowledged and posted, and queue the failures Slack has: rate limits, error
//! codes, refreshed or cut connections, unacknowledged envelopes.

mod blocks;
mod chat;
mod connections;
mod delivery;
mod directory;
mod envelopes;
mod faults;
mod ids;
mod messages;
mod params;
#[cfg(test)]
mod shapes;
mod web_api;
mod websocket;
mod workspace;

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{any, get};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

pub use connections::Connection;
pub use delivery::{Ack, Delivery, EnvelopeIds};
pub use messages::{Ephemeral, Message};
pub use web_api::ApiRequest;
pub use workspace::{EmulatedChannel, EmulatedUser, EmulatedUsergroup, Workspace};

use connections::Outgoing;
use delivery::{Outbox, Queued};
use envelopes::{Click, Context};
use faults::{Fault, FaultPlan};
use ids::Ids;
use messages::Channels;

/// Timing and limits of the Socket Mode side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketModeConfig {
    /// How long an envelope may go unacknowledged (Slack: 3 s).
    pub ack_deadline: Duration,
    /// How often each socket is pinged (real Slack: about every 10 s).
    pub ping_interval: Duration,
    /// Concurrent sockets allowed per app (Slack: 10).
    pub max_sockets: usize,
    /// How long a socket sent `disconnect` stays open if the app does not close it.
    pub disconnect_grace: Duration,
}

impl Default for SocketModeConfig {
    fn default() -> Self {
        Self {
            ack_deadline: Duration::from_secs(3),
            ping_interval: Duration::from_secs(10),
            max_sockets: 10,
            disconnect_grace: Duration::from_secs(10),
        }
    }
}

/// What the HTTP side, the sockets and the test handle share.
struct Shared {
    workspace: Workspace,
    config: SocketModeConfig,
    /// `http://127.0.0.1:PORT`
    base_url: String,
    state: Mutex<State>,
    ack_recorded: Notify,
}

#[derive(Debug, Default)]
struct State {
    ids: Ids,
    connections: connections::Connections,
    outbox: Outbox,
    channels: Channels,
    faults: FaultPlan,
    requests: Vec<ApiRequest>,
}

impl Shared {
    fn new(workspace: Workspace, config: SocketModeConfig, base_url: String) -> Arc<Self> {
        Arc::new(Self {
            workspace,
            config,
            base_url,
            state: Mutex::new(State::default()),
            ack_recorded: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("emulated Slack state poisoned")
    }

    /// A seeded channel; test-side calls about any other are mistakes in the test.
    fn seeded_channel(&self, id: &str) -> &EmulatedChannel {
        self.workspace
            .channel(id)
            .unwrap_or_else(|| panic!("the emulated Slack has no channel {id}"))
    }
}

/// A running emulated Slack on 127.0.0.1; it stops when dropped.
pub struct SlackEmulator {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl SlackEmulator {
    /// Starts on a free port of 127.0.0.1 with Slack's timings.
    pub async fn start(workspace: Workspace) -> io::Result<Self> {
        Self::start_with(workspace, SocketModeConfig::default()).await
    }

    /// Starts with other Socket Mode timings, e.g. a short ack deadline for tests.
    pub async fn start_with(workspace: Workspace, config: SocketModeConfig) -> io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let shared = Shared::new(workspace, config, base_url);
        let app = Router::new()
            .route("/api/{method}", any(web_api::handle))
            .route("/link", get(websocket::upgrade))
            .route("/link/", get(websocket::upgrade))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the emulated Slack stopped serving");
            }
        });
        Ok(Self { shared, server })
    }

    /// `http://127.0.0.1:PORT/api`, what a client's Slack API URL setting takes.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.shared.base_url)
    }

    pub fn workspace(&self) -> &Workspace {
        &self.shared.workspace
    }

    /// `user` runs the workspace's slash command in `channel` with `text` after it.
    pub fn slash_command(&self, user: &str, channel: &str, text: &str) -> EnvelopeIds {
        let shared = &self.shared;
        let channel = shared.seeded_channel(channel);
        let context = self.context();
        let mut state = shared.lock();
        let envelope = envelopes::slash_command(&context, &mut state.ids, channel, user, text);
        self.send(&mut state, envelope, None)
    }

    /// `user` writes `text` mentioning the bot in `channel`, in the thread under `thread_ts`
    /// if given; the app gets an `app_mention` event.
    pub fn app_mention(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> EnvelopeIds {
        self.user_writes("app_mention", user, channel, text, thread_ts)
    }

    /// `user` writes `text` in `channel` (or its thread `thread_ts`); the app gets a `message`
    /// event.
    pub fn message_event(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> EnvelopeIds {
        self.user_writes("message", user, channel, text, thread_ts)
    }

    /// `user` clicks the element `action_id` of the message `message_ts`, which sends `value`.
    pub fn block_actions(
        &self,
        user: &str,
        channel: &str,
        message_ts: &str,
        action_id: &str,
        value: &str,
    ) -> EnvelopeIds {
        let shared = &self.shared;
        let channel = shared.seeded_channel(channel);
        let context = self.context();
        let mut state = shared.lock();
        let message = state
            .channels
            .get(&channel.id, message_ts)
            .cloned()
            .unwrap_or_else(|| panic!("{} has no message {message_ts}", channel.id));
        let (block, element) = blocks::find_action(&message.blocks, action_id)
            .unwrap_or_else(|| panic!("message {message_ts} has no element {action_id}"));
        let click = Click {
            channel,
            user,
            message: &message,
            block,
            element,
            value,
        };
        let envelope = envelopes::block_actions(&context, &mut state.ids, &click);
        self.send(&mut state, envelope, None)
    }

    /// Sends `frame` as it is, once, e.g. a malformed envelope; no ack is awaited.
    pub fn deliver_raw(&self, frame: impl Into<String>) {
        let mut state = self.shared.lock();
        self.shared.deliver(&mut state, Queued::Raw(frame.into()));
    }

    /// Sends `disconnect` with `reason` (e.g. `warning`, `refresh_requested`) on the
    /// longest-open socket, which gets no further envelopes; returns its connection id.
    pub fn disconnect(&self, reason: &str) -> Option<usize> {
        self.shared.disconnect(reason)
    }

    /// Cuts every open socket without a close frame; returns how many there were.
    pub fn drop_sockets(&self) -> usize {
        self.shared.lock().connections.end_all(Outgoing::Drop)
    }

    /// Freezes every open socket for `duration`, as a network partition would: nothing is read
    /// or written, pings go unanswered, and no close or error reaches either side. Returns how
    /// many sockets there were.
    pub fn freeze_sockets(&self, duration: Duration) -> usize {
        let mut state = self.shared.lock();
        state.connections.send_all(Outgoing::Freeze(duration)).len()
    }

    /// Every ack so far, oldest first.
    pub fn acks(&self) -> Vec<Ack> {
        self.shared.lock().outbox.acks.clone()
    }

    /// Waits until at least `count` acks arrived or `timeout` passed; returns the acks so far.
    pub async fn wait_for_acks(&self, count: usize, timeout: Duration) -> Vec<Ack> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let recorded = self.shared.ack_recorded.notified();
            tokio::pin!(recorded);
            recorded.as_mut().enable();
            let acks = self.acks();
            if acks.len() >= count {
                return acks;
            }
            if tokio::time::timeout_at(deadline, recorded).await.is_err() {
                return self.acks();
            }
        }
    }

    /// Every delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().outbox.deliveries.clone()
    }

    /// Envelopes never acknowledged: events after their last retry, commands and interactions
    /// after their only delivery.
    pub fn expired_envelopes(&self) -> Vec<String> {
        self.shared.lock().outbox.expired.clone()
    }

    /// Every WebSocket connection so far, oldest first.
    pub fn connections(&self) -> Vec<Connection> {
        self.shared.lock().connections.records()
    }

    /// How many WebSocket connections were made so far.
    pub fn connections_opened(&self) -> usize {
        self.connections().len()
    }

    /// The channel's top-level messages, oldest first, each with its thread.
    pub fn messages(&self, channel: &str) -> Vec<Message> {
        let id = &self.shared.seeded_channel(channel).id;
        self.shared.lock().channels.top_level(id)
    }

    /// Replies posted with a `thread_ts` that names no top-level message: Slack accepts them
    /// but shows them nowhere.
    pub fn orphan_replies(&self, channel: &str) -> Vec<Message> {
        let id = &self.shared.seeded_channel(channel).id;
        self.shared.lock().channels.orphans(id)
    }

    pub fn ephemerals(&self, channel: &str) -> Vec<Ephemeral> {
        let id = &self.shared.seeded_channel(channel).id;
        self.shared.lock().channels.ephemerals(id)
    }

    /// When each `chat.postMessage` to the channel succeeded, oldest first.
    pub fn post_times(&self, channel: &str) -> Vec<Instant> {
        let id = &self.shared.seeded_channel(channel).id;
        self.shared.lock().channels.post_times(id)
    }

    /// The most posts to the channel within any span of `window`, to check a client's pace.
    pub fn most_posts_within(&self, channel: &str, window: Duration) -> usize {
        messages::most_posts_within(&self.post_times(channel), window)
    }

    /// Every Web API call so far, oldest first.
    pub fn requests(&self) -> Vec<ApiRequest> {
        self.shared.lock().requests.clone()
    }

    /// The next `count` calls of `method` get HTTP 429 with `Retry-After: retry_after_secs`.
    pub fn ratelimit(&self, method: &str, retry_after_secs: u64, count: usize) {
        let fault = Fault::RateLimited { retry_after_secs };
        self.shared.lock().faults.add(method, fault, count);
    }

    /// The next `count` calls of `method` get `{"ok":false,"error":error_code}`.
    pub fn fail(&self, method: &str, error_code: &str, count: usize) {
        let fault = Fault::Error(error_code.into());
        self.shared.lock().faults.add(method, fault, count);
    }

    /// The next `count` calls of `method` are carried out, but answered with HTTP 504 as if
    /// the answer were lost on the way back.
    pub fn lose_answers(&self, method: &str, count: usize) {
        self.shared
            .lock()
            .faults
            .add(method, Fault::AnswerLost, count);
    }

    /// Ends the faults still queued for `method`.
    pub fn clear_faults(&self, method: &str) {
        self.shared.lock().faults.clear(method);
    }

    fn context(&self) -> Context<'_> {
        Context {
            workspace: &self.shared.workspace,
            base_url: &self.shared.base_url,
        }
    }

    fn send(
        &self,
        state: &mut State,
        envelope: envelopes::Envelope,
        event_id: Option<String>,
    ) -> EnvelopeIds {
        let ids = EnvelopeIds {
            envelope_id: envelope.id.clone(),
            event_id,
        };
        self.shared.deliver(
            state,
            Queued::Envelope {
                envelope,
                attempt: 0,
            },
        );
        ids
    }

    fn user_writes(
        &self,
        kind: &str,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> EnvelopeIds {
        let shared = &self.shared;
        let workspace = &shared.workspace;
        let channel = &shared.seeded_channel(channel).id;
        let mut state = shared.lock();
        let parent_user = thread_ts.map(|parent| {
            let parent = state
                .channels
                .parent(channel, parent)
                .unwrap_or_else(|| panic!("{channel} has no thread {parent}"));
            parent.user.clone()
        });
        let block_id = state.ids.block_id();
        let message = Message {
            ts: state.ids.ts(),
            user: user.into(),
            from_bot: false,
            text: text.into(),
            blocks: vec![envelopes::rich_text(text, block_id)],
            thread_ts: thread_ts.map(str::to_string),
            reply_broadcast: false,
            edits: 0,
            edited_ts: None,
            replies: Vec::new(),
            metadata: None,
        };
        state.channels.add(channel, message.clone());
        let event = envelopes::user_message_event(
            kind,
            workspace,
            &mut state.ids,
            channel,
            &message,
            parent_user.as_deref(),
        );
        let (envelope, event_id) =
            envelopes::events_api(workspace, &mut state.ids, event, &message.ts);
        self.send(&mut state, envelope, Some(event_id))
    }
}

impl Drop for SlackEmulator {
    fn drop(&mut self) {
        self.server.abort();
        if let Ok(mut state) = self.shared.state.lock() {
            state.connections.end_all(Outgoing::Close);
        }
    }
}
