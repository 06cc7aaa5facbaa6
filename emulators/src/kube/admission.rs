//! The Konflux release-service admission webhooks, as the API server applies them to requests on
//! `releases` and `releaseplans` (not on their `/status` subresource, and not on objects a test
//! [`insert`](super::KubeEmulator::insert)s, which stand for state already in the cluster).
//!
//! Read in konflux-ci/release-service `api/v1alpha1/webhooks/`:
//! - `mauthor.kb.io` (mutating, create+update): a Release created without the label
//!   `release.appstudio.openshift.io/automated: "true"` gets `release.appstudio.openshift.io/author`
//!   = the requesting user (`:` → `_`, first `@` → `.`, cut to 63), falling back to the Snapshot's
//!   `pac.test.appstudio.openshift.io/sender` annotation, then `unknown`; changing that label later
//!   is refused (400, with upstream's spelling `cannnot`). For ReleasePlans the author label only
//!   exists while `release.appstudio.openshift.io/standing-attribution` is `"true"`.
//! - `mrelease.kb.io` (mutating, create): labels `release.appstudio.openshift.io/snapshot` and
//!   `.../releasePlan` from the spec; `spec.gracePeriodDays`, when unset or 0, from the
//!   ReleasePlan's `spec.releaseGracePeriodDays`.
//! - `vrelease.kb.io` (validating): on create the name, snapshot and releasePlan must be at most 63
//!   characters; on update the spec and both labels are immutable (403 `Forbidden`,
//!   `release resources spec cannot be updated`).
//! - `mreleaseplan.kb.io` / `vreleaseplan.kb.io`: `release.appstudio.openshift.io/auto-release` is
//!   set to `"true"` only when the ReleasePlan has no labels at all (upstream checks for a nil
//!   label map), and must be `"true"` or `"false"` when present.
//!
//! Both webhooks first decode the object into release-service's Go `Release`; a spec field of the
//! wrong JSON type (say `gracePeriodDays: "7"`) fails there, so the client gets the webhook's 400
//! (`error decoding object: json: cannot unmarshal string into Go struct field ...`), not a 422.
//!
//! The API server runs mutating webhooks, then schema validation, then validating webhooks; the
//! caller keeps that order. One consequence worth knowing: a Release whose `spec.snapshot` is
//! longer than 63 characters is refused with 422 on `metadata.labels` (the copied label value is
//! too long) before `vrelease.kb.io` ever sees it.

use serde_json::{Map, Value};

use super::registry::{ResourceRef, ResourceType};
use super::status::ApiError;
use super::store::{GroupResource, Store};

pub const SNAPSHOT_LABEL: &str = "release.appstudio.openshift.io/snapshot";
pub const RELEASE_PLAN_LABEL: &str = "release.appstudio.openshift.io/releasePlan";
pub const AUTHOR_LABEL: &str = "release.appstudio.openshift.io/author";
pub const AUTOMATED_LABEL: &str = "release.appstudio.openshift.io/automated";
pub const AUTO_RELEASE_LABEL: &str = "release.appstudio.openshift.io/auto-release";
pub const ATTRIBUTION_LABEL: &str = "release.appstudio.openshift.io/standing-attribution";
const PAC_SENDER_ANNOTATION: &str = "pac.test.appstudio.openshift.io/sender";

/// What the webhooks may look at besides the object.
pub struct Ctx<'a> {
    /// The requesting user's name (`UserInfo.Username`).
    pub user: &'a str,
    pub store: &'a Store,
}

fn label<'v>(obj: &'v Value, key: &str) -> Option<&'v str> {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
}

fn labels_mut(obj: &mut Value) -> &mut Map<String, Value> {
    let meta = &mut obj["metadata"];
    if !meta["labels"].is_object() {
        meta["labels"] = Value::Object(Map::new());
    }
    meta["labels"].as_object_mut().expect("labels is an object")
}

fn sanitize_label_value(user: &str) -> String {
    let s = user.replace(':', "_").replacen('@', ".", 1);
    s.chars().take(63).collect()
}

fn spec_str<'v>(obj: &'v Value, field: &str) -> &'v str {
    obj.pointer(&format!("/spec/{field}"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn lookup(ctx: &Ctx<'_>, r: &ResourceRef, ns: &str, name: &str) -> Option<Value> {
    let gr = GroupResource {
        group: r.group.to_string(),
        resource: r.plural.to_string(),
    };
    ctx.store
        .get(&gr, &(ns.to_string(), name.to_string()))
        .map(|v| (*v).clone())
}

/// The webhooks decode the object into release-service's Go `Release` first; a field of the
/// wrong JSON type fails that decoding, and `mauthor.kb.io` answers 400.
fn decode_release(obj: &Value) -> Result<(), ApiError> {
    let go_kind = |v: &Value| match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    };
    let fail = |v: &Value, field: &str, ty: &str| {
        Err(ApiError::webhook_denied(
            "mauthor.kb.io",
            400,
            "",
            &format!(
                "error decoding object: json: cannot unmarshal {} into Go struct field {field} of type {ty}",
                go_kind(v)
            ),
        ))
    };
    let spec = &obj["spec"];
    if !spec.is_null() && !spec.is_object() {
        return fail(spec, "Release.spec", "v1alpha1.ReleaseSpec");
    }
    for f in ["snapshot", "releasePlan"] {
        if let Some(v) = spec.get(f).filter(|v| !v.is_null() && !v.is_string()) {
            return fail(v, &format!("ReleaseSpec.spec.{f}"), "string");
        }
    }
    if let Some(v) = spec
        .get("gracePeriodDays")
        .filter(|v| !v.is_null() && !v.is_i64())
    {
        return fail(v, "ReleaseSpec.spec.gracePeriodDays", "int");
    }
    Ok(())
}

/// Mutating webhooks on create.
pub fn mutate_create(ty: &ResourceType, obj: &mut Value, ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if ty.is(&ResourceRef::RELEASE) {
        decode_release(obj)?;
    }
    let ns = obj
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if ty.is(&ResourceRef::RELEASE) {
        // mauthor.kb.io
        if label(obj, AUTOMATED_LABEL) != Some("true") {
            let author = if ctx.user.is_empty() {
                lookup(ctx, &ResourceRef::SNAPSHOT, &ns, spec_str(obj, "snapshot"))
                    .and_then(|s| {
                        s.pointer("/metadata/annotations")
                            .and_then(|a| a.get(PAC_SENDER_ANNOTATION))
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                    })
                    .unwrap_or_else(|| "unknown".into())
            } else {
                ctx.user.to_string()
            };
            labels_mut(obj).insert(
                AUTHOR_LABEL.into(),
                Value::String(sanitize_label_value(&author)),
            );
        }
        // mrelease.kb.io
        let snapshot = spec_str(obj, "snapshot").to_string();
        let plan = spec_str(obj, "releasePlan").to_string();
        let labels = labels_mut(obj);
        labels.insert(SNAPSHOT_LABEL.into(), Value::String(snapshot));
        labels.insert(RELEASE_PLAN_LABEL.into(), Value::String(plan.clone()));
        let grace = obj
            .pointer("/spec/gracePeriodDays")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if grace == 0 && obj["spec"].is_object() {
            let from_plan = lookup(ctx, &ResourceRef::RELEASE_PLAN, &ns, &plan)
                .and_then(|rp| {
                    rp.pointer("/spec/releaseGracePeriodDays")
                        .and_then(Value::as_i64)
                })
                .filter(|d| *d != 0);
            match from_plan {
                Some(days) => obj["spec"]["gracePeriodDays"] = Value::from(days),
                // Go's `omitempty` drops a zero.
                None => {
                    obj["spec"]
                        .as_object_mut()
                        .map(|s| s.remove("gracePeriodDays"));
                }
            }
        }
    }
    if ty.is(&ResourceRef::RELEASE_PLAN) {
        // mreleaseplan.kb.io: only when the label map is nil.
        let has_labels = obj
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .is_some();
        if !has_labels {
            labels_mut(obj).insert(AUTO_RELEASE_LABEL.into(), Value::String("true".into()));
        }
        // mauthor.kb.io
        if label(obj, ATTRIBUTION_LABEL) == Some("true") {
            labels_mut(obj).insert(
                AUTHOR_LABEL.into(),
                Value::String(sanitize_label_value(ctx.user)),
            );
        } else if let Some(l) = obj
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            l.remove(AUTHOR_LABEL);
        }
    }
    Ok(())
}

/// Mutating webhooks on update (`mauthor.kb.io`).
pub fn mutate_update(
    ty: &ResourceType,
    old: &Value,
    new: &mut Value,
    ctx: &Ctx<'_>,
) -> Result<(), ApiError> {
    if ty.is(&ResourceRef::RELEASE) {
        decode_release(new)?;
    }
    if ty.is(&ResourceRef::RELEASE) && label(new, AUTHOR_LABEL) != label(old, AUTHOR_LABEL) {
        return Err(ApiError::webhook_denied(
            "mauthor.kb.io",
            400,
            "",
            "release author label cannnot be updated",
        ));
    }
    if ty.is(&ResourceRef::RELEASE_PLAN) {
        if label(new, ATTRIBUTION_LABEL) == Some("true") {
            let author = label(new, AUTHOR_LABEL).unwrap_or_default().to_string();
            let me = sanitize_label_value(ctx.user);
            let value = if label(old, ATTRIBUTION_LABEL) != Some("true") || author == me {
                me
            } else {
                label(old, AUTHOR_LABEL).unwrap_or_default().to_string()
            };
            labels_mut(new).insert(AUTHOR_LABEL.into(), Value::String(value));
        } else if let Some(l) = new
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            l.remove(AUTHOR_LABEL);
        }
    }
    Ok(())
}

fn denied(webhook: &str, message: String) -> ApiError {
    ApiError::webhook_denied(webhook, 403, "Forbidden", &message)
}

/// Validating webhooks on create.
pub fn validate_create(ty: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if ty.is(&ResourceRef::RELEASE) {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let checks = [
            ("release name", name),
            ("snapshot name", spec_str(obj, "snapshot")),
            ("releasePlan name", spec_str(obj, "releasePlan")),
        ];
        for (what, value) in checks {
            if value.len() > 63 {
                return Err(denied(
                    "vrelease.kb.io",
                    format!(
                        "{what} must be no more than 63 characters, got {} characters",
                        value.len()
                    ),
                ));
            }
        }
    }
    validate_release_plan(ty, obj)
}

fn validate_release_plan(ty: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if ty.is(&ResourceRef::RELEASE_PLAN)
        && let Some(v) = label(obj, AUTO_RELEASE_LABEL)
        && v != "true"
        && v != "false"
    {
        return Err(denied(
            "vreleaseplan.kb.io",
            format!("'{AUTO_RELEASE_LABEL}' label can only be set to true or false"),
        ));
    }
    Ok(())
}

/// The Release spec as Go's `reflect.DeepEqual` on `ReleaseSpec` sees it (zero values for
/// missing fields).
fn release_spec(obj: &Value) -> (String, String, i64, Value) {
    (
        spec_str(obj, "snapshot").to_string(),
        spec_str(obj, "releasePlan").to_string(),
        obj.pointer("/spec/gracePeriodDays")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        obj.pointer("/spec/data").cloned().unwrap_or(Value::Null),
    )
}

/// Validating webhooks on update.
pub fn validate_update(ty: &ResourceType, old: &Value, new: &Value) -> Result<(), ApiError> {
    if ty.is(&ResourceRef::RELEASE) {
        if release_spec(old) != release_spec(new) {
            return Err(denied(
                "vrelease.kb.io",
                "release resources spec cannot be updated".into(),
            ));
        }
        if label(old, SNAPSHOT_LABEL) != label(new, SNAPSHOT_LABEL) {
            return Err(denied(
                "vrelease.kb.io",
                "release snapshot label cannot be updated".into(),
            ));
        }
        if label(old, RELEASE_PLAN_LABEL) != label(new, RELEASE_PLAN_LABEL) {
            return Err(denied(
                "vrelease.kb.io",
                "release releasePlan label cannot be updated".into(),
            ));
        }
    }
    validate_release_plan(ty, new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::registry::Registry;
    use serde_json::json;

    #[test]
    fn release_create_gets_labels_author_and_grace_period() {
        let reg = Registry::konflux();
        let rel = reg.by_ref(&ResourceRef::RELEASE).unwrap();
        let mut store = Store::new(10);
        store.put(
            &GroupResource { group: "appstudio.redhat.com".into(), resource: "releaseplans".into() },
            ("ns".into(), "rp".into()),
            json!({"metadata": {"name": "rp", "namespace": "ns"}, "spec": {"releaseGracePeriodDays": 7}}),
        );
        let ctx = Ctx {
            user: "system:serviceaccount:gatebot:gatebot",
            store: &store,
        };
        let mut obj = json!({"metadata": {"name": "r", "namespace": "ns"}, "spec": {"snapshot": "s", "releasePlan": "rp"}});
        mutate_create(&rel, &mut obj, &ctx).unwrap();
        assert_eq!(obj["metadata"]["labels"][SNAPSHOT_LABEL], "s");
        assert_eq!(obj["metadata"]["labels"][RELEASE_PLAN_LABEL], "rp");
        assert_eq!(
            obj["metadata"]["labels"][AUTHOR_LABEL],
            "system_serviceaccount_gatebot_gatebot"
        );
        assert_eq!(obj["spec"]["gracePeriodDays"], 7);
        validate_create(&rel, &obj).unwrap();

        let mut changed = obj.clone();
        changed["spec"]["snapshot"] = json!("other");
        let err = validate_update(&rel, &obj, &changed).unwrap_err();
        assert_eq!(err.code, 403);
        assert!(
            err.message
                .contains("release resources spec cannot be updated")
        );
    }

    #[test]
    fn release_plan_auto_release_label_quirks() {
        let reg = Registry::konflux();
        let rp = reg.by_ref(&ResourceRef::RELEASE_PLAN).unwrap();
        let store = Store::new(10);
        let ctx = Ctx {
            user: "u",
            store: &store,
        };
        let mut bare = json!({"metadata": {"name": "rp"}, "spec": {}});
        mutate_create(&rp, &mut bare, &ctx).unwrap();
        assert_eq!(bare["metadata"]["labels"][AUTO_RELEASE_LABEL], "true");
        let mut other = json!({"metadata": {"name": "rp", "labels": {"team": "x"}}, "spec": {}});
        mutate_create(&rp, &mut other, &ctx).unwrap();
        assert!(
            other["metadata"]["labels"]
                .get(AUTO_RELEASE_LABEL)
                .is_none()
        );
        let bad = json!({"metadata": {"name": "rp", "labels": {AUTO_RELEASE_LABEL: "yes"}}});
        assert_eq!(validate_create(&rp, &bad).unwrap_err().code, 403);
    }
}
