//! What the API server does with a request once it knows the resource, without the HTTP: the
//! create / update / patch / delete pipelines and the reads. The HTTP handlers (`routes.rs`) and
//! the test-side API (`KubeEmulator::insert` and friends) both call these.
//!
//! A write goes through the stages of the real server, in its order: decode (`ObjectMeta`, prune
//! unknown fields, apply schema defaults) → server-owned fields (uid, timestamps, generation,
//! `generateName`, status reset on create, status/spec split on update) → mutating admission →
//! validation (metadata + schema) → validating admission → resourceVersion / existence checks →
//! commit (one new resourceVersion, one watch event). An update that changes nothing commits
//! nothing and keeps its resourceVersion, as on a real cluster.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

use super::RequestRecord;
use super::admission;
use super::faults::Faults;
use super::meta;
use super::patch::{self, PatchType};
use super::registry::{Registry, ResourceType, api_version};
use super::selector::{FieldSelector, LabelSelector};
use super::status::{ApiError, FieldError, FieldErrorKind};
use super::store::{GroupResource, Key, Store};
use crate::clock::Clock;

/// Everything the server task and the test handle share.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    pub registry: RwLock<Registry>,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Vec<RequestRecord>>,
    pub clock: Arc<dyn Clock>,
    pub user: RwLock<String>,
    /// Bumped by `drop_watches()`: every open watch stream is cut.
    pub drop_watches: watch::Sender<u64>,
    /// Set to `true` on shutdown: watches end, hanging requests return.
    pub shutdown: watch::Sender<bool>,
    pub bookmark_interval: Duration,
    /// Watch streams currently open.
    pub open_watches: AtomicUsize,
}

/// Lock a mutex, ignoring poisoning (a panicking test thread must not wedge the emulator).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub fn user(&self) -> String {
        self.user.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The resource (and version, and namespace) a request is about.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub ty: Arc<ResourceType>,
    pub version: String,
    /// `None`: all namespaces (cluster-wide list/watch).
    pub ns: Option<String>,
}

impl Target {
    pub fn gr(&self) -> GroupResource {
        GroupResource {
            group: self.ty.group.clone(),
            resource: self.ty.plural.clone(),
        }
    }

    pub fn api_version(&self) -> String {
        api_version(&self.ty.group, &self.version)
    }

    fn ns(&self) -> &str {
        self.ns.as_deref().unwrap_or_default()
    }

    fn schema(&self) -> Option<Arc<super::schema::CrdSchema>> {
        self.ty
            .version(&self.version)
            .and_then(|v| v.schema.clone())
    }

    fn status_subresource(&self) -> bool {
        self.ty
            .version(&self.version)
            .is_some_and(|v| v.status_subresource)
    }

    /// An object as served at this version (the stored apiVersion may name another version).
    pub fn present(&self, obj: &Value) -> Value {
        let mut out = obj.clone();
        out["apiVersion"] = Value::String(self.api_version());
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

/// How a write is to be handled.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteOpts {
    pub dry_run: bool,
    pub field_validation: FieldValidation,
    /// Run the admission webhooks (false for objects a test inserts as existing cluster state).
    pub admission: bool,
    /// Keep `status` on create (test-side inserts only; a real create drops it).
    pub keep_status: bool,
}

/// Which part of the object an update writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Main,
    Status,
    /// Test-side replace: the whole object, status included, no admission.
    Whole,
}

pub(crate) struct Written {
    pub object: Value,
    pub warnings: Vec<String>,
    pub created: bool,
}

fn name_of(obj: &Value) -> &str {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn rv_of(obj: &Value) -> &str {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn set_meta(obj: &mut Value, field: &str, value: Option<&Value>) {
    match value {
        Some(v) => obj["metadata"][field] = v.clone(),
        None => {
            obj["metadata"].as_object_mut().map(|m| m.remove(field));
        }
    }
}

/// Decode an incoming object: kind/apiVersion, namespace, `ObjectMeta`, pruning, defaults.
fn decode(t: &Target, obj: &mut Value, o: &WriteOpts) -> Result<Vec<String>, ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: expected an object",
            t.ty.kind
        )));
    }
    match obj["kind"].as_str() {
        None | Some("") => {
            return Err(ApiError::bad_request(format!(
                "Object 'Kind' is missing in '{}'",
                serde_json::to_string(obj).unwrap_or_default()
            )));
        }
        Some(k) if k != t.ty.kind => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                t.ty.kind
            )));
        }
        Some(_) => {}
    }
    let want = t.api_version();
    match obj["apiVersion"].as_str() {
        Some(v) if v == want => {}
        other => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({}) does not match the expected API version ({want})",
                other.unwrap_or_default()
            )));
        }
    }
    let mut unknown = meta::decode(obj)?;
    match obj.pointer("/metadata/namespace").and_then(Value::as_str) {
        _ if !t.ty.namespaced => set_meta(obj, "namespace", None),
        None | Some("") => obj["metadata"]["namespace"] = Value::String(t.ns().to_string()),
        Some(ns) if ns != t.ns() => {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        Some(_) => {}
    }
    if let Some(schema) = t.schema() {
        unknown.extend(schema.prune(obj));
        schema.apply_defaults(obj);
    }
    let warnings: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect();
    match o.field_validation {
        FieldValidation::Strict if !unknown.is_empty() => Err(ApiError::bad_request(format!(
            "strict decoding error: {}",
            warnings.join(", ")
        ))),
        FieldValidation::Warn => Ok(warnings),
        _ => Ok(Vec::new()),
    }
}

/// Re-prune and re-default after a mutating webhook changed the object.
fn redecode(t: &Target, obj: &mut Value) {
    if let Some(schema) = t.schema() {
        schema.prune(obj);
        schema.apply_defaults(obj);
    }
}

fn validate(t: &Target, obj: &Value) -> Result<(), ApiError> {
    let mut errs = meta::validate(obj);
    if let Some(schema) = t.schema() {
        errs.extend(schema.validate(obj));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&t.ty, name_of(obj), &errs))
    }
}

/// POST: create a new object.
pub(crate) fn create(
    sh: &Shared,
    t: &Target,
    body: Value,
    o: &WriteOpts,
) -> Result<Written, ApiError> {
    let user = sh.user();
    let now = meta::timestamp(sh.clock.now());
    let mut store = sh.store();
    create_locked(&mut store, t, body, o, &user, &now)
}

fn create_locked(
    store: &mut Store,
    t: &Target,
    body: Value,
    o: &WriteOpts,
    user: &str,
    now: &str,
) -> Result<Written, ApiError> {
    let mut obj = body;
    let warnings = decode(t, &mut obj, o)?;
    if !rv_of(&obj).is_empty() {
        return Err(ApiError::new(
            500,
            "",
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let gr = t.gr();
    if name_of(&obj).is_empty()
        && let Some(prefix) = obj
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .map(str::to_string)
        && !prefix.is_empty()
    {
        let name = loop {
            let candidate = meta::generate_name(&prefix);
            if store
                .get(&gr, &(t.ns().to_string(), candidate.clone()))
                .is_none()
            {
                break candidate;
            }
        };
        obj["metadata"]["name"] = Value::String(name);
    }
    obj["metadata"]["uid"] = Value::String(meta::new_uid());
    obj["metadata"]["creationTimestamp"] = Value::String(now.to_string());
    obj["metadata"]["generation"] = json!(1);
    set_meta(&mut obj, "deletionTimestamp", None);
    set_meta(&mut obj, "deletionGracePeriodSeconds", None);
    if t.status_subresource() && !o.keep_status {
        obj.as_object_mut().map(|m| m.remove("status"));
    }
    if o.admission {
        admission::mutate_create(&t.ty, &mut obj, &admission::Ctx { user, store })?;
        redecode(t, &mut obj);
    }
    validate(t, &obj)?;
    if o.admission {
        admission::validate_create(&t.ty, &obj)?;
    }
    let key: Key = (t.ns().to_string(), name_of(&obj).to_string());
    if store.get(&gr, &key).is_some() {
        return Err(ApiError::already_exists(&t.ty, &key.1));
    }
    if o.dry_run {
        return Ok(Written {
            object: t.present(&obj),
            warnings,
            created: true,
        });
    }
    let stored = store.put(&gr, key, obj);
    Ok(Written {
        object: t.present(&stored),
        warnings,
        created: true,
    })
}

/// PUT: replace an object (or its status).
pub(crate) fn update(
    sh: &Shared,
    t: &Target,
    name: &str,
    body: Value,
    part: Part,
    o: &WriteOpts,
) -> Result<Written, ApiError> {
    let user = sh.user();
    let mut obj = body;
    let warnings = decode(t, &mut obj, o)?;
    match name_of(&obj) {
        "" => obj["metadata"]["name"] = Value::String(name.to_string()),
        n if n != name => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
        _ => {}
    }
    let mut store = sh.store();
    let key: Key = (t.ns().to_string(), name.to_string());
    let Some(old) = store.get(&t.gr(), &key) else {
        return Err(ApiError::not_found(&t.ty, name));
    };
    match rv_of(&obj) {
        "" if part != Part::Whole => {
            return Err(ApiError::invalid(
                &t.ty,
                name,
                &[FieldError::invalid(
                    "metadata.resourceVersion",
                    json!("0x0"),
                    "must be specified for an update",
                )],
            ));
        }
        "" => {}
        rv if rv != rv_of(&old) => return Err(ApiError::conflict(&t.ty, name)),
        _ => {}
    }
    let mut w = finish_update(&mut store, t, &old, obj, part, o, &user)?;
    w.warnings.splice(0..0, warnings);
    Ok(w)
}

/// PATCH: merge patch, JSON patch or (approximated) server-side apply.
pub(crate) fn patch(
    sh: &Shared,
    t: &Target,
    name: &str,
    ptype: PatchType,
    body: &Value,
    part: Part,
    o: &WriteOpts,
) -> Result<Written, ApiError> {
    let user = sh.user();
    let now = meta::timestamp(sh.clock.now());
    let mut store = sh.store();
    let key: Key = (t.ns().to_string(), name.to_string());
    let Some(old) = store.get(&t.gr(), &key) else {
        if ptype == PatchType::Apply && part == Part::Main {
            let mut obj = body.clone();
            if obj["metadata"]["name"].is_null() {
                obj["metadata"]["name"] = Value::String(name.to_string());
            }
            return create_locked(&mut store, t, obj, o, &user, &now);
        }
        return Err(ApiError::not_found(&t.ty, name));
    };
    let mut doc = (*old).clone();
    match ptype {
        PatchType::Merge => {
            if !body.is_object() {
                return Err(ApiError::bad_request(
                    "json: cannot unmarshal into Go value of type map[string]interface {}",
                ));
            }
            patch::merge_patch(&mut doc, body);
        }
        PatchType::Json => {
            patch::json_patch(&mut doc, body).map_err(|e| ApiError::new(422, "Invalid", e))?;
        }
        PatchType::Apply => patch::apply_merge(&mut doc, body),
    }
    match rv_of(&doc) {
        rv if !rv.is_empty() && rv != rv_of(&old) => return Err(ApiError::conflict(&t.ty, name)),
        _ => doc["metadata"]["resourceVersion"] = Value::String(rv_of(&old).to_string()),
    }
    if name_of(&doc) != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            name_of(&doc)
        )));
    }
    let warnings = decode(t, &mut doc, o)?;
    let mut w = finish_update(&mut store, t, &old, doc, part, o, &user)?;
    w.warnings.splice(0..0, warnings);
    Ok(w)
}

/// The common tail of PUT and PATCH: the server's `PrepareForUpdate`, admission, validation,
/// no-op detection, finalization, commit.
fn finish_update(
    store: &mut Store,
    t: &Target,
    old: &Value,
    mut new: Value,
    part: Part,
    o: &WriteOpts,
    user: &str,
) -> Result<Written, ApiError> {
    let name = name_of(old).to_string();
    if let Some(uid) = new.pointer("/metadata/uid").and_then(Value::as_str)
        && !uid.is_empty()
        && Some(uid) != old.pointer("/metadata/uid").and_then(Value::as_str)
    {
        return Err(ApiError::conflict_because(
            &t.ty,
            &name,
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                old.pointer("/metadata/uid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ),
        ));
    }
    match part {
        Part::Main if t.status_subresource() => match old.get("status") {
            Some(s) => new["status"] = s.clone(),
            None => {
                new.as_object_mut().map(|m| m.remove("status"));
            }
        },
        Part::Status => {
            let status = new.get("status").cloned();
            new = old.clone();
            match status {
                Some(s) => new["status"] = s,
                None => {
                    new.as_object_mut().map(|m| m.remove("status"));
                }
            }
        }
        _ => {}
    }
    for f in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "namespace",
        "name",
    ] {
        set_meta(&mut new, f, old.pointer(&format!("/metadata/{f}")));
    }
    new["metadata"]["resourceVersion"] = Value::String(rv_of(old).to_string());
    if part != Part::Status {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(m) = v.as_object_mut() {
                m.remove("metadata");
                m.remove("status");
            }
            v
        };
        if strip(old) != strip(&new) {
            let g = old
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            new["metadata"]["generation"] = json!(g + 1);
        }
    }
    if old.pointer("/metadata/deletionTimestamp").is_some() {
        let before: Vec<&Value> = old
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let added: Vec<String> = new
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|f| !before.contains(f))
                    .map(|f| format!("{f}"))
                    .collect()
            })
            .unwrap_or_default();
        if !added.is_empty() {
            return Err(ApiError::invalid(
                &t.ty,
                &name,
                &[FieldError::new(
                    "metadata.finalizers",
                    FieldErrorKind::Forbidden,
                    format!(
                        "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                        added.join(", ")
                    ),
                )],
            ));
        }
    }
    let admission = o.admission && part == Part::Main;
    if admission {
        admission::mutate_update(&t.ty, old, &mut new, &admission::Ctx { user, store })?;
        redecode(t, &mut new);
    }
    validate(t, &new)?;
    if admission {
        admission::validate_update(&t.ty, old, &new)?;
    }
    if &new == old {
        return Ok(Written {
            object: t.present(old),
            warnings: Vec::new(),
            created: false,
        });
    }
    if o.dry_run {
        return Ok(Written {
            object: t.present(&new),
            warnings: Vec::new(),
            created: false,
        });
    }
    let gr = t.gr();
    let key: Key = (t.ns().to_string(), name);
    let being_deleted = new.pointer("/metadata/deletionTimestamp").is_some();
    let no_finalizers = new
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    if being_deleted && no_finalizers {
        store.put(&gr, key.clone(), new);
        let last = store.remove(&gr, &key).expect("just stored");
        return Ok(Written {
            object: t.present(&last),
            warnings: Vec::new(),
            created: false,
        });
    }
    let stored = store.put(&gr, key, new);
    Ok(Written {
        object: t.present(&stored),
        warnings: Vec::new(),
        created: false,
    })
}

/// Test-side create-or-replace of a whole object (status included), without admission: one
/// commit, one watch event.
pub(crate) fn insert(sh: &Shared, t: &Target, mut obj: Value) -> Result<Value, ApiError> {
    let name = name_of(&obj).to_string();
    let exists = !name.is_empty()
        && sh
            .store()
            .get(&t.gr(), &(t.ns().to_string(), name.clone()))
            .is_some();
    let o = WriteOpts {
        field_validation: FieldValidation::Ignore,
        keep_status: true,
        ..Default::default()
    };
    set_meta(&mut obj, "resourceVersion", None);
    if exists {
        Ok(update(sh, t, &name, obj, Part::Whole, &o)?.object)
    } else {
        Ok(create(sh, t, obj, &o)?.object)
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct DeleteOpts {
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub dry_run: bool,
}

impl DeleteOpts {
    /// From a `DeleteOptions` body (`preconditions`, `dryRun`).
    pub fn from_body(body: &Value) -> Self {
        Self {
            uid: body
                .pointer("/preconditions/uid")
                .and_then(Value::as_str)
                .map(str::to_string),
            resource_version: body
                .pointer("/preconditions/resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
            dry_run: body["dryRun"].as_array().is_some_and(|a| !a.is_empty()),
        }
    }
}

/// DELETE: remove the object, or mark it for deletion while finalizers remain.
pub(crate) fn delete(
    sh: &Shared,
    t: &Target,
    name: &str,
    o: &DeleteOpts,
) -> Result<Value, ApiError> {
    let now = meta::timestamp(sh.clock.now());
    let mut store = sh.store();
    delete_locked(&mut store, t, name, o, &now)
}

fn delete_locked(
    store: &mut Store,
    t: &Target,
    name: &str,
    o: &DeleteOpts,
    now: &str,
) -> Result<Value, ApiError> {
    let gr = t.gr();
    let key: Key = (t.ns().to_string(), name.to_string());
    let Some(old) = store.get(&gr, &key) else {
        return Err(ApiError::not_found(&t.ty, name));
    };
    let field = |f: &str| {
        old.pointer(&format!("/metadata/{f}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if let Some(uid) = &o.uid
        && *uid != field("uid")
    {
        return Err(ApiError::conflict_because(
            &t.ty,
            name,
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                field("uid")
            ),
        ));
    }
    if let Some(rv) = &o.resource_version
        && *rv != field("resourceVersion")
    {
        return Err(ApiError::conflict_because(
            &t.ty,
            name,
            &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                field("resourceVersion")
            ),
        ));
    }
    let has_finalizers = old
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    if o.dry_run {
        return Ok(t.present(&old));
    }
    if has_finalizers {
        if old.pointer("/metadata/deletionTimestamp").is_some() {
            return Ok(t.present(&old));
        }
        let mut marked = (*old).clone();
        marked["metadata"]["deletionTimestamp"] = Value::String(now.to_string());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        let g = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        marked["metadata"]["generation"] = json!(g + 1);
        let stored = store.put(&gr, key, marked);
        return Ok(t.present(&stored));
    }
    let last = store.remove(&gr, &key).expect("present above");
    Ok(t.present(&last))
}

/// GET one object.
pub(crate) fn get(sh: &Shared, t: &Target, name: &str) -> Result<Value, ApiError> {
    sh.store()
        .get(&t.gr(), &(t.ns().to_string(), name.to_string()))
        .map(|o| t.present(&o))
        .ok_or_else(|| ApiError::not_found(&t.ty, name))
}

/// The query of a list (and, for the selectors, of a watch).
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
}

impl ListQuery {
    pub fn matches(&self, t: &Target, obj: &Value) -> bool {
        let ns_ok = t.ns.as_deref().is_none_or(|ns| {
            obj.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns)
        });
        ns_ok && self.labels.matches(obj) && self.fields.matches(obj)
    }
}

pub(crate) fn parse_rv(s: &str) -> Result<u64, ApiError> {
    s.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "invalid resource version {s:?}: it must be a non-negative integer"
        ))
    })
}

/// The opaque `continue` token: where the next page starts, and at which resourceVersion.
fn encode_continue(rv: u64, after: &Key) -> String {
    let raw =
        json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{}/{}\u{0}", after.0, after.1)});
    base64_encode(raw.to_string().as_bytes())
}

fn decode_continue(token: &str) -> Result<(u64, Key), ApiError> {
    let bad = |why: &str| ApiError::bad_request(format!("continue key is not valid: {why}"));
    let bytes = base64_decode(token)
        .ok_or_else(|| bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))?;
    let v: Value =
        serde_json::from_slice(&bytes).map_err(|_| bad("encoded key is not valid JSON"))?;
    let rv = v["rv"].as_u64().ok_or_else(|| bad("no resource version"))?;
    let start = v["start"]
        .as_str()
        .ok_or_else(|| bad("no start key"))?
        .trim_end_matches('\u{0}');
    let (ns, name) = start
        .split_once('/')
        .ok_or_else(|| bad("malformed start key"))?;
    Ok((rv, (ns.to_string(), name.to_string())))
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = B64.iter().position(|x| *x == c)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    Some(out)
}

/// GET a collection: selectors, `limit` + `continue` paging over a consistent snapshot.
pub(crate) fn list(sh: &Shared, t: &Target, q: &ListQuery) -> Result<Value, ApiError> {
    let store = sh.store();
    let gr = t.gr();
    let (rv, after, snapshot) = if let Some(token) = &q.continue_token {
        let (rv, after) = decode_continue(token)?;
        let snap = store.state_at(&gr, rv).map_err(|_| {
            ApiError::expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
        })?;
        (rv, Some(after), snap)
    } else {
        let requested = match q.resource_version.as_deref() {
            None | Some("") => None,
            Some(s) => Some(parse_rv(s)?),
        };
        match (requested, q.resource_version_match.as_deref()) {
            (Some(rv), Some("Exact")) => {
                let snap = store.state_at(&gr, rv).map_err(|e| {
                    ApiError::expired(format!("too old resource version: {rv} ({})", e.oldest))
                })?;
                (rv, None, snap)
            }
            (Some(rv), _) if rv > store.rv() => {
                let mut err = ApiError::new(
                    504,
                    "Timeout",
                    format!("Too large resource version: {rv}, current: {}", store.rv()),
                );
                err.details = Some(
                    json!({"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}], "retryAfterSeconds": 1}),
                );
                return Err(err);
            }
            _ => (store.rv(), None, store.current(&gr)),
        }
    };
    drop(store);
    let mut matching = snapshot
        .into_iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
        .filter(|(_, o)| q.matches(t, o));
    let limit = q.limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let mut last_key = None;
    for (k, o) in matching.by_ref().take(limit) {
        items.push(t.present(&o));
        last_key = Some(k);
    }
    let remaining = matching.count();
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if remaining > 0
        && let Some(k) = last_key
    {
        metadata["continue"] = Value::String(encode_continue(rv, &k));
        if q.labels.is_empty() && q.fields == FieldSelector::default() {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    Ok(json!({
        "apiVersion": t.api_version(),
        "kind": t.ty.list_kind,
        "metadata": metadata,
        "items": items,
    }))
}

/// DELETE on a collection: delete every matching object; answers the list of what was deleted.
pub(crate) fn delete_collection(
    sh: &Shared,
    t: &Target,
    q: &ListQuery,
    o: &DeleteOpts,
) -> Result<Value, ApiError> {
    let now = meta::timestamp(sh.clock.now());
    let mut store = sh.store();
    let keys: Vec<Key> = store
        .current(&t.gr())
        .into_iter()
        .filter(|(_, obj)| q.matches(t, obj))
        .map(|(k, _)| k)
        .collect();
    let mut items = Vec::new();
    for (ns, name) in keys {
        let per = Target {
            ns: Some(ns),
            ..t.clone()
        };
        items.push(delete_locked(&mut store, &per, &name, o, &now)?);
    }
    Ok(json!({
        "apiVersion": t.api_version(),
        "kind": t.ty.list_kind,
        "metadata": {"resourceVersion": store.rv().to_string()},
        "items": items,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let key = ("ns".to_string(), "snap-a".to_string());
        let token = encode_continue(42, &key);
        assert_eq!(decode_continue(&token).unwrap(), (42, key));
        assert!(decode_continue("!!not-base64").is_err());
        for s in ["", "a", "ab", "abc", "abcd"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
    }
}
