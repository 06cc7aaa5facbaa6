//! `gatebot sandbox`: a release day played in the terminal, with no cluster, CI or Slack account.
//!
//! This is the entry point: it reads the options, checks the scenario and the script before
//! anything starts (so a mistake is reported at once, with its step or line), runs one session
//! on its own runtime, and turns the outcome into an exit code. The scenario format is in
//! `scenario`, the playing in `player`, the screen in `console`; `docs/sandbox.md` is the guide.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::scenario::Scenario;
use super::script::Script;
use super::session::{self, Outcome, Setup};
use super::slack_chat::slack_chat_from_environment;
use crate::config::Config;
use crate::engine::GateSpec;

/// The release day every new user sees first.
pub const DEFAULT_SCENARIO: &str = include_str!("default_scenario.yaml");

/// Scenario seconds per real second unless `--speed` says otherwise: the built-in release day
/// (9½ hours) then plays in about half a minute.
pub const DEFAULT_SPEED: f64 = 1000.0;

/// The gate the sandbox plays on; see the file for why it is smaller than the deployed one.
const SANDBOX_GATE: &str = include_str!("sandbox_gate.toml");

/// The command line's choices.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SandboxOptions {
    /// A scenario file (YAML) instead of the built-in release day; see docs/sandbox.md.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Scenario seconds per real second [default: 1000, the release day in about 34 s].
    #[arg(long, value_name = "N")]
    pub speed: Option<f64>,
    /// Commands to run at scenario times (`@+2h30m blocked-why`, `@end status`), one per line;
    /// prints a plain transcript and exits when the scenario ends.
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Report how long start-up took.
    #[arg(long)]
    pub timings: bool,
    /// Also post the status threads to a real Slack channel and take commands there; tokens,
    /// channel and roles come from GATEBOT_SLACK_* variables (see docs/sandbox.md).
    #[arg(long)]
    pub slack: bool,
}

/// The sandbox's configuration: its gate, and that gatebot triggers the gate's jobs through
/// Gangway and reads GA status from the release-controller.
pub fn sandbox_config() -> Config {
    Config::parse(
        SANDBOX_GATE,
        "the sandbox gate (src/sandbox/sandbox_gate.toml)",
    )
    .expect("the embedded sandbox gate is a valid configuration")
}

/// The sandbox's gate, built from its embedded configuration.
pub fn sandbox_gate() -> GateSpec {
    sandbox_config().gates[0].clone()
}

/// Runs the sandbox: 0 when it ended as asked (end of a script, `quit`, end of input,
/// Ctrl-C), 1 when the scenario could not be played, 2 when the options, scenario or script
/// are wrong.
pub fn run(options: SandboxOptions) -> ExitCode {
    let started = Instant::now();
    let setup = match prepare(options, started) {
        Ok(setup) => setup,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("gatebot sandbox cannot start its async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(session::run(setup));
    // Nothing may outlive the session; a read of standard input that is still waiting for a
    // line lives on a plain thread and ends with the process.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match outcome {
        Outcome::Failed(problem) => {
            eprintln!("gatebot sandbox stopped: {problem}");
            ExitCode::FAILURE
        }
        Outcome::Finished | Outcome::Quit | Outcome::EndOfInput | Outcome::Interrupted => {
            ExitCode::SUCCESS
        }
    }
}

/// Reads and checks everything the session needs.
fn prepare(options: SandboxOptions, started: Instant) -> Result<Setup, String> {
    let config = sandbox_config();
    let gate = config.gates[0].clone();
    let ga_refresh = config
        .release_streams
        .as_ref()
        .map_or(jiff::SignedDuration::from_mins(10), |streams| {
            streams.refresh_interval
        });
    let scenario = match &options.scenario {
        Some(path) => {
            let text = read(path, "scenario")?;
            Scenario::parse(&text, &path.display().to_string(), &gate)
        }
        None => Scenario::parse(DEFAULT_SCENARIO, "(built in)", &gate),
    }
    .map_err(|error| error.to_string())?;
    let script = match &options.script {
        Some(path) => {
            let text = read(path, "script")?;
            Some(Script::parse(&text, &path.display().to_string()).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let speed = options.speed.unwrap_or(DEFAULT_SPEED);
    if !(speed.is_finite() && speed > 0.0) {
        return Err(format!(
            "--speed {speed} cannot be used; give a positive number of scenario seconds per real second, for example --speed {DEFAULT_SPEED}"
        ));
    }
    let slack = options
        .slack
        .then(slack_chat_from_environment)
        .transpose()?;
    Ok(Setup {
        gate,
        ga_refresh,
        scenario,
        script,
        speed,
        timings: options.timings,
        started,
        slack,
    })
}

fn read(path: &std::path::Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the {what} {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_scenario_fits_the_sandbox_gate_and_plays_in_half_a_minute() {
        let scenario = Scenario::parse(DEFAULT_SCENARIO, "(built in)", &sandbox_gate())
            .expect("the built-in scenario is valid");
        let real_seconds = scenario.length().as_secs_f64() / DEFAULT_SPEED;
        assert!(
            (20.0..=40.0).contains(&real_seconds),
            "the release day takes {real_seconds} s at the default speed"
        );
    }

    #[test]
    fn a_speed_that_is_not_positive_is_refused_with_an_example() {
        let options = SandboxOptions {
            speed: Some(0.0),
            ..SandboxOptions::default()
        };
        let problem = prepare(options, Instant::now()).err().unwrap();
        assert!(problem.contains("--speed 1000"), "{problem}");
    }
}
