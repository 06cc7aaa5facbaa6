//! The emulator's HTTP face: the two JSON API calls Prow readers use (`objects.list` and
//! `objects.get`, with `alt=media` and generation preconditions), plus a layer that records
//! every request and lets injected faults take over.

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::{StreamExt, stream};
use percent_encoding::percent_decode_str;
use serde::Deserialize;

use super::faults::FaultEffect;
use super::resource;
use super::store::{ListQuery, ResumePoint};
use super::{RecordedRequest, Shared};

const GOOG_GENERATION: HeaderName = HeaderName::from_static("x-goog-generation");
const GOOG_METAGENERATION: HeaderName = HeaderName::from_static("x-goog-metageneration");
const GOOG_HASH: HeaderName = HeaderName::from_static("x-goog-hash");

/// GCS never returns more than this many entries per page, whatever `maxResults` asks for.
const MAX_PAGE: usize = 1000;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/storage/v1/b/{bucket}/o", get(list_objects))
        .route("/storage/v1/b/{bucket}/o/{object}", get(get_object))
        .fallback(|| async { resource::error(StatusCode::NOT_FOUND, "Not Found", "notFound") })
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            record_and_inject_faults,
        ))
        .with_state(shared)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    prefix: Option<String>,
    delimiter: Option<String>,
    start_offset: Option<String>,
    end_offset: Option<String>,
    max_results: Option<String>,
    page_token: Option<String>,
}

async fn list_objects(
    State(shared): State<Arc<Shared>>,
    Path(bucket): Path<String>,
    Query(params): Query<ListParams>,
) -> Response {
    let max_results = match params.max_results.as_deref().map(str::parse::<usize>) {
        None => MAX_PAGE,
        Some(Ok(wanted)) if wanted > 0 => wanted.min(MAX_PAGE),
        Some(_) => return resource::invalid_argument("Invalid value for maxResults."),
    };
    let resume = match params
        .page_token
        .as_deref()
        .filter(|token| !token.is_empty())
    {
        None => None,
        Some(token) => match decode_page_token(token) {
            Some(resume) => Some(resume),
            None => return resource::invalid_argument("Invalid page token."),
        },
    };
    let non_empty = |value: Option<String>| value.filter(|text| !text.is_empty());
    let query = ListQuery {
        prefix: params.prefix.unwrap_or_default(),
        delimiter: non_empty(params.delimiter),
        start_offset: non_empty(params.start_offset),
        end_offset: non_empty(params.end_offset),
        max_results,
        resume,
    };
    let store = shared.store.lock().expect("store lock poisoned");
    let Some(page) = store.list(&bucket, &query) else {
        return resource::no_such_bucket();
    };
    let token = page.resume.as_ref().map(encode_page_token);
    axum::Json(resource::listing(&shared.base_url, &bucket, &page, token)).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    alt: Option<String>,
    if_generation_match: Option<String>,
    if_generation_not_match: Option<String>,
}

async fn get_object(
    State(shared): State<Arc<Shared>>,
    Path((bucket, name)): Path<(String, String)>,
    Query(params): Query<GetParams>,
) -> Response {
    let Ok(must_match) = parse_generation(params.if_generation_match.as_deref()) else {
        return resource::invalid_argument("Invalid value for ifGenerationMatch.");
    };
    let Ok(must_not_match) = parse_generation(params.if_generation_not_match.as_deref()) else {
        return resource::invalid_argument("Invalid value for ifGenerationNotMatch.");
    };
    let store = shared.store.lock().expect("store lock poisoned");
    if !store.bucket_exists(&bucket) {
        return resource::no_such_bucket();
    }
    let Some(object) = store.get(&bucket, &name) else {
        return resource::no_such_object(&bucket, &name);
    };
    if must_match.is_some_and(|generation| generation != object.generation) {
        return resource::precondition_failed();
    }
    if must_not_match == Some(object.generation) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    match params.alt.as_deref() {
        None | Some("json") => {
            axum::Json(resource::object_resource(&shared.base_url, &bucket, object)).into_response()
        }
        Some("media") => {
            let headers = [
                (CONTENT_TYPE, object.content_type.clone()),
                (ETAG, resource::etag(object)),
                (GOOG_GENERATION, object.generation.to_string()),
                (GOOG_METAGENERATION, object.metageneration.to_string()),
                (GOOG_HASH, format!("md5={}", resource::md5_base64(object))),
            ];
            (headers, object.bytes.clone()).into_response()
        }
        Some(other) => resource::invalid_argument(&format!("Invalid value for alt: {other}")),
    }
}

fn parse_generation(value: Option<&str>) -> Result<Option<i64>, std::num::ParseIntError> {
    value.map(str::parse).transpose()
}

/// Page tokens are opaque to clients; this one says which entry the page ended on.
fn encode_page_token(resume: &ResumePoint) -> String {
    let plain = match resume {
        ResumePoint::AfterObject(name) => format!("o:{name}"),
        ResumePoint::AfterPrefix(prefix) => format!("p:{prefix}"),
    };
    URL_SAFE_NO_PAD.encode(plain)
}

fn decode_page_token(token: &str) -> Option<ResumePoint> {
    let plain = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (kind, name) = plain.split_once(':')?;
    match kind {
        "o" => Some(ResumePoint::AfterObject(name.to_string())),
        "p" => Some(ResumePoint::AfterPrefix(name.to_string())),
        _ => None,
    }
}

/// Records every request with the status it got, after letting a pending fault take over.
async fn record_and_inject_faults(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().to_string();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_default();
    let path = percent_decode_str(request.uri().path())
        .decode_utf8_lossy()
        .into_owned();
    let fault = shared
        .faults
        .lock()
        .expect("fault lock poisoned")
        .take(&path);
    let response = match fault {
        None => next.run(request).await,
        Some(FaultEffect::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            resource::injected_failure(status)
        }
        Some(FaultEffect::RateLimited { retry_after_secs }) => {
            let mut response = resource::injected_failure(StatusCode::TOO_MANY_REQUESTS);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Some(FaultEffect::Delay(by)) => {
            tokio::time::sleep(by).await;
            next.run(request).await
        }
        Some(FaultEffect::TruncatedBody) => truncate(next.run(request).await).await,
        Some(FaultEffect::GarbageBody) => replace_body(next.run(request).await),
    };
    shared
        .log
        .lock()
        .expect("log lock poisoned")
        .push(RecordedRequest {
            method,
            path_and_query,
            path,
            status: response.status().as_u16(),
        });
    response
}

/// Sends the headers and half the body, then fails the stream, which makes the server drop
/// the connection mid-body the way a broken network would.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half: Result<Bytes, io::Error> = Ok(bytes.slice(..bytes.len() / 2));
    let break_off = async {
        // Pausing once lets the server flush what it has before the connection breaks.
        tokio::task::yield_now().await;
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "emulated broken connection",
        ))
    };
    let chunks = stream::once(async { half }).chain(stream::once(break_off));
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_stream(chunks))
}

/// Keeps the real headers (including `x-goog-hash`) but sends other bytes.
fn replace_body(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(&b"\x00\xffnot the stored bytes{"[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_junk() {
        for resume in [
            ResumePoint::AfterObject("logs/j/latest-build.txt".to_string()),
            ResumePoint::AfterPrefix("logs/j/17/".to_string()),
        ] {
            assert_eq!(decode_page_token(&encode_page_token(&resume)), Some(resume));
        }
        assert_eq!(decode_page_token("!!!"), None);
        assert_eq!(decode_page_token(&URL_SAFE_NO_PAD.encode("x:y")), None);
    }
}
