//! Reads the `[[gates]]` entries: each gate's own settings, then its matrix, reporting every
//! problem before giving up on a gate.

use std::collections::BTreeMap;

use crate::gate::{Platform, VersionCatalog};

use super::super::document::{Table, Value};
use super::super::duration;
use super::super::field_path::FieldPath;
use super::super::names;
use super::super::problems::Invalid;
use super::cells::{Axes, read_overrides};
use super::checks::read_checks;
use super::matrix::Matrix;
use super::versions::read_versions;
use super::{GateConfig, ReleaseMode};

/// How long a cell may wait for a finished run, counted from the snapshot's creation, when the
/// gate does not say: long enough for a nightly periodic to come round and finish.
const DEFAULT_RESULT_TIMEOUT: &str = "12h";

/// The label Pipelines-as-Code puts on a Snapshot naming the PipelineRun that built it.
const PIPELINE_RUN_LABEL: &str = "pac.test.appstudio.openshift.io/original-prname";
/// The label Pipelines-as-Code puts on a Snapshot saying what triggered the build.
const EVENT_TYPE_LABEL: &str = "pac.test.appstudio.openshift.io/event-type";

/// Reads the `gates` list: at least one gate, names unique.
pub fn read_gates(root: &mut Table<'_>) -> Option<Vec<GateConfig>> {
    let Some(value) = root.optional("gates") else {
        root.missing(
            "gates",
            Invalid::new(
                "no gate is configured",
                "add a `[[gates]]` table; deploy/config/gatebot.toml has a complete example",
            ),
        );
        return None;
    };
    let tables = value.tables()?;
    if tables.is_empty() {
        value.problem(Invalid::new(
            "lists no gate",
            "add a `[[gates]]` table; deploy/config/gatebot.toml has a complete example",
        ));
        return None;
    }
    let mut names: Vec<(String, FieldPath)> = Vec::new();
    let gates: Vec<Option<GateConfig>> = tables
        .into_iter()
        .map(|table| read_gate(table, &mut names))
        .collect();
    gates.into_iter().collect()
}

/// Reads one gate; `taken` holds the names of the gates before it.
fn read_gate(mut table: Table<'_>, taken: &mut Vec<(String, FieldPath)>) -> Option<GateConfig> {
    let name = table
        .required("name", "name = \"hypershift-operator\"")
        .and_then(|value| unique_name(&value, taken));
    let namespace = table
        .required("namespace", "namespace = \"crt-redhat-acm-tenant\"")
        .and_then(|value| value.parse(names::dns_label));
    let application = table
        .required("application", "application = \"hypershift-operator\"")
        .and_then(|value| value.parse(names::dns_label));
    let component = table
        .required("component", "component = \"hypershift-operator-main\"")
        .and_then(|value| value.parse(names::dns_label));
    let release_plan = table
        .required(
            "release_plan",
            "release_plan = \"hypershift-operator-progressive\"",
        )
        .and_then(|value| value.parse(names::release_plan));
    let emergency_release_plan = table.optional_with("emergency_release_plan", |value| {
        value.parse(names::release_plan)
    });
    let grace_period_days = table.optional_with("grace_period_days", |value| value.count(0));
    let release_mode = table.parse_or(
        "release_mode",
        ReleaseMode::Automatic.config_name(),
        release_mode,
    );
    let result_timeout =
        table.parse_or("result_timeout", DEFAULT_RESULT_TIMEOUT, duration::positive);
    let platforms = table
        .required("platforms", "platforms = [\"aws\", \"azure\"]")
        .and_then(|value| read_platforms(&value));
    let snapshot_selector = match table.optional("snapshot_selector") {
        Some(value) => read_selector(&value),
        None => component.as_deref().map(default_selector),
    };
    let versions = table
        .required("versions", "[[gates.versions]]")
        .and_then(read_versions);
    let checks = table
        .required("checks", "[gates.checks.baseline]")
        .and_then(|value| read_checks(value, platforms.as_deref()));
    let version_axis: Option<Vec<_>> = versions
        .as_ref()
        .map(|entries| entries.iter().map(|entry| entry.version).collect());
    let check_axis: Option<Vec<_>> = checks
        .as_ref()
        .map(|rules| rules.iter().map(|rule| rule.check).collect());
    let axes = Axes {
        versions: version_axis.as_deref(),
        platforms: platforms.as_deref(),
        checks: check_axis.as_deref(),
    };
    let overrides = table.optional_with("cells", |value| read_overrides(value.clone(), &axes));
    table.finish();

    let (name, versions, platforms, checks) = (name?, versions?, platforms?, checks?);
    let release_plan = release_plan?;
    let emergency_release_plan = emergency_release_plan?.unwrap_or_else(|| release_plan.clone());
    let policy = Matrix {
        gate: &name,
        versions: &versions,
        platforms: &platforms,
        checks: &checks,
        overrides: &overrides?.unwrap_or_default(),
        result_timeout: result_timeout?,
    }
    .policy();
    Some(GateConfig {
        name,
        namespace: namespace?,
        application: application?,
        component: component?,
        release_plan,
        emergency_release_plan,
        grace_period_days: grace_period_days?,
        release_mode: release_mode?,
        snapshot_selector: snapshot_selector?,
        policy,
        catalog: VersionCatalog::new(versions.iter().map(|entry| (entry.version, entry.maturity))),
    })
}

/// The gate's name: a DNS label, not used by an earlier gate.
fn unique_name(value: &Value<'_>, taken: &mut Vec<(String, FieldPath)>) -> Option<String> {
    let name = value.parse(names::dns_label)?;
    if let Some((_, first)) = taken.iter().find(|(other, _)| *other == name) {
        value.problem(Invalid::new(
            format!("`{name}` is already the name of {first}"),
            "give every gate its own name; it identifies the gate in Release labels and in chat",
        ));
        return None;
    }
    taken.push((name.clone(), value.path().clone()));
    Some(name)
}

fn release_mode(text: &str) -> Result<ReleaseMode, Invalid> {
    [ReleaseMode::Automatic, ReleaseMode::Manual]
        .into_iter()
        .find(|mode| mode.config_name() == text)
        .ok_or_else(|| {
            Invalid::new(
                format!("`{text}` is not a release mode"),
                "use `automatic` (gatebot creates the Release when the gate passes) or `manual` \
                 (a person runs `release`)",
            )
        })
}

/// The columns of the matrix: at least one platform, each a DNS label, none twice. The list is
/// `None` only when a name is unusable; a repeated name is reported and dropped, so the rest of
/// the gate is still checked against the platforms it names.
fn read_platforms(value: &Value<'_>) -> Option<Vec<Platform>> {
    let items = value.array()?;
    if items.is_empty() {
        value.problem(Invalid::new(
            "lists no platform",
            "list the platforms the jobs run on, for example `[\"aws\", \"azure\"]`",
        ));
        return None;
    }
    let mut platforms: Vec<Platform> = Vec::new();
    let mut complete = true;
    for item in &items {
        let Some(name) = item.parse(names::dns_label) else {
            complete = false;
            continue;
        };
        let platform = Platform::new(name);
        if platforms.contains(&platform) {
            // Reported, which fails the load; the list itself still serves to check the jobs.
            item.problem(Invalid::new(
                format!("lists `{platform}` a second time"),
                "list each platform once",
            ));
        } else {
            platforms.push(platform);
        }
    }
    complete.then_some(platforms)
}

/// The labels of the snapshots a gate follows when the file does not say: push builds of the
/// gate's component, as Pipelines-as-Code labels them. Pull-request snapshots must never be
/// released, so the selector always pins the event type.
fn default_selector(component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            PIPELINE_RUN_LABEL.to_string(),
            format!("{component}-on-push"),
        ),
        (EVENT_TYPE_LABEL.to_string(), "push".to_string()),
    ])
}

fn read_selector(value: &Value<'_>) -> Option<BTreeMap<String, String>> {
    let entries = value.table()?.entries();
    if entries.is_empty() {
        value.problem(Invalid::new(
            "is empty, so the gate would follow every snapshot in the namespace, pull requests included",
            format!(
                "remove the table to select `{EVENT_TYPE_LABEL}=push` builds of the component, or list \
                 the labels to match"
            ),
        ));
        return None;
    }
    let mut selector = BTreeMap::new();
    let mut complete = true;
    for (key, label) in entries {
        let key = label.check(names::label_key(key));
        let label = label.parse(names::label_value);
        match key.zip(label) {
            Some((key, label)) => {
                selector.insert(key, label);
            }
            None => complete = false,
        }
    }
    complete.then_some(selector)
}
