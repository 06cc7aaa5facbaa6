//! Slack's requests as gatebot's [`Incoming`]: which ones are requests at all, and what each
//! kind carries into the request.
//!
//! Only the configured channel is listened to. Text is handed on as the person typed it:
//! Slack escapes a typed `<`, `>` and `&` as entities, which are decoded, while the mention and
//! channel tokens Slack writes itself (`<@U…>`, `<!channel>`) stay as they arrived; gatebot's
//! renderers escape whatever they echo.
//!
//! Each request's `delivery_id` is the id Slack keeps when it delivers the same request again,
//! so the router can run it once: the `event_id` of a mention, the `trigger_id` of a slash
//! command (unique to one invocation, and part of the command itself rather than of the
//! envelope around it), and the `trigger_id` with the `action_id` for a button click.

use slack_morphism::prelude::*;

use crate::chat::mrkdwn;
use crate::chat::{Incoming, Via};

/// Why something Slack sent is not a request for gatebot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ignored {
    /// It came from the channel (or direct message) named here, not gatebot's.
    OtherChannel(String),
    /// gatebot's own bot user wrote it.
    OwnMessage,
    /// Something gatebot does not answer: a plain message, a shortcut, a click in a modal.
    NotARequest,
}

/// A slash command typed in the channel.
pub(super) fn command(event: &SlackCommandEvent, channel: &str) -> Result<Incoming, Ignored> {
    in_channel(event.channel_id.as_ref(), channel)?;
    Ok(Incoming {
        delivery_id: event.trigger_id.to_string(),
        user: event.user_id.to_string(),
        channel: channel.to_string(),
        thread_ts: None,
        text: typed_text(event.text.as_deref().unwrap_or_default()),
        via: Via::SlashCommand,
    })
}

/// A message mentioning gatebot, from an `app_mention` event.
pub(super) fn mention(
    callback: &SlackPushEventCallback,
    channel: &str,
) -> Result<Incoming, Ignored> {
    let SlackEventCallbackBody::AppMention(mention) = &callback.event else {
        return Err(Ignored::NotARequest);
    };
    in_channel(mention.channel.as_ref(), channel)?;
    let bot_user = installed_bot_user(callback);
    if bot_user == Some(mention.user.as_ref()) {
        return Err(Ignored::OwnMessage);
    }
    let text = mention.content.text.as_deref().unwrap_or_default();
    Ok(Incoming {
        delivery_id: callback.event_id.to_string(),
        user: mention.user.to_string(),
        channel: channel.to_string(),
        thread_ts: mention.origin.thread_ts.as_ref().map(ToString::to_string),
        text: typed_text(without_leading_mention(text, bot_user)),
        via: Via::Mention {
            message_ts: mention.origin.ts.to_string(),
        },
    })
}

/// The buttons clicked on a message in the channel, one request each.
pub(super) fn clicks(
    event: &SlackInteractionEvent,
    channel: &str,
) -> Result<Vec<Incoming>, Ignored> {
    let SlackInteractionEvent::BlockActions(click) = event else {
        return Err(Ignored::NotARequest);
    };
    let SlackInteractionActionContainer::Message(container) = &click.container else {
        return Err(Ignored::NotARequest);
    };
    let source = container
        .channel_id
        .as_ref()
        .or(click.channel.as_ref().map(|c| &c.id))
        .map(|id| id.as_ref())
        .unwrap_or_default();
    in_channel(source, channel)?;
    let user = click.user.as_ref().ok_or(Ignored::NotARequest)?;
    let thread_ts = click
        .message
        .as_ref()
        .and_then(|message| message.origin.thread_ts.as_ref())
        .map(ToString::to_string);
    let requests = click.actions.iter().flatten().map(|action| Incoming {
        delivery_id: format!("{}/{}", click.trigger_id, action.action_id),
        user: user.id.to_string(),
        channel: channel.to_string(),
        thread_ts: thread_ts.clone(),
        text: String::new(),
        via: Via::Button {
            message_ts: container.message_ts.to_string(),
            action_id: action.action_id.to_string(),
            value: action.value.clone().unwrap_or_default(),
        },
    });
    Ok(requests.collect())
}

fn in_channel(source: &str, channel: &str) -> Result<(), Ignored> {
    if source == channel {
        Ok(())
    } else {
        Err(Ignored::OtherChannel(source.to_string()))
    }
}

/// The bot user of the installation the event was sent for, i.e. gatebot's own user.
fn installed_bot_user(callback: &SlackPushEventCallback) -> Option<&str> {
    callback
        .authorizations
        .iter()
        .flatten()
        .find(|authorization| authorization.is_bot == Some(true))
        .map(|authorization| authorization.user_id.as_ref())
}

/// The text after a leading `<@BOT>` or `<@BOT|name>`.
fn without_leading_mention<'a>(text: &'a str, bot_user: Option<&str>) -> &'a str {
    let text = text.trim();
    let after_id = bot_user.and_then(|bot| text.strip_prefix("<@")?.strip_prefix(bot));
    let rest = match after_id {
        Some(rest) if rest.starts_with('>') => &rest[1..],
        Some(rest) if rest.starts_with('|') => rest.split_once('>').map_or(text, |(_, rest)| rest),
        _ => text,
    };
    rest.trim()
}

fn typed_text(text: &str) -> String {
    mrkdwn::unescape(text.trim())
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap()
    }

    fn payload<T: DeserializeOwned>(envelope: &Value) -> T {
        serde_json::from_value(envelope["payload"].clone()).expect("slack-morphism reads it")
    }

    #[test]
    fn a_slash_command_is_keyed_by_its_trigger() {
        let envelope = fixture("envelope_slash_commands.python-sdk.json");
        let event: SlackCommandEvent = payload(&envelope);
        assert_eq!(
            command(&event, "C111"),
            Ok(Incoming {
                delivery_id: "111.222.xxx".into(),
                user: "U111".into(),
                channel: "C111".into(),
                thread_ts: None,
                text: String::new(),
                via: Via::SlashCommand,
            })
        );
        assert_eq!(
            command(&event, "C0RELEASES"),
            Err(Ignored::OtherChannel("C111".into()))
        );
    }

    #[test]
    fn a_mention_loses_the_bot_mention_and_is_keyed_by_its_event_id() {
        let envelope = fixture("envelope_events_api_app_mention.java-sdk.json");
        let callback: SlackPushEventCallback = payload(&envelope);
        assert_eq!(
            mention(&callback, "C111"),
            Ok(Incoming {
                delivery_id: "Ev01ERKCFKK9".into(),
                user: "U111".into(),
                channel: "C111".into(),
                thread_ts: None,
                text: "hey".into(),
                via: Via::Mention {
                    message_ts: "1605853844.000800".into()
                },
            })
        );
        assert_eq!(
            mention(&callback, "C222"),
            Err(Ignored::OtherChannel("C111".into()))
        );
    }

    #[test]
    fn a_mention_written_by_the_installed_bot_user_is_its_own() {
        // In this fixture the authorization names the mention's author, U222, as the app's bot.
        let envelope = fixture("envelope_events_api_app_mention.python-sdk.json");
        let callback: SlackPushEventCallback = payload(&envelope);
        assert_eq!(mention(&callback, "C111"), Err(Ignored::OwnMessage));
    }

    #[test]
    fn plain_messages_and_shortcuts_are_not_requests() {
        let envelope = fixture("envelope_events_api_message.python-sdk.json");
        let callback: SlackPushEventCallback = payload(&envelope);
        assert_eq!(mention(&callback, "C111"), Err(Ignored::NotARequest));
        let envelope = fixture("envelope_interactive_shortcut.python-sdk.json");
        let shortcut: SlackInteractionEvent = payload(&envelope);
        assert_eq!(clicks(&shortcut, "C111"), Err(Ignored::NotARequest));
    }

    #[test]
    fn a_button_click_names_the_message_the_button_and_its_value() {
        let envelope = fixture("envelope_interactive_block_actions.java-sdk.json");
        let click: SlackInteractionEvent = payload(&envelope);
        assert_eq!(
            clicks(&click, "C111"),
            Ok(vec![Incoming {
                delivery_id: "111.222.xxx/a".into(),
                user: "U111".into(),
                channel: "C111".into(),
                thread_ts: None,
                text: String::new(),
                via: Via::Button {
                    message_ts: "1605853634.000400".into(),
                    action_id: "a".into(),
                    value: "underlying".into(),
                },
            }])
        );
        assert_eq!(
            clicks(&click, "C0RELEASES"),
            Err(Ignored::OtherChannel("C111".into()))
        );
    }

    #[test]
    fn a_click_in_a_thread_carries_the_thread() {
        let mut envelope = fixture("envelope_interactive_block_actions.java-sdk.json");
        envelope["payload"]["message"]["thread_ts"] = json!("1605853600.000100");
        let click: SlackInteractionEvent = payload(&envelope);
        let requests = clicks(&click, "C111").unwrap();
        assert_eq!(requests[0].thread_ts.as_deref(), Some("1605853600.000100"));
    }

    fn mention_saying(text: &str) -> SlackPushEventCallback {
        let mut envelope = fixture("envelope_events_api_app_mention.java-sdk.json");
        envelope["payload"]["event"]["text"] = json!(text);
        envelope["payload"]["event"]["thread_ts"] = json!("1605853800.000100");
        payload(&envelope)
    }

    #[test]
    fn typed_entities_are_decoded_and_slack_tokens_kept() {
        let callback = mention_saying(
            "<@U222|gatebot>  release 4.20 &lt;now&gt; &amp;&amp; tell <!channel> and <@U333> &amp;lt;",
        );
        let request = mention(&callback, "C111").unwrap();
        assert_eq!(
            request.text,
            "release 4.20 <now> && tell <!channel> and <@U333> &lt;"
        );
        assert_eq!(request.thread_ts.as_deref(), Some("1605853800.000100"));
    }

    #[test]
    fn only_a_leading_mention_of_the_bot_itself_is_removed() {
        let text = |typed: &str| mention(&mention_saying(typed), "C111").unwrap().text;
        assert_eq!(text("<@U222>status"), "status");
        assert_eq!(text("<@U2222> status"), "<@U2222> status");
        assert_eq!(text("<@U333> ask <@U222>"), "<@U333> ask <@U222>");
        assert_eq!(text("  <@U222>  "), "");
    }
}
