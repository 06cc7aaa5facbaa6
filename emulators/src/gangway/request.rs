//! A `CreateJobExecutionRequest` as Gangway receives and checks it: read from JSON the way the
//! transcoder reads it (proto or camelCase names, enums by name or number, unknown fields
//! refused), then `CreateJobExecutionRequest.Validate` of `pkg/gangway/gangway.go`, message for
//! message, so a client sees the same refusal as from the real service.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::wire::{self, Code, PERIODIC, Refusal};

/// `PodSpecOptions`: what a trigger adds to the job's pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSpecOptions {
    pub envs: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl PodSpecOptions {
    /// The message as it is echoed back; maps are printed even when empty.
    pub(super) fn to_json(&self) -> Value {
        json!({ "envs": self.envs, "labels": self.labels, "annotations": self.annotations })
    }
}

/// A trigger request after reading, before Gangway looks the job up.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CreateRequest {
    pub job_name: String,
    pub job_type: i32,
    pub refs: Option<Map<String, Value>>,
    pub options: Option<PodSpecOptions>,
}

const REFS_FIELDS: [&str; 13] = [
    "org",
    "repo",
    "repo_link",
    "base_ref",
    "base_sha",
    "base_link",
    "pulls",
    "path_alias",
    "work_dir",
    "clone_uri",
    "skip_submodules",
    "clone_depth",
    "skip_fetch_head",
];

const PULL_FIELDS: [&str; 8] = [
    "number",
    "author",
    "sha",
    "title",
    "ref",
    "link",
    "commit_link",
    "author_link",
];

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal::new(Code::InvalidArgument, message)
}

/// Reads the body of `POST /v1/executions`.
pub(super) fn parse(body: &[u8]) -> Result<CreateRequest, Refusal> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|error| invalid(format!("Unexpected token in the JSON body: {error}")))?
    };
    let Value::Object(fields) = value else {
        return Err(invalid("The JSON body must be an object"));
    };
    let mut request = CreateRequest {
        job_name: String::new(),
        job_type: 0,
        refs: None,
        options: None,
    };
    for (name, value) in fields {
        match name.as_str() {
            "job_name" | "jobName" => request.job_name = string(&name, &value)?,
            "job_execution_type" | "jobExecutionType" => {
                request.job_type = wire::parse_type(&value).ok_or_else(|| {
                    invalid(format!("Invalid value for enum field {name}: {value}"))
                })?;
            }
            "refs" => request.refs = refs(value)?,
            "pod_spec_options" | "podSpecOptions" => request.options = pod_spec_options(value)?,
            _ => return Err(unknown_field(&name)),
        }
    }
    Ok(request)
}

fn unknown_field(name: &str) -> Refusal {
    invalid(format!("Cannot find field: {name}"))
}

fn string(name: &str, value: &Value) -> Result<String, Refusal> {
    match value {
        Value::Null => Ok(String::new()),
        Value::String(text) => Ok(text.clone()),
        other => Err(invalid(format!(
            "Invalid value for string field {name}: {other}"
        ))),
    }
}

fn refs(value: Value) -> Result<Option<Map<String, Value>>, Refusal> {
    let refs = match value {
        Value::Null => return Ok(None),
        Value::Object(refs) => refs,
        other => return Err(invalid(format!("Invalid value for message refs: {other}"))),
    };
    if let Some(unknown) = refs.keys().find(|key| !REFS_FIELDS.contains(&key.as_str())) {
        return Err(unknown_field(unknown));
    }
    for pull in refs
        .get("pulls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let known = |key: &String| PULL_FIELDS.contains(&key.as_str());
        if let Some(unknown) = pull
            .as_object()
            .and_then(|pull| pull.keys().find(|k| !known(k)))
        {
            return Err(unknown_field(unknown));
        }
    }
    Ok(Some(refs))
}

fn pod_spec_options(value: Value) -> Result<Option<PodSpecOptions>, Refusal> {
    let fields = match value {
        Value::Null => return Ok(None),
        Value::Object(fields) => fields,
        other => {
            return Err(invalid(format!(
                "Invalid value for message pod_spec_options: {other}"
            )));
        }
    };
    let mut options = PodSpecOptions::default();
    for (name, value) in fields {
        let map = match name.as_str() {
            "envs" => &mut options.envs,
            "labels" => &mut options.labels,
            "annotations" => &mut options.annotations,
            _ => return Err(unknown_field(&name)),
        };
        *map = string_map(&name, value)?;
    }
    Ok(Some(options))
}

fn string_map(name: &str, value: Value) -> Result<BTreeMap<String, String>, Refusal> {
    match value {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(entries) => entries
            .into_iter()
            .map(|(key, value)| Ok((key.clone(), string(&format!("{name}[{key}]"), &value)?)))
            .collect(),
        other => Err(invalid(format!(
            "Invalid value for map field {name}: {other}"
        ))),
    }
}

/// `CreateJobExecutionRequest.Validate`. Go walks maps in random order; the emulator walks them
/// sorted, so of several bad entries it always names the same one.
pub(super) fn validate(request: &CreateRequest) -> Result<(), Refusal> {
    if request.job_name.is_empty() {
        return Err(invalid("job_name field cannot be empty"));
    }
    if request.job_type == 0 {
        return Err(invalid(format!(
            "unsupported JobExecutionType: {}",
            wire::type_name(0)
        )));
    }
    if request.job_type == PERIODIC && request.refs.is_some() {
        return Err(invalid("periodic jobs cannot also have gitRefs"));
    }
    if request.job_type != PERIODIC {
        let Some(refs) = &request.refs else {
            return Err(invalid(format!(
                "gitRefs must be defined for {:?}",
                wire::type_name(request.job_type)
            )));
        };
        validate_refs(refs)
            .map_err(|problem| invalid(format!("gitRefs: failed to validate: {problem}")))?;
    }
    let Some(options) = &request.options else {
        return Ok(());
    };
    for (key, value) in &options.envs {
        if key.is_empty() || value.is_empty() {
            return Err(invalid(format!(
                "invalid environment variable key/value pair: {key:?}, {value:?}"
            )));
        }
    }
    for (key, value) in &options.labels {
        if key.is_empty() || value.is_empty() {
            return Err(invalid(format!(
                "invalid label key/value pair: {key:?}, {value:?}"
            )));
        }
        let problems = label_value_problems(value);
        if !problems.is_empty() {
            let quoted: Vec<String> = problems.iter().map(|p| format!("{p:?}")).collect();
            return Err(invalid(format!(
                "invalid label: the following errors found: [{}]",
                quoted.join(" ")
            )));
        }
    }
    for (key, value) in &options.annotations {
        if key.is_empty() || value.is_empty() {
            return Err(invalid(format!(
                "invalid annotation key/value pair: {key:?}, {value:?}"
            )));
        }
    }
    Ok(())
}

/// `Refs.Validate` and `Pull.Validate`.
fn validate_refs(refs: &Map<String, Value>) -> Result<(), String> {
    let text = |key: &str| refs.get(key).and_then(Value::as_str).unwrap_or_default();
    for (key, name) in [
        ("org", "Org"),
        ("repo", "Repo"),
        ("base_ref", "BaseRef"),
        ("base_sha", "BaseSha"),
    ] {
        if text(key).is_empty() {
            return Err(format!("gitRefs: {name} cannot be empty"));
        }
    }
    for pull in refs
        .get("pulls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let sha = pull.get("sha").and_then(Value::as_str).unwrap_or_default();
        let hex40 = sha.len() == 40 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex40 {
            return Err(format!("pull: invalid SHA: {sha:?}"));
        }
    }
    Ok(())
}

/// `validation.IsValidLabelValue` of k8s.io/apimachinery, with its messages.
pub(super) fn label_value_problems(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.len() > 63 {
        problems.push("must be no more than 63 characters".to_string());
    }
    let bytes = value.as_bytes();
    let alphanumeric = |byte: &u8| byte.is_ascii_alphanumeric();
    let well_formed = value.is_empty()
        || (bytes.first().is_some_and(alphanumeric)
            && bytes.last().is_some_and(alphanumeric)
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
    if !well_formed {
        problems.push(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' \
             or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or \
             'my_value',  or '12345', regex used for validation is \
             '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                .to_string(),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: Value) -> String {
        let bytes = serde_json::to_vec(&body).unwrap();
        match parse(&bytes).and_then(|request| validate(&request)) {
            Ok(()) => panic!("{body} was accepted"),
            Err(refusal) => refusal.message,
        }
    }

    #[test]
    fn the_docs_trigger_reads_and_passes() {
        let body = br#"{"job_name": "j", "job_execution_type": "1",
            "pod_spec_options": {"envs": {"K": "V"}, "labels": {"a": "b"}}}"#;
        let request = parse(body).unwrap();
        assert_eq!(request.job_type, PERIODIC);
        assert_eq!(request.options.as_ref().unwrap().envs["K"], "V");
        validate(&request).unwrap();
    }

    #[test]
    fn each_rule_of_validate_refuses_with_gangways_words() {
        assert_eq!(
            refused(json!({"job_execution_type": "1"})),
            "job_name field cannot be empty"
        );
        assert_eq!(
            refused(json!({"job_name": "j"})),
            "unsupported JobExecutionType: JOB_EXECUTION_TYPE_UNSPECIFIED"
        );
        assert_eq!(
            refused(json!({"job_name": "j", "job_execution_type": 1, "refs": {}})),
            "periodic jobs cannot also have gitRefs"
        );
        assert_eq!(
            refused(json!({"job_name": "j", "job_execution_type": "2"})),
            "gitRefs must be defined for \"POSTSUBMIT\""
        );
        assert_eq!(
            refused(json!({"job_name": "j", "job_execution_type": "2", "refs": {"org": "o"}})),
            "gitRefs: failed to validate: gitRefs: Repo cannot be empty"
        );
        assert_eq!(
            refused(json!({"job_name": "j", "job_execution_type": "1",
                "pod_spec_options": {"envs": {"IMAGE": ""}}})),
            "invalid environment variable key/value pair: \"IMAGE\", \"\""
        );
        assert!(
            refused(json!({"job_name": "j", "job_execution_type": "1",
                "pod_spec_options": {"labels": {"a": "-x"}}}))
            .starts_with("invalid label: the following errors found: [\"a valid label")
        );
        assert_eq!(
            refused(json!({"job_name": "j", "job_execution_type": "1", "jobs": []})),
            "Cannot find field: jobs"
        );
    }

    #[test]
    fn label_values_follow_kubernetes_rules() {
        assert!(label_value_problems("release-4.22_x").is_empty());
        assert_eq!(label_value_problems(&"a".repeat(64)).len(), 1);
        assert_eq!(label_value_problems("snap/shot").len(), 1);
    }
}
