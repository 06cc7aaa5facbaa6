//! A comparison: the same world played for one or two gates, each with every way of running
//! its jobs, side by side. This is what `gatebot simulate` prints, and the library entry point
//! tests and benchmarks call.

use serde::Serialize;

use super::report::Figures;
use super::scenario::{GateUnderTest, Runs, Scenario, Span, World, hours};
use super::simulation::simulate;
use crate::rounds::RoundPolicy;

/// One column: a gate, a way of running its jobs, and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The gate's label (see [`GateSummary`]).
    pub gate: String,
    /// "triggered", "periodic 12–24 h", …
    pub runs: String,
    pub figures: Figures,
}

/// A gate as the report introduces it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateSummary {
    pub label: String,
    pub cells: usize,
    pub cells_with_a_job: usize,
    pub required: usize,
    pub jobs: usize,
}

/// The setting every column shares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    pub start: String,
    pub weeks: u32,
    pub seed: u64,
    pub merges_per_weekday: u32,
    pub working_hours_utc: [String; 2],
    pub build_minutes: [i64; 2],
    pub job_hours: [f64; 2],
    pub pass_rate: f64,
    pub job_pass_rates: Vec<(String, f64)>,
    /// The rounds' pace and retry rule, when a column is triggered.
    pub rounds: Option<RoundSetting>,
}

/// How triggered rounds ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundSetting {
    pub retries: u32,
    pub retry_threshold: f64,
    pub history_window: usize,
    pub minimum_history: usize,
    pub stagger_seconds: i64,
    pub max_in_flight: usize,
    /// Whether a newer snapshot's round may start beside one that only waits for retries.
    pub overlap: bool,
}

/// Everything `gatebot simulate` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub setting: Setting,
    pub gates: Vec<GateSummary>,
    /// Gate by gate, each gate's ways of running in the order given.
    pub columns: Vec<Column>,
}

/// Plays `world` for every gate with every way of running its jobs.
pub fn compare(world: &World, gates: &[GateUnderTest], runs: &[Runs]) -> Report {
    let mut columns = Vec::new();
    for gate in gates {
        for how in runs {
            let scenario = Scenario {
                world: world.clone(),
                gate: gate.clone(),
                runs: how.clone(),
            };
            columns.push(Column {
                gate: gate.label.clone(),
                runs: how.label(),
                figures: simulate(&scenario),
            });
        }
    }
    Report {
        setting: setting(world, gates, runs),
        gates: gates.iter().map(summary).collect(),
        columns,
    }
}

fn summary(gate: &GateUnderTest) -> GateSummary {
    let policy = &gate.policy;
    GateSummary {
        label: gate.label.clone(),
        cells: policy.cells.len(),
        cells_with_a_job: policy.cells.iter().filter(|c| c.job.is_some()).count(),
        required: policy.required_count(),
        jobs: policy.jobs().len(),
    }
}

/// The setting of the report; the rounds are the first gate's, with the options' overrides.
fn setting(world: &World, gates: &[GateUnderTest], runs: &[Runs]) -> Setting {
    let clock = |span: Span| {
        let at = |d: jiff::SignedDuration| {
            let minutes = d.as_secs() / 60;
            format!("{:02}:{:02}", minutes / 60, minutes % 60)
        };
        [at(span.min), at(span.max)]
    };
    let rounds = runs.iter().find_map(|how| match how {
        Runs::Triggered { overrides, .. } => {
            let rounds = overrides.apply(&gates.first()?.rounds);
            Some(round_setting(&rounds))
        }
        Runs::Periodic { .. } => None,
    });
    Setting {
        start: world.start.to_string(),
        weeks: world.weeks,
        seed: world.seed,
        merges_per_weekday: world.merges_per_weekday,
        working_hours_utc: clock(world.working_hours),
        build_minutes: [
            world.build_delay.min.as_secs() / 60,
            world.build_delay.max.as_secs() / 60,
        ],
        job_hours: [
            hours(world.job_duration.min).parse().unwrap_or_default(),
            hours(world.job_duration.max).parse().unwrap_or_default(),
        ],
        pass_rate: world.pass_rate,
        job_pass_rates: world.job_pass_rates.clone(),
        rounds,
    }
}

fn round_setting(rounds: &RoundPolicy) -> RoundSetting {
    let (pace, retry) = (&rounds.pace, &rounds.retry);
    RoundSetting {
        retries: retry.retries,
        retry_threshold: retry.pass_rate_threshold,
        history_window: retry.history_window,
        minimum_history: retry.minimum_history,
        stagger_seconds: pace.stagger.as_secs(),
        max_in_flight: pace.max_in_flight,
        overlap: rounds.overlap,
    }
}
