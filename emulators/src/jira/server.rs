//! The HTTP side of the emulated Jira: one handler that logs the request, applies any fault,
//! checks the credentials, and routes to search, comments or user lookup.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State as Shared};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Deployment;
use super::data::Renderer;
use super::{Fault, LoggedRequest, State, jql};

pub(super) async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<State>>) {
    let app = Router::new().fallback(handle).with_state(state);
    if let Err(error) = axum::serve(listener, app).await {
        tracing::error!(%error, "the emulated Jira stopped serving");
    }
}

/// An answer before it becomes an HTTP response.
struct Reply {
    status: u16,
    body: Value,
    retry_after: Option<u64>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body,
            retry_after: None,
        }
    }

    /// Jira's error shape.
    fn error(status: u16, message: &str) -> Self {
        Self::json(status, json!({"errorMessages": [message], "errors": {}}))
    }
}

async fn handle(
    Shared(state): Shared<Arc<Mutex<State>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let mut state = state.lock().expect("emulated Jira state poisoned");
    let reply = state.respond(&method, uri.path(), &query, &headers, &body);
    state.requests.push(LoggedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        query,
        status: reply.status,
    });
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(reply.body)).into_response();
    if let Some(seconds) = reply.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

impl State {
    fn respond(
        &mut self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Reply {
        let index = self.requests.len();
        let outage = self
            .outage
            .filter(|(from, _)| index >= *from)
            .map(|(_, fault)| fault);
        let fault = self.queued_faults.pop_front().or(outage);
        match fault {
            Some(Fault::Unauthorized) => unauthorized(),
            Some(Fault::ServerError(status)) => Reply::json(status, json!("Service Unavailable")),
            Some(Fault::TooManyRequests { retry_after_secs }) => Reply {
                retry_after: Some(retry_after_secs),
                ..Reply::error(429, "Rate limit exceeded.")
            },
            Some(Fault::LoseResponse) => {
                self.authorized(method, path, query, headers, body);
                Reply::json(504, json!("Gateway Timeout"))
            }
            None => self.authorized(method, path, query, headers, body),
        }
    }

    fn authorized(
        &mut self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        body: &[u8],
    ) -> Reply {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        if presented != Some(self.expected_authorization().as_str()) {
            return unauthorized();
        }
        let param = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let comment_key = path
            .strip_prefix("/rest/api/2/issue/")
            .and_then(|rest| rest.strip_suffix("/comment"));
        match (method, path, comment_key) {
            (&Method::GET, "/rest/api/2/search", _) => self.search(param),
            (&Method::GET, "/rest/api/2/user", _) => self.user(param),
            (&Method::GET, _, Some(key)) => self.list_comments(key, param),
            (&Method::POST, _, Some(key)) => self.post_comment(key, body),
            _ => Reply::error(404, &format!("null for uri: {path}")),
        }
    }

    fn renderer(&self) -> Renderer<'_> {
        Renderer {
            base_url: &self.base_url,
            deployment: self.options.deployment,
            users: &self.users,
        }
    }

    fn search<'q>(&self, param: impl Fn(&str) -> Option<&'q str>) -> Reply {
        let query = match jql::parse(param("jql").unwrap_or_default()) {
            Ok(query) => query,
            Err(message) => return Reply::error(400, &message),
        };
        let Some((start_at, asked)) = paging(&param, 50) else {
            return Reply::error(400, "startAt and maxResults must be whole numbers.");
        };
        let max_results = asked.min(self.options.max_results as usize);
        let fields: Option<Vec<String>> = param("fields")
            .filter(|fields| !matches!(*fields, "*all" | "*navigable"))
            .map(|fields| {
                fields
                    .split(',')
                    .map(|field| field.trim().to_string())
                    .collect()
            });
        let changelog =
            param("expand").is_some_and(|expand| expand.split(',').any(|e| e == "changelog"));
        let mut matching: Vec<(usize, _)> = self
            .issues
            .iter()
            .enumerate()
            .filter(|(_, issue)| issue.matches(&query))
            .collect();
        if query.descending {
            matching.reverse();
        }
        let renderer = self.renderer();
        let issues: Vec<Value> = matching
            .iter()
            .skip(start_at)
            .take(max_results)
            .map(|(index, issue)| {
                renderer.issue(10_000 + index, issue, fields.as_deref(), changelog)
            })
            .collect();
        Reply::json(
            200,
            json!({
                "expand": "schema,names",
                "startAt": start_at,
                "maxResults": max_results,
                "total": matching.len(),
                "issues": issues
            }),
        )
    }

    fn list_comments<'q>(&self, key: &str, param: impl Fn(&str) -> Option<&'q str>) -> Reply {
        if !self.issues.iter().any(|issue| issue.key == key) {
            return Reply::error(404, "Issue Does Not Exist");
        }
        let Some((start_at, max_results)) = paging(&param, 50) else {
            return Reply::error(400, "startAt and maxResults must be whole numbers.");
        };
        let all = self
            .comments
            .get(key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let renderer = self.renderer();
        let comments: Vec<Value> = all
            .iter()
            .skip(start_at)
            .take(max_results)
            .map(|comment| renderer.comment(key, comment))
            .collect();
        Reply::json(
            200,
            json!({"startAt": start_at, "maxResults": max_results, "total": all.len(), "comments": comments}),
        )
    }

    fn post_comment(&mut self, key: &str, body: &[u8]) -> Reply {
        if !self.issues.iter().any(|issue| issue.key == key) {
            return Reply::error(404, "Issue Does Not Exist");
        }
        let text = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|value| {
                value
                    .get("body")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .filter(|text| !text.trim().is_empty());
        let Some(text) = text else {
            return Reply::json(
                400,
                json!({"errorMessages": [], "errors": {"comment": "Comment body can not be empty!"}}),
            );
        };
        let (author, now) = (self.options.bot_user.clone(), self.options.clock.now());
        let comment = self.store_comment(key, &author, &text, now);
        Reply::json(201, self.renderer().comment(key, &comment))
    }

    fn user<'q>(&self, param: impl Fn(&str) -> Option<&'q str>) -> Reply {
        let (name, wanted) = match self.options.deployment {
            Deployment::Server => ("username", param("username")),
            Deployment::Cloud => ("accountId", param("accountId")),
        };
        let Some(wanted) = wanted else {
            return Reply::error(400, &format!("The parameter {name} is required."));
        };
        let found = self
            .users
            .values()
            .find(|user| match self.options.deployment {
                Deployment::Server => user.name == wanted,
                Deployment::Cloud => user.account_id == wanted,
            });
        match found {
            Some(user) => Reply::json(200, self.renderer().user(&user.name)),
            None => Reply::error(404, &format!("The user named '{wanted}' does not exist")),
        }
    }
}

fn unauthorized() -> Reply {
    Reply::error(
        401,
        "You are not authenticated. Authentication required to perform this operation.",
    )
}

/// `startAt` and `maxResults`, with Jira's defaults; `None` if either is not a number.
fn paging<'q>(
    param: &impl Fn(&str) -> Option<&'q str>,
    default_max: usize,
) -> Option<(usize, usize)> {
    let number =
        |name: &str, default: usize| param(name).map_or(Some(default), |value| value.parse().ok());
    Some((number("startAt", 0)?, number("maxResults", default_max)?))
}
