//! The HTTP side of the emulated release-controller: one handler that logs the request, applies
//! a queued fault, and otherwise answers `tags` or `latest` as `cmd/release-controller-api/http.go`
//! does (`json.MarshalIndent` with two spaces and a trailing newline; errors through
//! `http.Error`).

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State as Extract};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::semver::Range;
use super::streams::{Streams, TagView};
use super::{Fault, LoggedRequest, Shared, lock};

pub(super) fn router(shared: Shared) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// `APITag` in `pkg/release-controller/types.go`.
#[derive(Serialize)]
struct ApiTag<'a> {
    name: &'a str,
    phase: &'a str,
    #[serde(rename = "pullSpec")]
    pull_spec: &'a str,
    #[serde(rename = "downloadURL")]
    download_url: &'a str,
}

impl<'a> From<&'a TagView> for ApiTag<'a> {
    fn from(tag: &'a TagView) -> Self {
        Self {
            name: &tag.name,
            phase: tag.phase.as_str(),
            pull_spec: &tag.pull_spec,
            download_url: &tag.download_url,
        }
    }
}

/// `APIRelease`; `tags` is `None` (JSON `null`) when nothing matched, as a nil Go slice is.
#[derive(Serialize)]
struct ApiRelease<'a> {
    name: &'a str,
    tags: Option<Vec<ApiTag<'a>>>,
}

/// An answer, before it is logged and sent.
enum Reply {
    Json(String),
    /// Go's `http.Error`.
    Text(StatusCode, String),
    RateLimited {
        retry_after_secs: u64,
    },
    Malformed,
    Dropped,
}

async fn handle(Extract(shared): Extract<Shared>, uri: Uri) -> Response {
    let query = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let mut state = lock(&shared);
    let reply = match state.faults.pop_front() {
        Some(fault) => faulty(fault),
        None => answer(&state.streams, uri.path(), &query),
    };
    let at = state.clock.now();
    let response = respond(reply);
    state.requests.push(LoggedRequest {
        at,
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        status: response.as_ref().map(|r| r.status().as_u16()),
    });
    response.unwrap_or_else(dropped)
}

fn faulty(fault: Fault) -> Reply {
    match fault {
        Fault::ServerError(status) => Reply::Text(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "upstream connect error or disconnect/reset before headers".to_string(),
        ),
        Fault::TooManyRequests { retry_after_secs } => Reply::RateLimited { retry_after_secs },
        Fault::DropConnection => Reply::Dropped,
        Fault::MalformedBody => Reply::Malformed,
    }
}

fn answer(streams: &Streams, path: &str, query: &[(String, String)]) -> Reply {
    let Some(rest) = path.strip_prefix("/api/v1/releasestream/") else {
        return not_found_page();
    };
    let values = |name: &str| -> Vec<String> {
        query
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    };
    let first = |name: &str| values(name).into_iter().next().filter(|v| !v.is_empty());
    match rest.split_once('/') {
        Some((stream, "tags")) if !stream.is_empty() => {
            match streams.tags(stream, &values("phase")) {
                Some(tags) => json(&ApiRelease {
                    name: stream,
                    tags: (!tags.is_empty()).then(|| tags.iter().map(ApiTag::from).collect()),
                }),
                None => Reply::Text(
                    StatusCode::NOT_FOUND,
                    format!("Unable to find release {stream}"),
                ),
            }
        }
        Some((stream, "latest")) if !stream.is_empty() => {
            let range = match first("in").map(|text| Range::parse(&text)).transpose() {
                Ok(range) => range,
                Err(error) => {
                    return Reply::Text(
                        StatusCode::BAD_REQUEST,
                        format!("error: ?in must be a valid semantic version range: {error}"),
                    );
                }
            };
            match streams.latest(stream, first("prefix").as_deref(), range.as_ref()) {
                Ok(tag) => json(&ApiTag::from(&tag)),
                Err(missing) => Reply::Text(StatusCode::NOT_FOUND, missing.message().to_string()),
            }
        }
        _ => not_found_page(),
    }
}

fn json(value: &impl Serialize) -> Reply {
    let mut body = serde_json::to_string_pretty(value).expect("API shapes always serialise");
    body.push('\n');
    Reply::Json(body)
}

/// What Go's `http.ServeMux` answers for a path it has no handler for.
fn not_found_page() -> Reply {
    Reply::Text(StatusCode::NOT_FOUND, "404 page not found".to_string())
}

/// The HTTP response, or `None` when the connection is to be dropped instead.
fn respond(reply: Reply) -> Option<Response> {
    let json_type = [(header::CONTENT_TYPE, "application/json")];
    Some(match reply {
        Reply::Json(body) => (StatusCode::OK, json_type, body).into_response(),
        Reply::Malformed => (
            StatusCode::OK,
            json_type,
            "{\n  \"name\": \"4-stable\",\n  \"tags\": [\n    {\n      \"name\": \"4.2",
        )
            .into_response(),
        Reply::Text(status, message) => go_http_error(status, message),
        Reply::RateLimited { retry_after_secs } => {
            let mut response = go_http_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests".to_string(),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Reply::Dropped => return None,
    })
}

/// `http.Error`: the message and a newline as plain text, marked not to be sniffed.
fn go_http_error(status: StatusCode, message: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        format!("{message}\n"),
    )
        .into_response()
}

/// A body that fails before its first byte makes the server close the connection without
/// sending the status line, the way a crashed pod behind a TCP proxy looks to a client.
fn dropped() -> Response {
    let failing = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("connection dropped"))
    });
    Response::new(Body::from_stream(failing))
}
