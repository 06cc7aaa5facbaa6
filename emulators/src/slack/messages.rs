//! What each channel holds: the messages the bot posted and edited and those users wrote, their
//! threads, the ephemeral messages shown to single users, and when each bot post happened.
//!
//! Messages are kept flat in timestamp order; a reply names its parent through `thread_ts`. Only
//! a top-level message can be a parent, so a reply whose `thread_ts` names anything else stays
//! invisible in the channel, as Slack accepts such a post but shows it nowhere.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::workspace::Workspace;

/// A message as the channel shows it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub ts: String,
    /// The author's member id.
    pub user: String,
    /// Whether the bot posted it through the Web API.
    pub from_bot: bool,
    pub text: String,
    /// Empty for a plain text message.
    pub blocks: Vec<Value>,
    /// The parent's `ts` for a thread reply.
    pub thread_ts: Option<String>,
    /// A reply that was also sent to the channel.
    pub reply_broadcast: bool,
    /// How often `chat.update` changed it.
    pub edits: u32,
    /// When it was last changed, as a Slack timestamp.
    pub edited_ts: Option<String>,
    /// For a top-level message, its replies, oldest first; always empty for a reply.
    pub replies: Vec<Message>,
    /// The message metadata it was posted with (`event_type`, `event_payload`).
    pub metadata: Option<Value>,
}

impl Message {
    /// The message object of `chat.postMessage`, `conversations.replies` and interaction
    /// payloads.
    pub(super) fn to_json(&self, workspace: &Workspace) -> Value {
        let mut message = json!({
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
            "team": workspace.team_id,
        });
        if self.from_bot {
            message["bot_id"] = json!(workspace.bot_id);
            message["app_id"] = json!(workspace.app_id);
        }
        if !self.blocks.is_empty() {
            message["blocks"] = json!(self.blocks);
        }
        if let Some(thread_ts) = &self.thread_ts {
            message["thread_ts"] = json!(thread_ts);
        }
        if self.reply_broadcast {
            message["subtype"] = json!("thread_broadcast");
        }
        if let Some(edited_ts) = &self.edited_ts {
            message["edited"] = json!({"user": self.user, "ts": edited_ts});
        }
        message
    }
}

/// An ephemeral message: shown to one user, never stored in the channel's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Ephemeral {
    /// The `message_ts` Slack answered with.
    pub message_ts: String,
    /// Who sees it.
    pub user: String,
    pub text: String,
    pub blocks: Vec<Value>,
    pub thread_ts: Option<String>,
}

#[derive(Debug, Default)]
struct ChannelLog {
    messages: Vec<Message>,
    ephemerals: Vec<Ephemeral>,
    post_times: Vec<Instant>,
}

/// Every channel's contents, by channel id.
#[derive(Debug, Default)]
pub(super) struct Channels {
    logs: HashMap<String, ChannelLog>,
}

impl Channels {
    /// Stores a message; timestamps only grow, so the log stays in order.
    pub fn add(&mut self, channel: &str, message: Message) {
        self.log(channel).messages.push(message);
    }

    /// Notes that the bot posted to `channel` at `at`, for the posting-rate checks.
    pub fn record_post(&mut self, channel: &str, at: Instant) {
        self.log(channel).post_times.push(at);
    }

    pub fn add_ephemeral(&mut self, channel: &str, ephemeral: Ephemeral) {
        self.log(channel).ephemerals.push(ephemeral);
    }

    pub fn get(&self, channel: &str, ts: &str) -> Option<&Message> {
        self.messages(channel)
            .iter()
            .find(|message| message.ts == ts)
    }

    pub fn get_mut(&mut self, channel: &str, ts: &str) -> Option<&mut Message> {
        self.log(channel)
            .messages
            .iter_mut()
            .find(|message| message.ts == ts)
    }

    /// The top-level message `ts`, the only kind a reply can attach to.
    pub fn parent(&self, channel: &str, ts: &str) -> Option<&Message> {
        self.get(channel, ts)
            .filter(|message| message.thread_ts.is_none())
    }

    /// The replies in the thread under `parent_ts`, oldest first.
    pub fn replies(&self, channel: &str, parent_ts: &str) -> Vec<Message> {
        self.messages(channel)
            .iter()
            .filter(|message| message.thread_ts.as_deref() == Some(parent_ts))
            .cloned()
            .collect()
    }

    /// The channel's top-level messages, each with its thread.
    pub fn top_level(&self, channel: &str) -> Vec<Message> {
        self.messages(channel)
            .iter()
            .filter(|message| message.thread_ts.is_none())
            .map(|parent| Message {
                replies: self.replies(channel, &parent.ts),
                ..parent.clone()
            })
            .collect()
    }

    /// Replies whose `thread_ts` names no top-level message of the channel.
    pub fn orphans(&self, channel: &str) -> Vec<Message> {
        self.messages(channel)
            .iter()
            .filter(|message| {
                message
                    .thread_ts
                    .as_deref()
                    .is_some_and(|parent| self.parent(channel, parent).is_none())
            })
            .cloned()
            .collect()
    }

    pub fn ephemerals(&self, channel: &str) -> Vec<Ephemeral> {
        self.logs
            .get(channel)
            .map(|log| log.ephemerals.clone())
            .unwrap_or_default()
    }

    pub fn post_times(&self, channel: &str) -> Vec<Instant> {
        self.logs
            .get(channel)
            .map(|log| log.post_times.clone())
            .unwrap_or_default()
    }

    /// Every message of the channel, replies included, oldest first.
    pub fn messages(&self, channel: &str) -> &[Message] {
        self.logs
            .get(channel)
            .map(|log| log.messages.as_slice())
            .unwrap_or_default()
    }

    fn log(&mut self, channel: &str) -> &mut ChannelLog {
        self.logs.entry(channel.to_string()).or_default()
    }
}

/// The most posts that fall inside any span of `window` (start inclusive, end exclusive).
pub(super) fn most_posts_within(times: &[Instant], window: Duration) -> usize {
    times
        .iter()
        .map(|start| {
            times
                .iter()
                .filter(|time| **time >= *start && **time - *start < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(ts: &str, thread_ts: Option<&str>) -> Message {
        Message {
            ts: ts.into(),
            user: "U1".into(),
            from_bot: true,
            text: format!("text {ts}"),
            blocks: Vec::new(),
            thread_ts: thread_ts.map(str::to_string),
            reply_broadcast: false,
            edits: 0,
            edited_ts: None,
            replies: Vec::new(),
            metadata: None,
        }
    }

    #[test]
    fn top_level_messages_carry_their_replies_and_orphans_stay_apart() {
        let mut channels = Channels::default();
        channels.add("C1", message("1.000100", None));
        channels.add("C1", message("1.000200", Some("1.000100")));
        channels.add("C1", message("1.000300", Some("1.000200")));
        channels.add("C1", message("1.000400", Some("9.000000")));
        let view = channels.top_level("C1");
        assert_eq!(view.len(), 1);
        let reply_ts: Vec<_> = view[0]
            .replies
            .iter()
            .map(|reply| reply.ts.as_str())
            .collect();
        assert_eq!(reply_ts, ["1.000200"]);
        let orphan_ts: Vec<_> = channels.orphans("C1").into_iter().map(|m| m.ts).collect();
        assert_eq!(orphan_ts, ["1.000300", "1.000400"]);
        assert!(channels.parent("C1", "1.000200").is_none());
        assert!(channels.top_level("C2").is_empty());
    }

    #[test]
    fn the_busiest_window_counts_posts_less_than_a_window_apart() {
        let start = Instant::now();
        let at = |millis: u64| start + Duration::from_millis(millis);
        let second = Duration::from_secs(1);
        assert_eq!(most_posts_within(&[], second), 0);
        assert_eq!(most_posts_within(&[at(0), at(1000), at(2000)], second), 1);
        assert_eq!(most_posts_within(&[at(0), at(1000), at(1999)], second), 2);
        assert_eq!(
            most_posts_within(&[at(0), at(10), at(20), at(3000)], second),
            3
        );
    }
}
