//! What the engine needs to know about each gate and about its own pace, from the
//! configuration file.

use std::time::Duration;

pub use crate::config::ReleaseMode;
use crate::config::{GateConfig, ProwConfig};

/// One gate, ready to run: the validated `[[gates]]` entry itself, so the engine sees every
/// setting the file has without a copy to keep in step.
pub type GateSpec = GateConfig;

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
