//! The scenario format of `gatebot sandbox`: a YAML list of timed steps — a snapshot is built, a
//! periodic job runs for it, Gangway's runs of a job go a given way, a job's record of earlier
//! nights, the release-controller accepts a version, Konflux reports on a Release, a line of
//! narration — checked against the gate before anything plays.
//!
//! Checking up front means a typo in step 31 is reported at once, with the step's number and the
//! fix, instead of half a release day later. Every problem is collected, not just the first.
//!
//! ```yaml
//! title: Release day
//! steps:
//!   - at: "+0m"
//!     history: { cell: "4.21 aws baseline", passed: 19, failed: 1 }
//!   - at: "+0m"
//!     gangway: { cell: "4.21 aws baseline", outcomes: [failure] }
//!   - at: "+0m"
//!     snapshot: { name: hypershift-operator-main-20260512-070000-000, build: 1 }
//!   - at: "+20m"
//!     run: { cell: "4.21 aws baseline", snapshot: hypershift-operator-main-20260512-070000-000,
//!            result: success, duration: "1h 10m" }
//!   - at: "+5h"
//!     release-status: { snapshot: hypershift-operator-main-20260512-070000-000, status: Succeeded }
//!   - at: "+5h"
//!     say: "The release is out."
//!   - at: "+6h"
//!     ga: { version: "4.22" }
//! ```

use std::collections::HashMap;
use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_yaml_ng::Value;

use crate::engine::GateSpec;
use crate::gate::{CellKey, Check, OcpVersion, Platform};
use gatebot_emulators::gangway::Outcome;
use gatebot_emulators::prow::BuildResult;

/// The moment every scenario starts, from which its `at` count: a Tuesday morning, release day.
pub const START: Timestamp = Timestamp::constant(1_778_569_200, 0); // 2026-05-12T07:00:00Z

/// The most runs a `history` step may write: more than any gate weighs (`[gates.retries]
/// history`), few enough to read quickly.
const MOST_HISTORY: u32 = 100;

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
    /// From now on, the runs Gangway starts of a cell's job go this way.
    Gangway(GangwayStep),
    /// How a cell's job fared on the nights before the scenario.
    History(HistoryStep),
    /// The release-controller accepts a pre-release version's first release: it is GA now.
    Ga { version: OcpVersion },
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

/// How the runs Gangway starts of a cell's job go from a `gangway` step on; what it leaves out
/// stays as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct GangwayStep {
    pub cell: CellKey,
    pub job: String,
    /// How the next runs end, in order, after any outcomes an earlier step queued.
    pub outcomes: Vec<Outcome>,
    /// Runs with no outcome queued pass with this probability (0 to 1).
    pub pass_rate: Option<f64>,
    /// How long a run takes once its pod started.
    pub duration: Option<SignedDuration>,
}

/// A cell's job's runs on the nights before the scenario, for earlier builds: the record from
/// which gatebot tells a flake from a chronic failure.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryStep {
    pub cell: CellKey,
    pub job: String,
    pub passed: u32,
    pub failed: u32,
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
    gangway: Option<Value>,
    history: Option<Value>,
    ga: Option<Value>,
    release_status: Option<Value>,
    say: Option<Value>,
}

/// The step kinds, as a message lists them.
const STEP_KINDS: &str = "`snapshot`, `run`, `gangway`, `history`, `ga`, `release-status`, `say`";

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
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGangway {
    cell: Option<String>,
    version: Option<Value>,
    platform: Option<String>,
    check: Option<String>,
    outcomes: Option<Vec<RawOutcome>>,
    pass_rate: Option<Value>,
    duration: Option<Value>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawOutcome {
    Success,
    Failure,
    Aborted,
    Error,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    cell: Option<String>,
    version: Option<Value>,
    platform: Option<String>,
    check: Option<String>,
    #[serde(default)]
    passed: u32,
    #[serde(default)]
    failed: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGa {
    version: Value,
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
    /// The first `snapshot` step, after which no `history` may come.
    first_snapshot: Option<usize>,
    /// Cell → the step that gave its job's history.
    histories: HashMap<CellKey, usize>,
    /// Version → the step that made it GA.
    made_ga: HashMap<OcpVersion, usize>,
}

impl<'g> Checker<'g> {
    fn new(gate: &'g GateSpec) -> Self {
        Self {
            gate,
            problems: Vec::new(),
            snapshots: HashMap::new(),
            builds: HashMap::new(),
            previous: None,
            first_snapshot: None,
            histories: HashMap::new(),
            made_ga: HashMap::new(),
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
                self.problems
                    .push(format!("{error}; a step has `at` and one of {STEP_KINDS}"));
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
            raw.gangway.is_some(),
            raw.history.is_some(),
            raw.ga.is_some(),
            raw.release_status.is_some(),
            raw.say.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            self.problems.push(format!(
                "a step does exactly one thing: give one of {STEP_KINDS} (split it into several steps at the same time)"
            ));
            return None;
        }
        let action = if let Some(snapshot) = raw.snapshot {
            let snapshot = self.typed(snapshot, "snapshot")?;
            self.snapshot(number, snapshot)
        } else if let Some(run) = raw.run {
            let run = self.typed(run, "run")?;
            self.run(run)
        } else if let Some(gangway) = raw.gangway {
            let gangway = self.typed(gangway, "gangway")?;
            self.gangway(gangway)
        } else if let Some(history) = raw.history {
            let history = self.typed(history, "history")?;
            self.history(number, history)
        } else if let Some(ga) = raw.ga {
            let ga = self.typed(ga, "ga")?;
            self.ga(number, ga)
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
        self.first_snapshot.get_or_insert(number);
        Some(Action::Snapshot {
            name: raw.name,
            build: raw.build,
        })
    }

    fn run(&mut self, raw: RawRun) -> Option<Action> {
        let snapshot = self.known_snapshot(&raw.snapshot);
        let duration = self.check(duration(&raw.duration).map_err(|e| format!("`duration`: {e}")));
        let key = self.check(cell_key(&raw.cell, &raw.version, &raw.platform, &raw.check));
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

    fn gangway(&mut self, raw: RawGangway) -> Option<Action> {
        let key = self.check(cell_key(&raw.cell, &raw.version, &raw.platform, &raw.check));
        let job = key.as_ref().and_then(|key| self.check(self.job_of(key)));
        let example = "for example `gangway: { cell: \"4.20 aws baseline\", outcomes: [failure] }`";
        if raw.outcomes.is_none() && raw.pass_rate.is_none() && raw.duration.is_none() {
            self.problems.push(format!(
                "`gangway` says how the runs of the cell's job go from now on: give `outcomes`, `pass-rate` or `duration`, {example}"
            ));
            return None;
        }
        let outcomes = match raw.outcomes {
            Some(outcomes) if outcomes.is_empty() => {
                self.problems.push(format!(
                    "`outcomes` is empty; list how the next runs end, in order, {example}"
                ));
                None
            }
            Some(outcomes) => Some(outcomes.into_iter().map(outcome).collect()),
            None => Some(Vec::new()),
        };
        let pass_rate = match &raw.pass_rate {
            Some(value) => self.check(pass_rate(value)).map(Some),
            None => Some(None),
        };
        let duration = match &raw.duration {
            Some(value) => self
                .check(
                    duration(value)
                        .and_then(|d| {
                            if d.is_zero() {
                                Err("it is 0s; a run takes some time, such as \"1h 20m\"".into())
                            } else {
                                Ok(d)
                            }
                        })
                        .map_err(|e| format!("`duration`: {e}")),
                )
                .map(Some),
            None => Some(None),
        };
        Some(Action::Gangway(GangwayStep {
            cell: key?,
            job: job?,
            outcomes: outcomes?,
            pass_rate: pass_rate?,
            duration: duration?,
        }))
    }

    fn history(&mut self, number: usize, raw: RawHistory) -> Option<Action> {
        let before = self.problems.len();
        let key = self.check(cell_key(&raw.cell, &raw.version, &raw.platform, &raw.check));
        let job = key.as_ref().and_then(|key| self.check(self.job_of(key)));
        let total = raw.passed.saturating_add(raw.failed);
        if total == 0 {
            self.problems.push(
                "`history` needs runs: give `passed`, `failed` or both, for example `history: { cell: \"4.21 aws baseline\", passed: 19, failed: 1 }`".into(),
            );
        } else if total > MOST_HISTORY {
            self.problems.push(format!(
                "`history` has {total} runs; give at most {MOST_HISTORY} (gatebot weighs a job's last 20 by default)"
            ));
        }
        if let Some(first) = self.first_snapshot {
            self.problems.push(format!(
                "`history` is how the job fared on the nights before the day began, so it comes before the first `snapshot` step (step {first}); move it up"
            ));
        }
        if let Some(earlier) = key.as_ref().and_then(|key| self.histories.get(key)) {
            self.problems.push(format!(
                "step {earlier} already gave the history of `{}`; give it once, with all its runs",
                key.as_ref().expect("a known cell")
            ));
        }
        if self.problems.len() > before {
            return None;
        }
        let key = key?;
        self.histories.insert(key.clone(), number);
        Some(Action::History(HistoryStep {
            cell: key,
            job: job?,
            passed: raw.passed,
            failed: raw.failed,
        }))
    }

    fn ga(&mut self, number: usize, raw: RawGa) -> Option<Action> {
        let version = self.check(
            version_text(&raw.version)
                .and_then(|text| text.parse::<OcpVersion>().map_err(|e| e.to_string())),
        )?;
        let versions = &self.gate.policy.versions;
        let pre_release: Vec<String> = versions
            .iter()
            .filter(|v| !self.gate.catalog.is_ga(**v))
            .map(ToString::to_string)
            .collect();
        let choices = if pre_release.is_empty() {
            "the gate has no pre-release version".to_string()
        } else {
            format!(
                "the gate's pre-release versions are {}",
                pre_release.join(", ")
            )
        };
        if !versions.contains(&version) {
            let all: Vec<String> = versions.iter().map(ToString::to_string).collect();
            self.problems.push(format!(
                "the gate has no version {version}; its versions are {}",
                all.join(", ")
            ));
            return None;
        }
        if self.gate.catalog.is_ga(version) {
            self.problems.push(format!(
                "{version} is generally available already (`ga = true` in the gate); only a pre-release version can become GA: {choices}"
            ));
            return None;
        }
        if let Some(earlier) = self.made_ga.get(&version) {
            self.problems.push(format!(
                "step {earlier} already made {version} generally available; remove one of the two"
            ));
            return None;
        }
        self.made_ga.insert(version, number);
        Some(Action::Ga { version })
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
            .map_err(|error| {
                // serde names the struct it wanted, which means nothing in a scenario.
                let text = error.to_string();
                let text = match text.find("expected struct Raw") {
                    Some(at) => format!(
                        "{}expected its fields as a mapping, such as `{key}: {{ … }}` (docs/sandbox.md lists them)",
                        &text[..at]
                    ),
                    None => text,
                };
                self.problems.push(format!("`{key}`: {text}"));
            })
            .ok()
    }

    fn check<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|problem| self.problems.push(problem)).ok()
    }
}

/// A step's cell, from `cell: "4.21 aws baseline"` or from `version`, `platform`, `check`.
fn cell_key(
    cell: &Option<String>,
    version: &Option<Value>,
    platform: &Option<String>,
    check: &Option<String>,
) -> Result<CellKey, String> {
    let example = "for example `cell: \"4.21 aws baseline\"`";
    let parts = (version, platform, check);
    let (version, platform, check) = match (cell, parts) {
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

/// A Gangway outcome as the scenario names it.
fn outcome(raw: RawOutcome) -> Outcome {
    match raw {
        RawOutcome::Success => Outcome::Success,
        RawOutcome::Failure => Outcome::Failure,
        RawOutcome::Aborted => Outcome::Aborted,
        RawOutcome::Error => Outcome::Error,
    }
}

/// A pass rate: a share between 0 and 1.
fn pass_rate(value: &Value) -> Result<f64, String> {
    let fix = "give a share between 0 and 1, such as `pass-rate: 0.9` for 90 %";
    match value.as_f64() {
        Some(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        Some(rate) => Err(format!("`pass-rate` is {rate}; {fix}")),
        None => Err(format!("`pass-rate` is not a number; {fix}")),
    }
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
    fn gangway_history_and_ga_steps_are_read() {
        let scenario = parse(&format!(
            r#"
  - at: 0
    history: {{ cell: "4.21 aws baseline", passed: 19, failed: 1 }}
  - at: 0
    history: {{ version: "4.20", platform: aws, check: baseline, failed: 3 }}
  - at: 0
    gangway: {{ cell: "4.21 aws baseline", outcomes: [failure, aborted, error, success] }}
  - at: 0
    snapshot: {{ name: {SNAPSHOT}, build: 1 }}
  - at: "+1h"
    gangway: {{ cell: "4.22 azure baseline", pass-rate: 0.75, duration: "1h 20m" }}
  - at: "+2h"
    ga: {{ version: "4.22" }}
"#
        ))
        .unwrap();
        let actions: Vec<&Action> = scenario.steps.iter().map(|s| &s.action).collect();
        let Action::History(history) = actions[0] else {
            panic!("a history: {actions:?}")
        };
        assert_eq!(history.cell.to_string(), "4.21 aws baseline");
        assert_eq!(
            history.job,
            "periodic-ci-openshift-hypershift-release-4.21-periodics-e2e-aws-ovn"
        );
        assert_eq!((history.passed, history.failed), (19, 1));
        let Action::History(history) = actions[1] else {
            panic!("a history: {actions:?}")
        };
        assert_eq!((history.passed, history.failed), (0, 3));
        let Action::Gangway(flaky) = actions[2] else {
            panic!("a gangway step: {actions:?}")
        };
        assert_eq!(
            flaky.outcomes,
            [
                Outcome::Failure,
                Outcome::Aborted,
                Outcome::Error,
                Outcome::Success
            ]
        );
        assert_eq!((flaky.pass_rate, flaky.duration), (None, None));
        let Action::Gangway(slow) = actions[4] else {
            panic!("a gangway step: {actions:?}")
        };
        assert!(slow.outcomes.is_empty());
        assert_eq!(slow.pass_rate, Some(0.75));
        assert_eq!(slow.duration, Some(SignedDuration::from_mins(80)));
        assert_eq!(
            actions[5],
            &Action::Ga {
                version: OcpVersion::new(4, 22)
            }
        );
        assert_eq!(scenario.length(), SignedDuration::from_hours(2));
    }

    #[test]
    fn gangway_steps_that_say_nothing_or_too_much_name_the_step_and_the_fix() {
        let found = problems(
            r#"
  - at: 0
    gangway: { cell: "4.21 aws baseline" }
  - at: 0
    gangway: { cell: "4.21 aws baseline", outcomes: [] }
  - at: 0
    gangway: { cell: "4.21 aws baseline", pass-rate: 1.5 }
  - at: 0
    gangway: { cell: "4.21 aws baseline", pass-rate: 90% }
  - at: 0
    gangway: { cell: "4.21 aws baseline", outcomes: [flaky] }
  - at: 0
    gangway: { cell: "4.21 aws baseline", duration: 0 }
  - at: 0
    gangway: { cell: "4.22 aws upgrade-from-zero", outcomes: [failure] }
  - at: 0
    gangway: { cell: "4.21 aws baseline", outcome: failure }
"#,
        );
        assert_eq!(found.len(), 8, "{found:#?}");
        assert!(
            found[0].starts_with(
                "step 1: `gangway` says how the runs of the cell's job go from now on: give `outcomes`, `pass-rate` or `duration`"
            ),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("step 2: `outcomes` is empty; list how the next runs end"),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with("step 3: `pass-rate` is 1.5; give a share between 0 and 1"),
            "{found:#?}"
        );
        assert!(
            found[3].starts_with("step 4: `pass-rate` is not a number"),
            "{found:#?}"
        );
        assert!(
            found[4].starts_with("step 5: `gangway`: unknown variant `flaky`")
                && found[4].contains("`aborted`"),
            "{found:#?}"
        );
        assert!(
            found[5].starts_with("step 6: `duration`: it is 0s"),
            "{found:#?}"
        );
        assert!(
            found[6].starts_with("step 7: `4.22 aws upgrade-from-zero` does not apply"),
            "{found:#?}"
        );
        assert!(
            found[7].starts_with("step 8: `gangway`: unknown field `outcome`")
                && found[7].contains("`outcomes`"),
            "{found:#?}"
        );
    }

    #[test]
    fn history_comes_before_the_first_snapshot_once_per_cell_with_runs() {
        let found = problems(&format!(
            r#"
  - at: 0
    history: {{ cell: "4.21 aws baseline", passed: 5 }}
  - at: 0
    history: {{ cell: "4.21 aws baseline", failed: 5 }}
  - at: 0
    history: {{ cell: "4.20 aws baseline" }}
  - at: 0
    history: {{ cell: "4.20 azure baseline", passed: 100, failed: 1 }}
  - at: 0
    snapshot: {{ name: {SNAPSHOT}, build: 1 }}
  - at: "+1h"
    history: {{ cell: "4.19 aws baseline", passed: 5 }}
"#
        ));
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with(
                "step 2: step 1 already gave the history of `4.21 aws baseline`; give it once"
            ),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("step 3: `history` needs runs: give `passed`, `failed` or both"),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with("step 4: `history` has 101 runs; give at most 100"),
            "{found:#?}"
        );
        assert!(
            found[3].starts_with(
                "step 6: `history` is how the job fared on the nights before the day began, so it comes before the first `snapshot` step (step 5); move it up"
            ),
            "{found:#?}"
        );
    }

    #[test]
    fn only_a_pre_release_version_of_the_gate_becomes_ga_and_only_once() {
        let found = problems(
            r#"
  - at: 0
    ga: { version: "4.22" }
  - at: 0
    ga: { version: "4.22" }
  - at: 0
    ga: { version: "4.21" }
  - at: 0
    ga: { version: "4.23" }
  - at: 0
    ga: { version: 4.30 }
  - at: 0
    ga: "4.22"
"#,
        );
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(
            found[0].starts_with(
                "step 2: step 1 already made 4.22 generally available; remove one of the two"
            ),
            "{found:#?}"
        );
        assert_eq!(
            found[1],
            "step 3: 4.21 is generally available already (`ga = true` in the gate); only a pre-release version can become GA: the gate's pre-release versions are 4.22"
        );
        assert_eq!(
            found[2],
            "step 4: the gate has no version 4.23; its versions are 4.19, 4.20, 4.21, 4.22"
        );
        assert!(
            found[3].starts_with("step 5: `version: 4.3` is a number to YAML"),
            "{found:#?}"
        );
        assert_eq!(
            found[4],
            "step 6: `ga`: invalid type: string \"4.22\", expected its fields as a mapping, such as `ga: { … }` (docs/sandbox.md lists them)"
        );
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
