//! A gate's rounds as configured: whether gatebot triggers the gate's jobs itself or waits for
//! Prow's periodic runs, how fast it triggers, which environment the jobs get, and how each cell
//! retries a failure.

use std::collections::BTreeMap;

use super::plan::Pace;
use super::retry::RetryRule;
use crate::config::EnvTemplate;
use crate::gate::{CellKey, Snapshot};
use crate::prow::OPERATOR_IMAGE_ENV;

/// The environment variable that names the snapshot under test, as the HyperShift gate sets it.
pub const SNAPSHOT_ENV: &str = "KONFLUX_SNAPSHOT";

/// Who starts the runs that test a gate's snapshots; `runs = "periodic"` or `"triggered"`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Runs {
    /// Prow's periodic jobs, each testing whatever snapshot is newest when it starts.
    #[default]
    Periodic,
    /// gatebot triggers every cell's job for the newest snapshot through Gangway (a round).
    Triggered,
}

/// How a gate's rounds run.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundPolicy {
    pub pace: Pace,
    /// The gate's retry rule.
    pub retry: RetryRule,
    /// Cells that retry a different number of times than the gate.
    pub cell_retries: BTreeMap<CellKey, u32>,
    /// The environment every triggered job gets, by variable name.
    pub env: BTreeMap<String, EnvTemplate>,
    /// A newer snapshot's round may start while the round in flight, its first runs all
    /// back, only waits for retries (at most two rounds at once).
    pub overlap: bool,
}

impl Default for RoundPolicy {
    fn default() -> Self {
        Self {
            pace: Pace::default(),
            retry: RetryRule::default(),
            cell_retries: BTreeMap::new(),
            env: default_env(),
            overlap: true,
        }
    }
}

impl RoundPolicy {
    /// The retry rule of one cell: the gate's, with the cell's own number of retries if set.
    pub fn retry_for(&self, cell: &CellKey) -> RetryRule {
        RetryRule {
            retries: self
                .cell_retries
                .get(cell)
                .copied()
                .unwrap_or(self.retry.retries),
            ..self.retry
        }
    }

    /// The environment of a job triggered for `snapshot`.
    pub fn env_for(&self, snapshot: &Snapshot) -> BTreeMap<String, String> {
        self.env
            .iter()
            .map(|(name, value)| (name.clone(), value.render(snapshot)))
            .collect()
    }
}

/// What the HyperShift release gate passes to Gangway: the operator image under test, as the
/// multi-stage override the HyperShift jobs read, and the snapshot's name.
pub fn default_env() -> BTreeMap<String, EnvTemplate> {
    let template = |text| EnvTemplate::parse(text).expect("the default templates are valid");
    BTreeMap::from([
        (OPERATOR_IMAGE_ENV.to_string(), template("{image}")),
        (SNAPSHOT_ENV.to_string(), template("{snapshot}")),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Check, OcpVersion, Platform};

    #[test]
    fn a_cell_may_retry_otherwise_than_its_gate() {
        let cell = CellKey {
            version: OcpVersion::new(4, 20),
            platform: Platform::new("azure"),
            check: Check::Baseline,
        };
        let other = CellKey {
            platform: Platform::new("aws"),
            ..cell.clone()
        };
        let policy = RoundPolicy {
            cell_retries: BTreeMap::from([(cell.clone(), 0)]),
            ..RoundPolicy::default()
        };
        assert_eq!(policy.retry_for(&cell).retries, 0);
        assert_eq!(policy.retry_for(&other).retries, 2);
        assert_eq!(policy.retry_for(&cell).pass_rate_threshold, 0.8);
    }

    #[test]
    fn the_default_environment_pins_the_image_and_names_the_snapshot() {
        let snapshot = crate::test_fixtures::snapshot("hypershift-operator-abc12", "09:00");
        let env = RoundPolicy::default().env_for(&snapshot);
        assert_eq!(env[OPERATOR_IMAGE_ENV], snapshot.image);
        assert_eq!(env[SNAPSHOT_ENV], "hypershift-operator-abc12");
        assert_eq!(env.len(), 2);
    }
}
