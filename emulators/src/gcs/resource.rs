//! The JSON the emulator answers with: object resources, listings and error bodies, in the shapes
//! the real JSON API uses (numbers that GCS sends as strings stay strings).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::store::{ListPage, StoredObject};

/// Everything but RFC 3986 unreserved characters is encoded, so `/` in a name becomes `%2F`.
const OBJECT_NAME: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn encode_object_name(name: &str) -> String {
    utf8_percent_encode(name, OBJECT_NAME).to_string()
}

/// The `md5Hash` field and the `md5=` part of `x-goog-hash`: base64 of the raw digest.
pub fn md5_base64(object: &StoredObject) -> String {
    BASE64.encode(object.md5)
}

/// An opaque tag that changes with every generation, like GCS's.
pub fn etag(object: &StoredObject) -> String {
    BASE64.encode(format!("{}/{}", object.generation, object.metageneration))
}

/// GCS writes times with exactly three fractional digits.
fn gcs_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn object_resource(base_url: &str, bucket: &str, object: &StoredObject) -> Value {
    let encoded = encode_object_name(&object.name);
    json!({
        "kind": "storage#object",
        "id": format!("{bucket}/{}/{}", object.name, object.generation),
        "selfLink": format!("{base_url}/storage/v1/b/{bucket}/o/{encoded}"),
        "mediaLink": format!(
            "{base_url}/download/storage/v1/b/{bucket}/o/{encoded}?generation={}&alt=media",
            object.generation
        ),
        "name": object.name,
        "bucket": bucket,
        "generation": object.generation.to_string(),
        "metageneration": object.metageneration.to_string(),
        "contentType": object.content_type,
        "storageClass": "STANDARD",
        "size": object.bytes.len().to_string(),
        "md5Hash": md5_base64(object),
        "etag": etag(object),
        "timeCreated": gcs_time(object.written_at),
        "updated": gcs_time(object.written_at),
        "timeStorageClassUpdated": gcs_time(object.written_at),
    })
}

/// A listing page; like GCS, empty `items` and `prefixes` are left out rather than sent empty.
pub fn listing(
    base_url: &str,
    bucket: &str,
    page: &ListPage,
    next_page_token: Option<String>,
) -> Value {
    let mut body = json!({ "kind": "storage#objects" });
    if let Some(token) = next_page_token {
        body["nextPageToken"] = Value::String(token);
    }
    if !page.prefixes.is_empty() {
        body["prefixes"] = json!(page.prefixes);
    }
    if !page.items.is_empty() {
        let items: Vec<Value> = page
            .items
            .iter()
            .map(|object| object_resource(base_url, bucket, object))
            .collect();
        body["items"] = Value::Array(items);
    }
    body
}

/// The error envelope every JSON API failure uses.
pub fn error(status: StatusCode, message: &str, reason: &str) -> Response {
    let body = json!({
        "error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [{ "message": message, "domain": "global", "reason": reason }],
        }
    });
    (status, Json(body)).into_response()
}

pub fn no_such_object(bucket: &str, name: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("No such object: {bucket}/{name}"),
        "notFound",
    )
}

pub fn no_such_bucket() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "The specified bucket does not exist.",
        "notFound",
    )
}

pub fn invalid_argument(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message, "invalid")
}

pub fn precondition_failed() -> Response {
    error(
        StatusCode::PRECONDITION_FAILED,
        "At least one of the pre-conditions you specified did not hold.",
        "conditionNotMet",
    )
}

/// What GCS says when an injected fault stands in for a real failure.
pub fn injected_failure(status: StatusCode) -> Response {
    let (message, reason) = match status.as_u16() {
        429 => (
            "The rate of requests exceeds the rate limit.",
            "rateLimitExceeded",
        ),
        500 => (
            "We encountered an internal error. Please try again.",
            "backendError",
        ),
        503 => ("Service Unavailable", "backendError"),
        _ => (status.canonical_reason().unwrap_or("Error"), "backendError"),
    };
    error(status, message, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_encoded_as_one_path_segment() {
        assert_eq!(
            encode_object_name("logs/job-1/123/finished.json"),
            "logs%2Fjob-1%2F123%2Ffinished.json"
        );
        assert_eq!(encode_object_name("a b+c"), "a%20b%2Bc");
    }

    #[test]
    fn an_object_resource_carries_the_fields_gcs_sends_as_strings() {
        let object = StoredObject {
            name: "logs/j/1/started.json".to_string(),
            bytes: b"{}".to_vec(),
            generation: 1_700_000_000_000_001,
            metageneration: 1,
            content_type: "application/json".to_string(),
            written_at: Timestamp::from_second(1_700_000_000).unwrap(),
            md5: [0; 16],
        };
        let resource = object_resource("http://127.0.0.1:1", "bucket", &object);
        assert_eq!(resource["generation"], "1700000000000001");
        assert_eq!(resource["size"], "2");
        assert_eq!(resource["metageneration"], "1");
        assert_eq!(resource["updated"], "2023-11-14T22:13:20.000Z");
        assert_eq!(resource["md5Hash"], "AAAAAAAAAAAAAAAAAAAAAA==");
        assert_eq!(
            resource["id"],
            "bucket/logs/j/1/started.json/1700000000000001"
        );
    }
}
