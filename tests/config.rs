//! The configuration file as its users meet it: the shipped example, defaults, every validation
//! rule with the field path and message it reports, and `gatebot check-config` as a process.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use gatebot::config::{
    ChatConfig, Config, ConfigError, EmergencyConfig, Location, Problem, ReleaseMode, RolesConfig,
    SlackConfig,
};
use gatebot::escalation::{DigestConfig, EscalationConfig, PersonConfig, TeamConfig};
use gatebot::gate::{Aggregate, CellKey, Check, Maturity, OcpVersion, Platform};
use gatebot::jira::{Deployment, JiraSettings};
use gatebot::rounds::Runs;
use jiff::SignedDuration;
use jiff::civil::date;
use proptest::prelude::*;

/// A small valid file: one gate, two platforms, two versions, one check, no optional keys.
const MINIMAL: &str = r#"
[[gates]]
name = "hypershift-operator"
namespace = "crt-redhat-acm-tenant"
application = "hypershift-operator"
component = "hypershift-operator-main"
release_plan = "hypershift-operator-progressive"
platforms = ["aws", "azure"]

[[gates.versions]]
version = "4.21"

[[gates.versions]]
version = "4.22"
ga = false

[gates.checks.baseline]
jobs = { aws = "periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aws-ovn", azure = "periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aks" }
"#;

fn example_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy/config/gatebot.toml")
}

/// MINIMAL with each `(from, to)` replaced; `from` must occur, so a typo here fails the test
/// instead of testing the unchanged file.
fn minimal_with(edits: &[(&str, &str)]) -> String {
    let mut text = MINIMAL.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "MINIMAL has no `{from}`");
        text = text.replacen(from, to, 1);
    }
    text
}

fn problems(text: &str) -> Vec<Problem> {
    match Config::parse(text, "test.toml") {
        Ok(_) => panic!("expected problems, but the configuration is valid:\n{text}"),
        Err(error) => error.problems().to_vec(),
    }
}

/// Asserts that loading `text` reports exactly one problem, at `path`, with `message`.
fn assert_single_problem(text: &str, path: &str, message: &str) -> Problem {
    let found = problems(text);
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    assert_eq!(found[0].path, path, "{found:#?}");
    assert_eq!(found[0].message, message, "{found:#?}");
    assert!(!found[0].fix.is_empty(), "every problem says how to fix it");
    found[0].clone()
}

fn key(version: &str, platform: &str, check: Check) -> CellKey {
    CellKey {
        version: version.parse().unwrap(),
        platform: Platform::new(platform),
        check,
    }
}

fn run_check_config(file: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatebot"))
        .arg("check-config")
        .arg(file)
        .output()
        .expect("the gatebot binary runs")
}

// The shipped example.

#[test]
fn the_example_file_is_valid_and_describes_the_hypershift_gate() {
    let config = Config::load(example_path()).expect("the example configuration is valid");
    assert_eq!(config.gates.len(), 1);
    let gate = config.gate("hypershift-operator").unwrap();
    assert_eq!(gate.namespace, "crt-redhat-acm-tenant");
    assert_eq!(gate.application, "hypershift-operator");
    assert_eq!(gate.component, "hypershift-operator-main");
    assert_eq!(gate.release_plan, "hypershift-operator-progressive");
    assert_eq!(gate.grace_period_days, Some(7));
    assert_eq!(gate.release_mode, ReleaseMode::Automatic);

    let policy = &gate.policy;
    let versions: Vec<String> = policy.versions.iter().map(ToString::to_string).collect();
    assert_eq!(versions, ["4.17", "4.18", "4.19", "4.20", "4.21", "4.22"]);
    assert_eq!(
        policy.platforms,
        [Platform::new("aws"), Platform::new("azure")]
    );
    assert_eq!(
        policy.checks,
        [
            Check::Baseline,
            Check::UpgradeFromZero,
            Check::UpgradeFromPrevious
        ]
    );
    assert_eq!(policy.result_timeout, SignedDuration::from_hours(12));
    assert_eq!(policy.cells.len(), 6 * 2 * 3);
    assert_eq!(policy.required_count(), 36 - 2 - 1);

    let job = |version, platform, check| {
        policy
            .cell(&key(version, platform, check))
            .unwrap()
            .job
            .clone()
    };
    assert_eq!(
        job("4.21", "aws", Check::Baseline).as_deref(),
        Some("periodic-ci-openshift-hypershift-release-4.21-periodics-e2e-aws-ovn")
    );
    assert_eq!(
        job("4.22", "azure", Check::UpgradeFromZero).as_deref(),
        Some(
            "periodic-ci-openshift-hypershift-release-4.22-periodics-hcm-azure-e2e-aks-upgrade-from-zero"
        )
    );
    assert_eq!(job("4.22", "aws", Check::UpgradeFromPrevious), None);
    assert_eq!(job("4.22", "azure", Check::UpgradeFromPrevious), None);
    assert_eq!(
        job("4.17", "azure", Check::Baseline).as_deref(),
        Some(
            "periodic-ci-openshift-hypershift-release-4.17-periodics-e2e-azure-aks-ovn-conformance"
        )
    );
    let advisory = policy
        .cell(&key("4.17", "azure", Check::UpgradeFromZero))
        .unwrap();
    assert!(!advisory.required);
    assert!(advisory.job.is_some());

    assert_eq!(
        gate.catalog.maturity(OcpVersion::new(4, 22)),
        Maturity::PreRelease
    );
    assert!(gate.catalog.is_ga(OcpVersion::new(4, 21)));

    assert_eq!(gate.runs, Runs::Triggered, "the gate runs its own tests");
    assert_eq!(
        config
            .gangway
            .as_ref()
            .map(|gangway| gangway.token_env.as_str()),
        Some("GATEBOT_GANGWAY_TOKEN")
    );
}

#[test]
fn cells_are_ordered_by_version_then_platform_then_check() {
    let config = Config::load(example_path()).unwrap();
    let policy = &config.gates[0].policy;
    let mut expected = Vec::new();
    for version in &policy.versions {
        for platform in &policy.platforms {
            for check in &policy.checks {
                expected.push(CellKey {
                    version: *version,
                    platform: platform.clone(),
                    check: *check,
                });
            }
        }
    }
    let actual: Vec<CellKey> = policy.cells.iter().map(|cell| cell.key.clone()).collect();
    assert_eq!(actual, expected);
}

#[test]
fn checks_keep_the_order_the_file_lists_them_in() {
    let text = format!(
        "{MINIMAL}\n[gates.checks.upgrade-from-previous]\njobs = {{ aws = \"up-{{version}}\", azure = \"up-az-{{version}}\" }}\n"
    )
    .replace("[gates.checks.baseline]", "[gates.checks.upgrade-from-zero]");
    let text = format!(
        "{text}\n[gates.checks.baseline]\njobs = {{ aws = \"e2e-{{version}}\", azure = \"e2e-az-{{version}}\" }}\n"
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    let policy = &config.gates[0].policy;
    assert_eq!(
        policy.checks,
        [
            Check::UpgradeFromZero,
            Check::UpgradeFromPrevious,
            Check::Baseline
        ]
    );
    let first_row: Vec<Check> = policy.cells[..3]
        .iter()
        .map(|cell| cell.key.check)
        .collect();
    assert_eq!(first_row, policy.checks);
}

// Defaults.

#[test]
fn a_minimal_file_gets_every_default() {
    let config = Config::parse(MINIMAL, "minimal.toml").unwrap();
    assert_eq!(config.store.url, "sqlite://gatebot.db?mode=rwc");
    assert_eq!(config.kubernetes.api_url, None);
    assert_eq!(
        config.prow.gcs_url.as_str(),
        "https://storage.googleapis.com/"
    );
    assert_eq!(config.prow.bucket, "test-platform-results");
    assert_eq!(
        config.prow.prow_url.as_str(),
        "https://prow.ci.openshift.org/"
    );
    assert_eq!(config.prow.poll_interval, SignedDuration::from_secs(60));
    assert_eq!(config.prow.snapshot_metadata_key, "gatebot-snapshot");
    assert_eq!(config.prow.image_metadata_key, "hypershift-operator-image");
    assert_eq!(
        config.prow.image_env,
        "MULTISTAGE_PARAM_OVERRIDE_OVERRIDE_HYPERSHIFT_OPERATOR_IMAGE"
    );
    assert_eq!(config.prow.backfill_builds, 20);
    assert_eq!(config.server.listen, "0.0.0.0:8080".parse().unwrap());

    let gate = &config.gates[0];
    assert_eq!(gate.grace_period_days, None);
    assert_eq!(gate.release_mode, ReleaseMode::Automatic);
    assert_eq!(gate.policy.result_timeout, SignedDuration::from_hours(12));
    assert!(
        gate.policy
            .cells
            .iter()
            .all(|cell| cell.required && cell.job.is_some())
    );
    assert!(gate.catalog.is_ga(OcpVersion::new(4, 21)));
    assert!(!gate.catalog.is_ga(OcpVersion::new(4, 22)));
    assert_eq!(
        gate.snapshot_selector,
        "pac.test.appstudio.openshift.io/event-type=push,\
         pac.test.appstudio.openshift.io/original-prname=hypershift-operator-main-on-push"
    );
}

#[test]
fn a_configured_selector_replaces_the_default() {
    let text = format!(
        "{MINIMAL}\n[gates.snapshot_selector]\n\"appstudio.openshift.io/application\" = \"hypershift-operator\"\n"
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    let gate = &config.gates[0];
    assert_eq!(gate.snapshot_selector.split(',').count(), 1);
    assert_eq!(
        gate.snapshot_selector,
        "appstudio.openshift.io/application=hypershift-operator"
    );
}

#[test]
fn explicit_settings_override_the_defaults() {
    let text = format!(
        "[store]\nurl = \"postgres://gatebot@db/gatebot\"\n[kubernetes]\napi_url = \"https://api.example:6443\"\n\
         [server]\nlisten = \"[::]:9090\"\n[prow]\npoll_interval = \"1h 30m\"\nbackfill_builds = 3\n{}",
        minimal_with(&[(
            "release_plan = \"hypershift-operator-progressive\"",
            "release_plan = \"hypershift-operator-progressive\"\nrelease_mode = \"manual\"\ngrace_period_days = 0\nresult_timeout = \"2d\"",
        )])
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    assert_eq!(config.store.url, "postgres://gatebot@db/gatebot");
    assert_eq!(
        config.kubernetes.api_url.as_ref().map(|url| url.as_str()),
        Some("https://api.example:6443/")
    );
    assert_eq!(config.server.listen.port(), 9090);
    assert_eq!(config.prow.poll_interval, SignedDuration::from_mins(90));
    assert_eq!(config.prow.backfill_builds, 3);
    let gate = &config.gates[0];
    assert_eq!(gate.release_mode, ReleaseMode::Manual);
    assert_eq!(gate.grace_period_days, Some(0));
    assert_eq!(gate.policy.result_timeout, SignedDuration::from_hours(48));
}

#[test]
fn cell_overrides_change_job_applicability_and_requirement() {
    let text = format!(
        "{MINIMAL}
[[gates.cells]]
version = \"4.22\"
platform = \"azure\"
check = \"baseline\"
applicable = false

[[gates.cells]]
version = \"4.21\"
platform = \"aws\"
check = \"baseline\"
job = \"periodic-ci-special-{{version}}\"
required = false
"
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    let policy = &config.gates[0].policy;
    let not_applicable = policy.cell(&key("4.22", "azure", Check::Baseline)).unwrap();
    assert_eq!(not_applicable.job, None);
    let replaced = policy.cell(&key("4.21", "aws", Check::Baseline)).unwrap();
    assert_eq!(replaced.job.as_deref(), Some("periodic-ci-special-4.21"));
    assert!(!replaced.required);
    assert_eq!(policy.required_count(), 2);
}

// One test per validation rule: the field path and the message.

#[test]
fn gate_names_must_be_unique() {
    let text = format!("{MINIMAL}\n{}", MINIMAL.replace("ga = false\n", ""));
    let problem = assert_single_problem(
        &text,
        "gates[1].name",
        "`hypershift-operator` is already the name of gates[0].name",
    );
    assert_eq!(problem.location.map(|l| l.line), Some(22));
}

#[test]
fn kubernetes_names_must_be_dns_labels() {
    let cases = [
        (
            "name = \"hypershift-operator\"",
            "name = \"HyperShift\"",
            "gates[0].name",
            "`HyperShift` contains `H`, which is not allowed",
        ),
        (
            "namespace = \"crt-redhat-acm-tenant\"",
            "namespace = \"crt_tenant\"",
            "gates[0].namespace",
            "`crt_tenant` contains `_`, which is not allowed",
        ),
        (
            "application = \"hypershift-operator\"",
            "application = \"-ho\"",
            "gates[0].application",
            "`-ho` does not start and end with a letter or digit",
        ),
        (
            "component = \"hypershift-operator-main\"",
            "component = \"\"",
            "gates[0].component",
            "is empty",
        ),
    ];
    for (from, to, path, message) in cases {
        assert_single_problem(&minimal_with(&[(from, to)]), path, message);
    }
    let long = format!("namespace = \"{}\"", "n".repeat(64));
    assert_single_problem(
        &minimal_with(&[("namespace = \"crt-redhat-acm-tenant\"", &long)]),
        "gates[0].namespace",
        &format!(
            "`{}` is 64 characters long, more than the 63 allowed",
            "n".repeat(64)
        ),
    );
}

#[test]
fn release_plan_names_are_at_most_63_characters() {
    let plan = format!("release_plan = \"{}\"", "p".repeat(64));
    assert_single_problem(
        &minimal_with(&[("release_plan = \"hypershift-operator-progressive\"", &plan)]),
        "gates[0].release_plan",
        &format!(
            "`{}` is 64 characters long, more than the 63 allowed",
            "p".repeat(64)
        ),
    );
}

#[test]
fn a_gate_needs_at_least_one_version_platform_and_check() {
    assert_single_problem(
        &minimal_with(&[("platforms = [\"aws\", \"azure\"]", "platforms = []")]),
        "gates[0].platforms",
        "lists no platform",
    );
    let no_versions = minimal_with(&[
        ("[[gates.versions]]\nversion = \"4.21\"\n\n", ""),
        ("[[gates.versions]]\nversion = \"4.22\"\nga = false\n", ""),
    ]);
    assert_single_problem(&no_versions, "gates[0].versions", "is missing");
    let without_checks = &MINIMAL[..MINIMAL.find("[gates.checks.baseline]").unwrap()];
    assert_single_problem(without_checks, "gates[0].checks", "is missing");
    let empty_checks = without_checks.replace(
        "platforms = [\"aws\", \"azure\"]",
        "platforms = [\"aws\", \"azure\"]\nchecks = {}",
    );
    assert_single_problem(
        &empty_checks,
        "gates[0].checks",
        "lists no check, so the gate would pass every snapshot",
    );
}

#[test]
fn there_must_be_at_least_one_gate() {
    let problem = assert_single_problem(
        "[server]\nlisten = \"0.0.0.0:8080\"\n",
        "gates",
        "no gate is configured",
    );
    assert_eq!(problem.location, None);
}

#[test]
fn versions_must_parse_and_be_unique() {
    assert_single_problem(
        &minimal_with(&[("version = \"4.21\"", "version = \"4.x\"")]),
        "gates[0].versions[0].version",
        "`4.x` is not an OCP minor version",
    );
    assert_single_problem(
        &minimal_with(&[("version = \"4.22\"", "version = \"4.21\"")]),
        "gates[0].versions[1].version",
        "lists 4.21 a second time",
    );
    let problem = assert_single_problem(
        &minimal_with(&[("version = \"4.21\"", "version = 4.21")]),
        "gates[0].versions[0].version",
        "must be a string, but is a decimal number",
    );
    assert_eq!(problem.fix, "put the value in quotes: `\"4.21\"`");
}

#[test]
fn platforms_are_listed_once() {
    assert_single_problem(
        &minimal_with(&[(
            "platforms = [\"aws\", \"azure\"]",
            "platforms = [\"aws\", \"azure\", \"aws\"]",
        )]),
        "gates[0].platforms[2]",
        "lists `aws` a second time",
    );
}

#[test]
fn jobs_name_exactly_the_gates_platforms() {
    let missing = minimal_with(&[(
        ", azure = \"periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aks\"",
        "",
    )]);
    assert_single_problem(
        &missing,
        "gates[0].checks.baseline.jobs.azure",
        "is missing; the gate runs on `azure`, so this check needs a job there",
    );
    let extra = minimal_with(&[(
        "jobs = { aws",
        "jobs = { gcp = \"periodic-ci-gcp-{version}\", aws",
    )]);
    assert_single_problem(
        &extra,
        "gates[0].checks.baseline.jobs.gcp",
        "unknown key `gcp`",
    );
}

#[test]
fn templates_use_only_the_version_placeholder() {
    let problem = assert_single_problem(
        &minimal_with(&[(
            "release-{version}-periodics-e2e-aws-ovn",
            "release-{ocp}-periodics-e2e-{platform}",
        )]),
        "gates[0].checks.baseline.jobs.aws",
        "uses the unknown placeholders `{ocp}`, `{platform}`",
    );
    assert!(problem.fix.contains("{version}"));
    assert_single_problem(
        &minimal_with(&[(
            "release-{version}-periodics-e2e-aws-ovn",
            "release-{version-periodics",
        )]),
        "gates[0].checks.baseline.jobs.aws",
        "`periodic-ci-openshift-hypershift-release-{version-periodics` has a `{` that is never closed",
    );
}

#[test]
fn job_names_are_never_empty() {
    assert_single_problem(
        &minimal_with(&[(
            "\"periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aks\"",
            "\"\"",
        )]),
        "gates[0].checks.baseline.jobs.azure",
        "is empty, so the job name would be empty",
    );
    let text = format!(
        "{MINIMAL}\n[[gates.cells]]\nversion = \"4.21\"\nplatform = \"aws\"\ncheck = \"baseline\"\njob = \"\"\n"
    );
    assert_single_problem(
        &text,
        "gates[0].cells[0].job",
        "is empty, so the job name would be empty",
    );
}

fn with_override(body: &str) -> String {
    format!("{MINIMAL}\n[[gates.cells]]\n{body}\n")
}

#[test]
fn overrides_name_a_configured_version_platform_and_check() {
    assert_single_problem(
        &with_override(
            "version = \"4.23\"\nplatform = \"aws\"\ncheck = \"baseline\"\nrequired = false",
        ),
        "gates[0].cells[0].version",
        "`4.23` is not one of the gate's versions (4.21, 4.22)",
    );
    assert_single_problem(
        &with_override(
            "version = \"4.21\"\nplatform = \"gcp\"\ncheck = \"baseline\"\nrequired = false",
        ),
        "gates[0].cells[0].platform",
        "`gcp` is not one of the gate's platforms (aws, azure)",
    );
    assert_single_problem(
        &with_override(
            "version = \"4.21\"\nplatform = \"aws\"\ncheck = \"upgrade-from-zero\"\nrequired = false",
        ),
        "gates[0].cells[0].check",
        "`upgrade-from-zero` is not one of the gate's checks (baseline)",
    );
    assert_single_problem(
        &with_override("version = \"4.21\"\nplatform = \"aws\"\ncheck = \"e2e\"\nrequired = false"),
        "gates[0].cells[0].check",
        "`e2e` is not a check",
    );
}

#[test]
fn a_cell_is_overridden_at_most_once() {
    let cell = "version = \"4.21\"\nplatform = \"aws\"\ncheck = \"baseline\"\nrequired = false";
    let text = format!("{}\n[[gates.cells]]\n{cell}\n", with_override(cell));
    assert_single_problem(
        &text,
        "gates[0].cells[1]",
        "overrides the cell 4.21 aws baseline a second time",
    );
}

#[test]
fn an_override_must_change_something_and_not_contradict_itself() {
    assert_single_problem(
        &with_override("version = \"4.21\"\nplatform = \"aws\"\ncheck = \"baseline\""),
        "gates[0].cells[0]",
        "changes nothing about the cell",
    );
    assert_single_problem(
        &with_override(
            "version = \"4.21\"\nplatform = \"aws\"\ncheck = \"baseline\"\napplicable = false\njob = \"periodic-x\"",
        ),
        "gates[0].cells[0].job",
        "is set, but the cell is marked `applicable = false`, so no job is read for it",
    );
}

#[test]
fn durations_must_be_positive_and_polling_at_least_a_second() {
    let timeout = |value: &str| {
        minimal_with(&[(
            "platforms = [",
            &format!("result_timeout = \"{value}\"\nplatforms = ["),
        )])
    };
    assert_single_problem(
        &timeout("0s"),
        "gates[0].result_timeout",
        "`0s` is not longer than zero",
    );
    assert_single_problem(
        &timeout("-1h"),
        "gates[0].result_timeout",
        "`-1h` is not longer than zero",
    );
    assert_single_problem(
        &timeout("soon"),
        "gates[0].result_timeout",
        "`soon` is not a duration",
    );
    assert_single_problem(
        &timeout("1 month"),
        "gates[0].result_timeout",
        "`1 month` uses months or years, whose length depends on the calendar",
    );
    assert_single_problem(
        &format!("[prow]\npoll_interval = \"500ms\"\n{MINIMAL}"),
        "prow.poll_interval",
        "`500ms` is shorter than 1s",
    );
}

#[test]
fn the_store_is_sqlite_or_postgres() {
    assert_single_problem(
        &format!("[store]\nurl = \"mysql://db/gatebot\"\n{MINIMAL}"),
        "store.url",
        "`mysql://db/gatebot` is neither a SQLite nor a Postgres URL",
    );
}

#[test]
fn backfill_needs_at_least_one_build() {
    assert_single_problem(
        &format!("[prow]\nbackfill_builds = 0\n{MINIMAL}"),
        "prow.backfill_builds",
        "is 0, but must be at least 1",
    );
}

#[test]
fn the_listen_address_is_an_ip_and_port() {
    assert_single_problem(
        &format!("[server]\nlisten = \"localhost:8080\"\n{MINIMAL}"),
        "server.listen",
        "`localhost:8080` is not an IP address and port",
    );
}

#[test]
fn urls_are_absolute_http() {
    assert_single_problem(
        &format!("[prow]\nprow_url = \"gs://test-platform-results\"\n{MINIMAL}"),
        "prow.prow_url",
        "`gs://test-platform-results` uses the scheme `gs`, not http or https",
    );
}

#[test]
fn the_selector_is_never_empty_and_holds_valid_labels() {
    assert_single_problem(
        &format!("{MINIMAL}\n[gates.snapshot_selector]\n"),
        "gates[0].snapshot_selector",
        "is empty, so the gate would follow every snapshot in the namespace, pull requests included",
    );
    assert_single_problem(
        &format!(
            "{MINIMAL}\n[gates.snapshot_selector]\n\"pac.test.appstudio.openshift.io/event-type\" = \"on push\"\n"
        ),
        "gates[0].snapshot_selector.\"pac.test.appstudio.openshift.io/event-type\"",
        "the label value `on push` contains ` `, which is not allowed",
    );
}

#[test]
fn release_mode_is_automatic_or_manual() {
    let problem = assert_single_problem(
        &minimal_with(&[("platforms = [", "release_mode = \"auto\"\nplatforms = [")]),
        "gates[0].release_mode",
        "`auto` is not a release mode",
    );
    assert!(problem.fix.contains("`automatic`") && problem.fix.contains("`manual`"));
}

#[test]
fn grace_period_is_not_negative() {
    assert_single_problem(
        &minimal_with(&[("platforms = [", "grace_period_days = -1\nplatforms = [")]),
        "gates[0].grace_period_days",
        "is -1, but must be at least 0",
    );
}

#[test]
fn a_missing_required_key_names_the_key_and_what_to_add() {
    let problem = assert_single_problem(
        &minimal_with(&[("namespace = \"crt-redhat-acm-tenant\"\n", "")]),
        "gates[0].namespace",
        "is missing",
    );
    assert_eq!(
        problem.fix,
        "add `namespace = \"crt-redhat-acm-tenant\"` to gates[0]"
    );
    assert_eq!(problem.location, Some(Location { line: 2, column: 1 }));
}

// `[escalation]` and `[chat]`.

/// An `[escalation]` section that loads, to which a test adds its own keys.
const ESCALATION: &str = r#"[escalation]
target_versions = ["4.20.0"]
"#;

/// A `[chat]` section with only the required channel.
const CHAT: &str = "[chat]\nchannel = \"C0123456789\"\n";

/// `sections` (written from line 1) followed by MINIMAL's gate.
fn with_sections(sections: &str) -> String {
    format!("{sections}\n{MINIMAL}")
}

/// Asserts one problem at `path` on `line` whose message contains `words`; returns it.
fn assert_problem_on_line(text: &str, path: &str, line: usize, words: &str) -> Problem {
    let found = problems(text);
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    let problem = found[0].clone();
    assert_eq!(problem.path, path, "{problem:#?}");
    assert!(problem.message.contains(words), "{problem:#?}");
    assert_eq!(problem.location.map(|l| l.line), Some(line), "{problem:#?}");
    assert!(!problem.fix.is_empty(), "every problem says how to fix it");
    problem
}

#[test]
fn a_file_without_escalation_or_chat_has_neither() {
    let config = Config::parse(MINIMAL, "minimal.toml").unwrap();
    assert_eq!(config.escalation, None);
    assert_eq!(config.chat, None);
    let gate = &config.gates[0];
    assert_eq!(gate.emergency_release_plan, gate.release_plan);
}

#[test]
fn the_example_file_escalates_and_chats() {
    let config = Config::load(example_path()).unwrap();
    let escalation = config.escalation.expect("the example escalates");
    assert_eq!(escalation.target_versions, ["4.20.0", "4.19.z"]);
    assert_eq!(escalation.jira.token_env, "JIRA_TOKEN");
    assert!(escalation.teams.contains_key("hypershift"));
    let chat = config.chat.expect("the example has a chat front");
    assert_eq!(chat.slack.bot_token_env, "GATEBOT_SLACK_BOT_TOKEN");
    assert_eq!(chat.roles.approvers, ["U045EF6GH"]);
    assert_eq!(
        config.gates[0].emergency_release_plan,
        "hypershift-operator-progressive"
    );
}

#[test]
fn an_escalation_section_reads_into_the_escalation_config() {
    let text = with_sections(
        r#"[escalation]
schedule = "30 8 * * MON-FRI"
target_versions = ["4.20.0", "4.19.z"]
time_zone = "Europe/Prague"
holidays = [2025-12-25, "2026-01-01"]
qa_contact_after_hours = 16
team_lead_after_hours = 40
manager_after_hours = 64
page_size = 25
dry_run = true

[escalation.jira]
url = "https://jira.example"
deployment = "cloud"
token_env = "GATEBOT_JIRA_TOKEN"
email = "gatebot@example.com"

[escalation.teams.hypershift]
components = ["HyperShift"]
lead = "lead-id"

[escalation.people.qa-person]
manager = "qa-manager"

[escalation.digest]
channel = "C0123456789"
thread_ts = "1736157600.000100"
"#,
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    let expected = EscalationConfig {
        schedule: "30 8 * * MON-FRI".into(),
        target_versions: vec!["4.20.0".into(), "4.19.z".into()],
        time_zone: "Europe/Prague".into(),
        holidays: vec![date(2025, 12, 25), date(2026, 1, 1)],
        qa_contact_after_hours: 16,
        team_lead_after_hours: 40,
        manager_after_hours: 64,
        page_size: 25,
        dry_run: true,
        jira: JiraSettings {
            url: "https://jira.example".into(),
            deployment: Deployment::Cloud,
            token_env: "GATEBOT_JIRA_TOKEN".into(),
            email: Some("gatebot@example.com".into()),
        },
        teams: BTreeMap::from([(
            "hypershift".to_string(),
            TeamConfig {
                components: vec!["HyperShift".into()],
                lead: Some("lead-id".into()),
                manager: None,
            },
        )]),
        people: BTreeMap::from([(
            "qa-person".to_string(),
            PersonConfig {
                lead: None,
                manager: Some("qa-manager".into()),
            },
        )]),
        digest: Some(DigestConfig {
            channel: "C0123456789".into(),
            thread_ts: Some("1736157600.000100".into()),
        }),
        ..EscalationConfig::default()
    };
    assert_eq!(config.escalation, Some(expected));

    let defaults = Config::parse(&with_sections(ESCALATION), "test.toml").unwrap();
    assert_eq!(
        defaults.escalation,
        Some(EscalationConfig {
            target_versions: vec!["4.20.0".into()],
            ..EscalationConfig::default()
        })
    );
}

#[test]
fn a_chat_section_reads_into_the_chat_config() {
    let text = with_sections(
        r#"[chat]
channel = "C0123456789"
slash_command = "/release-gate"

[chat.slack]
app_token_env = "APP_TOKEN"
bot_token_env = "BOT_TOKEN"
api_url = "http://127.0.0.1:9999/api"

[chat.roles]
releasers = ["U012AB3CD", "S0123ABCD"]
approvers = ["U045EF6GH", "W0123ABCD"]
admins = ["U078IJ9KL"]

[chat.emergency]
approvals_needed = 2
request_ttl = "1h 30m"
annotation_prefix = "emergency.release.example.com"
"#,
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    let ids = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>();
    assert_eq!(
        config.chat,
        Some(ChatConfig {
            channel: "C0123456789".into(),
            slash_command: "/release-gate".into(),
            slack: SlackConfig {
                app_token_env: "APP_TOKEN".into(),
                bot_token_env: "BOT_TOKEN".into(),
                api_url: "http://127.0.0.1:9999/api".parse().unwrap(),
            },
            roles: RolesConfig {
                releasers: ids(&["U012AB3CD", "S0123ABCD"]),
                approvers: ids(&["U045EF6GH", "W0123ABCD"]),
                admins: ids(&["U078IJ9KL"]),
            },
            emergency: EmergencyConfig {
                approvals_needed: 2,
                request_ttl: SignedDuration::from_mins(90),
                annotation_prefix: "emergency.release.example.com".into(),
            },
        })
    );

    let defaults = Config::parse(&with_sections(CHAT), "test.toml").unwrap();
    assert_eq!(
        defaults.chat,
        Some(ChatConfig {
            channel: "C0123456789".into(),
            slash_command: "/gate".into(),
            slack: SlackConfig {
                app_token_env: "GATEBOT_SLACK_APP_TOKEN".into(),
                bot_token_env: "GATEBOT_SLACK_BOT_TOKEN".into(),
                api_url: "https://slack.com/api".parse().unwrap(),
            },
            roles: RolesConfig::default(),
            emergency: EmergencyConfig {
                approvals_needed: 1,
                request_ttl: SignedDuration::from_hours(2),
                annotation_prefix: "release.hypershift.io".into(),
            },
        })
    );
}

#[test]
fn escalation_mistakes_name_their_field_and_fix() {
    let escalation = |extra: &str| with_sections(&format!("{ESCALATION}{extra}"));
    let unknown = assert_single_problem(
        &escalation("qa_contact_feild = \"customfield_1\"\n"),
        "escalation.qa_contact_feild",
        "unknown key `qa_contact_feild`",
    );
    assert_eq!(unknown.fix, "did you mean `qa_contact_field`?");
    assert_eq!(unknown.location, Some(Location { line: 3, column: 1 }));
    let nested = assert_single_problem(
        &escalation("[escalation.jira]\ntoken = \"JIRA_TOKEN\"\n"),
        "escalation.jira.token",
        "unknown key `token`",
    );
    assert_eq!(nested.fix, "did you mean `token_env`?");
    assert_eq!(nested.location.map(|l| l.line), Some(4));

    let cron = assert_problem_on_line(
        &escalation("schedule = \"every two hours\"\n"),
        "escalation.schedule",
        3,
        "\"every two hours\" is not a cron expression",
    );
    assert!(cron.fix.contains("0 */2 * * MON-FRI"), "{cron:#?}");
    let zone = assert_problem_on_line(
        &escalation("time_zone = \"Mars/Olympus\"\n"),
        "escalation.time_zone",
        3,
        "\"Mars/Olympus\" is not a known time zone",
    );
    assert!(zone.fix.contains("IANA"), "{zone:#?}");
    assert_single_problem(
        &escalation("page_size = \"50\"\n"),
        "escalation.page_size",
        "must be a whole number from 0 to 4294967295, but is a string",
    );
    let deployment = assert_single_problem(
        &escalation("[escalation.jira]\ndeployment = \"clod\"\nemail = \"bot@example.com\"\n"),
        "escalation.jira.deployment",
        "`clod` is not one of `server`, `cloud`",
    );
    assert_eq!(deployment.fix, "did you mean `cloud`?");
    assert_single_problem(
        &with_sections("[escalation]\nproject = \"OCPBUGS\"\n"),
        "escalation.target_versions",
        "no target versions are listed, so every issue in the project's ON_QA would be escalated",
    );
    assert_single_problem(
        &escalation("[escalation.teams.hcp]\nlead = \"jdoe\"\n"),
        "escalation.teams.hcp.components",
        "is missing",
    );
    assert_single_problem(
        &escalation("[escalation.digest]\nchannel = \"#hyperfleet-releases\"\n"),
        "escalation.digest.channel",
        "`#hyperfleet-releases` is not a Slack channel id (that is the channel's name)",
    );
    assert_single_problem(
        &with_sections("escalation = \"on\"\n"),
        "escalation",
        "must be a table, but is a string",
    );
}

#[test]
fn every_escalation_problem_is_reported_even_when_part_of_the_section_is_refused() {
    let text = with_sections(
        r#"[escalation]
schedule = "every two hours"
target_versions = ["4.20.0"]
page_size = "fifty"
qa_contact_after_hours = 30
team_lead_after_hours = 20

[escalation.jira]
deployment = "clod"
token_env = "JIRA_TOKEN"
"#,
    );
    let found: Vec<String> = problems(&text).into_iter().map(|p| p.path).collect();
    assert_eq!(
        found,
        [
            "escalation.schedule",
            "escalation.page_size",
            "escalation.team_lead_after_hours",
            "escalation.jira.deployment",
        ]
    );
}

#[test]
fn chat_mistakes_name_their_field_and_fix() {
    let chat = |extra: &str| with_sections(&format!("{CHAT}{extra}"));
    let unknown = assert_single_problem(
        &chat("[chat.roles]\nreleaser = [\"U012AB3CD\"]\n"),
        "chat.roles.releaser",
        "unknown key `releaser`",
    );
    assert_eq!(unknown.fix, "did you mean `releasers`?");
    assert_eq!(unknown.location, Some(Location { line: 4, column: 1 }));
    let channel = assert_problem_on_line(
        &with_sections("[chat]\nchannel = \"#hyperfleet-releases\"\n"),
        "chat.channel",
        2,
        "`#hyperfleet-releases` is not a Slack channel id",
    );
    assert!(channel.fix.contains("C0123456789"), "{channel:#?}");
    let role = assert_single_problem(
        &chat("[chat.roles]\napprovers = [\"U045EF6GH\", \"@jdoe\"]\n"),
        "chat.roles.approvers[1]",
        "`@jdoe` is not a Slack member or user-group id",
    );
    assert!(role.fix.contains("U012AB3CD"), "{role:#?}");
    assert_single_problem(
        &chat("[chat.roles]\nadmins = [\"U078IJ9KL\", \"U078IJ9KL\"]\n"),
        "chat.roles.admins[1]",
        "lists `U078IJ9KL` a second time",
    );
    assert_single_problem(
        &chat("[chat.emergency]\napprovals_needed = 0\n"),
        "chat.emergency.approvals_needed",
        "is 0, but must be at least 1",
    );
    assert_single_problem(
        &chat("[chat.emergency]\nrequest_ttl = \"soon\"\n"),
        "chat.emergency.request_ttl",
        "`soon` is not a duration",
    );
    assert_single_problem(
        &chat("[chat.emergency]\nrequest_ttl = \"0s\"\n"),
        "chat.emergency.request_ttl",
        "`0s` is not longer than zero",
    );
    assert_problem_on_line(
        &chat("[chat.emergency]\nannotation_prefix = \"Release..io\"\n"),
        "chat.emergency.annotation_prefix",
        4,
        "`Release..io`",
    );
    assert_single_problem(
        &chat("slash_command = \"gate\"\n"),
        "chat.slash_command",
        "`gate` does not start with `/`",
    );
    assert_single_problem(
        &chat("[chat.slack]\napi_url = \"slack.com/api\"\n"),
        "chat.slack.api_url",
        "`slack.com/api` is not a URL: relative URL without a base",
    );
    let missing = assert_single_problem(
        &with_sections("[chat]\nslash_command = \"/gate\"\n"),
        "chat.channel",
        "is missing",
    );
    assert_eq!(missing.fix, "add `channel = \"C0123456789\"` to chat");
}

#[test]
fn tokens_written_into_the_file_are_refused_without_repeating_them() {
    let slack_token = "xoxb-1111-2222-abcdefABCDEF";
    let problem = assert_single_problem(
        &with_sections(&format!(
            "{CHAT}[chat.slack]\nbot_token_env = \"{slack_token}\"\n"
        )),
        "chat.slack.bot_token_env",
        "is not the name of an environment variable",
    );
    assert!(!problem.to_string().contains(slack_token), "{problem}");
    assert!(problem.fix.contains("revoke"), "{problem}");

    let problem = assert_single_problem(
        &with_sections(&format!(
            "{ESCALATION}[escalation.jira]\nurl = \"https://bot:s3cret@jira.example\"\n"
        )),
        "escalation.jira.url",
        "carries credentials",
    );
    assert!(!problem.to_string().contains("s3cret"), "{problem}");
}

#[test]
fn the_emergency_release_plan_is_a_release_plan_name() {
    let with_plan = |plan: &str| {
        minimal_with(&[(
            "platforms = [",
            &format!("emergency_release_plan = \"{plan}\"\nplatforms = ["),
        )])
    };
    let config = Config::parse(&with_plan("hypershift-operator-emergency"), "test.toml").unwrap();
    assert_eq!(
        config.gates[0].emergency_release_plan,
        "hypershift-operator-emergency"
    );
    assert_eq!(
        config.gates[0].release_plan,
        "hypershift-operator-progressive"
    );
    assert_single_problem(
        &with_plan("Emergency"),
        "gates[0].emergency_release_plan",
        "`Emergency` contains `E`, which is not allowed",
    );
}

// Reporting.

#[test]
fn every_problem_in_a_file_is_reported_in_file_order() {
    let text = format!(
        "[prow]\npoll_interval = \"0s\"\n{}",
        minimal_with(&[
            (
                "namespace = \"crt-redhat-acm-tenant\"",
                "namespace = \"Tenant\""
            ),
            ("version = \"4.22\"", "version = \"four\""),
            ("jobs = { aws", "jobs = { gcp = \"x\", aws"),
        ])
    );
    let paths: Vec<String> = problems(&text).into_iter().map(|p| p.path).collect();
    assert_eq!(
        paths,
        [
            "prow.poll_interval",
            "gates[0].namespace",
            "gates[0].versions[1].version",
            "gates[0].checks.baseline.jobs.gcp",
        ]
    );
}

#[test]
fn unknown_keys_are_errors_with_the_closest_valid_key() {
    let text = format!(
        "[prwo]\nbucket = \"x\"\n{}",
        minimal_with(&[("platforms =", "platfroms =")])
    );
    let found = problems(&text);
    let prwo = found
        .iter()
        .find(|p| p.path == "prwo")
        .expect("the misspelt section is reported");
    assert_eq!(prwo.message, "unknown key `prwo`");
    assert_eq!(prwo.fix, "did you mean `prow`?");
    assert_eq!(prwo.location, Some(Location { line: 1, column: 2 }));
    let platforms = found
        .iter()
        .find(|p| p.path == "gates[0].platfroms")
        .unwrap();
    assert_eq!(platforms.fix, "did you mean `platforms`?");

    let check = minimal_with(&[("[gates.checks.baseline]", "[gates.checks.basline]")]);
    let found = problems(&check);
    let misspelt = found
        .iter()
        .find(|p| p.path == "gates[0].checks.basline")
        .unwrap();
    assert_eq!(misspelt.fix, "did you mean `baseline`?");

    let far = assert_single_problem(
        &format!("{MINIMAL}\n[slack]\ntoken = \"x\"\n"),
        "slack",
        "unknown key `slack`",
    );
    assert_eq!(
        far.fix,
        "remove it; the keys allowed here are store, kubernetes, prow, server, escalation, chat, release_streams, gangway, gates"
    );
}

// One test per kind of problem: each names the field, its line and column, and the fix.

#[test]
fn an_unknown_key_is_named_where_it_is_with_the_closest_valid_key() {
    let text = minimal_with(&[("version = \"4.21\"", "verison = \"4.21\"")]);
    let found = problems(&text);
    let unknown = found
        .iter()
        .find(|p| p.path == "gates[0].versions[0].verison")
        .expect("the misspelt key is reported");
    assert_eq!(unknown.message, "unknown key `verison`");
    assert_eq!(unknown.fix, "did you mean `version`?");
    assert_eq!(
        unknown.location,
        Some(Location {
            line: 11,
            column: 1
        })
    );
    // The key it was meant to be is then missing, which is said too.
    let missing = found
        .iter()
        .find(|p| p.path == "gates[0].versions[0].version")
        .expect("the key it stands for is missing");
    assert_eq!(
        missing.fix,
        "add `version = \"4.21\"` to gates[0].versions[0]"
    );
    assert_eq!(
        missing.location,
        Some(Location {
            line: 10,
            column: 1
        })
    );
}

#[test]
fn a_value_of_the_wrong_type_says_what_it_must_be() {
    let problem = assert_single_problem(
        &minimal_with(&[("platforms = [", "grace_period_days = \"7\"\nplatforms = [")]),
        "gates[0].grace_period_days",
        "must be a whole number, but is a string",
    );
    assert_eq!(problem.fix, "write a whole number, without quotes");
    assert_eq!(
        problem.location,
        Some(Location {
            line: 8,
            column: 21
        })
    );
    let problem = assert_single_problem(
        &minimal_with(&[("platforms = [\"aws\", \"azure\"]", "platforms = \"aws\"")]),
        "gates[0].platforms",
        "must be a list, but is a string",
    );
    assert_eq!(
        problem.fix,
        "write a list in square brackets, for example `[\"aws\"]`"
    );
    assert_eq!(
        problem.location,
        Some(Location {
            line: 8,
            column: 13
        })
    );
    let problem = assert_single_problem(
        &format!("[store]\nurl = 5\n{MINIMAL}"),
        "store.url",
        "must be a string, but is a whole number",
    );
    assert_eq!(problem.fix, "put the value in quotes: `\"5\"`");
    assert_eq!(problem.location, Some(Location { line: 2, column: 7 }));
}

#[test]
fn a_missing_key_is_named_at_its_table_with_what_to_add() {
    let text = minimal_with(&[(
        "jobs = { aws = \"periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aws-ovn\", azure = \"periodic-ci-openshift-hypershift-release-{version}-periodics-e2e-aks\" }",
        "required = true",
    )]);
    let problem = assert_single_problem(&text, "gates[0].checks.baseline.jobs", "is missing");
    assert!(
        problem.fix.starts_with("add `jobs = { aws = ")
            && problem.fix.ends_with("` to gates[0].checks.baseline"),
        "{problem:#?}"
    );
    assert_eq!(
        problem.location,
        Some(Location {
            line: 17,
            column: 1
        })
    );
}

#[test]
fn a_bad_value_is_named_at_the_value_with_the_fix() {
    let problem = assert_single_problem(
        &with_override(
            "version = \"4.21\"\nplatform = \"aws\"\ncheck = \"baseline\"\njob = \"e2e aws\"",
        ),
        "gates[0].cells[0].job",
        "`e2e aws` contains a space",
    );
    assert_eq!(
        problem.fix,
        "a Prow job name has no spaces or slashes; copy it from the job's Prow page"
    );
    assert_eq!(
        problem.location,
        Some(Location {
            line: 24,
            column: 7
        })
    );
}

#[test]
fn refusals_and_validation_problems_of_every_gate_are_reported_together() {
    let second = MINIMAL
        .replace("name = \"hypershift-operator\"", "name = \"second\"")
        .replace(
            "namespace = \"crt-redhat-acm-tenant\"",
            "namespace = \"Tenant\"",
        );
    let first = minimal_with(&[
        ("name = \"hypershift-operator\"", "name = 7"),
        ("ga = false", "ga = \"no\""),
    ]);
    let found: Vec<(String, usize)> = problems(&format!("{first}{second}"))
        .into_iter()
        .map(|p| (p.path, p.location.unwrap().line))
        .collect();
    assert_eq!(
        found,
        [
            ("gates[0].name".to_string(), 3),
            ("gates[0].versions[1].ga".to_string(), 15),
            ("gates[1].namespace".to_string(), 22),
        ]
    );
}

#[test]
fn toml_syntax_errors_report_line_and_column() {
    let text = "[store]\nurl = \"sqlite://gatebot.db\n\n[server]\nlisten = = 1\n";
    let found = problems(text);
    assert!(found.len() >= 2, "{found:#?}");
    assert_eq!(found[0].path, "");
    assert!(
        found[0].message.starts_with("TOML syntax error: "),
        "{found:#?}"
    );
    assert_eq!(found[0].location.map(|l| l.line), Some(2));
    assert!(found.iter().any(|p| p.location.map(|l| l.line) == Some(5)));
    assert!(found[0].to_string().starts_with("line 2, column "));
}

#[test]
fn the_error_message_lists_every_problem_as_path_message_fix() {
    let error = Config::parse(
        &format!("[prow]\nbackfill_builds = 0\n{MINIMAL}"),
        "gatebot.toml",
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "gatebot.toml has 1 problem:\n  prow.backfill_builds (line 2, column 19): is 0, but must be at least 1 — use a whole number of 1 or more"
    );
}

#[test]
fn an_unreadable_file_is_not_a_list_of_problems() {
    let error = Config::load("/nonexistent/gatebot.toml").unwrap_err();
    assert!(matches!(error, ConfigError::Unreadable { .. }));
    assert!(error.problems().is_empty());
    assert!(error.to_string().contains("/nonexistent/gatebot.toml"));
}

proptest! {
    /// Whatever a person does to one line of the example, loading neither panics nor refuses the
    /// file without saying why.
    #[test]
    fn any_edit_of_the_example_is_valid_or_explained(
        line in any::<prop::sample::Index>(),
        replacement in r#"[a-z0-9 =."\[\]{}_,-]{0,24}"#,
    ) {
        let example = std::fs::read_to_string(example_path()).unwrap();
        let mut lines: Vec<&str> = example.lines().collect();
        let index = line.index(lines.len());
        lines[index] = &replacement;
        if let Err(error) = Config::parse(&lines.join("\n"), "edited.toml") {
            prop_assert!(!error.problems().is_empty());
        }
    }
}

// `gatebot check-config` as a process.

#[test]
fn check_config_accepts_the_example_with_exit_code_0() {
    let output = run_check_config(&example_path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.ends_with("gatebot.toml: ok — 1 gate(s), 36 cells (33 required)\n"),
        "{stdout}"
    );
}

#[test]
fn check_config_lists_problems_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    let text = minimal_with(&[
        (
            "namespace = \"crt-redhat-acm-tenant\"",
            "namespace = \"Tenant\"",
        ),
        ("platforms =", "platfroms ="),
    ]);
    std::fs::write(&file, text).unwrap();
    let output = run_check_config(&file);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("broken.toml has 3 problems:"), "{stderr}");
    assert!(
        stderr.contains("gates[0].namespace (line 4, column 13): `Tenant` contains `T`, which is not allowed — use at most 63"),
        "{stderr}"
    );
    assert!(stderr.contains("gates[0].platfroms (line 8, column 1): unknown key `platfroms` — did you mean `platforms`?"), "{stderr}");
    assert!(
        stderr.contains("gates[0].platforms (line 2, column 1): is missing — add `platforms = [\"aws\", \"azure\"]` to gates[0]"),
        "{stderr}"
    );
}

#[test]
fn check_config_exits_with_2_when_the_file_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_check_config(&dir.path().join("missing.toml"));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cannot read the configuration file"),
        "{stderr}"
    );
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[test]
fn release_streams_are_optional_and_default_to_openshift_ci() {
    assert_eq!(
        Config::parse(MINIMAL, "minimal.toml")
            .unwrap()
            .release_streams,
        None
    );
    let config = Config::parse(&format!("[release_streams]\n{MINIMAL}"), "t.toml").unwrap();
    let streams = config.release_streams.unwrap();
    assert_eq!(
        streams.url.as_str(),
        "https://amd64.ocp.releases.ci.openshift.org/"
    );
    assert_eq!(streams.refresh_interval, SignedDuration::from_mins(10));
}

#[test]
fn the_release_controller_url_is_absolute_http() {
    assert_single_problem(
        &format!("[release_streams]\nurl = \"amd64.ocp.releases.ci.openshift.org\"\n{MINIMAL}"),
        "release_streams.url",
        "`amd64.ocp.releases.ci.openshift.org` is not a URL: relative URL without a base",
    );
}

#[test]
fn release_streams_are_refreshed_at_most_once_a_minute() {
    assert_single_problem(
        &format!("[release_streams]\nrefresh_interval = \"10s\"\n{MINIMAL}"),
        "release_streams.refresh_interval",
        "`10s` is shorter than 1m",
    );
}

#[test]
fn a_pin_overrules_ga_and_is_kept_for_the_release_controller() {
    let text = minimal_with(&[("ga = false", "ga = false\nga_pinned = true")]);
    let config = Config::parse(&text, "t.toml").unwrap();
    let gate = &config.gates[0];
    let v422 = OcpVersion::new(4, 22);
    assert!(gate.catalog.is_ga(v422));
    assert_eq!(
        gate.versions.fallback.get(&v422),
        Some(&Maturity::PreRelease)
    );
    assert_eq!(
        gate.versions.pins.get(&v422),
        Some(&Maturity::GenerallyAvailable)
    );
    assert!(!gate.versions.pins.contains_key(&OcpVersion::new(4, 21)));
}

#[test]
fn a_pin_is_true_or_false() {
    assert_single_problem(
        &minimal_with(&[("ga = false", "ga = false\nga_pinned = \"yes\"")]),
        "gates[0].versions[1].ga_pinned",
        "must be `true` or `false`, but is a string",
    );
}

// Rounds: gates that trigger their own tests through Gangway.

/// MINIMAL, running its own tests, with `[gangway]` and the given gate tables after it.
fn triggered_with(tables: &str) -> String {
    format!(
        "[gangway]\ntoken_env = \"MY_GANGWAY_TOKEN\"\n{}{tables}",
        minimal_with(&[(
            "platforms = [\"aws\", \"azure\"]",
            "platforms = [\"aws\", \"azure\"]\nruns = \"triggered\""
        )])
    )
}

#[test]
fn a_gate_runs_on_periodics_unless_it_says_triggered_and_rounds_have_the_hypershift_defaults() {
    let config = Config::parse(MINIMAL, "minimal.toml").unwrap();
    let gate = &config.gates[0];
    assert_eq!(gate.runs, Runs::Periodic);
    assert_eq!(config.gangway, None);
    assert_eq!(gate.rounds.pace.stagger, SignedDuration::from_secs(30));
    assert_eq!(gate.rounds.pace.max_in_flight, 50);
    assert_eq!(gate.rounds.retry.retries, 2);
    assert_eq!(gate.rounds.retry.pass_rate_threshold, 0.8);
    assert_eq!(gate.rounds.retry.history_window, 20);
    assert!(
        gate.rounds.overlap,
        "rounds overlap unless the gate says otherwise"
    );
    let envs: Vec<&str> = gate.rounds.env.keys().map(String::as_str).collect();
    assert_eq!(
        envs,
        [
            "KONFLUX_SNAPSHOT",
            "MULTISTAGE_PARAM_OVERRIDE_OVERRIDE_HYPERSHIFT_OPERATOR_IMAGE"
        ]
    );

    let triggered = Config::parse(&triggered_with(""), "test.toml").unwrap();
    assert_eq!(triggered.gates[0].runs, Runs::Triggered);
    let gangway = triggered.gangway.unwrap();
    assert_eq!(
        gangway.url.as_str(),
        "https://gangway-ci.apps.ci.l2s4.p1.openshiftapps.com/"
    );
    assert_eq!(gangway.token_env, "MY_GANGWAY_TOKEN");
    assert_eq!(gangway.request_timeout, SignedDuration::from_secs(30));
}

#[test]
fn rounds_retries_and_a_cells_own_retries_are_read() {
    let text = triggered_with(
        "
[gates.rounds]
stagger = \"1m\"
max_in_flight = 12
lost_trigger_search = \"15m\"
overlap = false
env = { KONFLUX_SNAPSHOT = \"{snapshot}\", OPERATOR_DIGEST = \"{digest}\" }

[gates.retries]
count = 1
pass_rate_threshold = 0.9
history = 30
minimum_history = 10

[[gates.cells]]
version = \"4.21\"
platform = \"azure\"
check = \"baseline\"
retries = 0
",
    );
    let config = Config::parse(&text, "test.toml").unwrap();
    let rounds = &config.gates[0].rounds;
    assert_eq!(rounds.pace.stagger, SignedDuration::from_mins(1));
    assert_eq!(rounds.pace.max_in_flight, 12);
    assert_eq!(rounds.pace.find_for, SignedDuration::from_mins(15));
    assert!(!rounds.overlap);
    assert_eq!(
        rounds.env.len(),
        2,
        "the written environment replaces the default"
    );
    assert!(rounds.env.contains_key("OPERATOR_DIGEST"));
    assert_eq!(rounds.retry.retries, 1);
    assert_eq!(rounds.retry.pass_rate_threshold, 0.9);
    assert_eq!(rounds.retry.history_window, 30);
    assert_eq!(rounds.retry.minimum_history, 10);
    assert_eq!(
        rounds
            .retry_for(&key("4.21", "azure", Check::Baseline))
            .retries,
        0
    );
    assert_eq!(
        rounds
            .retry_for(&key("4.21", "aws", Check::Baseline))
            .retries,
        1
    );
}

#[test]
fn a_triggered_gate_needs_a_gangway_section() {
    let text = minimal_with(&[(
        "platforms = [\"aws\", \"azure\"]",
        "platforms = [\"aws\", \"azure\"]\nruns = \"triggered\"",
    )]);
    let problem = assert_single_problem(
        &text,
        "gates[0].runs",
        "is `triggered`, but the file has no `[gangway]` section to trigger jobs through",
    );
    assert!(problem.fix.contains("[gangway]"), "{}", problem.fix);
}

#[test]
fn round_settings_are_checked() {
    assert_single_problem(
        &minimal_with(&[(
            "platforms = [\"aws\", \"azure\"]",
            "platforms = [\"aws\", \"azure\"]\nruns = \"sometimes\"",
        )]),
        "gates[0].runs",
        "`sometimes` is not a way of running the gate's jobs",
    );
    assert_single_problem(
        &triggered_with("\n[gates.rounds]\nenv = { KONFLUX_SNAPSHOT = \"{version}\" }\n"),
        "gates[0].rounds.env.KONFLUX_SNAPSHOT",
        "uses the unknown placeholder `{version}`",
    );
    assert_single_problem(
        &triggered_with("\n[gates.rounds]\nmax_in_flight = 0\n"),
        "gates[0].rounds.max_in_flight",
        "is 0, but must be at least 1",
    );
    assert_single_problem(
        &triggered_with("\n[gates.rounds]\nlost_trigger_search = \"5s\"\n"),
        "gates[0].rounds.lost_trigger_search",
        "`5s` is shorter than 1m",
    );
    assert_single_problem(
        &triggered_with("\n[gates.retries]\npass_rate_threshold = 80.0\n"),
        "gates[0].retries.pass_rate_threshold",
        "is 80, not a share between 0 and 1",
    );
    assert_single_problem(
        &triggered_with("\n[gates.retries]\nhistory = 5\nminimum_history = 6\n"),
        "gates[0].retries.minimum_history",
        "is 6, more than the 5 runs the pass rate is taken over",
    );
    assert_single_problem(
        &format!(
            "{}\n[gangway]\ntoken_env = \"xoxb-not-a-name\"\n",
            minimal_with(&[])
        ),
        "gangway.token_env",
        "is not the name of an environment variable",
    );
}

#[test]
fn an_aggregated_cell_is_read_and_an_impossible_one_refused() {
    let cell = |aggregate: &str| {
        format!(
            "{MINIMAL}\n[[gates.cells]]\nversion = \"4.21\"\nplatform = \"aws\"\ncheck = \"baseline\"\naggregate = \"{aggregate}\"\n"
        )
    };
    let config = Config::parse(&cell("2 of 3"), "test.toml").unwrap();
    let policy = &config.gates[0].policy;
    let aggregated = policy.cell(&key("4.21", "aws", Check::Baseline)).unwrap();
    assert_eq!(aggregated.aggregate, Some(Aggregate { passes: 2, runs: 3 }));
    assert_eq!(
        policy
            .cell(&key("4.21", "azure", Check::Baseline))
            .unwrap()
            .aggregate,
        None
    );
    assert_single_problem(
        &cell("3 of 2"),
        "gates[0].cells[0].aggregate",
        "`3 of 2` cannot be met or asks for too many runs",
    );
    assert_single_problem(
        &cell("two of three"),
        "gates[0].cells[0].aggregate",
        "`two of three` is not an aggregate",
    );
}
