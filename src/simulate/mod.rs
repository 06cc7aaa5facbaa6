//! `gatebot simulate`: the what-if tool for cadence and retry policy. How often would the gate
//! release, how long would a merge wait for its Release, and what would it cost in job runs —
//! with gatebot triggering rounds, or with Prow's periodic jobs alone?
//!
//! It is a discrete-event simulation on a virtual clock that drives gatebot's real pure
//! decisions, not copies of them: the round planner (`rounds::plan`, `rounds::round_done`),
//! the retry rule (`rounds::decide_retry` over the job's `rounds::PassRate`) and the gate's
//! evaluator (`gate::Evaluator`). The world around them (merges, builds, runs that pass with a
//! given chance) is drawn from a seed. It does not run the engine's loops, the HTTP adapters or
//! the chat. `docs/simulate.md` lists every assumption.
//!
//! - [`scenario`]: what is simulated (world, gate, how its jobs run), with defaults;
//! - [`chance`]: the seeded draws; [`merges`]: the merges and their Snapshots;
//! - [`agenda`]: the virtual clock; [`record`]: what happened;
//! - [`simulation`]: the state machine, stepped one event at a time, with [`triggered`] and
//!   [`periodic`] for the two ways of running jobs and [`gate_view`], the one place that asks
//!   the gate;
//! - [`report`]: the figures; [`comparison`]: columns side by side; [`render`]: the text;
//! - [`options`]: the command line.

pub mod agenda;
pub mod chance;
pub mod comparison;
pub mod gate_view;
pub mod merges;
pub mod options;
pub mod periodic;
pub mod record;
pub mod render;
pub mod report;
pub mod scenario;
pub mod simulation;
pub mod triggered;

#[cfg(test)]
mod tests;

use std::process::ExitCode;
use std::time::Instant;

pub use comparison::{Column, Report, compare};
pub use options::{OutputFormat, SimulateOptions};
pub use render::render_text;
pub use report::Figures;
pub use scenario::{GateUnderTest, RoundOverrides, Runs, Scenario, Span, World};
pub use simulation::{Simulation, Step, simulate};

/// Runs `gatebot simulate`: 0 with the report printed, 2 when an option or a configuration
/// file is wrong.
pub fn run(options: SimulateOptions) -> ExitCode {
    let setup = match options.setup() {
        Ok(setup) => setup,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let report = compare(&setup.world, &setup.gates, &setup.runs);
    let took = started.elapsed();
    match options.format {
        OutputFormat::Text => {
            print!("{}", render_text(&report));
            println!(
                "\n{} simulations of {} weeks took {:.2} s (wall time).",
                report.columns.len(),
                setup.world.weeks,
                took.as_secs_f64()
            );
        }
        OutputFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("cannot write the report as JSON: {error}");
                return ExitCode::FAILURE;
            }
        },
    }
    ExitCode::SUCCESS
}
