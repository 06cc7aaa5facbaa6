//! The emulator's HTTP face: the three REST routes the transcoder maps onto Gangway's RPCs, and
//! in front of them what OpenShift CI's front does — bearer-token authentication — plus a layer
//! that records every request and lets injected faults take over.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::Value;

use super::conn::Cut;
use super::faults::{FaultEffect, Route};
use super::request;
use super::service::Client;
use super::wire::{Code, ExecutionStatus, Refusal, status_response};
use super::{RecordedRequest, Shared};

/// The largest body the front reads; triggers are a few hundred bytes.
const MAX_BODY: usize = 1 << 20;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/executions", get(list).post(create))
        .route("/v1/executions/{id}", get(get_one))
        .fallback(|| async {
            Refusal::new(Code::NotFound, "no REST route matches this method and path")
        })
        .layer(middleware::from_fn_with_state(shared.clone(), front))
        .with_state(shared)
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(client): Extension<Client>,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let created =
        request::parse(&body).and_then(|request| shared.prow().create(&client, request, now));
    answer(created)
}

async fn get_one(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    answer(shared.prow().get(&id))
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(unknown) = query
        .keys()
        .find(|key| !["job_name", "status"].contains(&key.as_str()))
    {
        return Refusal::new(
            Code::InvalidArgument,
            format!("Could not find field \"{unknown}\" in the type \"ListJobExecutionsRequest\""),
        )
        .into_response();
    }
    let status = match query.get("status").map(|text| ExecutionStatus::parse(text)) {
        None => ExecutionStatus::Unspecified,
        Some(Some(status)) => status,
        Some(None) => {
            return Refusal::new(Code::InvalidArgument, "Invalid value for enum field status")
                .into_response();
        }
    };
    let job_name = query
        .get("job_name")
        .map(String::as_str)
        .unwrap_or_default();
    Json(shared.prow().list(job_name, status)).into_response()
}

fn answer(result: Result<Value, Refusal>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v1/executions")?;
    match (method.as_str(), rest) {
        ("POST", "") => Some(Route::Trigger),
        ("GET", "") => Some(Route::List),
        ("GET", id) if id.len() > 1 && !id[1..].contains('/') => Some(Route::Get),
        _ => None,
    }
}

/// The job a request is about, for the log: the trigger's `job_name`, the listing's filter, or
/// the job of the execution asked for.
fn job_name_of(
    shared: &Shared,
    route: Option<Route>,
    path: &str,
    query: &str,
    body: &[u8],
) -> Option<String> {
    match route? {
        Route::Trigger => {
            let body: Value = serde_json::from_slice(body).ok()?;
            let name = body.get("job_name").or_else(|| body.get("jobName"))?;
            name.as_str().map(str::to_string)
        }
        Route::List => query_pairs(query)
            .into_iter()
            .find_map(|(key, value)| (key == "job_name").then_some(value)),
        Route::Get => {
            let id = path.rsplit('/').next()?;
            shared.prow().runs.get(id).map(|run| run.job.clone())
        }
    }
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(&text.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (decode(key), decode(value)))
        .collect()
}

/// Settles the runs, lets a pending fault take over, authenticates, and records the request
/// with what the client got (`None`: the connection was closed without an answer).
async fn front(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let method = parts.method.to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or_default().to_string();
    let route = route_of(&parts.method, &path);
    shared.settle();
    let job_name = job_name_of(&shared, route, &path, &query, &body);
    let cut = parts
        .extensions
        .get::<ConnectInfo<Cut>>()
        .map(|info| info.0.clone());
    let request = Request::from_parts(parts, Body::from(body));
    let fault = shared.faults().take(route, shared.clock.now());
    let answer = match fault {
        None => Some(authenticated(&shared, request, next).await),
        Some(FaultEffect::RateLimited { retry_after_secs }) => {
            let mut response = status_response(
                StatusCode::TOO_MANY_REQUESTS,
                Code::ResourceExhausted,
                "rate limit exceeded",
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Some(response)
        }
        Some(FaultEffect::Status(code)) => Some(injected(code)),
        Some(FaultEffect::Disconnect) => None,
        Some(FaultEffect::Delay(by)) => {
            tokio::time::sleep(by).await;
            Some(authenticated(&shared, request, next).await)
        }
        Some(FaultEffect::CarriedOutThenStatus(code)) => {
            authenticated(&shared, request, next).await;
            Some(injected(code))
        }
        Some(FaultEffect::CarriedOutThenDisconnect) => {
            authenticated(&shared, request, next).await;
            None
        }
    };
    shared.log().push(RecordedRequest {
        method,
        path: if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        },
        status: answer.as_ref().map(|response| response.status().as_u16()),
        job_name,
    });
    answer.unwrap_or_else(|| {
        if let Some(cut) = cut {
            cut.cut();
        }
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

fn injected(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    status_response(
        status,
        Code::for_http_status(code),
        &format!("emulated fault: HTTP {code}"),
    )
}

/// The front: only a known bearer token gets through, and it tells Gangway which client calls.
async fn authenticated(shared: &Shared, mut request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let client = token.and_then(|token| shared.prow().clients.get(token).cloned());
    let Some(client) = client else {
        let message = if token.is_none() {
            "the request carries no bearer token"
        } else {
            "the bearer token is not valid"
        };
        return Refusal::new(Code::Unauthenticated, message).into_response();
    };
    request.extensions_mut().insert(client);
    next.run(request).await
}
