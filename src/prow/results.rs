//! Turns the files a Prow build leaves in GCS (`started.json`, `prowjob.json`,
//! `finished.json`) into the facts gatebot uses, and decides what a run tested.
//!
//! This is the edge where outside data is checked: anything that is not what Prow writes comes
//! back as a sentence saying what is wrong, never as a guess, so a damaged file cannot make a
//! run count.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::gate::model::{RunState, RunTarget};

/// What `started.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedFacts {
    pub started_at: Option<Timestamp>,
}

/// What `prowjob.json` (the ProwJob that crier uploads) says that gatebot uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProwJobFacts {
    /// `status.state`: `triggered`, `pending`, `success`, `failure`, `aborted` or `error`.
    pub state: Option<String>,
    /// `status.url`, the run's page on Deck, when it is an http(s) link.
    pub url: Option<String>,
    /// The tested operator image from the pod spec's env, when the trigger set it.
    pub image: Option<String>,
    pub completed_at: Option<Timestamp>,
}

impl ProwJobFacts {
    /// Prow gave up on the job before it could write `finished.json` (for example the pod
    /// could not be scheduled).
    pub fn errored(&self) -> bool {
        self.state.as_deref() == Some("error")
    }
}

/// Which execution a build is: what `prowjob.json` says about the ProwJob itself. Gangway names
/// the ProwJob after the execution id and copies a trigger's labels and annotations onto it, so
/// this is how a trigger whose answer was lost is found again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProwJobIdentity {
    /// `metadata.name`: the Gangway execution id.
    pub name: String,
    pub created_at: Option<Timestamp>,
    pub annotations: BTreeMap<String, String>,
}

/// What `finished.json` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedFacts {
    pub state: RunState,
    pub finished_at: Option<Timestamp>,
    /// The Snapshot the job says it tested, from its metadata.
    pub snapshot: Option<String>,
    /// The operator image the job says it tested, from its metadata.
    pub image: Option<String>,
}

/// The `finished.json` metadata keys in which a job names what it tested.
#[derive(Debug, Clone, Copy)]
pub struct MetadataKeys<'a> {
    pub snapshot: &'a str,
    pub image: &'a str,
}

#[derive(Deserialize)]
struct StartedFile {
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
struct FinishedFile {
    timestamp: Option<i64>,
    passed: Option<bool>,
    result: Option<String>,
    metadata: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct ProwJobFile {
    #[serde(default)]
    metadata: ProwJobMetadata,
    #[serde(default)]
    spec: ProwJobSpec,
    #[serde(default)]
    status: ProwJobStatus,
}

#[derive(Default, Deserialize)]
struct ProwJobMetadata {
    name: Option<String>,
    #[serde(rename = "creationTimestamp")]
    creation_timestamp: Option<Timestamp>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
struct ProwJobSpec {
    job: Option<String>,
    pod_spec: Option<PodSpec>,
}

#[derive(Deserialize)]
struct PodSpec {
    #[serde(default)]
    containers: Vec<Container>,
}

#[derive(Deserialize)]
struct Container {
    #[serde(default)]
    env: Vec<EnvVar>,
}

#[derive(Deserialize)]
struct EnvVar {
    name: String,
    /// Absent when the value comes from `valueFrom`.
    value: Option<String>,
}

#[derive(Default, Deserialize)]
struct ProwJobStatus {
    state: Option<String>,
    url: Option<String>,
    #[serde(rename = "completionTime")]
    completion_time: Option<Timestamp>,
}

pub fn parse_started(bytes: &[u8]) -> Result<StartedFacts, String> {
    let file: StartedFile = decode(bytes)?;
    Ok(StartedFacts {
        started_at: file.timestamp.map(epoch_seconds).transpose()?,
    })
}

/// Reads `prowjob.json` of a build of `job`; `image_env` names the env var with the tested
/// image.
pub fn parse_prowjob(bytes: &[u8], job: &str, image_env: &str) -> Result<ProwJobFacts, String> {
    let file = decode_prowjob(bytes, job)?;
    let image = file
        .spec
        .pod_spec
        .iter()
        .flat_map(|pod| &pod.containers)
        .flat_map(|container| &container.env)
        .filter(|var| var.name == image_env)
        .find_map(|var| non_blank(var.value.as_deref()));
    let url = file
        .status
        .url
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
    Ok(ProwJobFacts {
        state: file.status.state,
        url,
        image,
        completed_at: file.status.completion_time,
    })
}

/// Reads which execution a build of `job` is from its `prowjob.json`.
pub fn parse_prowjob_identity(bytes: &[u8], job: &str) -> Result<ProwJobIdentity, String> {
    let metadata = decode_prowjob(bytes, job)?.metadata;
    let name = non_blank(metadata.name.as_deref())
        .ok_or_else(|| "it does not name its ProwJob (`metadata.name`)".to_string())?;
    Ok(ProwJobIdentity {
        name,
        created_at: metadata.creation_timestamp,
        annotations: metadata.annotations,
    })
}

/// The ProwJob of a build of `job`; one that describes another job is refused.
fn decode_prowjob(bytes: &[u8], job: &str) -> Result<ProwJobFile, String> {
    let file: ProwJobFile = decode(bytes)?;
    if let Some(other) = file.spec.job.as_deref()
        && other != job
    {
        return Err(format!("it describes job `{other}`, not `{job}`"));
    }
    Ok(file)
}

pub fn parse_finished(bytes: &[u8], keys: MetadataKeys<'_>) -> Result<FinishedFacts, String> {
    let file: FinishedFile = decode(bytes)?;
    let state = finished_state(file.passed, file.result.as_deref())?;
    let metadata = file.metadata.unwrap_or_default();
    // ci-operator writes `$ARTIFACTS/metadata.json` itself and nests the keys a test step wrote
    // under its own `metadata` key, so a key is looked up at the top level, then one level down.
    let nested = metadata
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let lookup = |key: &str| -> Result<Option<String>, String> {
        Ok(metadata_text(&metadata, key)?.or(metadata_text(&nested, key)?))
    };
    Ok(FinishedFacts {
        state,
        finished_at: file.timestamp.map(epoch_seconds).transpose()?,
        snapshot: lookup(keys.snapshot)?,
        image: lookup(keys.image)?,
    })
}

/// What a run tested: the Snapshot its metadata names, else the image its metadata names,
/// else the image its trigger put in the pod's env, else nothing gatebot can use.
pub fn target(finished: Option<&FinishedFacts>, prowjob: Option<&ProwJobFacts>) -> RunTarget {
    let from_metadata = finished.and_then(|facts| {
        facts
            .snapshot
            .clone()
            .map(RunTarget::Snapshot)
            .or_else(|| facts.image.clone().map(RunTarget::Image))
    });
    from_metadata
        .or_else(|| prowjob.and_then(|facts| facts.image.clone().map(RunTarget::Image)))
        .unwrap_or(RunTarget::Unknown)
}

/// Maps `passed` and `result` to a state. The sidecar writes `SUCCESS`, `FAILURE` or
/// `ABORTED`; crier writes the ProwJob state in lower case (`error` among them) when the pod
/// never wrote one. Contradicting or empty answers are refused rather than guessed.
fn finished_state(passed: Option<bool>, result: Option<&str>) -> Result<RunState, String> {
    let named = result.map(|text| (text, state_named(text)));
    match (named, passed) {
        (Some((text, Some(state))), Some(passed)) if passed != (state == RunState::Success) => {
            Err(format!(
                "it says `\"passed\": {passed}` but `\"result\": \"{text}\"`, which contradict each other"
            ))
        }
        (Some((_, Some(state))), _) => Ok(state),
        (Some((text, None)), Some(true)) => Err(format!(
            "it says the job passed, but its result `{text}` is not one Prow writes"
        )),
        (Some((_, None)) | None, Some(false)) => Ok(RunState::Failure),
        (None, Some(true)) => Ok(RunState::Success),
        (Some((text, None)), None) => Err(format!(
            "its result `{text}` is not one Prow writes, and it does not say whether the job passed"
        )),
        (None, None) => {
            Err("it says neither whether the job passed nor what its result was".into())
        }
    }
}

fn state_named(result: &str) -> Option<RunState> {
    match result.to_ascii_uppercase().as_str() {
        "SUCCESS" => Some(RunState::Success),
        "FAILURE" => Some(RunState::Failure),
        "ABORTED" => Some(RunState::Aborted),
        "ERROR" => Some(RunState::Error),
        _ => None,
    }
}

/// A metadata value that must be text when present; blank text counts as absent.
fn metadata_text(metadata: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match metadata.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(non_blank(Some(text))),
        Some(other) => Err(format!(
            "its metadata key `{key}` should hold text but holds {}",
            kind_of(other)
        )),
    }
}

fn non_blank(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn epoch_seconds(seconds: i64) -> Result<Timestamp, String> {
    Timestamp::from_second(seconds)
        .map_err(|_| format!("its timestamp {seconds} is not a time in seconds since 1970"))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|error| {
        if error.is_data() {
            format!("it is JSON, but not in the shape Prow writes ({error})")
        } else {
            format!("it is not valid JSON ({error})")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: MetadataKeys<'static> = MetadataKeys {
        snapshot: "gatebot-snapshot",
        image: "hypershift-operator-image",
    };
    use crate::prow::OPERATOR_IMAGE_ENV as IMAGE_ENV;

    fn at(seconds: i64) -> Option<Timestamp> {
        Some(Timestamp::from_second(seconds).unwrap())
    }

    #[test]
    fn podutils_started_json_gives_the_start_time() {
        let bytes = include_bytes!("../../tests/fixtures/prow/started.podutils-example.json");
        assert_eq!(parse_started(bytes).unwrap().started_at, at(1_595_277_241));
    }

    #[test]
    fn bootstrap_started_json_gives_the_start_time() {
        let bytes = include_bytes!("../../tests/fixtures/prow/started.bootstrap-example.json");
        assert_eq!(parse_started(bytes).unwrap().started_at, at(1_595_278_460));
    }

    #[test]
    fn podutils_finished_json_is_a_success_that_names_no_target() {
        let bytes = include_bytes!("../../tests/fixtures/prow/finished.podutils-example.json");
        let facts = parse_finished(bytes, KEYS).unwrap();
        assert_eq!(facts.state, RunState::Success);
        assert_eq!(facts.finished_at, at(1_595_279_434));
        assert_eq!(target(Some(&facts), None), RunTarget::Unknown);
    }

    #[test]
    fn foreign_metadata_keys_of_any_shape_are_ignored() {
        let bytes = include_bytes!(
            "../../tests/fixtures/prow/finished.bootstrap-with-metadata-example.json"
        );
        let facts = parse_finished(bytes, KEYS).unwrap();
        assert_eq!(facts.state, RunState::Success);
        assert_eq!(facts.finished_at, at(1_596_732_481));
        assert_eq!((facts.snapshot, facts.image), (None, None));
    }

    #[test]
    fn a_prowjob_without_the_image_env_tests_no_image() {
        let yaml = include_str!("../../tests/fixtures/prow/prowjob-periodic-testdata.yaml");
        let value: Value = serde_yaml_ng::from_str(yaml).unwrap();
        let bytes = serde_json::to_vec(&value).unwrap();
        let facts =
            parse_prowjob(&bytes, "ci-k8s-infra-build-cluster-prow-build", IMAGE_ENV).unwrap();
        assert_eq!(facts.image, None);
        assert_eq!(facts.state, None);
        assert!(!facts.errored());
        let error = parse_prowjob(&bytes, "another-job", IMAGE_ENV).unwrap_err();
        assert!(error.contains("`another-job`"), "{error}");
    }

    #[test]
    fn the_image_comes_from_the_named_env_var_of_any_container() {
        let bytes = serde_json::to_vec(&serde_json::json!({
            "spec": {
                "job": "j",
                "pod_spec": { "containers": [
                    { "env": [{ "name": "OTHER", "value": "x" }] },
                    { "env": [
                        { "name": IMAGE_ENV, "valueFrom": { "secretKeyRef": {} } },
                        { "name": IMAGE_ENV, "value": " quay.io/hs/op@sha256:abc " },
                    ] },
                ] },
            },
            "status": { "state": "error", "url": "javascript:alert(1)", "completionTime": "2025-01-02T03:04:05Z" },
        }))
        .unwrap();
        let facts = parse_prowjob(&bytes, "j", IMAGE_ENV).unwrap();
        assert_eq!(facts.image.as_deref(), Some("quay.io/hs/op@sha256:abc"));
        assert!(facts.errored());
        assert_eq!(facts.url, None, "only http(s) links are kept");
        assert_eq!(
            facts.completed_at,
            Some("2025-01-02T03:04:05Z".parse().unwrap())
        );
    }

    #[test]
    fn the_identity_of_a_prowjob_is_its_name_creation_time_and_annotations() {
        let bytes = serde_json::to_vec(&serde_json::json!({
            "metadata": {
                "name": "0f3c-uuid",
                "creationTimestamp": "2026-03-02T09:00:00Z",
                "annotations": { "gatebot.hypershift.io/cell": "4.22/aws/baseline" },
            },
            "spec": { "job": "j" },
        }))
        .unwrap();
        let identity = parse_prowjob_identity(&bytes, "j").unwrap();
        assert_eq!(identity.name, "0f3c-uuid");
        assert_eq!(
            identity.created_at,
            Some("2026-03-02T09:00:00Z".parse().unwrap())
        );
        assert_eq!(
            identity.annotations["gatebot.hypershift.io/cell"],
            "4.22/aws/baseline"
        );
        let unnamed = parse_prowjob_identity(br#"{"spec":{"job":"j"}}"#, "j").unwrap_err();
        assert!(unnamed.contains("metadata.name"), "{unnamed}");
        assert!(parse_prowjob_identity(&bytes, "k").is_err());
    }

    #[test]
    fn results_map_to_states_and_contradictions_are_refused() {
        let state = |json: &str| parse_finished(json.as_bytes(), KEYS).map(|facts| facts.state);
        assert_eq!(
            state(r#"{"passed":true,"result":"SUCCESS"}"#),
            Ok(RunState::Success)
        );
        assert_eq!(
            state(r#"{"passed":false,"result":"FAILURE"}"#),
            Ok(RunState::Failure)
        );
        assert_eq!(
            state(r#"{"passed":false,"result":"ABORTED"}"#),
            Ok(RunState::Aborted)
        );
        assert_eq!(
            state(r#"{"passed":false,"result":"error"}"#),
            Ok(RunState::Error)
        );
        assert_eq!(
            state(r#"{"passed":false,"result":"PENDING"}"#),
            Ok(RunState::Failure)
        );
        assert_eq!(state(r#"{"passed":false}"#), Ok(RunState::Failure));
        assert_eq!(state(r#"{"passed":true}"#), Ok(RunState::Success));
        assert_eq!(state(r#"{"result":"FAILURE"}"#), Ok(RunState::Failure));
        for refused in [
            r#"{"passed":false,"result":"SUCCESS"}"#,
            r#"{"passed":true,"result":"FAILURE"}"#,
            r#"{"passed":true,"result":"PENDING"}"#,
            r#"{"result":"PENDING"}"#,
            r#"{"timestamp":1}"#,
        ] {
            assert!(state(refused).is_err(), "{refused} should be refused");
        }
    }

    #[test]
    fn the_target_prefers_the_snapshot_then_metadata_image_then_env_image() {
        let finished = |metadata: Value| {
            let json = serde_json::json!({ "passed": true, "metadata": metadata });
            parse_finished(&serde_json::to_vec(&json).unwrap(), KEYS).unwrap()
        };
        let prowjob = ProwJobFacts {
            state: None,
            url: None,
            image: Some("env-image".to_string()),
            completed_at: None,
        };
        let both = finished(serde_json::json!({
            "gatebot-snapshot": "hypershift-abc12",
            "hypershift-operator-image": "meta-image",
        }));
        assert_eq!(
            target(Some(&both), Some(&prowjob)),
            RunTarget::Snapshot("hypershift-abc12".to_string())
        );
        let image_only = finished(serde_json::json!({ "hypershift-operator-image": "meta-image" }));
        assert_eq!(
            target(Some(&image_only), Some(&prowjob)),
            RunTarget::Image("meta-image".to_string())
        );
        let blank = finished(serde_json::json!({ "gatebot-snapshot": "  " }));
        assert_eq!(
            target(Some(&blank), Some(&prowjob)),
            RunTarget::Image("env-image".to_string())
        );
        assert_eq!(target(Some(&blank), None), RunTarget::Unknown);
    }

    #[test]
    fn damaged_files_are_described_not_guessed() {
        let not_json = parse_finished(b"{\"passed\": tru", KEYS).unwrap_err();
        assert!(not_json.starts_with("it is not valid JSON"), "{not_json}");
        let wrong_shape = parse_finished(br#"{"passed": "yes"}"#, KEYS).unwrap_err();
        assert!(
            wrong_shape.starts_with("it is JSON, but not in the shape"),
            "{wrong_shape}"
        );
        let list = parse_finished(b"[]", KEYS).unwrap_err();
        assert!(list.contains("not in the shape"), "{list}");
        let number = parse_finished(
            br#"{"passed":true,"metadata":{"gatebot-snapshot":7}}"#,
            KEYS,
        )
        .unwrap_err();
        assert!(
            number.contains("`gatebot-snapshot` should hold text but holds a number"),
            "{number}"
        );
        let far = parse_started(br#"{"timestamp": 9223372036854775807}"#).unwrap_err();
        assert!(far.contains("not a time"), "{far}");
    }

    #[test]
    fn keys_a_ci_operator_step_wrote_are_found_one_level_down() {
        let keys = MetadataKeys {
            snapshot: "gatebot-snapshot",
            image: "hypershift-operator-image",
        };
        let nested = br#"{"passed":true,"result":"SUCCESS","metadata":{"work-namespace":"ci-op-x","metadata":{"gatebot-snapshot":"snap-1"}}}"#;
        let facts = parse_finished(nested, keys).unwrap();
        assert_eq!(facts.snapshot.as_deref(), Some("snap-1"));
        let both = br#"{"passed":true,"metadata":{"gatebot-snapshot":"top","metadata":{"gatebot-snapshot":"nested"}}}"#;
        assert_eq!(
            parse_finished(both, keys).unwrap().snapshot.as_deref(),
            Some("top")
        );
    }
}
