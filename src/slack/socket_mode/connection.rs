//! One Socket Mode connection, kept open for as long as gatebot listens: opened through
//! `apps.connections.open`, served until Slack closes it, asks for it to be replaced, or goes
//! silent, and then opened again.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use slack_morphism::prelude::*;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Link;
use super::frame::{self, Frame};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a served connection ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// gatebot is shutting down.
    Stopped,
    /// Slack sent `disconnect`: it is refreshing the connection, or has too many.
    Replaced(String),
    /// Slack closed the socket, or the socket failed.
    Lost(String),
    /// Nothing arrived for longer than the silence limit.
    Silent,
}

/// Keeps one connection open until `stop` turns true.
pub(super) async fn keep_open(link: Arc<Link>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let wait_before_next = match open(&link).await {
            Ok(socket) => {
                let (ended, was_greeted) = serve(&link, socket, &mut stop).await;
                match &ended {
                    Ended::Stopped => return,
                    Ended::Replaced(reason) => {
                        tracing::info!(reason, "Slack asked for a new Socket Mode connection");
                    }
                    Ended::Lost(why) => tracing::warn!(why, "a Socket Mode connection was lost"),
                    Ended::Silent => tracing::warn!(
                        silence_limit = ?link.settings.silence_limit,
                        "a Socket Mode connection went silent; replacing it"
                    ),
                }
                // A connection Slack never greeted (too many sockets, say) is not reopened in
                // a tight loop.
                !was_greeted
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    retry_in = ?link.settings.reconnect_after,
                    "could not open a Socket Mode connection"
                );
                true
            }
        };
        if wait_before_next && stopped_within(&mut stop, link.settings.reconnect_after).await {
            return;
        }
    }
}

/// Asks Slack for a connection URL and connects to it.
async fn open(link: &Link) -> Result<Socket, String> {
    let opened = link
        .client
        .open_session(&link.app_token)
        .apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await
        .map_err(|error| format!("apps.connections.open: {error}"))?;
    // TCP_NODELAY: see the module documentation of `socket_mode`.
    let (socket, _response) =
        tokio_tungstenite::connect_async_with_config(opened.url.0.as_str(), None, true)
            .await
            .map_err(|error| format!("connecting to the Socket Mode URL: {error}"))?;
    Ok(socket)
}

/// Serves a connection until it ends; also says whether Slack had greeted it.
async fn serve(
    link: &Arc<Link>,
    mut socket: Socket,
    stop: &mut watch::Receiver<bool>,
) -> (Ended, bool) {
    let silence_limit = link.settings.silence_limit;
    let mut greeted = false;
    let mut last_heard = Instant::now();
    let mut keepalive = tokio::time::interval(silence_limit / 3);
    let ended = loop {
        tokio::select! {
            _ = stop.changed() => {
                // A close frame tells Slack to deliver elsewhere at once instead of waiting.
                let _ = socket.close(None).await;
                break Ended::Stopped;
            }
            received = socket.next() => {
                last_heard = Instant::now();
                match received {
                    Some(Ok(Message::Text(text))) => {
                        match receive(link, &mut socket, &text, &mut greeted).await {
                            Ok(None) => {}
                            Ok(Some(ended)) => break ended,
                            Err(error) => break Ended::Lost(format!("writing an ack: {error}")),
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        break Ended::Lost(format!("Slack closed the connection ({frame:?})"));
                    }
                    // Pings are answered by tungstenite itself; pongs only show it is alive.
                    Some(Ok(_)) => {}
                    Some(Err(error)) => break Ended::Lost(error.to_string()),
                    None => break Ended::Lost("the connection ended".to_string()),
                }
            }
            _ = keepalive.tick() => {
                if last_heard.elapsed() > silence_limit {
                    break Ended::Silent;
                }
                if let Err(error) = socket.send(Message::Ping(Default::default())).await {
                    break Ended::Lost(format!("pinging: {error}"));
                }
            }
        }
    };
    if greeted {
        link.greeted.lost();
    }
    (ended, greeted)
}

/// Acts on one text frame: the ack first, then everything else. Returns how the connection
/// ends if the frame ends it.
async fn receive(
    link: &Arc<Link>,
    socket: &mut Socket,
    text: &str,
    greeted: &mut bool,
) -> Result<Option<Ended>, tokio_tungstenite::tungstenite::Error> {
    match frame::read(text, &link.channel) {
        Frame::Hello => {
            if !*greeted {
                *greeted = true;
                link.greeted.greeted();
            }
        }
        Frame::Disconnect { reason } => {
            // As Slack's own SDKs do: close first, then open anew, since with
            // `too_many_websockets` a new socket would be refused while this one is open.
            let _ = socket.close(None).await;
            return Ok(Some(Ended::Replaced(reason)));
        }
        Frame::Envelope { ack, requests } => {
            socket.send(Message::text(ack)).await?;
            link.hand_over(requests);
        }
        Frame::Unreadable { ack, error } => {
            tracing::warn!(%error, "a Socket Mode frame could not be read");
            if let Some(ack) = ack {
                socket.send(Message::text(ack)).await?;
            }
        }
    }
    Ok(None)
}

/// Waits `pause`, or less if `stop` turns true meanwhile; says whether it did.
async fn stopped_within(stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::time::timeout(pause, stop.wait_for(|stopped| *stopped))
        .await
        .is_ok()
}
