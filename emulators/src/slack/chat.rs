//! The message methods: `chat.postMessage`, `chat.update`, `chat.postEphemeral`,
//! `chat.getPermalink`, `conversations.replies` and `conversations.history`, with the answers and
//! error codes of Slack's method documentation.

use std::time::Instant;

use serde_json::{Value, json};

use super::blocks;
use super::ids::{Ids, is_ts};
use super::messages::{Ephemeral, Message};
use super::params::Params;
use super::web_api::Reply;
use super::workspace::EmulatedChannel;
use super::{Shared, State};

/// Slack keeps the first 40,000 characters of a longer `text` and warns (changelog
/// 2018-04-truncating-really-long-messages; `message_truncated` in the chat.update docs).
const MAX_TEXT: usize = 40_000;
const TRUNCATED: &str = "[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters.";

/// The text and blocks of a call, checked.
struct Content {
    text: Option<String>,
    blocks: Option<Vec<Value>>,
    truncated: bool,
}

impl Content {
    fn read(params: &Params, ids: &mut Ids) -> Result<Self, Reply> {
        let mut blocks = params
            .array("blocks")
            .map_err(|()| Reply::error("invalid_blocks_format"))?;
        if let Some(blocks) = &mut blocks {
            let violations = blocks::violations(blocks);
            if !violations.is_empty() {
                return Err(Reply::invalid_blocks(violations));
            }
            blocks::assign_block_ids(blocks, || ids.block_id());
        }
        let mut text = params.text("text");
        let truncated = text
            .as_ref()
            .is_some_and(|text| text.chars().count() > MAX_TEXT);
        if truncated {
            text = text.map(|text| text.chars().take(MAX_TEXT).collect());
        }
        let has_attachments = params
            .array("attachments")
            .ok()
            .flatten()
            .is_some_and(|a| !a.is_empty());
        let has_blocks = blocks.as_ref().is_some_and(|blocks| !blocks.is_empty());
        if text.is_none() && !has_blocks && !has_attachments {
            return Err(Reply::error("no_text"));
        }
        Ok(Self {
            text,
            blocks,
            truncated,
        })
    }

    fn answer(&self, reply: Reply) -> Reply {
        if self.truncated {
            reply.with_warning("message_truncated", TRUNCATED)
        } else {
            reply
        }
    }
}

impl Shared {
    pub(super) fn post_message(&self, state: &mut State, params: &Params) -> Reply {
        let Some(channel) = self.channel_param(params, "channel") else {
            return Reply::error("channel_not_found");
        };
        let thread_ts = params.text("thread_ts");
        if thread_ts.as_deref().is_some_and(|ts| !is_ts(ts)) {
            return Reply::error("invalid_thread_ts");
        }
        let content = match Content::read(params, &mut state.ids) {
            Ok(content) => content,
            Err(reply) => return reply,
        };
        let metadata = match read_metadata(params) {
            Ok(metadata) => metadata,
            Err(reply) => return reply,
        };
        let message = Message {
            ts: state.ids.ts(),
            user: self.workspace.bot_user_id.clone(),
            from_bot: true,
            text: content.text.clone().unwrap_or_default(),
            blocks: content.blocks.clone().unwrap_or_default(),
            reply_broadcast: thread_ts.is_some() && params.flag("reply_broadcast"),
            thread_ts,
            edits: 0,
            edited_ts: None,
            replies: Vec::new(),
            metadata,
        };
        state.channels.add(&channel.id, message.clone());
        state.channels.record_post(&channel.id, Instant::now());
        content.answer(Reply::ok(json!({
            "channel": channel.id,
            "ts": message.ts,
            "message": message.to_json(&self.workspace)
        })))
    }

    pub(super) fn update_message(&self, state: &mut State, params: &Params) -> Reply {
        let Some(channel) = self.channel_param(params, "channel") else {
            return Reply::error("channel_not_found");
        };
        let ts = params.text("ts").unwrap_or_default();
        match state.channels.get(&channel.id, &ts) {
            None => return Reply::error("message_not_found"),
            Some(message) if !message.from_bot => return Reply::error("cant_update_message"),
            Some(_) => {}
        }
        let content = match Content::read(params, &mut state.ids) {
            Ok(content) => content,
            Err(reply) => return reply,
        };
        let edited_ts = state.ids.ts();
        let message = state
            .channels
            .get_mut(&channel.id, &ts)
            .expect("the message was found above");
        // Arguments left out keep their old values, as the docs say of `metadata`.
        if let Some(text) = &content.text {
            message.text = text.clone();
        }
        if let Some(blocks) = &content.blocks {
            message.blocks = blocks.clone();
        }
        message.edits += 1;
        message.edited_ts = Some(edited_ts);
        let mut answer = json!({
            "channel": channel.id,
            "ts": ts,
            "text": message.text,
            "message": message.to_json(&self.workspace)
        });
        if let Some(thread_ts) = &message.thread_ts {
            answer["thread_ts"] = json!(thread_ts);
        }
        content.answer(Reply::ok(answer))
    }

    pub(super) fn post_ephemeral(&self, state: &mut State, params: &Params) -> Reply {
        let Some(channel) = self.channel_param(params, "channel") else {
            return Reply::error("channel_not_found");
        };
        let Some(user) = params
            .text("user")
            .filter(|user| self.workspace.user(user).is_some())
        else {
            return Reply::error("user_not_in_channel");
        };
        let content = match Content::read(params, &mut state.ids) {
            Ok(content) => content,
            Err(reply) => return reply,
        };
        let message_ts = state.ids.ts();
        state.channels.add_ephemeral(
            &channel.id,
            Ephemeral {
                message_ts: message_ts.clone(),
                user,
                text: content.text.clone().unwrap_or_default(),
                blocks: content.blocks.clone().unwrap_or_default(),
                thread_ts: params.text("thread_ts"),
            },
        );
        content.answer(Reply::ok(json!({"message_ts": message_ts})))
    }

    pub(super) fn permalink(&self, state: &State, params: &Params) -> Reply {
        let Some(channel) = self.channel_param(params, "channel") else {
            return Reply::error("channel_not_found");
        };
        let ts = params.text("message_ts").unwrap_or_default();
        let Some(message) = state.channels.get(&channel.id, &ts) else {
            return Reply::error("message_not_found");
        };
        let mut permalink = format!(
            "https://{}.slack.com/archives/{}/p{}",
            self.workspace.team_domain,
            channel.id,
            ts.replace('.', "")
        );
        if let Some(thread_ts) = &message.thread_ts {
            permalink.push_str(&format!("?thread_ts={thread_ts}&cid={}", channel.id));
        }
        Reply::ok(json!({"channel": channel.id, "permalink": permalink}))
    }

    /// The thread under `ts`, parent first; a reply's or a lone message's `ts` gives just that
    /// message. Everything fits one page. Message metadata is shown only when asked for with
    /// `include_all_metadata`.
    pub(super) fn replies(&self, state: &State, params: &Params) -> Reply {
        let Some(channel) = self.channel_param(params, "channel") else {
            return Reply::error("channel_not_found");
        };
        let ts = params.text("ts").unwrap_or_default();
        let Some(message) = state.channels.get(&channel.id, &ts) else {
            return Reply::error("thread_not_found");
        };
        let with_metadata = params.flag("include_all_metadata");
        let render = |message: &Message| self.render(message, with_metadata);
        let mut messages = vec![render(message)];
        let replies = if message.thread_ts.is_none() {
            state.channels.replies(&channel.id, &ts)
        } else {
            Vec::new()
        };
        if let Some(latest) = replies.last() {
            let mut reply_users: Vec<&str> = Vec::new();
            for reply in &replies {
                if !reply_users.contains(&reply.user.as_str()) {
                    reply_users.push(&reply.user);
                }
            }
            let parent = &mut messages[0];
            parent["thread_ts"] = json!(ts);
            parent["reply_count"] = json!(replies.len());
            parent["reply_users_count"] = json!(reply_users.len());
            parent["reply_users"] = json!(reply_users);
            parent["latest_reply"] = json!(latest.ts);
        }
        messages.extend(replies.iter().map(|reply| {
            let mut rendered = render(reply);
            rendered["parent_user_id"] = json!(message.user);
            rendered
        }));
        Reply::ok(json!({
            "messages": messages,
            "has_more": false,
            "response_metadata": {"next_cursor": ""}
        }))
    }

    /// The channel's messages, newest first: top-level ones and replies also sent to the
    /// channel, as many as `limit` asks (100 by default). Message metadata is shown only when
    /// asked for with `include_all_metadata`.
    pub(super) fn history(&self, state: &State, params: &Params) -> Reply {
        let Some(channel) = self.channel_param(params, "channel") else {
            return Reply::error("channel_not_found");
        };
        let limit = params
            .text("limit")
            .and_then(|limit| limit.parse().ok())
            .unwrap_or(100);
        let with_metadata = params.flag("include_all_metadata");
        let messages: Vec<Value> = state
            .channels
            .messages(&channel.id)
            .iter()
            .rev()
            .filter(|message| message.thread_ts.is_none() || message.reply_broadcast)
            .take(limit)
            .map(|message| self.render(message, with_metadata))
            .collect();
        Reply::ok(json!({
            "messages": messages,
            "has_more": false,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""}
        }))
    }

    /// A message as the reading methods show it.
    fn render(&self, message: &Message, with_metadata: bool) -> Value {
        let mut rendered = message.to_json(&self.workspace);
        if let (true, Some(metadata)) = (with_metadata, &message.metadata) {
            rendered["metadata"] = metadata.clone();
        }
        rendered
    }

    fn channel_param(&self, params: &Params, name: &str) -> Option<&EmulatedChannel> {
        self.workspace.channel(&params.text(name)?)
    }
}

/// The `metadata` argument of `chat.postMessage`: an object with an `event_type` and, if
/// given, an object `event_payload` (Slack's message metadata documentation).
fn read_metadata(params: &Params) -> Result<Option<Value>, Reply> {
    let metadata = params
        .object("metadata")
        .map_err(|()| Reply::error("invalid_metadata_format"))?;
    let Some(metadata) = metadata else {
        return Ok(None);
    };
    let has_event_type = metadata["event_type"]
        .as_str()
        .is_some_and(|t| !t.is_empty());
    let payload_is_object = metadata.get("event_payload").is_none_or(Value::is_object);
    if has_event_type && payload_is_object {
        Ok(Some(metadata))
    } else {
        Err(Reply::error("invalid_metadata_schema"))
    }
}
