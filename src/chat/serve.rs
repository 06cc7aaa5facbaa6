//! Running the chat front: requests from a surface are handled concurrently (a slow `release`
//! does not hold up a `status`), while the notifier keeps the status threads current and the
//! emergency sweep keeps request messages current.
//!
//! The surface decides where requests come from — Slack's socket, or lines typed at a console —
//! and hands them over on a channel; everything after that is the same for every chat.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use tokio::sync::watch;

use super::front::ChatFront;
use crate::emergency::Sweeper;
use crate::status_thread::Notifier;

/// Handles requests and posts updates until `shutdown`; requests in progress are finished.
pub async fn serve_chat(
    front: ChatFront,
    notifier: Notifier,
    sweeper: Sweeper,
    mut requests: mpsc::Receiver<super::Incoming>,
    shutdown: impl Future<Output = ()>,
) {
    let front = Arc::new(front);
    let (stop, stopping) = watch::channel(false);
    let stopped = move || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    let notifying = tokio::spawn(notifier.run(stopped()));
    let sweeping = tokio::spawn(sweeper.run(stopped()));
    let mut handling = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            request = requests.recv() => match request {
                Some(request) => {
                    let front = front.clone();
                    handling.spawn(async move { front.handle(request).await });
                }
                None => break,
            },
            Some(_) = handling.join_next(), if !handling.is_empty() => {}
        }
    }
    while handling.join_next().await.is_some() {}
    let _ = stop.send(true);
    let _ = notifying.await;
    let _ = sweeping.await;
}
