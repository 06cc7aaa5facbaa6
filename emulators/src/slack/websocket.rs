//! The Socket Mode WebSocket at `/link/?ticket=…`: it takes a ticket from
//! `apps.connections.open`, greets with `hello` before anything else, pings like Slack's
//! `applink` hosts do, passes ack frames on, and carries out the registry's commands to send,
//! close, drop or freeze the connection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::Shared;
use super::connections::{Admission, Outgoing, host};

/// How long a socket that was sent a close frame waits for the app's close frame.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);

pub(super) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ticket = query.get("ticket").map(String::as_str).unwrap_or_default();
    if !shared.lock().connections.redeem(ticket) {
        return (StatusCode::UNAUTHORIZED, "invalid or used ticket").into_response();
    }
    upgrade.on_upgrade(move |socket| serve(shared, socket))
}

async fn serve(shared: Arc<Shared>, mut socket: WebSocket) {
    let (commands, mut pending) = unbounded_channel();
    let id = shared.admit(commands);
    let ping_payload = format!("Ping from {}", host(id));
    let every = shared.config.ping_interval;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            command = pending.recv() => match command {
                Some(Outgoing::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close) => {
                    close(&mut socket).await;
                    break;
                }
                // Returning drops the socket, and with it the TCP connection, without a close
                // frame.
                Some(Outgoing::Drop) | None => break,
                // Commands meanwhile wait in the channel; after the freeze, a socket the app
                // has given up on fails its next read or write and is recorded as closed.
                Some(Outgoing::Freeze(duration)) => tokio::time::sleep(duration).await,
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(ping_payload.clone().into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(frame))) => shared.receive(id, frame.as_str()),
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    shared.lock().connections.closed(id);
}

/// Sends a normal close frame and waits briefly for the app to answer it.
async fn close(socket: &mut WebSocket) {
    let frame = CloseFrame {
        code: close_code::NORMAL,
        reason: "".into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

impl Shared {
    /// Registers a new socket: `hello` and then whatever waited for a socket, or, past the
    /// limit, `disconnect` `too_many_websockets` and a close.
    pub(super) fn admit(self: &Arc<Self>, commands: UnboundedSender<Outgoing>) -> usize {
        let mut guard = self.lock();
        let state = &mut *guard;
        match state.connections.admit(commands, self.config.max_sockets) {
            Admission::Accepted(id) => {
                let hello = json!({
                    "type": "hello",
                    "num_connections": state.connections.open_count(),
                    "debug_info": {
                        "host": host(id),
                        "build_number": 1,
                        "approximate_connection_time": 18060
                    },
                    "connection_info": {"app_id": self.workspace.app_id}
                });
                state
                    .connections
                    .send(id, Outgoing::Text(hello.to_string()));
                self.flush_waiting(state);
                id
            }
            Admission::Refused(id) => {
                let frame = disconnect_frame("too_many_websockets", id);
                state.connections.send(id, Outgoing::Text(frame));
                state.connections.send(id, Outgoing::Close);
                id
            }
        }
    }

    /// Sends `disconnect` for `reason` to the longest-open socket, and closes it after the
    /// grace period unless the app closed it first; returns its id.
    pub(super) fn disconnect(self: &Arc<Self>, reason: &str) -> Option<usize> {
        let mut state = self.lock();
        let id = state.connections.oldest_active()?;
        state.connections.drain(id, reason);
        state
            .connections
            .send(id, Outgoing::Text(disconnect_frame(reason, id)));
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(shared.config.disconnect_grace).await;
            shared.lock().connections.send(id, Outgoing::Close);
        });
        Some(id)
    }

    /// The URL `apps.connections.open` answers with, holding a fresh ticket.
    pub(super) fn socket_url(&self, ticket: &str) -> String {
        let authority = self
            .base_url
            .strip_prefix("http://")
            .unwrap_or(&self.base_url);
        format!(
            "ws://{authority}/link/?ticket={ticket}&app_id={}",
            self.workspace.app_id
        )
    }
}

/// A `disconnect` frame as real Slack sends it (no `envelope_id`, no `num_connections`).
fn disconnect_frame(reason: &str, id: usize) -> String {
    json!({"type": "disconnect", "reason": reason, "debug_info": {"host": host(id)}}).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use crate::slack::{SlackEmulator, SocketModeConfig, Workspace};

    /// What the server sent, as a bare RFC 6455 client reads it.
    #[derive(Debug, PartialEq)]
    enum Frame {
        Text(Value),
        Ping(String),
        Close,
        /// The connection ended without a close frame.
        End,
    }

    async fn emulator(config: SocketModeConfig) -> SlackEmulator {
        SlackEmulator::start_with(Workspace::default(), config)
            .await
            .unwrap()
    }

    /// The `/link/?ticket=…` path of a fresh `apps.connections.open` URL.
    async fn open_path(emulator: &SlackEmulator) -> String {
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/apps.connections.open", emulator.api_url()))
            .bearer_auth(&emulator.workspace().app_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = answer["url"].as_str().unwrap();
        let authority_end = url["ws://".len()..].find('/').unwrap() + "ws://".len();
        url[authority_end..].to_string()
    }

    /// Opens a WebSocket on `path`; returns the status line and, on 101, the stream.
    async fn handshake(emulator: &SlackEmulator, path: &str) -> (String, TcpStream) {
        let authority = emulator
            .api_url()
            .trim_start_matches("http://")
            .trim_end_matches("/api")
            .to_string();
        let mut stream = TcpStream::connect(&authority).await.unwrap();
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await.unwrap());
        }
        let head = String::from_utf8(head).unwrap();
        (head.lines().next().unwrap().to_string(), stream)
    }

    async fn connect(emulator: &SlackEmulator) -> TcpStream {
        let path = open_path(emulator).await;
        let (status, stream) = handshake(emulator, &path).await;
        assert_eq!(status, "HTTP/1.1 101 Switching Protocols");
        stream
    }

    async fn next_frame(stream: &mut TcpStream) -> Frame {
        let mut header = [0u8; 2];
        if stream.read_exact(&mut header).await.is_err() {
            return Frame::End;
        }
        let length = match header[1] & 0x7f {
            126 => u64::from(stream.read_u16().await.unwrap()),
            127 => stream.read_u64().await.unwrap(),
            short => u64::from(short),
        };
        let mut payload = vec![0u8; usize::try_from(length).unwrap()];
        stream.read_exact(&mut payload).await.unwrap();
        match header[0] & 0x0f {
            0x1 => Frame::Text(serde_json::from_slice(&payload).unwrap()),
            0x8 => Frame::Close,
            0x9 => Frame::Ping(String::from_utf8(payload).unwrap()),
            opcode => panic!("unexpected opcode {opcode}"),
        }
    }

    fn frame_type(frame: &Frame) -> Option<(&str, Option<&str>)> {
        match frame {
            Frame::Text(value) => Some((value["type"].as_str()?, value["reason"].as_str())),
            _ => None,
        }
    }

    #[tokio::test]
    async fn hello_comes_first_then_pings_name_the_applink_host() {
        let config = SocketModeConfig {
            ping_interval: std::time::Duration::from_millis(20),
            ..SocketModeConfig::default()
        };
        let emulator = emulator(config).await;
        let mut socket = connect(&emulator).await;
        let Frame::Text(hello) = next_frame(&mut socket).await else {
            panic!("hello first");
        };
        assert_eq!(hello["type"], "hello");
        assert_eq!(hello["debug_info"]["host"], "applink-1");
        assert_eq!(hello["num_connections"], 1);
        assert_eq!(
            next_frame(&mut socket).await,
            Frame::Ping("Ping from applink-1".into())
        );
        assert_eq!(
            next_frame(&mut socket).await,
            Frame::Ping("Ping from applink-1".into())
        );
    }

    #[tokio::test]
    async fn a_ticket_opens_one_socket_only() {
        let emulator = emulator(SocketModeConfig::default()).await;
        let path = open_path(&emulator).await;
        assert_eq!(
            handshake(&emulator, &path).await.0,
            "HTTP/1.1 101 Switching Protocols"
        );
        assert_eq!(
            handshake(&emulator, &path).await.0,
            "HTTP/1.1 401 Unauthorized"
        );
        assert_eq!(
            handshake(&emulator, "/link/?ticket=made-up").await.0,
            "HTTP/1.1 401 Unauthorized"
        );
        assert_eq!(emulator.connections_opened(), 1);
    }

    #[tokio::test]
    async fn the_socket_past_the_limit_is_told_too_many_websockets_and_closed() {
        let config = SocketModeConfig {
            max_sockets: 1,
            ..SocketModeConfig::default()
        };
        let emulator = emulator(config).await;
        let mut first = connect(&emulator).await;
        assert_eq!(
            frame_type(&next_frame(&mut first).await),
            Some(("hello", None))
        );
        let mut second = connect(&emulator).await;
        let disconnect = next_frame(&mut second).await;
        assert_eq!(
            frame_type(&disconnect),
            Some(("disconnect", Some("too_many_websockets")))
        );
        assert_eq!(next_frame(&mut second).await, Frame::Close);
    }

    #[tokio::test]
    async fn a_drop_ends_without_a_close_frame_and_disconnect_closes_after_the_grace() {
        let config = SocketModeConfig {
            disconnect_grace: std::time::Duration::from_millis(20),
            ..SocketModeConfig::default()
        };
        let emulator = emulator(config).await;
        let mut cut = connect(&emulator).await;
        next_frame(&mut cut).await;
        assert_eq!(emulator.drop_sockets(), 1);
        assert_eq!(next_frame(&mut cut).await, Frame::End);

        let mut warned = connect(&emulator).await;
        next_frame(&mut warned).await;
        assert_eq!(emulator.disconnect("warning"), Some(2));
        assert_eq!(
            frame_type(&next_frame(&mut warned).await),
            Some(("disconnect", Some("warning")))
        );
        assert_eq!(next_frame(&mut warned).await, Frame::Close);
    }
}
