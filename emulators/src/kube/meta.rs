//! `metadata` as the API server treats it: decoded as `ObjectMeta` (unknown fields dropped, wrong
//! types refused with 400), validated with the apimachinery rules (DNS-1123 names, qualified label
//! keys, 63-character label values), and filled with the server-owned fields (`uid`,
//! `creationTimestamp`, `generation`, names from `generateName`).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::status::{ApiError, FieldError};

/// The fields of `ObjectMeta`; anything else in `metadata` is dropped on decode.
const OBJECT_META_FIELDS: [&str; 15] = [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const QUALIFIED_NAME_MSG: &str = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// Decode `metadata` the way `ObjectMeta` is decoded: returns the dropped unknown field paths.
pub fn decode(obj: &mut Value) -> Result<Vec<String>, ApiError> {
    let Some(map) = obj.as_object_mut() else {
        return Err(ApiError::bad_request(
            "json: cannot unmarshal the request body into a Kubernetes object",
        ));
    };
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return Err(ApiError::bad_request(
            "json: cannot unmarshal metadata into Go struct field of type v1.ObjectMeta",
        ));
    };
    let mut dropped = Vec::new();
    meta.retain(|k, v| {
        let known = OBJECT_META_FIELDS.contains(&k.as_str());
        if !known {
            dropped.push(format!("metadata.{k}"));
        }
        known && !v.is_null()
    });
    // Fields the server owns and never takes from a client.
    meta.remove("selfLink");
    meta.remove("managedFields");
    for f in [
        "name",
        "generateName",
        "namespace",
        "uid",
        "resourceVersion",
    ] {
        if meta.get(f).is_some_and(|v| !v.is_string()) {
            return Err(decode_error(f, "string"));
        }
    }
    for f in ["labels", "annotations"] {
        if let Some(v) = meta.get(f)
            && !v
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string))
        {
            return Err(decode_error(f, "map[string]string"));
        }
    }
    if let Some(v) = meta.get("finalizers")
        && !v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
    {
        return Err(decode_error("finalizers", "[]string"));
    }
    Ok(dropped)
}

fn decode_error(field: &str, ty: &str) -> ApiError {
    ApiError::bad_request(format!(
        "json: cannot unmarshal the value into Go struct field ObjectMeta.metadata.{field} of type {ty}"
    ))
}

/// `ObjectMeta` validation for a namespaced custom resource.
pub fn validate(obj: &Value) -> Vec<FieldError> {
    let meta = &obj["metadata"];
    let mut errs = Vec::new();
    match meta["name"].as_str() {
        None | Some("") => errs.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        )),
        Some(name) => {
            for msg in dns1123_subdomain(name) {
                errs.push(FieldError::invalid(
                    "metadata.name",
                    Value::String(name.into()),
                    msg,
                ));
            }
        }
    }
    if let Some(labels) = meta["labels"].as_object() {
        for (k, v) in labels {
            for msg in qualified_name(k) {
                errs.push(FieldError::invalid(
                    "metadata.labels",
                    Value::String(k.clone()),
                    msg,
                ));
            }
            let v = v.as_str().unwrap_or_default();
            for msg in label_value(v) {
                errs.push(FieldError::invalid(
                    "metadata.labels",
                    Value::String(v.into()),
                    msg,
                ));
            }
        }
    }
    if let Some(annotations) = meta["annotations"].as_object() {
        let mut total = 0;
        for (k, v) in annotations {
            for msg in qualified_name(&k.to_lowercase()) {
                errs.push(FieldError::invalid(
                    "metadata.annotations",
                    Value::String(k.clone()),
                    msg,
                ));
            }
            total += k.len() + v.as_str().map_or(0, str::len);
        }
        if total > 256 * 1024 {
            errs.push(FieldError::new(
                "metadata.annotations",
                super::status::FieldErrorKind::TooLong(256 * 1024),
                "",
            ));
        }
    }
    if let Some(finalizers) = meta["finalizers"].as_array() {
        for f in finalizers.iter().filter_map(Value::as_str) {
            for msg in qualified_name(f) {
                errs.push(FieldError::invalid(
                    "metadata.finalizers",
                    Value::String(f.into()),
                    msg,
                ));
            }
        }
    }
    errs
}

fn is_alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// apimachinery `IsDNS1123Subdomain`.
pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().all(|c| is_alnum_lower(c) || c == '-')
            && l.starts_with(is_alnum_lower)
            && l.ends_with(is_alnum_lower)
    };
    if !s.split('.').all(label_ok) {
        errs.push(DNS1123_SUBDOMAIN_MSG.to_string());
    }
    errs
}

fn name_part_ok(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    s.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

/// apimachinery `IsQualifiedName` (label and annotation keys, finalizers).
pub fn qualified_name(s: &str) -> Vec<String> {
    let parts: Vec<&str> = s.split('/').collect();
    let (prefix, name) = match parts.as_slice() {
        [name] => (None, *name),
        [prefix, name] => (Some(*prefix), *name),
        _ => return vec![QUALIFIED_NAME_MSG.to_string()],
    };
    let mut errs = Vec::new();
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            errs.push("prefix part must be non-empty".to_string());
        } else {
            errs.extend(
                dns1123_subdomain(prefix)
                    .into_iter()
                    .map(|m| format!("prefix part {m}")),
            );
        }
    }
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_string());
    }
    if !name.is_empty() && !name_part_ok(name) {
        errs.push(QUALIFIED_NAME_PART_MSG.to_string());
    }
    errs
}

/// apimachinery `IsValidLabelValue`.
pub fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !s.is_empty() && !name_part_ok(s) {
        errs.push(LABEL_VALUE_MSG.to_string());
    }
    errs
}

/// A random 64-bit number from the standard library's per-process hash keys.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// A version-4 style UUID, as `metadata.uid`.
pub fn new_uid() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// `generateName` + five characters from the same alphabet the API server uses.
pub fn generate_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let base: String = prefix.chars().take(58).collect();
    let mut r = random_u64();
    let mut suffix = String::new();
    for _ in 0..5 {
        suffix.push(ALPHABET[(r % ALPHABET.len() as u64) as usize] as char);
        r /= ALPHABET.len() as u64;
    }
    format!("{base}{suffix}")
}

/// RFC 3339 with whole seconds, as `creationTimestamp` is written.
pub fn timestamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_labels_and_keys_follow_apimachinery() {
        assert!(dns1123_subdomain("snap-a.b").is_empty());
        assert_eq!(dns1123_subdomain("Bad_Name").len(), 1);
        assert!(qualified_name("release.appstudio.openshift.io/snapshot").is_empty());
        assert!(!qualified_name("a/b/c").is_empty());
        assert!(label_value("").is_empty());
        assert_eq!(
            label_value(&"a".repeat(64)),
            vec!["must be no more than 63 characters".to_string()]
        );
    }

    #[test]
    fn decode_drops_unknown_and_refuses_wrong_types() {
        let mut obj = json!({"metadata": {"name": "x", "bogus": 1, "managedFields": []}});
        assert_eq!(
            decode(&mut obj).unwrap(),
            vec!["metadata.bogus".to_string()]
        );
        assert_eq!(obj["metadata"], json!({"name": "x"}));
        let mut obj = json!({"metadata": {"labels": {"a": 1}}});
        assert_eq!(decode(&mut obj).unwrap_err().code, 400);
    }

    #[test]
    fn generated_names_and_uids_look_real() {
        let n = generate_name("snap-");
        assert_eq!(n.len(), 10);
        assert!(dns1123_subdomain(&n).is_empty());
        let u = new_uid();
        assert_eq!(u.len(), 36);
        assert_ne!(u, new_uid());
    }
}
