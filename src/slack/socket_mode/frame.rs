//! One Socket Mode text frame, read: what to answer Slack, and what to hand gatebot.
//!
//! Reading is pure and fast (a few kilobytes of JSON), so the connection can write the ack
//! before anything else happens and every frame kind is tested here without a socket. The
//! payloads are slack-morphism's event models; the envelope around them is read here because
//! slack-morphism's own envelope types cannot be named from outside the crate.

use serde::Deserialize;
use serde_json::json;
use slack_morphism::prelude::*;

use super::super::incoming::{self, Ignored};
use crate::chat::Incoming;

/// What a frame asks of the connection.
#[derive(Debug)]
pub(super) enum Frame {
    /// Slack greeted the connection: from now on it delivers envelopes on it.
    Hello,
    /// Slack is about to close the connection and wants it replaced.
    Disconnect { reason: String },
    /// A delivery: write `ack` at once, then pass `requests` on.
    Envelope { ack: String, requests: Requests },
    /// A frame that could not be read. It is acknowledged when it names its envelope, since
    /// Slack would only deliver the same unreadable frame again.
    Unreadable { ack: Option<String>, error: String },
}

/// The requests an envelope carries for gatebot.
#[derive(Debug, PartialEq)]
pub(super) enum Requests {
    /// Nothing gatebot answers, or something from another channel.
    None,
    /// Requests to queue as they are.
    Ready(Vec<Incoming>),
    /// A mention, queued unless its author turns out to be a bot (a Web API lookup, done after
    /// the ack).
    UnlessFromBot(Incoming),
}

/// The envelope shapes Slack sends over Socket Mode, by their `type`.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Received {
    Hello {},
    Disconnect {
        reason: String,
    },
    SlashCommands {
        envelope_id: String,
        payload: Box<SlackCommandEvent>,
    },
    EventsApi {
        envelope_id: String,
        payload: Box<SlackPushEventCallback>,
    },
    Interactive {
        envelope_id: String,
        payload: Box<SlackInteractionEvent>,
    },
}

/// Only the envelope id, to acknowledge a frame whose payload could not be read.
#[derive(Deserialize)]
struct EnvelopeIdOnly {
    envelope_id: String,
}

/// Reads a text frame received on a connection listening for `channel`.
pub(super) fn read(text: &str, channel: &str) -> Frame {
    let received = match serde_json::from_str::<Received>(text) {
        Ok(received) => received,
        // serde's message names the field and position, never the frame's content, which
        // carries Slack's verification token.
        Err(error) => {
            return Frame::Unreadable {
                ack: serde_json::from_str::<EnvelopeIdOnly>(text)
                    .ok()
                    .map(|only| bare_ack(&only.envelope_id)),
                error: error.to_string(),
            };
        }
    };
    match received {
        Received::Hello {} => Frame::Hello,
        Received::Disconnect { reason } => Frame::Disconnect { reason },
        Received::SlashCommands {
            envelope_id,
            payload,
        } => slash_command(&envelope_id, &payload, channel),
        Received::EventsApi {
            envelope_id,
            payload,
        } => bare_envelope(
            &envelope_id,
            incoming::mention(&payload, channel).map(Requests::UnlessFromBot),
        ),
        Received::Interactive {
            envelope_id,
            payload,
        } => bare_envelope(
            &envelope_id,
            incoming::clicks(&payload, channel).map(Requests::Ready),
        ),
    }
}

/// An envelope acknowledged with its id alone, carrying `requests` unless it was ignored.
fn bare_envelope(envelope_id: &str, requests: Result<Requests, Ignored>) -> Frame {
    Frame::Envelope {
        ack: bare_ack(envelope_id),
        requests: requests.unwrap_or_else(|ignored| {
            tracing::debug!(envelope_id, ?ignored, "an envelope that is not a request");
            Requests::None
        }),
    }
}

/// A slash command is queued when typed in gatebot's channel. Typed anywhere else, its ack
/// carries a reply telling where it works: only the person who typed it sees that, and they
/// would otherwise see nothing at all.
fn slash_command(envelope_id: &str, command: &SlackCommandEvent, channel: &str) -> Frame {
    match incoming::command(command, channel) {
        Ok(request) => bare_envelope(envelope_id, Ok(Requests::Ready(vec![request]))),
        Err(ignored) => {
            tracing::debug!(command = %command.command, ?ignored, "a slash command from elsewhere");
            let text = format!("{} works in <#{channel}> only.", command.command);
            Frame::Envelope {
                ack: json!({"envelope_id": envelope_id, "payload": {"text": text}}).to_string(),
                requests: Requests::None,
            }
        }
    }
}

fn bare_ack(envelope_id: &str) -> String {
    json!({ "envelope_id": envelope_id }).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::chat::Via;

    const CHANNEL: &str = "C0RELEASES";

    fn ack_of(frame: &Frame) -> Value {
        let Frame::Envelope { ack, .. } = frame else {
            panic!("not an envelope: {frame:?}");
        };
        serde_json::from_str(ack).unwrap()
    }

    fn slash(channel: &str) -> String {
        json!({
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": true,
            "payload": {
                "token": "verification-token",
                "team_id": "T0TEAM",
                "channel_id": channel,
                "user_id": "U0ALICE",
                "command": "/gate",
                "text": "blocked-why latest",
                "response_url": "https://hooks.slack.com/commands/1",
                "trigger_id": "1.2.abc",
                "api_app_id": "A0GATEBOT",
            }
        })
        .to_string()
    }

    #[test]
    fn hello_and_disconnect_are_told_apart_by_their_type() {
        let hello = r#"{"type":"hello","num_connections":1,"debug_info":{"host":"applink-1"},"connection_info":{"app_id":"A1"}}"#;
        assert!(matches!(read(hello, CHANNEL), Frame::Hello));
        let disconnect =
            r#"{"type":"disconnect","reason":"warning","debug_info":{"host":"applink-2"}}"#;
        assert!(matches!(
            read(disconnect, CHANNEL),
            Frame::Disconnect { reason } if reason == "warning"
        ));
    }

    #[test]
    fn a_slash_command_in_the_channel_is_acked_bare_and_queued() {
        let frame = read(&slash(CHANNEL), CHANNEL);
        assert_eq!(ack_of(&frame), json!({"envelope_id": "env-1"}));
        let Frame::Envelope {
            requests: Requests::Ready(requests),
            ..
        } = frame
        else {
            panic!("not queued");
        };
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].text, "blocked-why latest");
        assert_eq!(requests[0].via, Via::SlashCommand);
    }

    #[test]
    fn a_slash_command_elsewhere_is_answered_on_its_ack_and_not_queued() {
        let frame = read(&slash("C0ELSEWHERE"), CHANNEL);
        assert_eq!(
            ack_of(&frame),
            json!({"envelope_id": "env-1", "payload": {"text": "/gate works in <#C0RELEASES> only."}})
        );
        assert!(matches!(
            frame,
            Frame::Envelope {
                requests: Requests::None,
                ..
            }
        ));
    }

    #[test]
    fn an_unreadable_payload_is_still_acked_and_its_content_is_not_repeated() {
        let broken = r#"{"envelope_id":"env-9","type":"slash_commands","payload":{"token":"secret-token","text":42}}"#;
        let Frame::Unreadable { ack, error } = read(broken, CHANNEL) else {
            panic!("read as something");
        };
        assert_eq!(ack.as_deref(), Some(r#"{"envelope_id":"env-9"}"#));
        assert!(!error.contains("secret-token"), "{error}");
    }

    #[test]
    fn an_unknown_type_is_acked_when_it_names_an_envelope() {
        let future = r#"{"envelope_id":"env-3","type":"workflow_step","payload":{}}"#;
        assert!(matches!(
            read(future, CHANNEL),
            Frame::Unreadable { ack: Some(_), .. }
        ));
        assert!(matches!(
            read("not json", CHANNEL),
            Frame::Unreadable { ack: None, .. }
        ));
    }
}
