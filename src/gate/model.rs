//! The things the gate reasons about, as plain data: OCP versions, platforms, checks, snapshots
//! and the Prow runs that tested them.
//!
//! Adapters turn outside formats (Konflux objects, Prow's `finished.json`) into these types at the
//! edge, so the rest of gatebot never sees a half-parsed payload.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use strum::{IntoEnumIterator, VariantNames};

/// An OpenShift minor release line such as `4.20`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OcpVersion {
    pub major: u32,
    pub minor: u32,
}

impl OcpVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }
}

impl fmt::Display for OcpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a version string was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an OCP minor version; write it as MAJOR.MINOR, for example `4.20`")]
pub struct InvalidVersion(pub String);

impl FromStr for OcpVersion {
    type Err = InvalidVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidVersion(text.to_string());
        let (major, minor) = text.trim().split_once('.').ok_or_else(invalid)?;
        let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !is_number(major) || !is_number(minor) {
            return Err(invalid());
        }
        Ok(Self::new(
            major.parse().map_err(|_| invalid())?,
            minor.parse().map_err(|_| invalid())?,
        ))
    }
}

impl Serialize for OcpVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OcpVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A cloud platform the hosted control planes run on (`aws`, `azure`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Platform(pub String);

impl Platform {
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a periodic job proves about a snapshot on one OCP version and platform.
///
/// Its name (`upgrade-from-zero`) is the one configuration files, chat commands and scenarios
/// use. serde and strum both derive it from the variant, in the same case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[derive(strum::Display, strum::IntoStaticStr, strum::EnumIter, strum::VariantNames)]
#[strum(serialize_all = "kebab-case")]
pub enum Check {
    /// A fresh hosted cluster passes the e2e suite.
    Baseline,
    /// Upgrading a hosted cluster from `4.Y.0` to the latest `4.Y.z` works.
    UpgradeFromZero,
    /// Upgrading a hosted cluster from `4.Y.(z-1)` to the latest `4.Y.z` works.
    UpgradeFromPrevious,
}

impl Check {
    /// A short label for matrix column headers.
    pub fn label(self) -> &'static str {
        match self {
            Check::Baseline => "e2e",
            Check::UpgradeFromZero => ".0→latest",
            Check::UpgradeFromPrevious => "latest-1→latest",
        }
    }
}

/// Written by hand rather than derived so that a typo is answered with the names that work.
impl FromStr for Check {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Check::iter()
            .find(|check| <&str>::from(check) == text)
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a check; use one of {}",
                    Check::VARIANTS.join(", ")
                )
            })
    }
}

/// One cell of the gate matrix: a check on one version and platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellKey {
    pub version: OcpVersion,
    pub platform: Platform,
    pub check: Check,
}

impl fmt::Display for CellKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.version, self.platform, self.check)
    }
}

/// A Konflux Snapshot of the gated component, reduced to what the gate needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The gate (from configuration) that follows this snapshot.
    pub gate: String,
    pub namespace: String,
    pub name: String,
    /// The gated component inside the snapshot (e.g. `hypershift-operator-main`).
    pub component: String,
    /// The component's `containerImage` exactly as the Snapshot lists it.
    pub image: String,
    /// The `sha256:…` digest of `image`, when the reference carries one.
    pub digest: Option<String>,
    pub git_url: Option<String>,
    pub git_revision: Option<String>,
    /// When Konflux created the Snapshot; result time-outs are measured from here.
    pub created_at: Timestamp,
}

impl Snapshot {
    /// The gate and name that identify this snapshot everywhere.
    pub fn key(&self) -> SnapshotKey {
        SnapshotKey::new(&self.gate, &self.name)
    }
}

/// A snapshot as a gate follows it: the same Snapshot may be followed by two gates, and each
/// decides, releases and reports on it separately.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotKey {
    pub gate: String,
    pub snapshot: String,
}

impl SnapshotKey {
    pub fn new(gate: impl Into<String>, snapshot: impl Into<String>) -> Self {
        Self {
            gate: gate.into(),
            snapshot: snapshot.into(),
        }
    }
}

/// `gate/snapshot`, as marks and logs write it.
impl fmt::Display for SnapshotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.gate, self.snapshot)
    }
}

impl AsRef<Snapshot> for Snapshot {
    fn as_ref(&self) -> &Snapshot {
        self
    }
}

/// The `sha256:…` part of an image reference, if it has one.
pub fn digest_of(reference: &str) -> Option<&str> {
    let start = reference.find("sha256:")?;
    let digest = &reference[start..];
    let hex = &digest["sha256:".len()..];
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(digest)
}

/// Where a Prow run stands. Its name (`success`) is the one the store keeps and people read;
/// serde and strum both derive it from the variant, in the same case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::Display, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum RunState {
    /// Started, no `finished.json` yet.
    Running,
    Success,
    Failure,
    Aborted,
    Error,
}

impl RunState {
    pub fn is_finished(self) -> bool {
        self != RunState::Running
    }
}

/// What a run says it tested, read from its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum RunTarget {
    /// The run names the Snapshot it tested.
    Snapshot(String),
    /// The run names the operator image it tested (a reference or a bare digest).
    Image(String),
    /// The run names nothing gatebot can map; it never counts for any snapshot.
    Unknown,
}

/// One build of a Prow periodic job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRun {
    pub job: String,
    pub build_id: String,
    pub state: RunState,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// The run's page on Prow (Deck / Spyglass).
    pub url: String,
    pub target: RunTarget,
}

/// Where a run stands among the runs of its job: larger is newer (see [`JobRun::recency`]).
pub type Recency<'a> = (u128, &'a str, u8);

/// What evaluation needs of a run besides its job: the build number and the state. Sixteen
/// bytes, so the engine can keep these for 100,000 runs in cache and sweep them on every pass
/// without touching the runs' strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunFacts {
    /// The build id as a number; `u64::MAX` when it is not one.
    pub build: u64,
    pub state: RunState,
}

impl RunFacts {
    pub fn of(run: &JobRun) -> Self {
        Self {
            build: run.build_id.parse().unwrap_or(u64::MAX),
            state: run.state,
        }
    }
}

impl JobRun {
    /// Orders builds of one job, newest last: Prow build ids are increasing numbers, compared
    /// numerically so `999` comes before `1000`. Two records of the same build (a stale
    /// "running" one and the finished one) order the finished one last, so it wins.
    pub fn recency(&self) -> Recency<'_> {
        let state_rank = match self.state {
            RunState::Running => 0,
            RunState::Success => 1,
            RunState::Failure => 2,
            RunState::Aborted => 3,
            RunState::Error => 4,
        };
        (
            self.build_id.parse().unwrap_or(u128::MAX),
            &self.build_id,
            state_rank,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order_numerically() {
        let v420: OcpVersion = "4.20".parse().unwrap();
        let v49: OcpVersion = "4.9".parse().unwrap();
        assert!(v49 < v420);
        assert_eq!(v420.to_string(), "4.20");
        for bad in ["4", "4.", ".20", "4.20.1", "four.twenty", " "] {
            assert!(
                bad.parse::<OcpVersion>().is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn digest_is_found_only_when_complete() {
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            digest_of(&format!("quay.io/x/y@{digest}")),
            Some(digest.as_str())
        );
        assert_eq!(digest_of(&digest), Some(digest.as_str()));
        assert_eq!(digest_of("quay.io/x/y:latest"), None);
        assert_eq!(digest_of("quay.io/x/y@sha256:abc"), None);
    }

    #[test]
    fn checks_round_trip_through_their_names() {
        let names: Vec<String> = Check::iter().map(|check| check.to_string()).collect();
        assert_eq!(
            names,
            ["baseline", "upgrade-from-zero", "upgrade-from-previous"]
        );
        for check in Check::iter() {
            let name: &str = check.into();
            assert_eq!(name.parse::<Check>().unwrap(), check);
            assert_eq!(serde_json::to_value(check).unwrap(), name);
        }
        assert_eq!(
            "upgrade".parse::<Check>().unwrap_err(),
            "`upgrade` is not a check; use one of baseline, upgrade-from-zero, upgrade-from-previous"
        );
    }

    #[test]
    fn run_states_round_trip_through_their_names() {
        let all = [
            (RunState::Running, "running"),
            (RunState::Success, "success"),
            (RunState::Failure, "failure"),
            (RunState::Aborted, "aborted"),
            (RunState::Error, "error"),
        ];
        for (state, name) in all {
            assert_eq!(<&str>::from(state), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(name.parse::<RunState>().unwrap(), state);
            assert_eq!(serde_json::to_value(state).unwrap(), name);
        }
        assert!("passed".parse::<RunState>().is_err());
    }
}
