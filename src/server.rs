//! The HTTP endpoints operators and Kubernetes probe: `/healthz` (the process answers),
//! `/readyz` (the engine has listed every gate's Snapshots and polled Prow once, and the chat,
//! when there is one, is connected) and `/metrics`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use crate::engine::Engine;

#[derive(Clone)]
struct Endpoints {
    engine: Engine,
    registry: Arc<Registry>,
    /// Whether the chat is connected (for Slack: a `hello` arrived); `None` without a chat.
    chat_connected: Option<watch::Receiver<bool>>,
}

/// The router, separate from serving so tests can call it directly.
pub fn router(
    engine: Engine,
    registry: Arc<Registry>,
    chat_connected: Option<watch::Receiver<bool>>,
) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Endpoints {
            engine,
            registry,
            chat_connected,
        })
}

/// Serves the endpoints until `shutdown` completes.
pub async fn serve(
    listen: SocketAddr,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(%listen, "serving /healthz, /readyz and /metrics");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn readyz(State(endpoints): State<Endpoints>) -> impl IntoResponse {
    let chat_connected = endpoints
        .chat_connected
        .as_ref()
        .is_none_or(|connected| *connected.borrow());
    if !chat_connected {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the chat is not connected yet (no `hello` from Slack)\n".to_string(),
        );
    }
    if endpoints.engine.is_ready() {
        (StatusCode::OK, "ready\n".to_string())
    } else {
        let readiness = *endpoints.engine.readiness().borrow();
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "not ready: {} of {} gate(s) have listed their Snapshots; first Prow poll {}\n",
                readiness.snapshots_listed,
                endpoints.engine.gates().len(),
                if readiness.first_poll_done {
                    "done"
                } else {
                    "pending"
                }
            ),
        )
    }
}

async fn metrics(State(endpoints): State<Endpoints>) -> impl IntoResponse {
    let mut body = String::new();
    match encode(&mut body, &endpoints.registry) {
        Ok(()) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        ),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("cannot encode metrics: {error}\n"),
        ),
    }
}
