//! Marked replies: a reply carries its mark in Slack's message metadata, and the thread is read
//! back with `include_all_metadata` to find it.
//!
//! This is how gatebot tells whether a post landed when Slack's answer was lost: a retry, or a
//! restart between a post and its record, looks for the mark before posting again.
//! `conversations.replies` is called directly, because slack-morphism's request for it has no
//! `include_all_metadata`.

use std::collections::HashMap;

use serde::Deserialize;
use slack_morphism::ClientResult;
use slack_morphism::prelude::*;

use crate::chat::MarkedReply;

/// The metadata `event_type` of gatebot's marked replies.
const MARK_EVENT_TYPE: &str = "gatebot_marked_reply";
/// Threads longer than this are read only this far; gatebot's status threads stay far shorter.
const REPLIES_READ: &str = "1000";

/// `content` carrying `mark`.
pub(super) fn with_mark(content: SlackMessageContent, mark: &str) -> SlackMessageContent {
    let payload = HashMap::from([("mark".to_string(), mark.to_string())]);
    content.with_metadata(SlackMessageMetadata {
        event_type: MARK_EVENT_TYPE.to_string(),
        event_payload: Some(payload),
    })
}

/// The marked replies of `thread` in `channel`, oldest first.
pub(super) async fn marked_replies(
    session: &SlackClientSession<'_, SlackClientHyperHttpsConnector>,
    channel: &str,
    thread: &str,
) -> ClientResult<Vec<MarkedReply>> {
    let params = [
        ("channel", Some(channel)),
        ("ts", Some(thread)),
        ("include_all_metadata", Some("true")),
        ("limit", Some(REPLIES_READ)),
    ];
    let page: RepliesPage = session
        .http_session_api
        .http_get("conversations.replies", &params, None)
        .await?;
    Ok(page
        .messages
        .into_iter()
        .filter(|message| message.ts != thread)
        .filter_map(|message| {
            let metadata = message.metadata?;
            if metadata.event_type != MARK_EVENT_TYPE {
                return None;
            }
            let mark = metadata.event_payload?.remove("mark")?;
            Some(MarkedReply {
                ts: message.ts,
                mark: mark.as_str()?.to_string(),
            })
        })
        .collect())
}

#[derive(Deserialize)]
struct RepliesPage {
    messages: Vec<ThreadMessage>,
}

#[derive(Deserialize)]
struct ThreadMessage {
    ts: String,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    event_type: String,
    event_payload: Option<HashMap<String, serde_json::Value>>,
}
