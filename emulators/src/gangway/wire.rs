//! Gangway's JSON as clients see it, and its errors.
//!
//! Gangway itself speaks only gRPC (`cmd/gangway/main.go`); on OpenShift CI an Envoy gRPC-JSON
//! transcoder in front of it turns the messages of `pkg/gangway/gangway.proto` into JSON. The
//! shapes here follow the sample answer in openshift/ci-docs
//! `content/en/docs/how-tos/triggering-prowjobs-via-rest.md`: proto field names (`job_status`,
//! not `jobStatus`), enums by name (`"SUCCESS"`), scalar fields printed even when empty
//! (`"gcs_path": ""`), message fields (`refs`, `create_time`, …) left out when unset, and
//! timestamps as RFC 3339 strings. An error is a `google.rpc.Status` body,
//! `{"code", "message", "details"}`, under the HTTP status that `google/rpc/code.proto` gives
//! each gRPC code (the mapping Envoy and grpc-gateway share).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// The gRPC codes Gangway and its front answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Code {
    /// What grpc-go makes of an error that is not a gRPC status, e.g. the `fmt.Errorf` of an
    /// unknown job or the Kubernetes `NotFound` of an unknown execution.
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    Internal = 13,
    Unavailable = 14,
    Unauthenticated = 16,
}

impl Code {
    fn http_status(self) -> StatusCode {
        match self {
            Code::Unknown | Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Code::InvalidArgument => StatusCode::BAD_REQUEST,
            Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::PermissionDenied => StatusCode::FORBIDDEN,
            Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        }
    }

    /// The code an injected HTTP status stands for.
    pub fn for_http_status(status: u16) -> Self {
        match status {
            400 => Code::InvalidArgument,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::NotFound,
            429 => Code::ResourceExhausted,
            502 | 503 => Code::Unavailable,
            504 => Code::DeadlineExceeded,
            _ => Code::Internal,
        }
    }
}

/// A refusal: a gRPC code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub code: Code,
    pub message: String,
}

impl Refusal {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        status_response(self.code.http_status(), self.code, &self.message)
    }
}

/// A `google.rpc.Status` body under any HTTP status (an injected 502 is still Unavailable).
pub(super) fn status_response(http: StatusCode, code: Code, message: &str) -> Response {
    let body = json!({ "code": code as i32, "message": message, "details": [] });
    (http, Json(body)).into_response()
}

/// `JobExecutionStatus`, in the proto's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExecutionStatus {
    Unspecified,
    Triggered,
    Pending,
    Success,
    Failure,
    Aborted,
    Error,
    Scheduling,
}

const STATUS_NAMES: [&str; 8] = [
    "JOB_EXECUTION_STATUS_UNSPECIFIED",
    "TRIGGERED",
    "PENDING",
    "SUCCESS",
    "FAILURE",
    "ABORTED",
    "ERROR",
    "SCHEDULING",
];

const STATUSES: [ExecutionStatus; 8] = [
    ExecutionStatus::Unspecified,
    ExecutionStatus::Triggered,
    ExecutionStatus::Pending,
    ExecutionStatus::Success,
    ExecutionStatus::Failure,
    ExecutionStatus::Aborted,
    ExecutionStatus::Error,
    ExecutionStatus::Scheduling,
];

impl ExecutionStatus {
    /// The enum's name on the wire, e.g. `"SUCCESS"`.
    pub fn as_str(self) -> &'static str {
        STATUS_NAMES[self as usize]
    }

    /// Whether the run is over (Prow sets `completionTime`).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Success | Self::Failure | Self::Aborted | Self::Error
        )
    }

    /// A `status` query parameter, by name or number, as the transcoder reads enums.
    pub(super) fn parse(text: &str) -> Option<Self> {
        let index = match text.parse::<usize>() {
            Ok(number) => number,
            Err(_) => STATUS_NAMES.iter().position(|name| *name == text)?,
        };
        STATUSES.get(index).copied()
    }
}

/// `JobExecutionType` names; proto3 enums are open, so other numbers travel as numbers.
const TYPE_NAMES: [&str; 5] = [
    "JOB_EXECUTION_TYPE_UNSPECIFIED",
    "PERIODIC",
    "POSTSUBMIT",
    "PRESUBMIT",
    "BATCH",
];

pub(super) const PERIODIC: i32 = 1;
pub(super) const POSTSUBMIT: i32 = 2;
pub(super) const PRESUBMIT: i32 = 3;

/// The name Go's generated `String()` gives a `JobExecutionType`: its name, or its number.
pub(super) fn type_name(value: i32) -> String {
    usize::try_from(value)
        .ok()
        .and_then(|index| TYPE_NAMES.get(index))
        .map_or_else(|| value.to_string(), |name| (*name).to_string())
}

/// Reads an enum the way protobuf's JSON parser does: a name, a number, or a number in a
/// string (the docs' `"job_execution_type": "1"`).
pub(super) fn parse_type(value: &Value) -> Option<i32> {
    match value {
        Value::Null => Some(0),
        Value::Number(number) => number.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(text) => text.parse::<i32>().ok().or_else(|| {
            TYPE_NAMES
                .iter()
                .position(|name| name == text)
                .and_then(|index| i32::try_from(index).ok())
        }),
        _ => None,
    }
}

/// A `google.protobuf.Timestamp`; ProwJob times are whole seconds (`metav1.Time`).
pub(super) fn timestamp(at: Timestamp) -> Value {
    let whole = Timestamp::from_second(at.as_second()).unwrap_or(at);
    json!(whole.to_string())
}

/// A `JobExecution` with the scalar fields always present and the given message fields.
pub(super) fn job_execution(
    id: &str,
    job_name: &str,
    job_type: i32,
    status: ExecutionStatus,
    job_url: &str,
    messages: Map<String, Value>,
) -> Value {
    let mut execution = json!({
        "id": id,
        "job_name": job_name,
        "job_type": type_name(job_type),
        "job_status": status.as_str(),
        "gcs_path": "",
        "job_url": job_url,
    });
    execution
        .as_object_mut()
        .expect("a JSON object")
        .extend(messages);
    execution
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_read_by_name_or_number_and_print_by_name() {
        assert_eq!(parse_type(&json!("1")), Some(PERIODIC));
        assert_eq!(parse_type(&json!(2)), Some(POSTSUBMIT));
        assert_eq!(parse_type(&json!("PRESUBMIT")), Some(PRESUBMIT));
        assert_eq!(parse_type(&json!("NIGHTLY")), None);
        assert_eq!(type_name(4), "BATCH");
        assert_eq!(type_name(9), "9");
        assert_eq!(
            ExecutionStatus::parse("SUCCESS"),
            Some(ExecutionStatus::Success)
        );
        assert_eq!(
            ExecutionStatus::parse("7"),
            Some(ExecutionStatus::Scheduling)
        );
        assert_eq!(ExecutionStatus::parse("DONE"), None);
        assert_eq!(ExecutionStatus::Error.as_str(), "ERROR");
    }
}
