//! What the emergency commands take from the configuration: how many approvals a request needs,
//! how long it stays open, the prefix of the annotations on the Release, and the ReleasePlan
//! each gate's emergency Releases name (`emergency_release_plan`, else the gate's own plan).

use std::collections::BTreeMap;

use jiff::SignedDuration;

use crate::config::{Config, EmergencyConfig};
use crate::engine::GateSpec;

/// The emergency rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencySettings {
    pub approvals_needed: u32,
    pub request_ttl: SignedDuration,
    pub annotation_prefix: String,
    /// By gate name; a gate not listed releases emergencies through its own plan.
    release_plans: BTreeMap<String, String>,
}

impl EmergencySettings {
    /// The rules of `[chat.emergency]` (or their defaults) and every gate's emergency plan.
    pub fn from_config(config: &Config) -> Self {
        let rules = config
            .chat
            .as_ref()
            .map(|chat| chat.emergency.clone())
            .unwrap_or_default();
        let release_plans = config
            .gates
            .iter()
            .map(|gate| {
                let plan = gate.emergency_release_plan.clone();
                (gate.name.clone(), plan)
            })
            .collect();
        Self::new(&rules, release_plans)
    }

    fn new(rules: &EmergencyConfig, release_plans: BTreeMap<String, String>) -> Self {
        Self {
            approvals_needed: rules.approvals_needed,
            request_ttl: rules.request_ttl,
            annotation_prefix: rules.annotation_prefix.clone(),
            release_plans,
        }
    }

    /// The ReleasePlan an emergency Release of this gate names.
    pub fn release_plan<'a>(&'a self, gate: &'a GateSpec) -> &'a str {
        self.release_plans
            .get(&gate.name)
            .map_or(gate.release_plan.as_str(), String::as_str)
    }
}

/// The default rules, and each gate's own plan.
impl Default for EmergencySettings {
    fn default() -> Self {
        Self::new(&EmergencyConfig::default(), BTreeMap::new())
    }
}
