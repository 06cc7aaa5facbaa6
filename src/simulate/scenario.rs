//! What one simulation plays: the world around the gate (merges, Konflux builds, how the Prow
//! jobs fare), the gate under test (its policy and GA catalog, read from a gatebot
//! configuration), and how the gate's jobs come to run (rounds gatebot triggers, or Prow's own
//! periodic schedule).
//!
//! Plain data with documented defaults, so that a test builds a scenario in a few lines and
//! the command line only overrides what it is told to.

use jiff::{SignedDuration, Timestamp};

use crate::config::Config;
use crate::gate::{Policy, VersionCatalog};
use crate::rounds::RoundPolicy;

/// The production gate, simulated unless `--config` names another file.
pub const PRODUCTION_CONFIG: &str = include_str!("../../deploy/config/gatebot.toml");

/// A range of durations; each draw is uniform over it, in whole seconds, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub min: SignedDuration,
    pub max: SignedDuration,
}

impl Span {
    pub fn new(min: SignedDuration, max: SignedDuration) -> Self {
        Self { min, max }
    }

    /// From hours, which may have fractions (`1.5`).
    pub fn hours(min: f64, max: f64) -> Self {
        Self::new(
            SignedDuration::from_secs_f64(min * 3600.0),
            SignedDuration::from_secs_f64(max * 3600.0),
        )
    }

    pub fn minutes(min: i64, max: i64) -> Self {
        Self::new(
            SignedDuration::from_mins(min),
            SignedDuration::from_mins(max),
        )
    }
}

/// The world around the gate.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    /// When the simulation starts: a Monday, 00:00 UTC.
    pub start: Timestamp,
    /// How long it runs; the figures cover exactly this horizon.
    pub weeks: u32,
    /// Merges to the operator's main branch on each Monday to Friday; none at weekends.
    pub merges_per_weekday: u32,
    /// When merges happen, as times of day (UTC, from midnight); each merge is uniform in it.
    pub working_hours: Span,
    /// From a merge to its Konflux Snapshot.
    pub build_delay: Span,
    /// How long one run of a job takes, from its start to its result.
    pub job_duration: Span,
    /// The chance that a run of a job passes, unless `job_pass_rates` says otherwise.
    pub pass_rate: f64,
    /// Per-job chances: a job takes the last entry whose text is part of its name.
    pub job_pass_rates: Vec<(String, f64)>,
    /// Everything drawn follows from this number: the same seed, the same report.
    pub seed: u64,
}

impl Default for World {
    fn default() -> Self {
        Self {
            start: "2026-11-02T00:00:00Z"
                .parse()
                .expect("a valid timestamp (a Monday)"),
            weeks: 4,
            merges_per_weekday: 8,
            working_hours: Span::new(
                SignedDuration::from_hours(8),
                SignedDuration::from_hours(18),
            ),
            build_delay: Span::minutes(20, 40),
            job_duration: Span::hours(1.5, 3.0),
            pass_rate: 0.9,
            job_pass_rates: Vec::new(),
            seed: 1,
        }
    }
}

impl World {
    /// The chance that a run of `job` passes.
    pub fn pass_rate_of(&self, job: &str) -> f64 {
        self.job_pass_rates
            .iter()
            .rev()
            .find(|(part, _)| job.contains(part.as_str()))
            .map_or(self.pass_rate, |(_, rate)| *rate)
    }

    /// When the horizon ends.
    pub fn end(&self) -> Timestamp {
        self.start + SignedDuration::from_hours(24 * 7 * i64::from(self.weeks))
    }
}

/// The gate under test: the policy and GA catalog of one gate of a configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct GateUnderTest {
    /// Where it came from, as the report names it.
    pub label: String,
    pub policy: Policy,
    pub catalog: VersionCatalog,
    /// `[gates.rounds]` and `[gates.retries]` (with each cell's `retries`), which triggered
    /// mode runs with unless an option overrides them.
    pub rounds: RoundPolicy,
}

impl GateUnderTest {
    /// The first gate of a configuration's text; `origin` names the file in messages.
    pub fn from_config(text: &str, origin: &str) -> Result<Self, String> {
        let config = Config::parse(text, origin).map_err(|error| error.to_string())?;
        let gate = config
            .gates
            .into_iter()
            .next()
            .ok_or_else(|| format!("{origin} has no [[gates]] entry to simulate"))?;
        Ok(Self {
            label: format!("{origin} ({})", gate.name),
            policy: gate.policy,
            catalog: gate.catalog,
            rounds: gate.rounds,
        })
    }

    /// The production gate: the first gate of `deploy/config/gatebot.toml`.
    pub fn production() -> Self {
        Self::from_config(PRODUCTION_CONFIG, "deploy/config/gatebot.toml")
            .expect("the embedded production configuration is valid")
    }
}

/// Round settings given as options, each replacing the gate's own.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RoundOverrides {
    /// Attempts after a cell's first, for every cell.
    pub retries: Option<u32>,
    pub pass_rate_threshold: Option<f64>,
    pub stagger: Option<SignedDuration>,
    pub max_in_flight: Option<usize>,
    /// Whether a newer snapshot's round may start beside one that only waits for retries.
    pub overlap: Option<bool>,
}

impl RoundOverrides {
    /// The gate's round policy with these settings in place of its own.
    pub fn apply(&self, rounds: &RoundPolicy) -> RoundPolicy {
        let mut rounds = rounds.clone();
        if let Some(retries) = self.retries {
            rounds.retry.retries = retries;
            rounds.cell_retries.clear();
        }
        if let Some(threshold) = self.pass_rate_threshold {
            rounds.retry.pass_rate_threshold = threshold;
        }
        if let Some(stagger) = self.stagger {
            rounds.pace.stagger = stagger;
        }
        if let Some(cap) = self.max_in_flight {
            rounds.pace.max_in_flight = cap;
        }
        if let Some(overlap) = self.overlap {
            rounds.overlap = overlap;
        }
        rounds
    }
}

/// How the gate's jobs come to run.
#[derive(Debug, Clone, PartialEq)]
pub enum Runs {
    /// gatebot runs a round for the newest snapshot (`runs = "triggered"`): every cell's job
    /// triggered per `rounds::plan`, failures retried per `rounds::decide_retry`.
    Triggered {
        /// Settings replacing the gate's own.
        overrides: RoundOverrides,
        /// A newer snapshot cancels the round in flight (its executions are aborted) and gets
        /// a round at once, instead of waiting for the round to end.
        cancel_superseded: bool,
    },
    /// Each job runs on its own period, drawn once per job from `period`, and each run tests
    /// the newest snapshot when it starts; nothing is retried. Today's behaviour.
    Periodic { period: Span },
}

impl Runs {
    /// Rounds as gatebot runs them by default.
    pub fn triggered() -> Self {
        Runs::Triggered {
            overrides: RoundOverrides::default(),
            cancel_superseded: false,
        }
    }

    /// Periodic jobs every 12 to 24 hours.
    pub fn periodic() -> Self {
        Runs::Periodic {
            period: Span::hours(12.0, 24.0),
        }
    }

    /// A column heading: "triggered", "triggered, cancel superseded", "periodic 12–24 h".
    pub fn label(&self) -> String {
        match self {
            Runs::Triggered {
                cancel_superseded: false,
                ..
            } => "triggered".into(),
            Runs::Triggered { .. } => "triggered, cancel superseded".into(),
            Runs::Periodic { period } => {
                format!("periodic {}–{} h", hours(period.min), hours(period.max))
            }
        }
    }
}

/// "12", "1.5"
pub(super) fn hours(duration: SignedDuration) -> String {
    let hours = duration.as_secs_f64() / 3600.0;
    format!("{}", (hours * 100.0).round() / 100.0)
}

/// One simulation: a world, a gate and a way of running its jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub world: World,
    pub gate: GateUnderTest,
    pub runs: Runs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_production_gate_has_36_cells_34_with_a_job_and_33_required() {
        let gate = GateUnderTest::production();
        assert_eq!(gate.policy.cells.len(), 36);
        assert_eq!(gate.policy.jobs().len(), 34);
        assert_eq!(gate.policy.required_count(), 33);
    }

    #[test]
    fn a_job_takes_the_last_pass_rate_that_names_it() {
        let world = World {
            job_pass_rates: vec![("aks".into(), 0.5), ("4.17-periodics-e2e-aks".into(), 0.7)],
            ..World::default()
        };
        assert_eq!(world.pass_rate_of("release-4.17-periodics-e2e-aks"), 0.7);
        assert_eq!(world.pass_rate_of("release-4.18-periodics-e2e-aks"), 0.5);
        assert_eq!(
            world.pass_rate_of("release-4.18-periodics-e2e-aws-ovn"),
            0.9
        );
    }

    #[test]
    fn the_default_start_is_a_monday_at_midnight() {
        let start = World::default().start.to_zoned(jiff::tz::TimeZone::UTC);
        assert_eq!(start.weekday(), jiff::civil::Weekday::Monday);
        assert_eq!((start.hour(), start.minute()), (0, 0));
    }
}
