//! Getting envelopes to the app and hearing back: one open socket gets each envelope; an
//! `events_api` envelope not acknowledged within the ack deadline is sent again with
//! `retry_attempt` 1, 2, 3 and `retry_reason` `"timeout"` (observed from real Slack); envelopes
//! that arrive while no socket is open wait for the next one. Every delivery and every ack is
//! recorded for tests.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::connections::Outgoing;
use super::envelopes::Envelope;
use super::{Shared, State};

/// How often Slack re-sends an unacknowledged event.
const MAX_RETRIES: u32 = 3;

/// The ids of an envelope the emulator sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeIds {
    pub envelope_id: String,
    /// The `event_id` inside an `events_api` envelope.
    pub event_id: Option<String>,
}

/// One attempt to deliver an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub envelope_id: String,
    /// 0 for the first attempt.
    pub retry_attempt: u32,
    /// The [`Connection`](super::Connection) id it went out on.
    pub connection: usize,
    pub at: Instant,
}

/// An acknowledgement the app sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Ack {
    pub envelope_id: String,
    /// `None` for a bare `{"envelope_id":…}`; `{}` and real payloads are kept as sent.
    pub payload: Option<Value>,
    pub connection: usize,
    pub at: Instant,
}

/// Something waiting for a socket.
#[derive(Debug, Clone)]
pub(super) enum Queued {
    Envelope {
        envelope: Envelope,
        attempt: u32,
    },
    /// A frame sent as is, once, without waiting for an ack.
    Raw(String),
}

#[derive(Debug)]
struct InFlight {
    envelope: Envelope,
    attempt: u32,
}

#[derive(Debug, Default)]
pub(super) struct Outbox {
    waiting: VecDeque<Queued>,
    in_flight: HashMap<String, InFlight>,
    pub deliveries: Vec<Delivery>,
    pub acks: Vec<Ack>,
    /// Envelopes given up on: never acknowledged, and not (or no longer) re-sent.
    pub expired: Vec<String>,
}

impl Shared {
    /// Sends `item` on an open socket, or queues it until one opens.
    pub(super) fn deliver(self: &Arc<Self>, state: &mut State, item: Queued) {
        while let Some(connection) = state.connections.pick() {
            let frame = match &item {
                Queued::Envelope { envelope, attempt } => envelope.frame(*attempt),
                Queued::Raw(frame) => frame.clone(),
            };
            if !state.connections.send(connection, Outgoing::Text(frame)) {
                continue;
            }
            if let Queued::Envelope { envelope, attempt } = item {
                self.await_ack(state, envelope, attempt, connection);
            }
            return;
        }
        state.outbox.waiting.push_back(item);
    }

    /// Delivers what waited for a socket, oldest first.
    pub(super) fn flush_waiting(self: &Arc<Self>, state: &mut State) {
        let waiting = std::mem::take(&mut state.outbox.waiting);
        for item in waiting {
            self.deliver(state, item);
        }
    }

    /// Records an ack frame from socket `connection`; other frames are ignored, as Slack
    /// ignores them.
    pub(super) fn receive(&self, connection: usize, frame: &str) {
        let Ok(mut frame) = serde_json::from_str::<Value>(frame) else {
            return;
        };
        let Some(envelope_id) = frame["envelope_id"].as_str().map(str::to_string) else {
            return;
        };
        let payload = frame.get_mut("payload").map(Value::take);
        let mut state = self.lock();
        state.outbox.in_flight.remove(&envelope_id);
        state.outbox.acks.push(Ack {
            envelope_id,
            payload,
            connection,
            at: Instant::now(),
        });
        drop(state);
        self.ack_recorded.notify_waiters();
    }

    fn await_ack(
        self: &Arc<Self>,
        state: &mut State,
        envelope: Envelope,
        attempt: u32,
        connection: usize,
    ) {
        let envelope_id = envelope.id.clone();
        state.outbox.deliveries.push(Delivery {
            envelope_id: envelope_id.clone(),
            retry_attempt: attempt,
            connection,
            at: Instant::now(),
        });
        state
            .outbox
            .in_flight
            .insert(envelope_id.clone(), InFlight { envelope, attempt });
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(shared.config.ack_deadline).await;
            shared.ack_deadline_passed(&envelope_id, attempt);
        });
    }

    fn ack_deadline_passed(self: &Arc<Self>, envelope_id: &str, attempt: u32) {
        let mut state = self.lock();
        let flight = match state.outbox.in_flight.entry(envelope_id.to_string()) {
            Entry::Occupied(waiting) if waiting.get().attempt == attempt => waiting.remove(),
            _ => return,
        };
        if flight.envelope.redelivered_on_timeout && attempt < MAX_RETRIES {
            let retry = Queued::Envelope {
                envelope: flight.envelope,
                attempt: attempt + 1,
            };
            self.deliver(&mut state, retry);
        } else {
            state.outbox.expired.push(envelope_id.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;
    use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

    use super::*;
    use crate::slack::{SocketModeConfig, Workspace, envelopes};

    const DEADLINE: Duration = Duration::from_millis(30);

    fn shared() -> Arc<Shared> {
        let config = SocketModeConfig {
            ack_deadline: DEADLINE,
            ..SocketModeConfig::default()
        };
        Shared::new(Workspace::default(), config, "http://127.0.0.1:9".into())
    }

    fn event(shared: &Arc<Shared>) -> Envelope {
        let mut state = shared.lock();
        let event = json!({"type": "app_mention", "channel": "C1"});
        envelopes::events_api(&shared.workspace, &mut state.ids, event, "1.000100").0
    }

    fn open_socket(shared: &Arc<Shared>) -> (usize, UnboundedReceiver<Outgoing>) {
        let (tx, rx) = unbounded_channel();
        (shared.admit(tx), rx)
    }

    /// Waits (boundedly) until `done` holds for the state; timers may run late on a busy host.
    async fn until(shared: &Arc<Shared>, done: impl Fn(&State) -> bool) {
        let waited = tokio::time::timeout(Duration::from_secs(5), async {
            while !done(&shared.lock()) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        waited.await.expect("the state settles in time");
    }

    fn frames(rx: &mut UnboundedReceiver<Outgoing>) -> Vec<Value> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .filter_map(|command| match command {
                Outgoing::Text(text) => serde_json::from_str(&text).ok(),
                _ => None,
            })
            .collect()
    }

    fn send(shared: &Arc<Shared>, item: Queued) {
        let mut state = shared.lock();
        shared.deliver(&mut state, item);
    }

    #[tokio::test]
    async fn envelopes_wait_for_a_socket_and_follow_its_hello() {
        let shared = shared();
        let envelope = event(&shared);
        send(
            &shared,
            Queued::Envelope {
                envelope: envelope.clone(),
                attempt: 0,
            },
        );
        send(&shared, Queued::Raw("not json".into()));
        let (id, mut rx) = open_socket(&shared);
        let mut commands = std::iter::from_fn(|| rx.try_recv().ok());
        let Some(Outgoing::Text(hello)) = commands.next() else {
            panic!("no hello")
        };
        assert!(hello.contains(r#""type":"hello""#));
        assert!(
            matches!(commands.next(), Some(Outgoing::Text(text)) if text.contains(&envelope.id))
        );
        assert_eq!(commands.next(), Some(Outgoing::Text("not json".into())));
        let deliveries = shared.lock().outbox.deliveries.clone();
        assert_eq!((deliveries.len(), deliveries[0].connection), (1, id));
    }

    #[tokio::test]
    async fn an_unacknowledged_event_is_retried_three_times_then_expires() {
        let shared = shared();
        let (_, mut rx) = open_socket(&shared);
        let envelope = event(&shared);
        send(
            &shared,
            Queued::Envelope {
                envelope: envelope.clone(),
                attempt: 0,
            },
        );
        until(&shared, |state| !state.outbox.expired.is_empty()).await;
        let attempts: Vec<_> = frames(&mut rx)
            .iter()
            .filter(|frame| frame["envelope_id"] == envelope.id.as_str())
            .map(|frame| {
                (
                    frame["retry_attempt"].as_u64(),
                    frame["retry_reason"].as_str().map(str::to_string),
                )
            })
            .collect();
        let reason = |text: &str| Some(text.to_string());
        assert_eq!(
            attempts,
            [
                (Some(0), reason("")),
                (Some(1), reason("timeout")),
                (Some(2), reason("timeout")),
                (Some(3), reason("timeout"))
            ]
        );
        assert_eq!(shared.lock().outbox.expired, [envelope.id]);
    }

    #[tokio::test]
    async fn an_acknowledged_event_is_not_retried_and_every_ack_shape_is_kept() {
        let shared = shared();
        let (id, mut rx) = open_socket(&shared);
        let envelope = event(&shared);
        send(
            &shared,
            Queued::Envelope {
                envelope: envelope.clone(),
                attempt: 0,
            },
        );
        shared.receive(id, &json!({"envelope_id": envelope.id}).to_string());
        shared.receive(id, r#"{"envelope_id":"other","payload":{}}"#);
        shared.receive(id, r#"{"envelope_id":"third","payload":{"text":"hi"}}"#);
        shared.receive(id, r#"{"type":"not an ack"}"#);
        tokio::time::sleep(DEADLINE * 2).await;
        assert_eq!(frames(&mut rx).len(), 2, "hello and the one delivery");
        let state = shared.lock();
        let payloads: Vec<_> = state
            .outbox
            .acks
            .iter()
            .map(|ack| ack.payload.clone())
            .collect();
        assert_eq!(
            payloads,
            [None, Some(json!({})), Some(json!({"text": "hi"}))]
        );
        assert!(state.outbox.expired.is_empty());
    }

    #[tokio::test]
    async fn a_command_that_is_not_acknowledged_expires_without_a_retry() {
        let shared = shared();
        let (_, mut rx) = open_socket(&shared);
        let command = envelopes::Envelope {
            id: "cmd".into(),
            body: json!({"envelope_id": "cmd", "type": "slash_commands"}),
            redelivered_on_timeout: false,
        };
        send(
            &shared,
            Queued::Envelope {
                envelope: command,
                attempt: 0,
            },
        );
        until(&shared, |state| !state.outbox.expired.is_empty()).await;
        assert_eq!(frames(&mut rx).len(), 2, "hello and the one delivery");
        assert_eq!(shared.lock().outbox.expired, ["cmd"]);
    }

    #[tokio::test]
    async fn a_retry_goes_to_another_socket_when_the_first_has_closed() {
        let shared = shared();
        let (first, _first_rx) = open_socket(&shared);
        let envelope = event(&shared);
        send(
            &shared,
            Queued::Envelope {
                envelope,
                attempt: 0,
            },
        );
        shared.lock().connections.closed(first);
        let (second, _second_rx) = open_socket(&shared);
        until(&shared, |state| state.outbox.deliveries.len() >= 2).await;
        let connections: Vec<_> = shared
            .lock()
            .outbox
            .deliveries
            .iter()
            .map(|d| d.connection)
            .collect();
        assert_eq!(connections[..2], [first, second]);
    }
}
