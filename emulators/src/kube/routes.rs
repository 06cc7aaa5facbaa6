//! The HTTP face: one handler that parses the path the way the API server's router does, works out
//! the verb (list / watch / get / create / update / patch / delete / deletecollection), logs the
//! request, applies fault-injection rules, and dispatches to `apiserver.rs` or `watch.rs`.
//!
//! Paths served:
//! - `/apis/{group}/{version}/namespaces/{ns}/{plural}` — list, watch, create, deletecollection
//! - `/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}` — get, update (PUT), patch, delete
//! - `/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}/status` — get, update, patch
//! - `/apis/{group}/{version}/{plural}` — list and watch across namespaces
//! - discovery (`/api`, `/apis`, `/apis/{group}[/{version}]`), `/version`, `/healthz`, `/readyz`
//!
//! The core group (`/api/v1/...`) is parsed the same way, for types registered with group `""`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::RequestRecord;
use super::apiserver::{
    self, DeleteOpts, FieldValidation, ListQuery, Part, Shared, Target, WriteOpts, lock,
};
use super::faults::{FaultAction, Verb};
use super::patch::PatchType;
use super::selector::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::watch::{self, WatchParams};

pub(crate) fn router(sh: Arc<Shared>) -> Router {
    Router::new().fallback(entry).with_state(sh)
}

/// A path naming a resource.
#[derive(Debug, Clone)]
struct ResourcePath {
    group: String,
    version: String,
    ns: Option<String>,
    plural: String,
    name: Option<String>,
    sub: Option<String>,
}

enum Route {
    Resource(ResourcePath),
    Discovery(Vec<String>),
    Health,
    Unknown,
}

fn parse_route(path: &str) -> Route {
    let segs: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let resource = |group: &str, version: &str, ns: Option<&str>, rest: &[&str]| -> Route {
        let (plural, name, sub) = match rest {
            [plural] => (*plural, None, None),
            [plural, name] => (*plural, Some(*name), None),
            [plural, name, sub] => (*plural, Some(*name), Some(*sub)),
            _ => return Route::Unknown,
        };
        if plural.is_empty() || name == Some("") {
            return Route::Unknown;
        }
        Route::Resource(ResourcePath {
            group: group.to_string(),
            version: version.to_string(),
            ns: ns.map(str::to_string),
            plural: plural.to_string(),
            name: name.map(str::to_string),
            sub: sub.map(str::to_string),
        })
    };
    match s.as_slice() {
        ["healthz" | "readyz" | "livez"] => Route::Health,
        ["version"] | ["api"] | ["apis"] | ["apis", _] | ["apis", _, _] | ["api", _] => {
            Route::Discovery(segs.clone())
        }
        ["apis", g, v, "namespaces", ns, rest @ ..] if !rest.is_empty() => {
            resource(g, v, Some(ns), rest)
        }
        ["api", v, "namespaces", ns, rest @ ..] if !rest.is_empty() => {
            resource("", v, Some(ns), rest)
        }
        ["apis", g, v, rest @ ..] => resource(g, v, None, rest),
        ["api", v, rest @ ..] => resource("", v, None, rest),
        _ => Route::Unknown,
    }
}

fn verb_of(method: &Method, p: &ResourcePath, params: &HashMap<String, String>) -> Option<Verb> {
    let watch = params.get("watch").is_some_and(|w| w == "true" || w == "1");
    Some(match (method, &p.name) {
        (&Method::GET, _) if watch => Verb::Watch,
        (&Method::GET, None) => Verb::List,
        (&Method::GET, Some(_)) => Verb::Get,
        (&Method::POST, None) => Verb::Create,
        (&Method::PUT, Some(_)) => Verb::Update,
        (&Method::PATCH, Some(_)) => Verb::Patch,
        (&Method::DELETE, Some(_)) => Verb::Delete,
        (&Method::DELETE, None) => Verb::DeleteCollection,
        _ => return None,
    })
}

async fn wait_for_shutdown(sh: &Shared) {
    let mut rx = sh.shutdown.subscribe();
    let _ = rx.wait_for(|stopped| *stopped).await;
}

async fn entry(State(sh): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let params: HashMap<String, String> =
        Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let route = parse_route(&path);
    let (verb, plural, name) = match &route {
        Route::Resource(p) => (
            verb_of(&parts.method, p, &params),
            Some(p.plural.clone()),
            p.name.clone(),
        ),
        _ => (None, None, None),
    };
    let idx = {
        let mut log = lock(&sh.log);
        log.push(RequestRecord {
            method: parts.method.to_string(),
            path: path.clone(),
            query: parts.uri.query().unwrap_or_default().to_string(),
            verb,
            plural: plural.clone(),
            name: name.clone(),
            status: None,
        });
        log.len() - 1
    };

    let fault = match (verb, &plural) {
        (Some(v), Some(p)) => lock(&sh.faults).take(v, p, name.as_deref()),
        _ => None,
    };
    let handle = || dispatch(&sh, route, verb, &parts, &params, body);
    let resp = match fault {
        None => handle().await,
        Some(FaultAction::Status { code, retry_after }) => {
            ApiError::injected(code, retry_after).into_response()
        }
        Some(FaultAction::Delay(d)) => {
            tokio::select! {
                _ = tokio::time::sleep(d) => handle().await,
                _ = wait_for_shutdown(&sh) => ApiError::injected(503, None).into_response(),
            }
        }
        Some(FaultAction::Hang) => {
            wait_for_shutdown(&sh).await;
            ApiError::injected(503, None).into_response()
        }
        Some(FaultAction::CommitThenStatus(code)) => {
            drop(handle().await);
            ApiError::injected(code, None).into_response()
        }
        Some(FaultAction::CommitThenHang) => {
            drop(handle().await);
            wait_for_shutdown(&sh).await;
            ApiError::injected(503, None).into_response()
        }
    };
    if let Some(rec) = lock(&sh.log).get_mut(idx) {
        rec.status = Some(resp.status().as_u16());
    }
    resp
}

async fn dispatch(
    sh: &Arc<Shared>,
    route: Route,
    verb: Option<Verb>,
    parts: &axum::http::request::Parts,
    params: &HashMap<String, String>,
    body: Body,
) -> Response {
    let body = match axum::body::to_bytes(body, 64 << 20).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::bad_request(format!("unable to read the request body: {e}"))
                .into_response();
        }
    };
    match route {
        Route::Resource(p) => {
            match serve_resource(sh, p, verb, &parts.method, &parts.headers, params, &body) {
                Ok(r) => r,
                Err(e) => e.into_response(),
            }
        }
        Route::Discovery(segs) => discovery(sh, &segs),
        Route::Health => "ok".into_response(),
        Route::Unknown => ApiError::unknown_path().into_response(),
    }
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    if ct.contains("yaml") {
        serde_yaml_ng::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error converting YAML to JSON: {e}")))
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })
    }
}

fn write_opts(params: &HashMap<String, String>) -> Result<WriteOpts, ApiError> {
    let field_validation = match params.get("fieldValidation").map(String::as_str) {
        None | Some("") | Some("Warn") => FieldValidation::Warn,
        Some("Strict") => FieldValidation::Strict,
        Some("Ignore") => FieldValidation::Ignore,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "fieldValidation: Unsupported value: {other:?}: supported values: \"Ignore\", \"Strict\", \"Warn\""
            )));
        }
    };
    let dry_run = match params.get("dryRun").map(String::as_str) {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "dryRun: Unsupported value: {other:?}: supported values: \"All\""
            )));
        }
    };
    Ok(WriteOpts {
        dry_run,
        field_validation,
        admission: true,
        keep_status: false,
    })
}

fn list_query(params: &HashMap<String, String>) -> Result<ListQuery, ApiError> {
    let labels = match params.get("labelSelector") {
        Some(s) => LabelSelector::parse(s).map_err(ApiError::bad_request)?,
        None => LabelSelector::default(),
    };
    let fields = match params.get("fieldSelector") {
        Some(s) => FieldSelector::parse(s).map_err(ApiError::bad_request)?,
        None => FieldSelector::default(),
    };
    let limit = match params.get("limit").filter(|l| !l.is_empty()) {
        Some(l) => Some(l.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!(
                "limit: Invalid value: {l:?}: must be a non-negative integer"
            ))
        })?),
        None => None,
    };
    let resource_version_match = params
        .get("resourceVersionMatch")
        .filter(|m| !m.is_empty())
        .cloned();
    if let Some(m) = &resource_version_match
        && m != "Exact"
        && m != "NotOlderThan"
    {
        return Err(ApiError::bad_request(format!(
            "resourceVersionMatch: Unsupported value: {m:?}: supported values: \"Exact\", \"NotOlderThan\""
        )));
    }
    Ok(ListQuery {
        labels,
        fields,
        limit,
        continue_token: params.get("continue").filter(|c| !c.is_empty()).cloned(),
        resource_version: params.get("resourceVersion").cloned(),
        resource_version_match,
    })
}

fn json_response(code: StatusCode, value: &Value, warnings: &[String]) -> Response {
    let mut resp = (code, serde_json::to_vec(value).unwrap_or_default()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for w in warnings {
        if let Ok(v) = HeaderValue::from_str(&format!("299 - {w:?}")) {
            h.append(header::WARNING, v);
        }
    }
    resp
}

fn serve_resource(
    sh: &Arc<Shared>,
    p: ResourcePath,
    verb: Option<Verb>,
    method: &Method,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    body: &[u8],
) -> Result<Response, ApiError> {
    let Some(ty) = sh.registry().lookup(&p.group, &p.version, &p.plural) else {
        return Err(ApiError::unknown_path());
    };
    // Namespaced types need a namespace except for cross-namespace list/watch; cluster-scoped
    // types never take one.
    let cross_namespace = p.ns.is_none() && ty.namespaced;
    if (p.ns.is_some() && !ty.namespaced) || (cross_namespace && p.name.is_some()) {
        return Err(ApiError::unknown_path());
    }
    let part = match p.sub.as_deref() {
        None => Part::Main,
        Some("status") if ty.version(&p.version).is_some_and(|v| v.status_subresource) => {
            Part::Status
        }
        Some(_) => return Err(ApiError::unknown_path()),
    };
    let Some(verb) = verb else {
        return Err(ApiError::method_not_allowed(format!(
            "the server does not allow this method on the requested resource ({method})"
        )));
    };
    if cross_namespace && !matches!(verb, Verb::List | Verb::Watch) {
        return Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    if part == Part::Status && !matches!(verb, Verb::Get | Verb::Update | Verb::Patch) {
        return Err(ApiError::method_not_allowed(
            "the server does not allow this method on the requested resource",
        ));
    }
    let t = Target {
        ty,
        version: p.version.clone(),
        ns: p.ns.clone(),
    };
    let name = p.name.clone().unwrap_or_default();
    match verb {
        Verb::Get => Ok(json_response(
            StatusCode::OK,
            &apiserver::get(sh, &t, &name)?,
            &[],
        )),
        Verb::List => Ok(json_response(
            StatusCode::OK,
            &apiserver::list(sh, &t, &list_query(params)?)?,
            &[],
        )),
        Verb::Watch => {
            let mut query = list_query(params)?;
            if p.name.is_some() {
                query.fields = FieldSelector::parse(&format!("metadata.name={name}"))
                    .map_err(ApiError::bad_request)?;
            }
            let timeout = match params.get("timeoutSeconds").filter(|s| !s.is_empty()) {
                Some(s) => Some(Duration::from_secs(s.parse().map_err(|_| {
                    ApiError::bad_request(format!(
                        "timeoutSeconds: Invalid value: {s:?}: must be a non-negative integer"
                    ))
                })?)),
                None => None,
            };
            let flag = |k: &str| params.get(k).is_some_and(|v| v == "true" || v == "1");
            watch::watch(
                sh.clone(),
                t,
                WatchParams {
                    resource_version: query.resource_version.clone(),
                    timeout,
                    bookmarks: flag("allowWatchBookmarks"),
                    send_initial_events: flag("sendInitialEvents"),
                    query,
                },
            )
        }
        Verb::Create => {
            let w = apiserver::create(sh, &t, parse_body(headers, body)?, &write_opts(params)?)?;
            Ok(json_response(StatusCode::CREATED, &w.object, &w.warnings))
        }
        Verb::Update => {
            let w = apiserver::update(
                sh,
                &t,
                &name,
                parse_body(headers, body)?,
                part,
                &write_opts(params)?,
            )?;
            Ok(json_response(StatusCode::OK, &w.object, &w.warnings))
        }
        Verb::Patch => {
            let ct = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let ptype = PatchType::from_content_type(ct)?;
            if ptype == PatchType::Apply && params.get("fieldManager").is_none_or(String::is_empty)
            {
                return Err(ApiError::bad_request(
                    "PATCH requests with apply content type must have a fieldManager query parameter",
                ));
            }
            let patch_body = parse_body(headers, body)?;
            let w = apiserver::patch(
                sh,
                &t,
                &name,
                ptype,
                &patch_body,
                part,
                &write_opts(params)?,
            )?;
            let code = if w.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(code, &w.object, &w.warnings))
        }
        Verb::Delete | Verb::DeleteCollection => {
            let mut opts = if body.iter().all(u8::is_ascii_whitespace) {
                DeleteOpts::default()
            } else {
                DeleteOpts::from_body(&parse_body(headers, body)?)
            };
            opts.dry_run |= params.get("dryRun").is_some_and(|d| d == "All");
            let out = if verb == Verb::Delete {
                apiserver::delete(sh, &t, &name, &opts)?
            } else {
                apiserver::delete_collection(sh, &t, &list_query(params)?, &opts)?
            };
            Ok(json_response(StatusCode::OK, &out, &[]))
        }
    }
}

/// Discovery documents, enough for `kubectl` and kube's discovery client.
fn discovery(sh: &Shared, segs: &[String]) -> Response {
    let reg = sh.registry();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let group_doc = |g: &str| -> Option<Value> {
        let versions: Vec<String> = {
            let mut v: Vec<String> = reg
                .all()
                .filter(|t| t.group == g)
                .flat_map(|t| {
                    t.versions
                        .iter()
                        .filter(|v| v.served)
                        .map(|v| v.name.clone())
                })
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let preferred = versions.first()?.clone();
        let gv = |v: &str| json!({"groupVersion": format!("{g}/{v}"), "version": v});
        Some(json!({
            "kind": "APIGroup",
            "apiVersion": "v1",
            "name": g,
            "versions": versions.iter().map(|v| gv(v)).collect::<Vec<_>>(),
            "preferredVersion": gv(&preferred),
        }))
    };
    let resources = |g: &str, v: &str| -> Value {
        let mut out = Vec::new();
        for t in reg.all().filter(|t| t.group == g) {
            let Some(ver) = t.version(v) else { continue };
            out.push(json!({
                "name": t.plural,
                "singularName": t.singular,
                "namespaced": t.namespaced,
                "kind": t.kind,
                "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
                "shortNames": t.short_names,
                "storageVersionHash": "",
            }));
            if ver.status_subresource {
                out.push(json!({
                    "name": format!("{}/status", t.plural),
                    "singularName": "",
                    "namespaced": t.namespaced,
                    "kind": t.kind,
                    "verbs": ["get", "patch", "update"],
                }));
            }
        }
        let gv = if g.is_empty() {
            v.to_string()
        } else {
            format!("{g}/{v}")
        };
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out})
    };
    let doc = match s.as_slice() {
        ["version"] => Some(json!({
            "major": "1",
            "minor": "33",
            "gitVersion": "v1.33.0-gatebot-sandbox",
            "gitCommit": "",
            "gitTreeState": "clean",
            "buildDate": "",
            "goVersion": "",
            "compiler": "gc",
            "platform": "linux/amd64",
        })),
        ["api"] => Some(
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
        ),
        ["api", v] => Some(resources("", v)),
        ["apis"] => {
            let mut groups: Vec<String> = reg
                .all()
                .map(|t| t.group.clone())
                .filter(|g| !g.is_empty())
                .collect();
            groups.dedup();
            Some(json!({
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": groups.iter().filter_map(|g| group_doc(g)).collect::<Vec<_>>(),
            }))
        }
        ["apis", g] => group_doc(g),
        ["apis", g, v] if reg.all().any(|t| t.group == *g && t.version(v).is_some()) => {
            Some(resources(g, v))
        }
        _ => None,
    };
    match doc {
        Some(d) => json_response(StatusCode::OK, &d, &[]),
        None => ApiError::unknown_path().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_like_the_api_server_router() {
        let Route::Resource(p) =
            parse_route("/apis/appstudio.redhat.com/v1alpha1/namespaces/ns1/releases/r1/status")
        else {
            panic!("not a resource path");
        };
        assert_eq!(
            (p.group.as_str(), p.ns.as_deref(), p.plural.as_str()),
            ("appstudio.redhat.com", Some("ns1"), "releases")
        );
        assert_eq!(
            (p.name.as_deref(), p.sub.as_deref()),
            (Some("r1"), Some("status"))
        );
        let Route::Resource(p) = parse_route("/apis/appstudio.redhat.com/v1alpha1/snapshots")
        else {
            panic!()
        };
        assert_eq!((p.ns, p.plural.as_str()), (None, "snapshots"));
        assert!(matches!(
            parse_route("/apis/appstudio.redhat.com/v1alpha1"),
            Route::Discovery(_)
        ));
        assert!(matches!(parse_route("/nope"), Route::Unknown));
        assert!(matches!(
            parse_route("/apis/g/v/namespaces/ns/p/n/status/extra"),
            Route::Unknown
        ));
    }
}
