//! `[[gates]]`: one release gate — which snapshots it follows, which Prow jobs must pass on which
//! OCP versions and platforms, and which ReleasePlan receives the Release.
//!
//! A gate is validated as a whole when the file loads and then turned into the pure core's
//! `Policy` and `VersionCatalog`, so the engine never sees a half-valid gate.

mod cells;
mod checks;
mod matrix;
mod read;
mod versions;

use std::collections::BTreeMap;

use crate::gate::{Policy, VersionCatalog};

pub(super) use read::read_gates;

/// Who creates the Release once the gate passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseMode {
    /// gatebot creates the Release as soon as every required cell has passed.
    Automatic,
    /// gatebot reports that the gate passed; a person creates the Release with `release`.
    Manual,
}

impl ReleaseMode {
    /// The name used in configuration files.
    pub fn config_name(self) -> &'static str {
        match self {
            ReleaseMode::Automatic => "automatic",
            ReleaseMode::Manual => "manual",
        }
    }
}

/// One validated gate.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    name: String,
    namespace: String,
    application: String,
    component: String,
    release_plan: String,
    emergency_release_plan: String,
    grace_period_days: Option<u32>,
    release_mode: ReleaseMode,
    snapshot_selector: BTreeMap<String, String>,
    policy: Policy,
    catalog: VersionCatalog,
}

impl GateConfig {
    /// The gate's name, unique in the file; it appears in Release labels and chat.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Konflux tenant namespace holding the Snapshots, the ReleasePlan and the Releases.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The Konflux Application whose Snapshots the gate follows.
    pub fn application(&self) -> &str {
        &self.application
    }

    /// The component inside each Snapshot whose image the Prow jobs test.
    pub fn component(&self) -> &str {
        &self.component
    }

    /// The ReleasePlan named in the Releases gatebot creates.
    pub fn release_plan(&self) -> &str {
        &self.release_plan
    }

    /// The ReleasePlan named in Releases created in an emergency, without the gate having
    /// passed; the gate's own `release_plan` unless the file names another.
    pub fn emergency_release_plan(&self) -> &str {
        &self.emergency_release_plan
    }

    /// `spec.gracePeriodDays` for created Releases; `None` leaves it to the ReleasePlan.
    pub fn grace_period_days(&self) -> Option<u32> {
        self.grace_period_days
    }

    pub fn release_mode(&self) -> ReleaseMode {
        self.release_mode
    }

    /// The labels a Snapshot must carry to be followed by this gate.
    pub fn snapshot_selector(&self) -> &BTreeMap<String, String> {
        &self.snapshot_selector
    }

    /// The same labels as a Kubernetes label selector: `key=value,key=value`.
    pub fn label_selector(&self) -> String {
        let pairs: Vec<String> = self
            .snapshot_selector
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        pairs.join(",")
    }

    /// The gate matrix: cells ordered by version, then platform, then check, each in the order
    /// the configuration lists them.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Which of the gate's versions are generally available, as configured.
    pub fn catalog(&self) -> &VersionCatalog {
        &self.catalog
    }
}
