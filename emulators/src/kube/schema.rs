//! A CRD's `openAPIV3Schema`, applied the way the API server applies it to custom resources:
//!
//! 1. **prune** unknown fields (unless `x-kubernetes-preserve-unknown-fields`), and `null`s in
//!    fields that are not `nullable`; the pruned paths become `Warning` headers, or a 400 when the
//!    request asked for `fieldValidation=Strict`;
//! 2. **default** missing fields that declare a `default`;
//! 3. **validate** with the `jsonschema` crate (Draft 4, the dialect OpenAPI 3.0 schemas follow),
//!    after translating the Kubernetes extensions: `nullable: true` becomes a `null` type,
//!    `x-kubernetes-int-or-string` becomes "integer or string", other `x-kubernetes-*` keys and
//!    `description`/`default` are dropped. Then the checks JSON Schema cannot express:
//!    `x-kubernetes-list-type: set|map` uniqueness and `x-kubernetes-validations` (a CEL subset,
//!    see `cel.rs`).
//!
//! `metadata` is never handled here: the server decodes it as `ObjectMeta` (see `meta.rs`).
//! Errors come back as [`FieldError`]s whose paths and messages read like the real server's
//! (`spec.snapshot in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'`).

use serde_json::{Map, Value, json};

use super::cel;
use super::status::{FieldError, FieldErrorKind};

/// A compiled CRD version schema.
pub struct CrdSchema {
    raw: Value,
    draft4: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for CrdSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrdSchema").finish_non_exhaustive()
    }
}

const ROOT_META: [&str; 3] = ["apiVersion", "kind", "metadata"];

impl CrdSchema {
    pub fn compile(raw: &Value) -> Result<Self, String> {
        let draft4 = to_draft4(raw);
        let validator = jsonschema::draft4::options()
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&draft4)
            .map_err(|e| format!("schema does not compile: {e}"))?;
        Ok(Self {
            raw: raw.clone(),
            draft4,
            validator,
        })
    }

    /// Drop unknown fields and non-nullable `null`s; returns the dropped unknown field paths.
    pub fn prune(&self, obj: &mut Value) -> Vec<String> {
        let mut dropped = Vec::new();
        prune(&self.raw, obj, "", true, &mut dropped);
        dropped
    }

    /// Fill in `default`s for missing fields, top-down.
    pub fn apply_defaults(&self, obj: &mut Value) {
        apply_defaults(&self.raw, obj);
    }

    /// Validate everything but `metadata`.
    pub fn validate(&self, obj: &Value) -> Vec<FieldError> {
        let mut probe = obj.clone();
        if let Some(m) = probe.as_object_mut() {
            m.insert("metadata".into(), json!({}));
        }
        let mut errors: Vec<FieldError> = self
            .validator
            .iter_errors(&probe)
            .map(|e| self.to_field_error(&e))
            .collect();
        check_extensions(&self.raw, &probe, "", &mut errors);
        errors
    }

    fn to_field_error(&self, e: &jsonschema::ValidationError<'_>) -> FieldError {
        use jsonschema::error::ValidationErrorKind as K;
        let path = field_path(e.instance_path());
        let value: Value = e.instance().clone().into_owned();
        let at = |p: &str| {
            if p.is_empty() {
                "body".to_string()
            } else {
                p.to_string()
            }
        };
        match e.kind() {
            K::Required { property } => {
                let prop = property.as_str().unwrap_or_default();
                FieldError::required(join(&path, prop), "")
            }
            K::Type { .. } => {
                let expected = self.expected_type(e.schema_path().as_str());
                let actual = json_type(&value);
                FieldError::new(
                    at(&path),
                    FieldErrorKind::TypeInvalid(Value::String(actual.into())),
                    format!(
                        "{} in body must be of type {expected}: \"{actual}\"",
                        at(&path)
                    ),
                )
            }
            K::Pattern { pattern } => FieldError::invalid(
                at(&path),
                value,
                format!("{} in body should match '{pattern}'", at(&path)),
            ),
            K::MaxLength { limit } => {
                FieldError::new(at(&path), FieldErrorKind::TooLong(*limit as usize), "")
            }
            K::MinLength { limit } => FieldError::invalid(
                at(&path),
                value,
                format!(
                    "{} in body should be at least {limit} chars long",
                    at(&path)
                ),
            ),
            K::Enum { options } => {
                let allowed = options.as_array().cloned().unwrap_or_default();
                FieldError::new(at(&path), FieldErrorKind::NotSupported(value, allowed), "")
            }
            K::Maximum { limit } => FieldError::invalid(
                at(&path),
                value,
                format!(
                    "{} in body should be less than or equal to {limit}",
                    at(&path)
                ),
            ),
            K::ExclusiveMaximum { limit } => FieldError::invalid(
                at(&path),
                value,
                format!("{} in body should be less than {limit}", at(&path)),
            ),
            K::Minimum { limit } => FieldError::invalid(
                at(&path),
                value,
                format!(
                    "{} in body should be greater than or equal to {limit}",
                    at(&path)
                ),
            ),
            K::ExclusiveMinimum { limit } => FieldError::invalid(
                at(&path),
                value,
                format!("{} in body should be greater than {limit}", at(&path)),
            ),
            K::MaxItems { limit } => {
                let n = value.as_array().map_or(0, Vec::len);
                FieldError::new(at(&path), FieldErrorKind::TooMany(n, *limit as usize), "")
            }
            K::MinItems { limit } => FieldError::invalid(
                at(&path),
                value,
                format!("{} in body should have at least {limit} items", at(&path)),
            ),
            K::MaxProperties { limit } => FieldError::invalid(
                at(&path),
                value,
                format!(
                    "{} in body should have at most {limit} properties",
                    at(&path)
                ),
            ),
            K::MinProperties { limit } => FieldError::invalid(
                at(&path),
                value,
                format!(
                    "{} in body should have at least {limit} properties",
                    at(&path)
                ),
            ),
            K::Format { format } => FieldError::invalid(
                at(&path),
                value.clone(),
                format!("{} in body must be of type {format}: {}", at(&path), value),
            ),
            K::UniqueItems => FieldError::new(at(&path), FieldErrorKind::Duplicate(value), ""),
            K::AnyOf { .. } if self.is_int_or_string(e.schema_path().as_str()) => {
                let actual = json_type(&value);
                FieldError::new(
                    at(&path),
                    FieldErrorKind::TypeInvalid(Value::String(actual.into())),
                    format!(
                        "{} in body must be of type int-or-string: \"{actual}\"",
                        at(&path)
                    ),
                )
            }
            _ => FieldError::invalid(at(&path), value, e.to_string()),
        }
    }

    /// The `type` declared next to the failing keyword (`/properties/spec/.../type`).
    fn expected_type(&self, schema_path: &str) -> String {
        let parent = schema_path.strip_suffix("/type").unwrap_or(schema_path);
        match self.draft4.pointer(parent).and_then(|s| s.get("type")) {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null")
                .to_string(),
            _ => "unknown".into(),
        }
    }

    fn is_int_or_string(&self, schema_path: &str) -> bool {
        let parent = schema_path.strip_suffix("/anyOf").unwrap_or(schema_path);
        // The raw schema has the same shape as the draft-4 one for these paths.
        self.raw
            .pointer(parent)
            .and_then(|s| s.get("x-kubernetes-int-or-string"))
            == Some(&Value::Bool(true))
    }
}

fn join(path: &str, child: &str) -> String {
    if path.is_empty() {
        child.to_string()
    } else {
        format!("{path}.{child}")
    }
}

/// `/spec/components/0/name` → `spec.components[0].name`
fn field_path(loc: &jsonschema::paths::Location) -> String {
    let mut out = String::new();
    for seg in loc.iter() {
        match seg {
            jsonschema::paths::LocationSegment::Property(p) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&p);
            }
            jsonschema::paths::LocationSegment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Translate an OpenAPI v3 structural schema with Kubernetes extensions into Draft 4.
fn to_draft4(s: &Value) -> Value {
    let Value::Object(m) = s else {
        return s.clone();
    };
    let mut out = Map::new();
    for (k, v) in m {
        match k.as_str() {
            "properties" | "patternProperties" | "definitions" => {
                let props: Map<String, Value> = v
                    .as_object()
                    .map(|p| p.iter().map(|(n, s)| (n.clone(), to_draft4(s))).collect())
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Object(props));
            }
            "items" => {
                let items = match v {
                    Value::Array(a) => Value::Array(a.iter().map(to_draft4).collect()),
                    other => to_draft4(other),
                };
                out.insert(k.clone(), items);
            }
            "additionalProperties" | "not" => {
                out.insert(k.clone(), to_draft4(v));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = v
                    .as_array()
                    .map(|a| a.iter().map(to_draft4).collect())
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Array(list));
            }
            "description" | "default" | "example" | "externalDocs" | "nullable" | "title" => {}
            "required" if v.as_array().is_some_and(Vec::is_empty) => {}
            _ if k.starts_with("x-kubernetes-") => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if m.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::String(t)) = out.get("type").cloned() {
            out.insert("type".into(), json!([t, "null"]));
        }
        if let Some(Value::Array(e)) = out.get_mut("enum") {
            e.push(Value::Null);
        }
    }
    if m.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        out.remove("type");
        out.entry("anyOf")
            .or_insert_with(|| json!([{"type": "integer"}, {"type": "string"}]));
    }
    Value::Object(out)
}

fn is_true(s: &Value, key: &str) -> bool {
    s.get(key) == Some(&Value::Bool(true))
}

fn prune(schema: &Value, value: &mut Value, path: &str, root: bool, dropped: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            let preserve = is_true(schema, "x-kubernetes-preserve-unknown-fields");
            let embedded = root || is_true(schema, "x-kubernetes-embedded-resource");
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                let child_path = join(path, &k);
                if embedded && ROOT_META.contains(&k.as_str()) {
                    // apiVersion/kind are checked by the handler, metadata by meta.rs.
                    continue;
                }
                let child_schema = props
                    .and_then(|p| p.get(&k))
                    .or_else(|| additional.filter(|a| a.is_object()));
                match child_schema {
                    Some(cs) => {
                        let v = map.get_mut(&k).expect("key listed above");
                        if v.is_null() && !is_true(cs, "nullable") {
                            map.remove(&k);
                        } else {
                            prune(cs, v, &child_path, false, dropped);
                        }
                    }
                    None if additional == Some(&Value::Bool(true)) || preserve => {}
                    None => {
                        map.remove(&k);
                        dropped.push(child_path);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for (i, item) in items.iter_mut().enumerate() {
                    prune(item_schema, item, &format!("{path}[{i}]"), false, dropped);
                }
            }
        }
        _ => {}
    }
}

fn apply_defaults(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, ps) in props {
                    if !map.contains_key(k)
                        && let Some(d) = ps.get("default")
                    {
                        map.insert(k.clone(), d.clone());
                    }
                    if let Some(v) = map.get_mut(k) {
                        apply_defaults(ps, v);
                    }
                }
            }
            if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                let props = schema.get("properties").and_then(Value::as_object);
                for (k, v) in map.iter_mut() {
                    if props.is_none_or(|p| !p.contains_key(k)) {
                        apply_defaults(additional, v);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for item in items {
                    apply_defaults(item_schema, item);
                }
            }
        }
        _ => {}
    }
}

/// `x-kubernetes-validations` (CEL subset) and `x-kubernetes-list-type` uniqueness.
fn check_extensions(schema: &Value, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if let Some(rules) = schema
        .get("x-kubernetes-validations")
        .and_then(Value::as_array)
    {
        for rule in rules {
            let Some(expr) = rule.get("rule").and_then(Value::as_str) else {
                continue;
            };
            if cel::eval(expr, value) == Some(false) {
                let message = rule
                    .get("message")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("failed rule: {expr}"), str::to_string);
                let field = match rule.get("fieldPath").and_then(Value::as_str) {
                    Some(fp) => format!("{path}{fp}"),
                    None => path.to_string(),
                };
                let ty = schema
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("object");
                errors.push(FieldError::invalid(
                    field,
                    Value::String(ty.into()),
                    message,
                ));
            }
        }
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (k, v) in map {
                if path.is_empty() && k == "metadata" {
                    continue;
                }
                if let Some(cs) = props.and_then(|p| p.get(k)).or(additional) {
                    check_extensions(cs, v, &join(path, k), errors);
                }
            }
        }
        Value::Array(items) => {
            match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("set") => {
                    for (i, item) in items.iter().enumerate() {
                        if items[..i].contains(item) {
                            errors.push(FieldError::new(
                                format!("{path}[{i}]"),
                                FieldErrorKind::Duplicate(item.clone()),
                                "",
                            ));
                        }
                    }
                }
                Some("map") => {
                    let keys: Vec<&str> = schema
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let key_of = |item: &Value| -> Value {
                        let m: Map<String, Value> = keys
                            .iter()
                            .filter_map(|k| item.get(*k).map(|v| (k.to_string(), v.clone())))
                            .collect();
                        Value::Object(m)
                    };
                    for (i, item) in items.iter().enumerate() {
                        let key = key_of(item);
                        if items[..i].iter().any(|other| key_of(other) == key) {
                            errors.push(FieldError::new(
                                format!("{path}[{i}]"),
                                FieldErrorKind::Duplicate(key),
                                "",
                            ));
                        }
                    }
                }
                _ => {}
            }
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for (i, item) in items.iter().enumerate() {
                    check_extensions(item_schema, item, &format!("{path}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> CrdSchema {
        CrdSchema::compile(&json!({
            "type": "object",
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"type": "object"},
                "spec": {
                    "type": "object",
                    "required": ["name"],
                    "x-kubernetes-validations": [
                        {"rule": "has(self.a) != has(self.b)", "message": "exactly one of a or b"}
                    ],
                    "properties": {
                        "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5},
                        "a": {"type": "string"},
                        "b": {"type": "string"},
                        "days": {"type": "integer", "default": 7},
                        "opt": {"type": "string", "nullable": true},
                        "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                        "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}
                    }
                }
            }
        }))
        .expect("compiles")
    }

    #[test]
    fn prunes_unknown_fields_but_keeps_preserved_ones() {
        let s = schema();
        let mut obj = json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "n"}, "extra": 1,
            "spec": {"name": "ab", "bogus": true, "free": {"anything": {"goes": 1}}, "days": null}});
        let dropped = s.prune(&mut obj);
        assert_eq!(dropped, vec!["extra".to_string(), "spec.bogus".to_string()]);
        assert_eq!(obj["spec"]["free"]["anything"]["goes"], 1);
        assert!(
            obj["spec"].get("days").is_none(),
            "non-nullable null is pruned"
        );
        s.apply_defaults(&mut obj);
        assert_eq!(obj["spec"]["days"], 7);
    }

    #[test]
    fn reports_fields_like_the_api_server() {
        let s = schema();
        let errs = s.validate(&json!({"spec": {"a": "x"}}));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].to_string(), "spec.name: Required value");

        let errs = s.validate(&json!({"spec": {"name": "Bad_", "a": "x"}}));
        assert_eq!(errs[0].field, "spec.name");
        assert!(
            errs[0]
                .body()
                .contains("spec.name in body should match '^[a-z]+$'"),
            "{}",
            errs[0]
        );

        let errs = s.validate(&json!({"spec": {"name": "abcdefgh", "a": "x"}}));
        assert_eq!(
            errs[0].to_string(),
            "spec.name: Too long: may not be more than 5 bytes"
        );

        let errs = s.validate(&json!({"spec": {"name": "ab", "a": "x", "days": "seven"}}));
        assert_eq!(
            errs[0].to_string(),
            "spec.days: Invalid value: \"string\": spec.days in body must be of type integer: \"string\""
        );

        let errs = s.validate(&json!({"spec": {"name": "ab"}}));
        assert_eq!(
            errs[0].to_string(),
            "spec: Invalid value: \"object\": exactly one of a or b"
        );

        let errs = s.validate(&json!({"spec": {"name": "ab", "a": "x", "tags": ["t", "t"]}}));
        assert_eq!(errs[0].field, "spec.tags[1]");
    }

    #[test]
    fn nullable_and_int_or_string_are_understood() {
        let s = schema();
        assert!(
            s.validate(&json!({"spec": {"name": "ab", "a": "x", "opt": null, "port": 80}}))
                .is_empty()
        );
        assert!(
            s.validate(&json!({"spec": {"name": "ab", "a": "x", "port": "http"}}))
                .is_empty()
        );
        let errs = s.validate(&json!({"spec": {"name": "ab", "a": "x", "port": true}}));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, "spec.port");
    }
}
