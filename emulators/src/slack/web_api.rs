//! The Web API at `/api/<method>`: it reads the arguments, checks the token, applies queued
//! faults, answers the methods gatebot uses, and logs every call (never its token).
//!
//! As on real Slack, errors are HTTP 200 with `{"ok":false,"error":<code>}`; only rate limiting
//! uses another status, 429 with `Retry-After`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;
use super::faults::Fault;
use super::params::Params;

/// One Web API call as the emulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// The Slack method, e.g. `chat.postMessage`.
    pub method: String,
    /// `GET` or `POST`.
    pub http_method: String,
    pub status: u16,
    /// The `error` code of an `ok:false` answer.
    pub error: Option<String>,
    pub at: Instant,
}

/// An answer before it becomes an HTTP response.
#[derive(Debug)]
pub(super) struct Reply {
    status: StatusCode,
    body: Value,
    retry_after: Option<u64>,
}

impl Reply {
    /// `{"ok":true,…}` with the fields of `body`.
    pub fn ok(mut body: Value) -> Self {
        body["ok"] = json!(true);
        Self {
            status: StatusCode::OK,
            body,
            retry_after: None,
        }
    }

    pub fn error(code: &str) -> Self {
        Self {
            status: StatusCode::OK,
            body: json!({"ok": false, "error": code}),
            retry_after: None,
        }
    }

    /// `invalid_blocks` with Slack's per-field `errors` and their `[ERROR]` messages.
    pub fn invalid_blocks(errors: Vec<String>) -> Self {
        let mut reply = Self::error("invalid_blocks");
        let messages: Vec<String> = errors
            .iter()
            .map(|error| format!("[ERROR] {error}"))
            .collect();
        reply.body["errors"] = json!(errors);
        reply.body["response_metadata"] = json!({"messages": messages});
        reply
    }

    /// Adds a warning the way Slack reports one next to a success.
    pub fn with_warning(mut self, code: &str, message: &str) -> Self {
        self.body["warning"] = json!(code);
        self.body["response_metadata"] = json!({"messages": [message], "warnings": [code]});
        self
    }

    fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: json!({"ok": false, "error": "ratelimited"}),
            retry_after: Some(retry_after_secs),
        }
    }

    /// What a client gets when Slack carried the call out but its answer was lost on the way:
    /// the edge's 504, with no Slack body.
    fn answer_lost() -> Self {
        Self {
            status: StatusCode::GATEWAY_TIMEOUT,
            body: json!({}),
            retry_after: None,
        }
    }

    fn error_code(&self) -> Option<String> {
        self.body["error"].as_str().map(str::to_string)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The methods the emulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApiMethod {
    AppsConnectionsOpen,
    ChatPostMessage,
    ChatUpdate,
    ChatPostEphemeral,
    ChatGetPermalink,
    ConversationsReplies,
    ConversationsHistory,
    UsersInfo,
    UsergroupsUsersList,
}

impl ApiMethod {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "apps.connections.open" => Self::AppsConnectionsOpen,
            "chat.postMessage" => Self::ChatPostMessage,
            "chat.update" => Self::ChatUpdate,
            "chat.postEphemeral" => Self::ChatPostEphemeral,
            "chat.getPermalink" => Self::ChatGetPermalink,
            "conversations.replies" => Self::ConversationsReplies,
            "conversations.history" => Self::ConversationsHistory,
            "users.info" => Self::UsersInfo,
            "usergroups.users.list" => Self::UsergroupsUsersList,
            _ => return None,
        })
    }

    /// Only `apps.connections.open` takes the app-level token; the rest take the bot token.
    fn takes_app_token(self) -> bool {
        self == Self::AppsConnectionsOpen
    }
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    http_method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let reply = match Params::parse(&uri, &headers, &body) {
        Ok(params) => shared.answer(&method, &http_method, &headers, &params),
        Err(code) => Reply::error(code),
    };
    shared.lock().requests.push(ApiRequest {
        method,
        http_method: http_method.to_string(),
        status: reply.status.as_u16(),
        error: reply.error_code(),
        at: Instant::now(),
    });
    reply
}

impl Shared {
    fn answer(
        &self,
        name: &str,
        http_method: &Method,
        headers: &HeaderMap,
        params: &Params,
    ) -> Reply {
        let Some(method) = ApiMethod::named(name) else {
            return Reply::error("unknown_method");
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::to_string);
        // The app-level token is accepted only in the header (docs: "passing it as a POST
        // parameter will result in an error").
        let token = if method.takes_app_token() {
            bearer
        } else {
            bearer.or_else(|| params.text("token"))
        };
        if let Err(code) = self.authenticate(method, token.as_deref()) {
            return Reply::error(code);
        }
        let mut state = self.lock();
        let answer_lost = match state.faults.take(name) {
            Some(Fault::RateLimited { retry_after_secs }) => {
                return Reply::rate_limited(retry_after_secs);
            }
            Some(Fault::Error(code)) => return Reply::error(&code),
            Some(Fault::AnswerLost) => true,
            None => false,
        };
        let reply = self.carry_out(method, &mut state, http_method, params);
        if answer_lost {
            Reply::answer_lost()
        } else {
            reply
        }
    }

    fn carry_out(
        &self,
        method: ApiMethod,
        state: &mut super::State,
        http_method: &Method,
        params: &Params,
    ) -> Reply {
        match method {
            ApiMethod::AppsConnectionsOpen if http_method != Method::POST => {
                Reply::error("insecure_request")
            }
            ApiMethod::AppsConnectionsOpen => {
                let ticket = state.ids.ticket();
                let url = self.socket_url(&ticket);
                state.connections.issue_ticket(ticket);
                Reply::ok(json!({"url": url}))
            }
            ApiMethod::ChatPostMessage => self.post_message(state, params),
            ApiMethod::ChatUpdate => self.update_message(state, params),
            ApiMethod::ChatPostEphemeral => self.post_ephemeral(state, params),
            ApiMethod::ChatGetPermalink => self.permalink(state, params),
            ApiMethod::ConversationsReplies => self.replies(state, params),
            ApiMethod::ConversationsHistory => self.history(state, params),
            ApiMethod::UsersInfo => self.user_info(params),
            ApiMethod::UsergroupsUsersList => self.usergroup_members(params),
        }
    }

    fn authenticate(&self, method: ApiMethod, token: Option<&str>) -> Result<(), &'static str> {
        let workspace = &self.workspace;
        let (expected, other) = if method.takes_app_token() {
            (&workspace.app_token, &workspace.bot_token)
        } else {
            (&workspace.bot_token, &workspace.app_token)
        };
        match token {
            None => Err("not_authed"),
            Some(token) if token == expected => Ok(()),
            Some(token) if token == other => Err("not_allowed_token_type"),
            Some(_) => Err("invalid_auth"),
        }
    }
}
