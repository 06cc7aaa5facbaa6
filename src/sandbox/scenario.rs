//! The scenario format of `gatebot sandbox`: a YAML list of timed steps — a snapshot is built, a
//! periodic job runs for it, Konflux reports on a Release, a line of narration — checked against
//! the gate before anything plays.
//!
//! Checking up front means a typo in step 31 is reported at once, with the step's number and the
//! fix, instead of half a release day later. Every problem is collected, not just the first.
//!
//! ```yaml
//! title: Release day
//! steps:
//!   - at: "+0m"
//!     snapshot: { name: hypershift-operator-main-20260512-070000-000, build: 1 }
//!   - at: "+20m"
//!     run: { cell: "4.21 aws baseline", snapshot: hypershift-operator-main-20260512-070000-000,
//!            result: success, duration: "1h 10m" }
//!   - at: "+5h"
//!     release-status: { snapshot: hypershift-operator-main-20260512-070000-000, status: Succeeded }
//!   - at: "+5h"
//!     say: "The release is out."
//! ```

use std::collections::HashMap;
use std::fmt;

use jiff::SignedDuration;
use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::engine::GateSpec;
use crate::gate::{CellKey, Check, OcpVersion, Platform};
use gatebot_emulators::prow::BuildResult;

/// A checked scenario, ready to play.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub title: Option<String>,
    /// In time order.
    pub steps: Vec<Step>,
}

/// One step: when (from the start of the scenario) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based, as people count the steps of the file.
    pub number: usize,
    pub at: SignedDuration,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Konflux builds the component and creates a Snapshot.
    Snapshot { name: String, build: u32 },
    /// A periodic job tests a snapshot: it starts at the step's time and ends after `duration`.
    Run(RunStep),
    /// Konflux's release pipeline finishes the Release gatebot created for a snapshot.
    ReleaseStatus {
        snapshot: String,
        outcome: ReleaseOutcome,
        message: String,
    },
    /// A line of narration.
    Say(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunStep {
    pub cell: CellKey,
    /// The job that answers the cell in the gate's policy.
    pub job: String,
    pub snapshot: String,
    pub result: BuildResult,
    pub duration: SignedDuration,
}

/// How Konflux's release pipeline ended, as its `Released` condition's reason says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ReleaseOutcome {
    Succeeded,
    Failed,
}

impl ReleaseOutcome {
    pub fn reason(self) -> &'static str {
        match self {
            ReleaseOutcome::Succeeded => "Succeeded",
            ReleaseOutcome::Failed => "Failed",
        }
    }
}

impl Scenario {
    /// When the last thing in the scenario happens (a run may end after the last step starts).
    pub fn length(&self) -> SignedDuration {
        self.steps
            .iter()
            .map(|step| match &step.action {
                Action::Run(run) => step.at + run.duration,
                _ => step.at,
            })
            .max()
            .unwrap_or(SignedDuration::ZERO)
    }

    /// Reads and checks a scenario against the gate it will play on; `origin` names the file
    /// in messages.
    pub fn parse(text: &str, origin: &str, gate: &GateSpec) -> Result<Scenario, ScenarioError> {
        let error = |problems| ScenarioError {
            origin: origin.to_string(),
            problems,
        };
        let raw: RawScenario = serde_yaml_ng::from_str(text).map_err(|e| {
            error(vec![format!(
                "{e}; a scenario is a mapping with an optional `title` and a list of `steps`"
            )])
        })?;
        let mut checker = Checker::new(gate);
        let steps: Vec<Step> = raw
            .steps
            .into_iter()
            .enumerate()
            .filter_map(|(index, value)| checker.step(index + 1, value))
            .collect();
        if steps.is_empty() && checker.problems.is_empty() {
            checker.problems.push(
                "the scenario has no steps; add at least a `snapshot` step under `steps:`".into(),
            );
        }
        if checker.problems.is_empty() {
            Ok(Scenario {
                title: raw.title,
                steps,
            })
        } else {
            Err(error(checker.problems))
        }
    }
}

/// Why a scenario cannot be played: every problem, each naming its step and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    pub origin: String,
    pub problems: Vec<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "the scenario {} cannot be played: {one}", self.origin),
            many => {
                write!(
                    f,
                    "the scenario {} cannot be played; {} problems:",
                    self.origin,
                    many.len()
                )?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    title: Option<String>,
    steps: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStep {
    at: Option<Value>,
    snapshot: Option<Value>,
    run: Option<Value>,
    release_status: Option<Value>,
    say: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnapshot {
    name: String,
    build: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRun {
    cell: Option<String>,
    version: Option<Value>,
    platform: Option<String>,
    check: Option<String>,
    snapshot: String,
    result: RawResult,
    duration: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawResult {
    Success,
    Failure,
    Aborted,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReleaseStatus {
    snapshot: String,
    status: ReleaseOutcome,
    #[serde(default)]
    message: String,
}

/// Checks steps one by one, remembering what earlier steps created.
struct Checker<'g> {
    gate: &'g GateSpec,
    problems: Vec<String>,
    /// Snapshot name → the step that created it.
    snapshots: HashMap<String, usize>,
    /// Build number → the snapshot it was given to.
    builds: HashMap<u32, String>,
    previous: Option<(usize, SignedDuration)>,
}

impl<'g> Checker<'g> {
    fn new(gate: &'g GateSpec) -> Self {
        Self {
            gate,
            problems: Vec::new(),
            snapshots: HashMap::new(),
            builds: HashMap::new(),
            previous: None,
        }
    }

    fn step(&mut self, number: usize, value: Value) -> Option<Step> {
        let before = self.problems.len();
        let step = self.read_step(number, value);
        let problems: Vec<String> = self.problems.drain(before..).collect();
        self.problems
            .extend(problems.into_iter().map(|p| format!("step {number}: {p}")));
        step
    }

    fn read_step(&mut self, number: usize, value: Value) -> Option<Step> {
        let raw: RawStep = match serde_yaml_ng::from_value(value) {
            Ok(raw) => raw,
            Err(error) => {
                self.problems.push(format!(
                    "{error}; a step has `at` and one of `snapshot`, `run`, `release-status`, `say`"
                ));
                return None;
            }
        };
        let Some(at) = raw.at else {
            self.problems
                .push("it has no `at`; say when it happens, for example `at: \"+2h 10m\"`".into());
            return None;
        };
        let at = self.check(duration(&at).map_err(|e| format!("`at`: {e}")))?;
        if let Some((previous, previous_at)) = self.previous
            && at < previous_at
        {
            self.problems.push(format!(
                "it is at {}, before step {previous} at {}; steps must be in time order — move it up or correct its `at`",
                friendly(at),
                friendly(previous_at)
            ));
        }
        self.previous = Some((number, at));

        let given = [
            raw.snapshot.is_some(),
            raw.run.is_some(),
            raw.release_status.is_some(),
            raw.say.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            self.problems.push(
                "a step does exactly one thing: give one of `snapshot`, `run`, `release-status`, `say` (split it into several steps at the same time)"
                    .into(),
            );
            return None;
        }
        let action = if let Some(snapshot) = raw.snapshot {
            let snapshot = self.typed(snapshot, "snapshot")?;
            self.snapshot(number, snapshot)
        } else if let Some(run) = raw.run {
            let run = self.typed(run, "run")?;
            self.run(run)
        } else if let Some(status) = raw.release_status {
            let status: RawReleaseStatus = self.typed(status, "release-status")?;
            self.known_snapshot(&status.snapshot)
                .map(|snapshot| Action::ReleaseStatus {
                    snapshot,
                    outcome: status.status,
                    message: status.message,
                })
        } else {
            let text = match raw.say {
                Some(Value::String(text)) if !text.trim().is_empty() => text,
                _ => {
                    self.problems
                        .push("`say` needs the line of narration to show, as text".into());
                    return None;
                }
            };
            Some(Action::Say(text.trim().to_string()))
        }?;
        Some(Step { number, at, action })
    }

    fn snapshot(&mut self, number: usize, raw: RawSnapshot) -> Option<Action> {
        if let Err(problem) = snapshot_name(&raw.name) {
            self.problems.push(problem);
            return None;
        }
        if let Some(first) = self.snapshots.get(&raw.name) {
            self.problems.push(format!(
                "snapshot `{}` was already created by step {first}; give this one another name",
                raw.name
            ));
            return None;
        }
        if raw.build == 0 {
            self.problems
                .push("`build` is 0; builds are numbered from 1".into());
            return None;
        }
        if let Some(other) = self.builds.get(&raw.build) {
            self.problems.push(format!(
                "build {} is already the image of snapshot `{other}`; every snapshot needs its own build number",
                raw.build
            ));
            return None;
        }
        self.snapshots.insert(raw.name.clone(), number);
        self.builds.insert(raw.build, raw.name.clone());
        Some(Action::Snapshot {
            name: raw.name,
            build: raw.build,
        })
    }

    fn run(&mut self, raw: RawRun) -> Option<Action> {
        let snapshot = self.known_snapshot(&raw.snapshot);
        let duration = self.check(duration(&raw.duration).map_err(|e| format!("`duration`: {e}")));
        let key = self.check(cell_key(&raw));
        let job = key.as_ref().and_then(|key| self.check(self.job_of(key)));
        let result = match raw.result {
            RawResult::Success => BuildResult::Success,
            RawResult::Failure => BuildResult::Failure,
            RawResult::Aborted => BuildResult::Aborted,
        };
        Some(Action::Run(RunStep {
            cell: key?,
            job: job?,
            snapshot: snapshot?,
            result,
            duration: duration?,
        }))
    }

    fn known_snapshot(&mut self, name: &str) -> Option<String> {
        if self.snapshots.contains_key(name) {
            return Some(name.to_string());
        }
        let mut known: Vec<&str> = self.snapshots.keys().map(String::as_str).collect();
        known.sort();
        let fix = if known.is_empty() {
            "add a `snapshot` step before it that creates it".to_string()
        } else {
            format!(
                "add a `snapshot` step before it that creates it, or use one of: {}",
                known.join(", ")
            )
        };
        self.problems
            .push(format!("no earlier step creates snapshot `{name}`; {fix}"));
        None
    }

    fn job_of(&self, key: &CellKey) -> Result<String, String> {
        let policy = &self.gate.policy;
        match policy.cell(key) {
            Some(cell) => cell.job.clone().ok_or_else(|| {
                format!("`{key}` does not apply in this gate (no job runs it); pick another cell")
            }),
            None => {
                let list = |items: Vec<String>| items.join(", ");
                Err(format!(
                    "the gate has no cell `{key}`; its versions are {}, its platforms {} and its checks {}",
                    list(policy.versions.iter().map(ToString::to_string).collect()),
                    list(policy.platforms.iter().map(ToString::to_string).collect()),
                    list(policy.checks.iter().map(ToString::to_string).collect()),
                ))
            }
        }
    }

    /// Reads what a step's action key holds; a mistake is reported with the key it is under.
    fn typed<T: serde::de::DeserializeOwned>(&mut self, value: Value, key: &str) -> Option<T> {
        serde_yaml_ng::from_value(value)
            .map_err(|error| self.problems.push(format!("`{key}`: {error}")))
            .ok()
    }

    fn check<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.problems.push(problem)).ok()
    }
}

/// The cell of a run, from `cell: "4.21 aws baseline"` or from `version`, `platform`, `check`.
fn cell_key(raw: &RawRun) -> Result<CellKey, String> {
    let example = "for example `cell: \"4.21 aws baseline\"`";
    let parts = (&raw.version, &raw.platform, &raw.check);
    let (version, platform, check) = match (&raw.cell, parts) {
        (Some(cell), (None, None, None)) => {
            let words: Vec<&str> = cell.split_whitespace().collect();
            let [version, platform, check] = words[..] else {
                return Err(format!(
                    "`{cell}` is not a cell; write it as VERSION PLATFORM CHECK, {example}"
                ));
            };
            (version.to_string(), platform, check)
        }
        (None, (Some(version), Some(platform), Some(check))) => {
            (version_text(version)?, platform.as_str(), check.as_str())
        }
        (Some(_), _) => {
            return Err(
                "give either `cell` or `version`, `platform` and `check`, not both".to_string(),
            );
        }
        (None, _) => {
            return Err(format!(
                "say which cell the run answers: `cell`, or all of `version`, `platform` and `check` — {example}"
            ));
        }
    };
    Ok(CellKey {
        version: version.parse::<OcpVersion>().map_err(|e| e.to_string())?,
        platform: Platform::new(platform),
        check: check.parse::<Check>()?,
    })
}

/// A version as text; YAML reads an unquoted `4.20` as the number 4.2, so numbers are refused
/// with the fix rather than misread.
fn version_text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Err(format!(
            "`version: {number}` is a number to YAML (4.20 would read as 4.2); quote it: `version: \"{number}\"`"
        )),
        _ => Err("`version` must be text such as \"4.21\"".to_string()),
    }
}

/// Whether a name is one Kubernetes accepts for a Snapshot (a DNS label, at most 63 characters).
fn snapshot_name(name: &str) -> Result<(), String> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let valid_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !name.is_empty() && name.len() <= 63 && valid_chars && valid_ends {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid Snapshot name; use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"
        ))
    }
}

/// An offset or a length: a number of seconds, or a friendly duration such as `"+2h 10m"`.
pub fn duration(value: &Value) -> Result<SignedDuration, String> {
    let fix = "write it like \"+2h 10m\", \"90m\" or a number of seconds";
    let parsed = match value {
        Value::Number(number) => number
            .as_i64()
            .map(SignedDuration::from_secs)
            .ok_or_else(|| format!("{number} is not a whole number of seconds; {fix}")),
        Value::String(text) => parse_duration(text),
        _ => Err(format!("it is not a duration; {fix}")),
    }?;
    if parsed.is_negative() {
        return Err(format!(
            "{} is negative; times count forward from the start",
            friendly(parsed)
        ));
    }
    Ok(parsed)
}

/// Parses `"+2h 10m"`, `"2h"`, `"90s"` or `"5400"` (seconds).
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let trimmed = text.trim();
    if let Ok(seconds) = trimmed.trim_start_matches('+').parse::<i64>() {
        return Ok(SignedDuration::from_secs(seconds));
    }
    trimmed.parse::<SignedDuration>().map_err(|_| {
        format!(
            "`{text}` is not a duration; write it like \"+2h 10m\", \"90m\" or a number of seconds"
        )
    })
}

/// A duration as people write it in scenarios: `+2h 10m`.
pub fn friendly(duration: SignedDuration) -> String {
    let seconds = duration.as_secs();
    let sign = if seconds < 0 { "-" } else { "+" };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes, rest) {
        (0, 0, s) => format!("{sign}{s}s"),
        (h, 0, 0) if h > 0 => format!("{sign}{h}h"),
        (h, m, 0) if h > 0 => format!("{sign}{h}h {m:02}m"),
        (0, m, 0) => format!("{sign}{m}m"),
        (h, m, s) if h > 0 => format!("{sign}{h}h {m:02}m {s:02}s"),
        (_, m, s) => format!("{sign}{m}m {s:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::run::sandbox_gate;

    const SNAPSHOT: &str = "hypershift-operator-main-20260512-070000-000";

    fn parse(steps: &str) -> Result<Scenario, ScenarioError> {
        let text = format!("title: test\nsteps:\n{steps}");
        Scenario::parse(&text, "test.yaml", &sandbox_gate())
    }

    fn problems(steps: &str) -> Vec<String> {
        parse(steps).expect_err("the scenario is refused").problems
    }

    #[test]
    fn every_kind_of_step_is_read() {
        let scenario = parse(&format!(
            r#"
  - at: 0
    say: "  It is release day.  "
  - at: "+0m"
    snapshot: {{ name: {SNAPSHOT}, build: 1 }}
  - at: "+20m"
    run: {{ cell: "4.21 aws baseline", snapshot: {SNAPSHOT}, result: success, duration: "1h 10m" }}
  - at: 3600
    run: {{ version: "4.22", platform: azure, check: baseline, snapshot: {SNAPSHOT}, result: aborted, duration: 90 }}
  - at: "+5h"
    release-status: {{ snapshot: {SNAPSHOT}, status: Failed, message: "pipeline failed" }}
"#
        ))
        .unwrap();
        assert_eq!(scenario.title.as_deref(), Some("test"));
        let actions: Vec<&Action> = scenario.steps.iter().map(|s| &s.action).collect();
        assert_eq!(actions[0], &Action::Say("It is release day.".into()));
        assert_eq!(
            actions[1],
            &Action::Snapshot {
                name: SNAPSHOT.into(),
                build: 1
            }
        );
        let Action::Run(run) = actions[2] else {
            panic!("a run: {actions:?}")
        };
        assert_eq!(run.cell.to_string(), "4.21 aws baseline");
        assert_eq!(
            run.job,
            "periodic-ci-openshift-hypershift-release-4.21-periodics-e2e-aws-ovn"
        );
        assert_eq!(run.duration, SignedDuration::from_mins(70));
        assert_eq!(scenario.steps[2].at, SignedDuration::from_mins(20));
        let Action::Run(run) = actions[3] else {
            panic!("a run: {actions:?}")
        };
        assert_eq!(run.cell.to_string(), "4.22 azure baseline");
        assert_eq!(run.result, BuildResult::Aborted);
        assert_eq!(
            actions[4],
            &Action::ReleaseStatus {
                snapshot: SNAPSHOT.into(),
                outcome: ReleaseOutcome::Failed,
                message: "pipeline failed".into()
            }
        );
        assert_eq!(scenario.length(), SignedDuration::from_hours(5));
    }

    #[test]
    fn unknown_cells_and_snapshots_name_the_step_and_what_exists() {
        let found = problems(&format!(
            r#"
  - at: 0
    snapshot: {{ name: {SNAPSHOT}, build: 1 }}
  - at: 10
    run: {{ cell: "4.16 aws baseline", snapshot: {SNAPSHOT}, result: success, duration: 60 }}
  - at: 20
    run: {{ cell: "4.21 aws baseline", snapshot: nightly, result: success, duration: 60 }}
  - at: 30
    run: {{ cell: "4.22 aws upgrade-from-zero", snapshot: {SNAPSHOT}, result: success, duration: 60 }}
  - at: 40
    release-status: {{ snapshot: other, status: Succeeded }}
"#
        ));
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with("step 2: the gate has no cell `4.16 aws baseline`")
                && found[0].contains("4.19, 4.20, 4.21, 4.22"),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("step 3: no earlier step creates snapshot `nightly`")
                && found[1].contains(SNAPSHOT),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with("step 4: `4.22 aws upgrade-from-zero` does not apply"),
            "{found:#?}"
        );
        assert!(found[3].starts_with("step 5: no earlier step creates snapshot `other`"));
    }

    #[test]
    fn steps_out_of_time_order_are_refused_with_both_times() {
        let found = problems(&format!(
            r#"
  - at: "+2h"
    snapshot: {{ name: {SNAPSHOT}, build: 1 }}
  - at: "+1h 30m"
    say: late
"#
        ));
        assert_eq!(
            found,
            [
                "step 2: it is at +1h 30m, before step 1 at +2h; steps must be in time order — move it up or correct its `at`"
            ]
        );
    }

    #[test]
    fn unknown_keys_and_values_name_the_step_and_the_choices() {
        let found = problems(&format!(
            r#"
  - at: 0
    snapshot: {{ name: {SNAPSHOT}, build: 1 }}
    colour: blue
  - at: 0
    snapshot: {{ name: {SNAPSHOT}, build: 1 }}
  - at: 10
    run: {{ cell: "4.21 aws baseline", snapshot: {SNAPSHOT}, result: sucess, duration: 60 }}
  - at: 20
    run: {{ version: 4.20, platform: aws, check: baseline, snapshot: {SNAPSHOT}, result: success, duration: 60 }}
  - at: soon
    say: hello
  - say: hello
  - at: 30
    say: hello
    snapshot: {{ name: other, build: 2 }}
"#
        ));
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(
            found[0].starts_with("step 1: unknown field `colour`")
                && found[0].contains("`release-status`"),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("step 3: `run`: unknown variant `sucess`"),
            "{found:#?}"
        );
        assert!(found[1].contains("`success`"), "{found:#?}");
        assert!(
            found[2].starts_with("step 4: `version: 4.2` is a number to YAML"),
            "{found:#?}"
        );
        assert!(found[3].starts_with("step 5: `at`: `soon` is not a duration"));
        assert!(found[4].starts_with("step 6: it has no `at`"));
        assert!(found[5].starts_with("step 7: a step does exactly one thing"));
    }

    #[test]
    fn snapshot_names_and_builds_must_be_usable_and_unique() {
        let found = problems(&format!(
            r#"
  - at: 0
    snapshot: {{ name: Not_A_Name, build: 1 }}
  - at: 0
    snapshot: {{ name: {SNAPSHOT}, build: 2 }}
  - at: 0
    snapshot: {{ name: another, build: 2 }}
  - at: 0
    snapshot: {{ name: {SNAPSHOT}, build: 3 }}
"#
        ));
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("step 1: `Not_A_Name` is not a valid Snapshot name"));
        assert!(found[1].starts_with("step 3: build 2 is already the image of snapshot"));
        assert!(found[2].starts_with("step 4: snapshot `hypershift-operator-main-20260512-070000-000` was already created by step 2"));
    }

    #[test]
    fn a_file_that_is_not_a_scenario_says_what_one_looks_like() {
        let error = Scenario::parse("- just\n- a list\n", "x.yaml", &sandbox_gate()).unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("the scenario x.yaml cannot be played: "),
            "{text}"
        );
        assert!(text.contains("a list of `steps`"), "{text}");
        let empty = Scenario::parse("steps: []\n", "x.yaml", &sandbox_gate()).unwrap_err();
        assert!(empty.to_string().contains("has no steps"), "{empty}");
    }

    #[test]
    fn durations_read_seconds_and_friendly_text_and_print_back() {
        for (text, seconds) in [
            ("+2h 10m", 7800),
            ("90m", 5400),
            ("45", 45),
            ("+0", 0),
            ("1h", 3600),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(SignedDuration::from_secs(seconds)),
                "{text}"
            );
        }
        assert!(
            duration(&Value::String("-1h".into()))
                .unwrap_err()
                .contains("negative")
        );
        assert_eq!(friendly(SignedDuration::from_secs(7800)), "+2h 10m");
        assert_eq!(friendly(SignedDuration::from_secs(300)), "+5m");
        assert_eq!(friendly(SignedDuration::from_hours(3)), "+3h");
        assert_eq!(friendly(SignedDuration::from_secs(45)), "+45s");
        assert_eq!(friendly(SignedDuration::ZERO), "+0s");
    }
}
