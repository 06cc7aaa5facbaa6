//! What the engine needs to know about each gate and about its own pace; built from the
//! configuration file.

use std::time::Duration;

pub use crate::config::ReleaseMode;
use crate::config::{GateConfig, ProwConfig};
use crate::gate::{Policy, VersionCatalog};

/// One gate, ready to run.
#[derive(Debug, Clone)]
pub struct GateSpec {
    pub name: String,
    pub namespace: String,
    pub component: String,
    /// A Kubernetes label selector (`k=v,k2=v2`) for the gate's Snapshots.
    pub snapshot_selector: String,
    pub release_plan: String,
    pub grace_period_days: Option<u32>,
    pub release_mode: ReleaseMode,
    pub policy: Policy,
    pub catalog: VersionCatalog,
}

impl GateSpec {
    pub fn from_config(gate: &GateConfig) -> Self {
        Self {
            name: gate.name().to_string(),
            namespace: gate.namespace().to_string(),
            component: gate.component().to_string(),
            snapshot_selector: gate.label_selector(),
            release_plan: gate.release_plan().to_string(),
            grace_period_days: gate.grace_period_days(),
            release_mode: gate.release_mode(),
            policy: gate.policy().clone(),
            catalog: gate.catalog().clone(),
        }
    }
}

/// How often the engine does what.
#[derive(Debug, Clone)]
pub struct Pace {
    /// Between two polls of Prow results.
    pub poll_interval: Duration,
    /// Between two evaluations when nothing new arrived (deadlines pass without events).
    pub reevaluate_interval: Duration,
    /// Between two checks of each gate's ReleasePlan.
    pub release_plan_check_interval: Duration,
}

impl Pace {
    pub fn from_config(prow: &ProwConfig) -> Self {
        Self {
            poll_interval: prow.poll_interval.unsigned_abs(),
            ..Self::default()
        }
    }
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(60),
            reevaluate_interval: Duration::from_secs(30),
            release_plan_check_interval: Duration::from_secs(300),
        }
    }
}
