//! What one HTTP answer from GCS means: a usable answer, a failure worth another attempt
//! (server trouble, rate limits, broken or damaged bodies), or a refusal that retrying will
//! not change.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A complete HTTP answer: status, headers and the whole body.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Why one attempt failed, and whether another attempt may do better.
#[derive(Debug)]
pub(super) struct Failure {
    pub detail: String,
    pub transient: bool,
    pub retry_after: Option<Duration>,
}

impl Failure {
    pub fn transient(detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            transient: true,
            retry_after: None,
        }
    }
}

/// Classifies an answer the caller did not expect: server trouble and rate limits pass,
/// anything else (403, a missing bucket, …) will not.
pub(super) fn unexpected(answer: &Answer) -> Failure {
    let detail = format!("{} {}", answer.status, gcs_message(&answer.body));
    let transient = answer.status.is_server_error()
        || answer.status == StatusCode::TOO_MANY_REQUESTS
        || answer.status == StatusCode::REQUEST_TIMEOUT;
    Failure {
        detail: detail.trim_end().to_string(),
        transient,
        retry_after: retry_after(&answer.headers),
    }
}

/// The `error.message` of a GCS error body, if there is one.
fn gcs_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: ErrorDetail,
    }
    #[derive(Deserialize)]
    struct ErrorDetail {
        message: String,
    }
    serde_json::from_slice::<ErrorBody>(body)
        .map(|body| format!("({})", body.error.message))
        .unwrap_or_default()
}

/// `Retry-After` in seconds; the HTTP-date form is left to the normal backoff.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// A body GCS sent as JSON; one that does not decode was damaged on the way, so it is retried.
pub(super) fn json_body<T: DeserializeOwned>(answer: &Answer) -> Result<T, Failure> {
    serde_json::from_slice(&answer.body).map_err(|error| {
        Failure::transient(format!(
            "GCS answered with JSON that does not decode ({error})"
        ))
    })
}

/// Checks a download against the `md5=` part of `x-goog-hash`. Objects GCS decompresses on
/// the way out are hashed as stored, so they cannot be checked.
pub(super) fn verify_md5(answer: &Answer) -> Result<(), Failure> {
    let transcoded = answer
        .headers
        .get("x-goog-stored-content-encoding")
        .is_some_and(|encoding| encoding != "identity");
    let expected = answer
        .headers
        .get_all("x-goog-hash")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|part| part.trim().strip_prefix("md5="));
    match expected {
        Some(expected) if !transcoded && BASE64.encode(Md5::digest(&answer.body)) != expected => {
            Err(Failure::transient(
                "the downloaded bytes do not match the MD5 checksum GCS sent, so the download was damaged",
            ))
        }
        _ => Ok(()),
    }
}

/// reqwest's own wording, with its causes, minus the URL (the error names it already).
pub(super) fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no complete answer within {timeout:?}");
    }
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn answer(status: u16, headers: &[(&'static str, &str)], body: &[u8]) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.to_vec(),
        }
    }

    #[test]
    fn server_trouble_and_rate_limits_are_transient_and_refusals_are_not() {
        for status in [500, 502, 503, 504, 429, 408] {
            assert!(unexpected(&answer(status, &[], b"")).transient, "{status}");
        }
        let forbidden = unexpected(&answer(
            403,
            &[],
            br#"{"error":{"code":403,"message":"Access denied."}}"#,
        ));
        assert!(!forbidden.transient);
        assert_eq!(forbidden.detail, "403 Forbidden (Access denied.)");
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let limited = unexpected(&answer(429, &[("retry-after", "7")], b""));
        assert_eq!(limited.retry_after, Some(Duration::from_secs(7)));
        let dated = answer(
            429,
            &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            b"",
        );
        assert_eq!(retry_after(&dated.headers), None);
    }

    #[test]
    fn downloads_are_checked_against_the_md5_gcs_sent() {
        let md5_of_hello = "XUFAKrxLKna5cZ2REBfFkg==";
        let good = answer(
            200,
            &[(
                "x-goog-hash",
                "crc32c=AAAAAA==,md5=XUFAKrxLKna5cZ2REBfFkg==",
            )],
            b"hello",
        );
        assert!(verify_md5(&good).is_ok());
        let split = answer(
            200,
            &[
                ("x-goog-hash", "crc32c=AAAAAA=="),
                ("x-goog-hash", &format!("md5={md5_of_hello}")),
            ],
            b"hellx",
        );
        assert!(verify_md5(&split).unwrap_err().transient);
        let unchecked = answer(200, &[], b"anything");
        assert!(verify_md5(&unchecked).is_ok());
        let transcoded = answer(
            200,
            &[
                ("x-goog-hash", &format!("md5={md5_of_hello}")),
                ("x-goog-stored-content-encoding", "gzip"),
            ],
            b"inflated",
        );
        assert!(verify_md5(&transcoded).is_ok());
    }
}
