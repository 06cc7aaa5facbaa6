//! The port itself: what gatebot asks of a chat service, and what a chat service hands gatebot.
//!
//! A surface is bound to one channel (`#hyperfleet-releases`). It carries messages out
//! ([`ChatSurface`]) and turns what people type or click into [`Incoming`] requests. Retrying
//! rate limits and pacing posts are the surface's job, so callers see one outcome per call.

use async_trait::async_trait;

use super::message::Message;

/// Where a message goes in the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement<'a> {
    /// A new top-level message.
    TopLevel,
    /// A reply in the thread of the message with this timestamp.
    Reply { thread: &'a str },
    /// A reply that is also shown in the channel.
    Broadcast { thread: &'a str },
}

/// A message posted with [`ChatSurface::post`], found again by its mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedMessage {
    pub ts: String,
    pub mark: String,
}

/// Why a chat call did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The service refused the call (Slack's `{ok:false,error}`): retrying will not help.
    #[error("the chat service refused the call: {0}")]
    Refused(String),
    /// The service could not be reached or kept limiting us; the call may be tried later.
    #[error("the chat service is unavailable: {0}")]
    Unavailable(String),
}

/// What gatebot needs from a chat service.
#[async_trait]
pub trait ChatSurface: Send + Sync + 'static {
    /// The channel this surface posts into.
    fn channel(&self) -> &str;

    /// Posts a message; returns its timestamp (which is also its thread's id). The message
    /// carries `mark`, so it can be found again with [`marked_messages`](Self::marked_messages):
    /// when a retry cannot tell whether an earlier attempt landed (its answer was lost), it looks
    /// first, and a message already carrying `mark` is returned instead of a second one.
    async fn post(
        &self,
        placement: Placement<'_>,
        mark: &str,
        message: &Message,
    ) -> Result<String, ChatError>;

    /// The marked messages in `thread`, or with `None` among the channel's latest top-level
    /// messages; oldest first.
    async fn marked_messages(&self, thread: Option<&str>) -> Result<Vec<MarkedMessage>, ChatError>;

    /// Replaces the content of a message gatebot posted.
    async fn update(&self, ts: &str, message: &Message) -> Result<(), ChatError>;

    /// Shows a message to one person only, in the channel or in a thread of it.
    async fn post_ephemeral(
        &self,
        user: &str,
        thread: Option<&str>,
        message: &Message,
    ) -> Result<(), ChatError>;

    /// The members of a user group, for role checks.
    async fn group_members(&self, group: &str) -> Result<Vec<String>, ChatError>;

    /// A link to a message, for audit trails and annotations.
    async fn permalink(&self, ts: &str) -> Result<String, ChatError>;
}

/// How a request reached gatebot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A slash command (`/gate status`); Slack does not say which thread it was typed in.
    SlashCommand,
    /// A mention of the bot in a message, possibly in a thread.
    Mention { message_ts: String },
    /// A button click on a message gatebot posted.
    Button {
        message_ts: String,
        action_id: String,
        value: String,
    },
    /// A line typed at the console.
    Console,
}

/// A request from a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Identifies the delivery (Slack's `event_id`, `envelope_id` or trigger), so a redelivered
    /// request runs once.
    pub delivery_id: String,
    pub user: String,
    pub channel: String,
    /// The thread the request was made in, when known.
    pub thread_ts: Option<String>,
    /// The command line: the bot mention and slash command removed, Slack's `&amp;` `&lt;`
    /// `&gt;` decoded, so it is the text the person typed.
    pub text: String,
    pub via: Via,
}
