//! The `gatebot` command line.
//!
//! Only argument parsing and exit codes live here; each subcommand hands over to the library at
//! once, so everything it does can be tested without a process. A new subcommand is one variant
//! of `Command` and one arm in `main`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gatebot::config::{Config, ConfigError};

/// Release gate for the HyperShift operator: follows Konflux Snapshots and the Prow periodic jobs
/// that tested them, and creates the Konflux Release once every required job has passed.
#[derive(Debug, Parser)]
#[command(name = "gatebot", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a configuration file and report every problem in it.
    ///
    /// Exits with 0 when the file is valid, 1 when it has problems (each printed as
    /// `path: message — fix`), and 2 when it cannot be read.
    CheckConfig {
        /// The TOML configuration file, for example deploy/config/gatebot.toml.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::CheckConfig { file } => check_config(&file),
    }
}

fn check_config(file: &Path) -> ExitCode {
    match Config::load(file) {
        Ok(config) => {
            println!("{}: ok — {}", file.display(), summary(&config));
            ExitCode::SUCCESS
        }
        Err(error @ ConfigError::Invalid { .. }) => {
            eprintln!("{error}");
            ExitCode::from(1)
        }
        Err(error @ ConfigError::Unreadable { .. }) => {
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}

/// "1 gate(s), 36 cells (33 required)"
fn summary(config: &Config) -> String {
    let policies = config.gates.iter().map(|gate| gate.policy());
    let (cells, required) = policies.fold((0, 0), |(cells, required), policy| {
        (
            cells + policy.cells.len(),
            required + policy.required_count(),
        )
    });
    format!(
        "{} gate(s), {cells} cells ({required} required)",
        config.gates.len()
    )
}
