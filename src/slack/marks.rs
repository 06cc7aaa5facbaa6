//! Marked messages: a message carries its mark in Slack's message metadata, and the thread
//! (`conversations.replies`) or the channel's latest messages (`conversations.history`) are
//! read back with `include_all_metadata` to find it.
//!
//! This is how gatebot tells whether a post landed when Slack's answer was lost: a retry, or a
//! restart between a post and its record, looks for the mark before posting again. Both
//! methods are called directly, because slack-morphism's request for `conversations.replies`
//! has no `include_all_metadata`, and one small answer shape serves both.

use std::collections::HashMap;

use serde::Deserialize;
use slack_morphism::ClientResult;
use slack_morphism::prelude::*;

use crate::chat::MarkedMessage;

/// The metadata `event_type` of gatebot's marked messages.
const MARK_EVENT_TYPE: &str = "gatebot_marked_message";
/// Threads longer than this are read only this far; gatebot's status threads stay far shorter.
const REPLIES_READ: &str = "1000";
/// How many of the channel's latest messages are looked through for a top-level mark. A lost
/// answer is looked for within seconds, and a restart within minutes, of the post.
const HISTORY_READ: &str = "200";

/// `content` carrying `mark`.
pub(super) fn with_mark(content: SlackMessageContent, mark: &str) -> SlackMessageContent {
    let payload = HashMap::from([("mark".to_string(), mark.to_string())]);
    content.with_metadata(SlackMessageMetadata {
        event_type: MARK_EVENT_TYPE.to_string(),
        event_payload: Some(payload),
    })
}

/// The Web API method that reads the messages of `thread`, or of the channel.
pub(super) fn reading_method(thread: Option<&str>) -> &'static str {
    match thread {
        Some(_) => "conversations.replies",
        None => "conversations.history",
    }
}

/// The marked messages of `thread` in `channel`, or among its latest top-level messages;
/// oldest first.
pub(super) async fn marked_messages(
    session: &SlackClientSession<'_, SlackClientHyperHttpsConnector>,
    channel: &str,
    thread: Option<&str>,
) -> ClientResult<Vec<MarkedMessage>> {
    let params = [
        ("channel", Some(channel)),
        ("ts", thread),
        ("include_all_metadata", Some("true")),
        ("limit", Some(thread.map_or(HISTORY_READ, |_| REPLIES_READ))),
    ];
    let page: MessagesPage = session
        .http_session_api
        .http_get(reading_method(thread), &params, None)
        .await?;
    let mut messages = page.messages;
    // History comes newest first, a thread oldest first and led by its parent.
    match thread {
        Some(parent) => messages.retain(|message| message.ts != parent),
        None => messages.reverse(),
    }
    Ok(messages
        .into_iter()
        .filter_map(|message| {
            let metadata = message.metadata?;
            if metadata.event_type != MARK_EVENT_TYPE {
                return None;
            }
            let mark = metadata.event_payload?.remove("mark")?;
            Some(MarkedMessage {
                ts: message.ts,
                mark: mark.as_str()?.to_string(),
            })
        })
        .collect())
}

#[derive(Deserialize)]
struct MessagesPage {
    messages: Vec<PostedMessage>,
}

#[derive(Deserialize)]
struct PostedMessage {
    ts: String,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    event_type: String,
    event_payload: Option<HashMap<String, serde_json::Value>>,
}
