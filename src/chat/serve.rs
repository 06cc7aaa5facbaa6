//! Running the chat front: requests from a surface are handled concurrently (a slow `release`
//! does not hold up a `status`), while the notifier keeps the status threads current.
//!
//! The surface decides where requests come from — Slack's socket, or lines typed at a console —
//! and hands them over on a channel; everything after that is the same for every chat.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::front::ChatFront;
use super::notifier::Notifier;

/// Handles requests and posts updates until `shutdown`; requests in progress are finished.
pub async fn serve_chat(
    front: ChatFront,
    notifier: Notifier,
    mut requests: mpsc::Receiver<super::Incoming>,
    shutdown: impl Future<Output = ()>,
) {
    let front = Arc::new(front);
    let (stop_notifier, notifier_stopped) = tokio::sync::oneshot::channel::<()>();
    let notifying = tokio::spawn(notifier.run(async move {
        let _ = notifier_stopped.await;
    }));
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
    let _ = stop_notifier.send(());
    let _ = notifying.await;
}
