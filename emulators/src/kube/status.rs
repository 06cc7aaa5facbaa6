//! Errors as the real API server sends them: a `meta/v1` `Status` body with `reason`, `code` and,
//! for validation failures, `details.causes[]` naming each field.
//!
//! kube's `Status::is_already_exists()` reads only `reason`, and the other `is_*` helpers read the
//! reason first, so every error path of the emulator goes through [`ApiError`] and never answers
//! with a bare status code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::registry::ResourceType;

/// One failed request, rendered as a `Status` body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    /// `StatusReason`: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, … (may be empty, as
    /// for webhook denials that carry none).
    pub reason: String,
    pub message: String,
    pub details: Option<Value>,
    /// Sent as the `Retry-After` header and `details.retryAfterSeconds`.
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.to_string(),
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// `releases.appstudio.redhat.com "x" not found`
    pub fn not_found(ty: &ResourceType, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", ty.group_resource()),
        )
        .with_details(json!({"name": name, "group": ty.group, "kind": ty.plural}))
    }

    /// The answer for a path that names no known resource.
    pub fn unknown_path() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    /// `releases.appstudio.redhat.com "x" already exists`
    pub fn already_exists(ty: &ResourceType, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", ty.group_resource()),
        )
        .with_details(json!({"name": name, "group": ty.group, "kind": ty.plural}))
    }

    /// A write carrying a stale `metadata.resourceVersion`.
    pub fn conflict(ty: &ResourceType, name: &str) -> Self {
        Self::conflict_because(
            ty,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// `Operation cannot be fulfilled on releases.appstudio.redhat.com "x": <why>`
    pub fn conflict_because(ty: &ResourceType, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                ty.group_resource()
            ),
        )
        .with_details(json!({"name": name, "group": ty.group, "kind": ty.plural}))
    }

    /// 422 with one cause per field error, message
    /// `Release.appstudio.redhat.com "x" is invalid: spec.snapshot: Required value`.
    pub fn invalid(ty: &ResourceType, name: &str, errors: &[FieldError]) -> Self {
        let summary = match errors {
            [one] => one.to_string(),
            many => format!(
                "[{}]",
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let causes: Vec<Value> = errors
            .iter()
            .map(|e| json!({"reason": e.kind.reason(), "message": e.body(), "field": e.field}))
            .collect();
        Self::new(
            422,
            "Invalid",
            format!("{}.{} \"{name}\" is invalid: {summary}", ty.kind, ty.group),
        )
        .with_details(json!({"name": name, "group": ty.group, "kind": ty.kind, "causes": causes}))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message).with_details(json!({}))
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {content_type:?})"
            ),
        )
    }

    /// What the API server answers when an admission webhook denies a request.
    pub fn webhook_denied(webhook: &str, code: u16, reason: &str, message: &str) -> Self {
        Self::new(
            code,
            reason,
            format!("admission webhook \"{webhook}\" denied the request: {message}"),
        )
    }

    /// 500 `InternalError`, as the server wraps unexpected failures.
    pub fn internal(message: &str) -> Self {
        Self::new(
            500,
            "InternalError",
            format!("Internal error occurred: {message}"),
        )
        .with_details(json!({"causes": [{"message": message}]}))
    }

    /// 410 `Expired`: the resource version or continue token is older than the kept history.
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// The canned error for a fault-injection rule answering `code`.
    pub fn injected(code: u16, retry_after: Option<u32>) -> Self {
        let (reason, message) = match code {
            400 => (
                "BadRequest",
                "the server rejected our request for an unknown reason",
            ),
            401 => ("Unauthorized", "Unauthorized"),
            403 => ("Forbidden", "forbidden: injected fault"),
            404 => (
                "NotFound",
                "the server could not find the requested resource",
            ),
            409 => ("Conflict", "the server reported a conflict"),
            410 => ("Expired", "the resource version requested is too old"),
            422 => (
                "Invalid",
                "the server rejected our request due to an error in our request",
            ),
            429 => (
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ),
            500 => (
                "InternalError",
                "an error on the server (\"injected fault\") has prevented the request from succeeding",
            ),
            503 => (
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            504 => (
                "Timeout",
                "the server was unable to return a response in the time allotted, but may still be processing the request",
            ),
            _ => ("", "injected fault"),
        };
        let mut err = Self::new(code, reason, message);
        err.retry_after = retry_after;
        if let Some(secs) = retry_after {
            err.details = Some(json!({"retryAfterSeconds": secs}));
        }
        err
    }

    /// The `Status` object, as sent in a body or inside a watch `ERROR` event.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if self.reason.is_empty() {
            status.as_object_mut().map(|m| m.remove("reason"));
        }
        if let Some(details) = &self.details {
            status["details"] = details.clone();
        }
        status
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.to_status()).unwrap_or_default();
        let mut resp = (code, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// The kinds of `field.Error` the API server reports, with their `reason` strings.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldErrorKind {
    Required,
    Invalid(Value),
    TypeInvalid(Value),
    NotSupported(Value, Vec<Value>),
    TooLong(usize),
    TooMany(usize, usize),
    Duplicate(Value),
    Forbidden,
}

impl FieldErrorKind {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Required => "FieldValueRequired",
            Self::Invalid(_) => "FieldValueInvalid",
            Self::TypeInvalid(_) => "FieldValueTypeInvalid",
            Self::NotSupported(..) => "FieldValueNotSupported",
            Self::TooLong(_) => "FieldValueTooLong",
            Self::TooMany(..) => "FieldValueTooMany",
            Self::Duplicate(_) => "FieldValueDuplicate",
            Self::Forbidden => "FieldValueForbidden",
        }
    }
}

/// One `field.Error`: the field path (`spec.snapshot`), what is wrong, and a detail sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub kind: FieldErrorKind,
    pub detail: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, kind: FieldErrorKind, detail: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            kind,
            detail: detail.into(),
        }
    }

    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(field, FieldErrorKind::Required, detail)
    }

    pub fn invalid(field: impl Into<String>, value: Value, detail: impl Into<String>) -> Self {
        Self::new(field, FieldErrorKind::Invalid(value), detail)
    }

    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(field, FieldErrorKind::Forbidden, detail)
    }

    /// `field.Error.ErrorBody()`: the text after `field: `, used as `causes[].message`.
    pub fn body(&self) -> String {
        let head = match &self.kind {
            FieldErrorKind::Required => "Required value".to_string(),
            FieldErrorKind::Forbidden => "Forbidden".to_string(),
            FieldErrorKind::Invalid(v) | FieldErrorKind::TypeInvalid(v) => {
                format!("Invalid value: {}", go_value(v))
            }
            FieldErrorKind::NotSupported(v, allowed) => {
                let allowed: Vec<String> = allowed.iter().map(go_value).collect();
                format!(
                    "Unsupported value: {}: supported values: {}",
                    go_value(v),
                    allowed.join(", ")
                )
            }
            FieldErrorKind::TooLong(max) => format!("Too long: may not be more than {max} bytes"),
            FieldErrorKind::TooMany(actual, max) => {
                format!("Too many: {actual}: must have at most {max} items")
            }
            FieldErrorKind::Duplicate(v) => format!("Duplicate value: {}", go_value(v)),
        };
        if self.detail.is_empty() {
            head
        } else {
            format!("{head}: {}", self.detail)
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Render a value roughly as Go's `%#v` does in field errors: strings quoted, numbers bare.
pub fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_error_bodies_read_like_the_api_server() {
        let e = FieldError::required("spec.snapshot", "");
        assert_eq!(e.to_string(), "spec.snapshot: Required value");
        let e = FieldError::invalid(
            "spec.snapshot",
            json!("Bad_Name"),
            "spec.snapshot in body should match '^[a-z]$'",
        );
        assert_eq!(
            e.body(),
            "Invalid value: \"Bad_Name\": spec.snapshot in body should match '^[a-z]$'"
        );
    }

    #[test]
    fn status_without_reason_omits_the_field() {
        let s = ApiError::new(400, "", "nope").to_status();
        assert!(s.get("reason").is_none());
        assert_eq!(s["code"], 400);
    }
}
