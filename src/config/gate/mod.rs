//! `[[gates]]`: one release gate — which snapshots it follows, which Prow jobs must pass on which
//! OCP versions and platforms, and which ReleasePlan receives the Release.
//!
//! A gate is validated as a whole when the file loads and then turned into the pure core's
//! `Policy` and `VersionCatalog`, so the engine never sees a half-valid gate.

mod cells;
mod checks;
mod matrix;
mod rounds;
mod section;
mod versions;

use crate::gate::{Policy, VersionCatalog};
use crate::release_streams::ConfiguredVersions;
use crate::rounds::{RoundPolicy, Runs};

pub(super) use section::{GatesSection, validate_gates};

/// Who creates the Release once the gate passes; `release_mode = "automatic"` or `"manual"`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ReleaseMode {
    /// gatebot creates the Release as soon as every required cell has passed.
    Automatic,
    /// gatebot reports that the gate passed; a person creates the Release with `release`.
    Manual,
}

/// One validated gate, as the engine runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// The gate's name, unique in the file; it appears in Release labels and chat.
    pub name: String,
    /// The Konflux tenant namespace holding the Snapshots, the ReleasePlan and the Releases.
    pub namespace: String,
    /// The Konflux Application whose Snapshots the gate follows.
    pub application: String,
    /// The component inside each Snapshot whose image the Prow jobs test.
    pub component: String,
    /// The ReleasePlan named in the Releases gatebot creates.
    pub release_plan: String,
    /// The ReleasePlan named in Releases created in an emergency, without the gate having
    /// passed; the gate's own `release_plan` unless the file names another.
    pub emergency_release_plan: String,
    /// `spec.gracePeriodDays` for created Releases; `None` leaves it to the ReleasePlan.
    pub grace_period_days: Option<u32>,
    pub release_mode: ReleaseMode,
    /// The labels a Snapshot must carry to be followed by this gate, as a Kubernetes label
    /// selector: `key=value,key=value`.
    pub snapshot_selector: String,
    /// The gate matrix: cells ordered by version, then platform, then check, each in the order
    /// the configuration lists them.
    pub policy: Policy,
    /// Each version's `ga` (the fallback) and `ga_pinned` (which overrules the
    /// release-controller), for the GA catalog kept from `[release_streams]`.
    pub versions: ConfiguredVersions,
    /// Which of the gate's versions are generally available as configured: `ga_pinned` where
    /// set, else `ga`. The engine starts from it; with `[release_streams]` it follows the
    /// release-controller's answer instead (`Engine::catalog`).
    pub catalog: VersionCatalog,
    /// Who starts the runs that test the gate's snapshots: Prow's periodics, or gatebot itself.
    pub runs: Runs,
    /// How gatebot's rounds run for the gate when `runs` is `Triggered`.
    pub rounds: RoundPolicy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_modes_round_trip_through_their_config_names() {
        for (mode, name) in [
            (ReleaseMode::Automatic, "automatic"),
            (ReleaseMode::Manual, "manual"),
        ] {
            assert_eq!(<&str>::from(mode), name);
            assert_eq!(mode.to_string(), name);
            assert_eq!(name.parse::<ReleaseMode>().unwrap(), mode);
        }
        assert!("Automatic".parse::<ReleaseMode>().is_err());
    }
}
