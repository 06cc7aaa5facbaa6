//! The Socket Mode envelopes the emulator pushes, built in the shapes of the official SDKs'
//! fixtures (`tests/fixtures/slack/envelope_*.json`): `slash_commands`, `events_api` wrapping an
//! `event_callback`, and `interactive` `block_actions`.

use serde_json::{Value, json};

use super::ids::Ids;
use super::messages::Message;
use super::workspace::{EmulatedChannel, Workspace};

/// An envelope ready to send.
#[derive(Debug, Clone)]
pub(super) struct Envelope {
    pub id: String,
    pub body: Value,
    /// Only `events_api` envelopes are sent again when unacknowledged; for commands and
    /// interactions Slack shows the user an error instead.
    pub redelivered_on_timeout: bool,
}

impl Envelope {
    /// The frame for delivery attempt `attempt` (0 for the first).
    pub fn frame(&self, attempt: u32) -> String {
        let mut body = self.body.clone();
        if self.redelivered_on_timeout {
            body["retry_attempt"] = json!(attempt);
            body["retry_reason"] = json!(if attempt == 0 { "" } else { "timeout" });
        }
        body.to_string()
    }
}

/// Where the emulator lives, for the `response_url`s it hands out.
pub(super) struct Context<'a> {
    pub workspace: &'a Workspace,
    pub base_url: &'a str,
}

pub(super) fn slash_command(
    context: &Context,
    ids: &mut Ids,
    channel: &EmulatedChannel,
    user: &str,
    text: &str,
) -> Envelope {
    let workspace = context.workspace;
    let envelope_id = ids.uuid();
    let trigger_id = ids.trigger_id();
    let payload = json!({
        "token": "verification-token",
        "team_id": workspace.team_id,
        "team_domain": workspace.team_domain,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user,
        "user_name": workspace.user_name(user),
        "command": workspace.slash_command,
        "text": text,
        "api_app_id": workspace.app_id,
        "is_enterprise_install": "false",
        "response_url": format!("{}/commands/{}/{trigger_id}", context.base_url, workspace.team_id),
        "trigger_id": trigger_id,
    });
    Envelope {
        body: json!({
            "envelope_id": envelope_id,
            "payload": payload,
            "type": "slash_commands",
            "accepts_response_payload": true
        }),
        id: envelope_id,
        redelivered_on_timeout: false,
    }
}

/// The `event` of an `app_mention` or channel `message` event for a message a user wrote.
pub(super) fn user_message_event(
    kind: &str,
    workspace: &Workspace,
    ids: &mut Ids,
    channel: &str,
    message: &Message,
    parent_user: Option<&str>,
) -> Value {
    let mut event = json!({
        "client_msg_id": ids.uuid(),
        "type": kind,
        "text": message.text,
        "user": message.user,
        "ts": message.ts,
        "team": workspace.team_id,
        "blocks": message.blocks,
        "channel": channel,
        "event_ts": message.ts,
    });
    if kind == "message" {
        event["channel_type"] = json!("channel");
    }
    if let Some(thread_ts) = &message.thread_ts {
        event["thread_ts"] = json!(thread_ts);
        if let Some(parent_user) = parent_user {
            event["parent_user_id"] = json!(parent_user);
        }
    }
    event
}

/// An `events_api` envelope around `event`, and its event id.
pub(super) fn events_api(
    workspace: &Workspace,
    ids: &mut Ids,
    event: Value,
    event_ts: &str,
) -> (Envelope, String) {
    let envelope_id = ids.uuid();
    let event_id = ids.event_id();
    let event_time: u64 = event_ts
        .split('.')
        .next()
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_default();
    let context = format!(
        "1-{}-{}-{}",
        event["type"].as_str().unwrap_or_default(),
        workspace.team_id,
        event["channel"].as_str().unwrap_or_default()
    );
    let payload = json!({
        "token": "verification-token",
        "team_id": workspace.team_id,
        "api_app_id": workspace.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [{
            "enterprise_id": null,
            "team_id": workspace.team_id,
            "user_id": workspace.bot_user_id,
            "is_bot": true,
            "is_enterprise_install": false
        }],
        "is_ext_shared_channel": false,
        "event_context": context
    });
    let envelope = Envelope {
        body: json!({
            "envelope_id": envelope_id,
            "payload": payload,
            "type": "events_api",
            "accepts_response_payload": false
        }),
        id: envelope_id,
        redelivered_on_timeout: true,
    };
    (envelope, event_id)
}

/// What was clicked, and where.
pub(super) struct Click<'a> {
    pub channel: &'a EmulatedChannel,
    pub user: &'a str,
    pub message: &'a Message,
    pub block: &'a Value,
    pub element: &'a Value,
    pub value: &'a str,
}

/// An `interactive` envelope for a click on an element of a message in a channel.
pub(super) fn block_actions(context: &Context, ids: &mut Ids, click: &Click) -> Envelope {
    let workspace = context.workspace;
    let envelope_id = ids.uuid();
    let trigger_id = ids.trigger_id();
    let action_ts = ids.ts();
    let mut action = json!({
        "action_id": click.element["action_id"],
        "block_id": click.block["block_id"],
        "type": click.element["type"],
        "value": click.value,
        "action_ts": action_ts,
    });
    if let Some(text) = click.element.get("text") {
        action["text"] = text.clone();
    }
    let payload = json!({
        "type": "block_actions",
        "user": {
            "id": click.user,
            "username": workspace.user_name(click.user),
            "name": workspace.user_name(click.user),
            "team_id": workspace.team_id
        },
        "api_app_id": workspace.app_id,
        "token": "verification-token",
        "container": {
            "type": "message",
            "message_ts": click.message.ts,
            "channel_id": click.channel.id,
            "is_ephemeral": false
        },
        "trigger_id": trigger_id,
        "team": {"id": workspace.team_id, "domain": workspace.team_domain},
        "channel": {"id": click.channel.id, "name": click.channel.name},
        "message": click.message.to_json(workspace),
        "response_url": format!("{}/actions/{}/{trigger_id}", context.base_url, workspace.team_id),
        "actions": [action]
    });
    Envelope {
        body: json!({
            "envelope_id": envelope_id,
            "payload": payload,
            "type": "interactive",
            "accepts_response_payload": false
        }),
        id: envelope_id,
        redelivered_on_timeout: false,
    }
}

/// The `rich_text` block Slack attaches to a message a user typed, with `<@U…>` mentions as
/// user elements.
pub(super) fn rich_text(text: &str, block_id: String) -> Value {
    let mut elements = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        if start > 0 {
            elements.push(json!({"type": "text", "text": &rest[..start]}));
        }
        let user_id = &rest[start + 2..start + length];
        elements.push(json!({"type": "user", "user_id": user_id}));
        rest = &rest[start + length + 1..];
    }
    if !rest.is_empty() {
        elements.push(json!({"type": "text", "text": rest}));
    }
    json!({
        "type": "rich_text",
        "block_id": block_id,
        "elements": [{"type": "rich_text_section", "elements": elements}]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_become_user_elements() {
        let block = rich_text("<@U0GATEBOT> status 4.15 <@U2>", "abcd".into());
        assert_eq!(
            block["elements"][0]["elements"],
            json!([
                {"type": "user", "user_id": "U0GATEBOT"},
                {"type": "text", "text": " status 4.15 "},
                {"type": "user", "user_id": "U2"}
            ])
        );
    }

    #[test]
    fn only_events_api_frames_carry_retry_fields() {
        let workspace = Workspace::default();
        let mut ids = Ids::default();
        let (event, _) = events_api(
            &workspace,
            &mut ids,
            json!({"type": "app_mention"}),
            "1.000100",
        );
        let first: Value = serde_json::from_str(&event.frame(0)).unwrap();
        let retry: Value = serde_json::from_str(&event.frame(2)).unwrap();
        assert_eq!(
            (
                first["retry_attempt"].as_u64(),
                first["retry_reason"].as_str()
            ),
            (Some(0), Some(""))
        );
        assert_eq!(
            (
                retry["retry_attempt"].as_u64(),
                retry["retry_reason"].as_str()
            ),
            (Some(2), Some("timeout"))
        );
        let channel = EmulatedChannel {
            id: "C1".into(),
            name: "releases".into(),
        };
        let context = Context {
            workspace: &workspace,
            base_url: "http://127.0.0.1:1",
        };
        let command = slash_command(&context, &mut ids, &channel, "U1", "status");
        let frame: Value = serde_json::from_str(&command.frame(1)).unwrap();
        assert!(frame.get("retry_attempt").is_none());
        assert_eq!(frame["payload"]["command"], "/release");
    }
}
