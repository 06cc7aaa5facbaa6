//! `[[gates]]` as written, and its validation into a `GateConfig`: each gate's own settings, then
//! its matrix, reporting every problem before giving up on a gate.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::gate::Platform;
use crate::release_streams::{ConfiguredVersions, GaCatalog};

use super::super::duration;
use super::super::field_path::FieldPath;
use super::super::names;
use super::super::problems::Invalid;
use super::super::report::{Place, Report};
use super::cells::{self, Axes, CellSection};
use super::checks::{self, ChecksSection};
use super::matrix::Matrix;
use super::rounds::{self, RetriesSection, RoundsSection};
use super::versions::{self, VersionSection};
use super::{GateConfig, ReleaseMode};
use crate::rounds::Runs;

/// How long a cell may wait for a finished run, counted from the snapshot's creation, when the
/// gate does not say: long enough for a nightly periodic to come round and finish.
const DEFAULT_RESULT_TIMEOUT: &str = "12h";

/// The label Pipelines-as-Code puts on a Snapshot naming the PipelineRun that built it.
const PIPELINE_RUN_LABEL: &str = "pac.test.appstudio.openshift.io/original-prname";
/// The label Pipelines-as-Code puts on a Snapshot saying what triggered the build.
const EVENT_TYPE_LABEL: &str = "pac.test.appstudio.openshift.io/event-type";

const EXAMPLE_HINT: &str =
    "add a `[[gates]]` table; deploy/config/gatebot.toml has a complete example";

/// The `gates` list as written.
pub(in crate::config) type GatesSection = Spanned<Vec<Spanned<GateSection>>>;

/// One `[[gates]]` entry as written. Keys that must be there are `Option`s all the same, so
/// that validation names them with an example, and a gate that lacks one does not hide the
/// problems of the others.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(in crate::config) struct GateSection {
    name: Option<Spanned<String>>,
    namespace: Option<Spanned<String>>,
    application: Option<Spanned<String>>,
    component: Option<Spanned<String>>,
    release_plan: Option<Spanned<String>>,
    emergency_release_plan: Option<Spanned<String>>,
    grace_period_days: Option<Spanned<i64>>,
    release_mode: Option<Spanned<String>>,
    result_timeout: Option<Spanned<String>>,
    platforms: Option<Spanned<Vec<Spanned<String>>>>,
    snapshot_selector: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
    versions: Option<Spanned<Vec<Spanned<VersionSection>>>>,
    checks: Option<ChecksSection>,
    cells: Vec<Spanned<CellSection>>,
    runs: Option<Spanned<String>>,
    rounds: Option<Spanned<RoundsSection>>,
    retries: Option<Spanned<RetriesSection>>,
}

/// The `gates` list: at least one gate, names unique.
pub(in crate::config) fn validate_gates(
    gates: Option<&GatesSection>,
    root: &Place,
    report: &mut Report<'_>,
) -> Option<Vec<GateConfig>> {
    let path = root.key("gates");
    let Some(gates) = gates else {
        report.add(
            &path,
            None,
            Invalid::new("no gate is configured", EXAMPLE_HINT),
        );
        return None;
    };
    if gates.get_ref().is_empty() {
        report.add(
            &path,
            Some(gates.span()),
            Invalid::new("lists no gate", EXAMPLE_HINT),
        );
        return None;
    }
    let mut names: Vec<(String, FieldPath)> = Vec::new();
    let gates: Vec<Option<GateConfig>> = gates
        .get_ref()
        .iter()
        .enumerate()
        .map(|(index, gate)| {
            let place = Place::table(path.index(index), gate);
            gate.get_ref().validate(&place, &mut names, report)
        })
        .collect();
    gates.into_iter().collect()
}

impl GateSection {
    /// One gate; `taken` holds the names of the gates before it.
    fn validate(
        &self,
        place: &Place,
        taken: &mut Vec<(String, FieldPath)>,
        report: &mut Report<'_>,
    ) -> Option<GateConfig> {
        let name = report
            .required(
                place,
                "name",
                self.name.as_ref(),
                "name = \"hypershift-operator\"",
            )
            .and_then(|name| unique_name(&place.key("name"), name, taken, report));
        let namespace = report.required_check(
            place,
            "namespace",
            self.namespace.as_ref(),
            "namespace = \"crt-redhat-acm-tenant\"",
            names::dns_label,
        );
        let application = report.required_check(
            place,
            "application",
            self.application.as_ref(),
            "application = \"hypershift-operator\"",
            names::dns_label,
        );
        let component = report.required_check(
            place,
            "component",
            self.component.as_ref(),
            "component = \"hypershift-operator-main\"",
            names::dns_label,
        );
        let release_plan = report.required_check(
            place,
            "release_plan",
            self.release_plan.as_ref(),
            "release_plan = \"hypershift-operator-progressive\"",
            names::release_plan,
        );
        let emergency_release_plan = report.optional(
            &place.key("emergency_release_plan"),
            self.emergency_release_plan.as_ref(),
            names::release_plan,
        );
        let grace_period_days = match &self.grace_period_days {
            None => Some(None),
            Some(days) => report
                .count(&place.key("grace_period_days"), days, 0)
                .map(Some),
        };
        let release_mode = report.setting(
            &place.key("release_mode"),
            self.release_mode.as_ref(),
            ReleaseMode::Automatic.into(),
            release_mode,
        );
        let result_timeout = report.setting(
            &place.key("result_timeout"),
            self.result_timeout.as_ref(),
            DEFAULT_RESULT_TIMEOUT,
            duration::positive,
        );
        let platforms = report
            .required(
                place,
                "platforms",
                self.platforms.as_ref(),
                "platforms = [\"aws\", \"azure\"]",
            )
            .and_then(|platforms| validate_platforms(&place.key("platforms"), platforms, report));
        let snapshot_selector = match &self.snapshot_selector {
            Some(selector) => validate_selector(&place.key("snapshot_selector"), selector, report),
            None => component.as_deref().map(default_selector),
        };
        let versions = report
            .required(
                place,
                "versions",
                self.versions.as_ref(),
                "[[gates.versions]]",
            )
            .and_then(|entries| versions::validate(&place.key("versions"), entries, report));
        let checks = report
            .required(
                place,
                "checks",
                self.checks.as_ref(),
                "[gates.checks.baseline]",
            )
            .and_then(|rules| {
                checks::validate(&place.key("checks"), rules, platforms.as_deref(), report)
            });
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
        let overrides = cells::validate(&place.key("cells"), &self.cells, &axes, report);
        let runs = report.setting(
            &place.key("runs"),
            self.runs.as_ref(),
            Runs::Periodic.into(),
            rounds::runs,
        );
        let cell_retries = overrides
            .iter()
            .flatten()
            .filter_map(|cell| Some((cell.key.clone(), cell.retries?)))
            .collect();
        let round_policy = rounds::validate(
            place,
            self.rounds.as_ref(),
            self.retries.as_ref(),
            cell_retries,
            report,
        );

        let (name, versions, platforms, checks) = (name?, versions?, platforms?, checks?);
        let release_plan = release_plan?;
        let emergency_release_plan =
            emergency_release_plan?.unwrap_or_else(|| release_plan.clone());
        let policy = Matrix {
            gate: &name,
            versions: &versions,
            platforms: &platforms,
            checks: &checks,
            overrides: &overrides?,
            result_timeout: result_timeout?,
        }
        .policy();
        let configured = ConfiguredVersions {
            fallback: versions
                .iter()
                .map(|entry| (entry.version, entry.maturity))
                .collect(),
            pins: versions
                .iter()
                .filter_map(|entry| Some((entry.version, entry.pin?)))
                .collect(),
        };
        Some(GateConfig {
            name,
            namespace: namespace?,
            application: application?,
            component: component?,
            release_plan,
            emergency_release_plan,
            grace_period_days: grace_period_days?,
            release_mode: release_mode?,
            snapshot_selector: label_selector(&snapshot_selector?),
            policy,
            catalog: GaCatalog::decide(&configured, None, false).version_catalog(),
            versions: configured,
            runs: runs?,
            rounds: round_policy?,
        })
    }
}

/// The gate's name: a DNS label, not used by an earlier gate.
fn unique_name(
    path: &FieldPath,
    value: &Spanned<String>,
    taken: &mut Vec<(String, FieldPath)>,
    report: &mut Report<'_>,
) -> Option<String> {
    let name = report.check(path, value, names::dns_label)?;
    if let Some((_, first)) = taken.iter().find(|(other, _)| *other == name) {
        report.add(
            path,
            Some(value.span()),
            Invalid::new(
                format!("`{name}` is already the name of {first}"),
                "give every gate its own name; it identifies the gate in Release labels and in chat",
            ),
        );
        return None;
    }
    taken.push((name.clone(), path.clone()));
    Some(name)
}

fn release_mode(text: &str) -> Result<ReleaseMode, Invalid> {
    text.parse().map_err(|_| {
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
fn validate_platforms(
    path: &FieldPath,
    items: &Spanned<Vec<Spanned<String>>>,
    report: &mut Report<'_>,
) -> Option<Vec<Platform>> {
    if items.get_ref().is_empty() {
        report.add(
            path,
            Some(items.span()),
            Invalid::new(
                "lists no platform",
                "list the platforms the jobs run on, for example `[\"aws\", \"azure\"]`",
            ),
        );
        return None;
    }
    let mut platforms: Vec<Platform> = Vec::new();
    let mut complete = true;
    for (index, item) in items.get_ref().iter().enumerate() {
        let path = path.index(index);
        let Some(name) = report.check(&path, item, names::dns_label) else {
            complete = false;
            continue;
        };
        let platform = Platform::new(name);
        if platforms.contains(&platform) {
            // Reported, which fails the load; the list itself still serves to check the jobs.
            report.add(
                &path,
                Some(item.span()),
                Invalid::new(
                    format!("lists `{platform}` a second time"),
                    "list each platform once",
                ),
            );
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

fn validate_selector(
    path: &FieldPath,
    labels: &Spanned<BTreeMap<Spanned<String>, Spanned<String>>>,
    report: &mut Report<'_>,
) -> Option<BTreeMap<String, String>> {
    if labels.get_ref().is_empty() {
        report.add(
            path,
            Some(labels.span()),
            Invalid::new(
                "is empty, so the gate would follow every snapshot in the namespace, pull requests included",
                format!(
                    "remove the table to select `{EVENT_TYPE_LABEL}=push` builds of the component, or list \
                     the labels to match"
                ),
            ),
        );
        return None;
    }
    let mut selector = BTreeMap::new();
    let mut complete = true;
    for (key, label) in labels.get_ref() {
        let path = path.key(key.get_ref());
        let key = report.check(&path, key, names::label_key);
        let label = report.check(&path, label, names::label_value);
        match key.zip(label) {
            Some((key, label)) => {
                selector.insert(key, label);
            }
            None => complete = false,
        }
    }
    complete.then_some(selector)
}

/// Labels as a Kubernetes label selector: `key=value,key=value`.
fn label_selector(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    pairs.join(",")
}
