//! The `gatebot` command line.
//!
//! Only argument parsing and exit codes live here; each subcommand hands over to the library at
//! once, so everything it does can be tested without a process. A new subcommand is one variant
//! of `Command` and one arm in `main`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gatebot::app::RunOptions;
use gatebot::chat::launch::ChatMode;
use gatebot::clock::SystemClock;
use gatebot::config::{Config, ConfigError};
use gatebot::engine::GateSpec;
use gatebot::escalation::{ScanOptions, render_report, scan};
use gatebot::explain::explain_snapshot;
use gatebot::logging::LogFormat;
use gatebot::store::Store;

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
    /// Follow Konflux Snapshots and Prow results and create Releases when the gate passes.
    ///
    /// Runs until Ctrl-C or SIGTERM; every action is idempotent and resumes from the store on
    /// the next start. Serves /healthz, /readyz and /metrics on `[server] listen`.
    Run {
        /// The TOML configuration file.
        #[arg(long, short)]
        config: PathBuf,
        /// How log lines are written (to stderr; filter with RUST_LOG, default `info`).
        #[arg(long, value_enum, default_value = "text")]
        log_format: LogFormat,
        /// Which chat to talk to: `auto` is Slack when the configuration has a [chat] section;
        /// `console` prints what would be posted and reads commands from standard input.
        #[arg(long, value_enum, default_value = "auto")]
        chat: ChatMode,
        /// Who typed the console's lines (a Slack-style user id, matched against [chat.roles]);
        /// a line starting `as <user>` speaks for someone else.
        #[arg(long, default_value = "console")]
        console_user: String,
    },
    /// Print a snapshot's gate matrix with the reason for every cell, from the store.
    Explain {
        /// The Snapshot's name.
        snapshot: String,
        /// The TOML configuration file (its store and gates are used).
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Run one ON_QA escalation scan now and print what it did (see docs/escalation.md).
    ///
    /// Exits with 0 when the scan went through, 1 when it stopped early (Jira down, the token
    /// refused) or could not use the store, and 2 when the configuration is invalid, has no
    /// `[escalation]` section, or the Jira token's environment variable is not set.
    Escalate {
        /// The TOML configuration file (its `[escalation]` section and store are used).
        #[arg(long, short)]
        config: PathBuf,
        /// Print the comments that would be posted; comment nothing and record nothing.
        /// `dry_run = true` in `[escalation]` does the same.
        #[arg(long)]
        dry_run: bool,
        /// Leave out issues that entered ON_QA before this day, in the section's time zone.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from_date: Option<jiff::civil::Date>,
    },
    /// Watch a release day play out in the terminal, with emulated Konflux and Prow.
    ///
    /// Needs no cluster, CI or Slack: a real engine follows an emulated world on an accelerated
    /// clock. Type `help` at the prompt; Ctrl-C leaves. Exits with 2 on a bad scenario or script.
    Sandbox(gatebot::sandbox::run::SandboxOptions),
    /// What if: weeks of merges and job runs on a virtual clock, decided by gatebot's own
    /// round planner, retry rule and gate, with rounds triggered by gatebot beside periodic
    /// jobs alone (see docs/simulate.md).
    ///
    /// Prints releases per week, the wait from a merge to its Release and the job runs it
    /// costs. Exits with 2 on a wrong option or configuration file.
    Simulate(gatebot::simulate::SimulateOptions),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::CheckConfig { file } => check_config(&file),
        Command::Run {
            config,
            log_format,
            chat,
            console_user,
        } => run(&config, log_format, RunOptions { chat, console_user }),
        Command::Explain { snapshot, config } => explain(&snapshot, &config),
        Command::Escalate {
            config,
            dry_run,
            from_date,
        } => escalate(&config, ScanOptions { dry_run, from_date }),
        Command::Sandbox(options) => gatebot::sandbox::run::run(options),
        Command::Simulate(options) => gatebot::simulate::run(options),
    }
}

/// Loads a configuration for a command that needs a valid one; prints why not otherwise.
fn valid_config(file: &Path) -> Option<Config> {
    match Config::load(file) {
        Ok(config) => Some(config),
        Err(error) => {
            eprintln!("{error}");
            None
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("the async runtime starts")
}

fn run(file: &Path, log_format: LogFormat, options: RunOptions) -> ExitCode {
    let Some(config) = valid_config(file) else {
        return ExitCode::from(2);
    };
    gatebot::logging::init(log_format);
    let runtime = runtime();
    let outcome = runtime.block_on(gatebot::app::run(
        &config,
        &options,
        gatebot::app::shutdown_signal(),
    ));
    // A console chat may be blocked reading standard input; do not wait for a last line.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("gatebot stopped: {error:#}");
            eprintln!("gatebot stopped: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn explain(snapshot: &str, file: &Path) -> ExitCode {
    let Some(config) = valid_config(file) else {
        return ExitCode::from(2);
    };
    let gates: Vec<GateSpec> = config.gates.clone();
    let answer = runtime().block_on(async {
        let store = Store::open(&config.store.url).await?;
        explain_snapshot(&store, &gates, snapshot, jiff::Timestamp::now()).await
    });
    match answer {
        Ok(Some(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!(
                "no gate tracks a snapshot named `{snapshot}`; `gatebot run` records snapshots as Konflux creates them — check the name and the gate's snapshot selector"
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("cannot read the store: {error}");
            ExitCode::FAILURE
        }
    }
}

fn escalate(file: &Path, options: ScanOptions) -> ExitCode {
    let Some(config) = valid_config(file) else {
        return ExitCode::from(2);
    };
    let Some(escalation) = &config.escalation else {
        eprintln!(
            "{} has no [escalation] section, so there is nothing to scan; add one with \
             `target_versions = [\"4.20.0\"]` (or a `jql`) and an `[escalation.jira]` table — \
             docs/escalation.md describes every field and deploy/config/gatebot.toml has an example",
            file.display()
        );
        return ExitCode::from(2);
    };
    let jira = match escalation.jira_client() {
        Ok(jira) => jira,
        Err(why) => {
            eprintln!("{why}");
            return ExitCode::from(2);
        }
    };
    let scanned = runtime().block_on(async {
        let store = Store::open(&config.store.url).await?;
        scan(&jira, &store, &SystemClock, escalation, options).await
    });
    match scanned {
        Ok(report) => {
            print!("{}", render_report(&report, escalation));
            match &report.stopped_because {
                None => ExitCode::SUCCESS,
                Some(reason) => {
                    eprintln!("the escalation scan stopped early: {reason}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
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
    let policies = config.gates.iter().map(|gate| &gate.policy);
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
