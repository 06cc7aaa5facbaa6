//! The command line of `gatebot simulate`, and its translation into a world, the gates to
//! compare and the ways of running their jobs. Every option left out keeps the default of
//! [`World`], `rounds::Pace` and `rounds::RetryRule`; every value is checked, and a wrong one
//! is answered with a sentence naming the option.

use std::path::PathBuf;
use std::str::FromStr;

use jiff::SignedDuration;

use super::scenario::{GateUnderTest, PRODUCTION_CONFIG, RoundOverrides, Runs, Span, World};

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    #[default]
    Text,
    /// The same figures as one JSON document.
    Json,
}

/// The command line's choices.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SimulateOptions {
    /// The gatebot configuration whose first gate is simulated [default: the production gate,
    /// deploy/config/gatebot.toml, built in].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A second configuration: its first gate is simulated in the same world and its figures
    /// printed beside the first.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// How many weeks to simulate, from a Monday 00:00 UTC [default: 4].
    #[arg(long, value_name = "N")]
    pub weeks: Option<u32>,
    /// The seed every draw follows from; the same seed gives the same report [default: 1].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Merges to main on each weekday [default: 8].
    #[arg(long, value_name = "N")]
    pub merges_per_weekday: Option<u32>,
    /// When merges happen, hours of the day in UTC [default: 8-18].
    #[arg(long, value_name = "FROM-TO")]
    pub working_hours: Option<Range>,
    /// Minutes from a merge to its Konflux Snapshot [default: 20-40].
    #[arg(long, value_name = "MIN-MAX")]
    pub build_minutes: Option<Range>,
    /// The chance that a run of a job passes, 0 to 1 [default: 0.9].
    #[arg(long, value_name = "P")]
    pub pass_rate: Option<f64>,
    /// The chance for the jobs whose name contains TEXT (repeatable; the last match wins),
    /// e.g. `--job-pass-rate upgrade-from-zero=0.7`.
    #[arg(long = "job-pass-rate", value_name = "TEXT=P")]
    pub job_pass_rates: Vec<JobPassRate>,
    /// How long a run takes, in hours [default: 1.5-3].
    #[arg(long, value_name = "MIN-MAX")]
    pub job_hours: Option<Range>,
    /// Periodic-only mode: each job's period in hours, drawn once per job [default: 12-24].
    #[arg(long, value_name = "MIN-MAX")]
    pub periodic_hours: Option<Range>,
    /// Triggered mode: a newer snapshot cancels the round in flight and gets a round at once.
    #[arg(long)]
    pub cancel_superseded: bool,
    /// Triggered mode: one round at a time, even when the gate lets a newer snapshot's round
    /// start beside one that only waits for retries (`[gates.rounds] overlap`).
    #[arg(long)]
    pub no_overlap: bool,
    /// Triggered mode: attempts after a cell's first, for every cell [default: the gate's
    /// `[gates.retries] count` and its cells' `retries`].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Triggered mode: a FAILURE is retried only when the job passed at least this share of its
    /// recent runs, 0 to 1 [default: the gate's `pass_rate_threshold`].
    #[arg(long, value_name = "P")]
    pub retry_threshold: Option<f64>,
    /// Triggered mode: seconds between two triggers of a round [default: the gate's `stagger`].
    #[arg(long, value_name = "SECONDS")]
    pub stagger_seconds: Option<u32>,
    /// Triggered mode: executions of the gate in flight at once [default: the gate's
    /// `max_in_flight`].
    #[arg(long, value_name = "N")]
    pub max_in_flight: Option<usize>,
    /// Print the report as text or as JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// `1.5-3`: two numbers, or one for a fixed value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl FromStr for Range {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let number = |part: &str| {
            part.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| {
                    format!("`{text}` is not a range; write MIN-MAX with numbers, e.g. 1.5-3")
                })
        };
        let (min, max) = match text.split_once('-') {
            Some((min, max)) => (number(min)?, number(max)?),
            None => (number(text)?, number(text)?),
        };
        if min > max {
            return Err(format!(
                "`{text}` runs backwards; write the smaller number first"
            ));
        }
        Ok(Range { min, max })
    }
}

/// `TEXT=P`: the pass rate of the jobs whose name contains TEXT.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPassRate {
    pub part: String,
    pub rate: f64,
}

impl FromStr for JobPassRate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (part, rate) = text
            .rsplit_once('=')
            .filter(|(part, _)| !part.is_empty())
            .ok_or_else(|| format!("`{text}` is not TEXT=P, e.g. upgrade-from-zero=0.7"))?;
        let rate = probability(rate.trim())
            .ok_or_else(|| format!("`{rate}` in `{text}` is not a chance from 0 to 1"))?;
        Ok(Self {
            part: part.to_string(),
            rate,
        })
    }
}

fn probability(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|p| (0.0..=1.0).contains(p))
}

/// What the options ask for: the world, the gates (the first, then `--policy`'s) and the ways
/// of running jobs (triggered, then periodic).
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    pub world: World,
    pub gates: Vec<GateUnderTest>,
    pub runs: Vec<Runs>,
}

impl SimulateOptions {
    /// Checks every option and reads the configuration files.
    pub fn setup(&self) -> Result<Setup, String> {
        let world = self.world()?;
        let mut gates = vec![match &self.config {
            Some(file) => read_gate(file)?,
            None => GateUnderTest::from_config(PRODUCTION_CONFIG, "deploy/config/gatebot.toml")?,
        }];
        if let Some(file) = &self.policy {
            gates.push(read_gate(file)?);
        }
        Ok(Setup {
            world,
            gates,
            runs: vec![self.triggered()?, self.periodic()?],
        })
    }

    /// The world, from the options and `World::default()`.
    pub fn world(&self) -> Result<World, String> {
        let mut world = World::default();
        if let Some(weeks) = self.weeks {
            if !(1..=520).contains(&weeks) {
                return Err(format!("--weeks {weeks}: simulate 1 to 520 weeks"));
            }
            world.weeks = weeks;
        }
        if let Some(seed) = self.seed {
            world.seed = seed;
        }
        if let Some(merges) = self.merges_per_weekday {
            world.merges_per_weekday = merges;
        }
        if let Some(hours) = self.working_hours {
            if hours.max > 24.0 {
                return Err(format!(
                    "--working-hours {}-{}: hours of the day run from 0 to 24",
                    hours.min, hours.max
                ));
            }
            world.working_hours = Span::hours(hours.min, hours.max);
        }
        if let Some(minutes) = self.build_minutes {
            world.build_delay = Span::new(
                SignedDuration::from_secs_f64(minutes.min * 60.0),
                SignedDuration::from_secs_f64(minutes.max * 60.0),
            );
        }
        if let Some(rate) = self.pass_rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("--pass-rate {rate}: a chance runs from 0 to 1"));
            }
            world.pass_rate = rate;
        }
        world.job_pass_rates = self
            .job_pass_rates
            .iter()
            .map(|job| (job.part.clone(), job.rate))
            .collect();
        if let Some(hours) = self.job_hours {
            world.job_duration = Span::hours(hours.min, hours.max);
        }
        Ok(world)
    }

    fn triggered(&self) -> Result<Runs, String> {
        if let Some(threshold) = self.retry_threshold
            && !(0.0..=1.0).contains(&threshold)
        {
            return Err(format!(
                "--retry-threshold {threshold}: a share runs from 0 to 1"
            ));
        }
        if self.max_in_flight == Some(0) {
            return Err("--max-in-flight 0 would never trigger anything; use 1 or more".into());
        }
        Ok(Runs::Triggered {
            overrides: RoundOverrides {
                retries: self.retries,
                pass_rate_threshold: self.retry_threshold,
                stagger: self
                    .stagger_seconds
                    .map(|seconds| SignedDuration::from_secs(i64::from(seconds))),
                max_in_flight: self.max_in_flight,
                overlap: self.no_overlap.then_some(false),
            },
            cancel_superseded: self.cancel_superseded,
        })
    }

    fn periodic(&self) -> Result<Runs, String> {
        let Some(hours) = self.periodic_hours else {
            return Ok(Runs::periodic());
        };
        if hours.min <= 0.0 {
            return Err(format!(
                "--periodic-hours {}-{}: a period must be longer than zero",
                hours.min, hours.max
            ));
        }
        Ok(Runs::Periodic {
            period: Span::hours(hours.min, hours.max),
        })
    }
}

fn read_gate(file: &std::path::Path) -> Result<GateUnderTest, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    GateUnderTest::from_config(&text, &file.display().to_string())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        options: SimulateOptions,
    }

    fn parse(args: &[&str]) -> SimulateOptions {
        Cli::try_parse_from(std::iter::once("simulate").chain(args.iter().copied()))
            .unwrap()
            .options
    }

    #[test]
    fn no_options_means_the_defaults_and_the_production_gate() {
        let setup = parse(&[]).setup().unwrap();
        assert_eq!(setup.world, World::default());
        assert_eq!(setup.gates, [GateUnderTest::production()]);
        assert_eq!(setup.runs, [Runs::triggered(), Runs::periodic()]);
    }

    #[test]
    fn options_reach_the_world_and_the_rounds() {
        let options = parse(&[
            "--weeks",
            "2",
            "--seed",
            "9",
            "--pass-rate",
            "0.8",
            "--job-hours",
            "1-2",
            "--job-pass-rate",
            "aks=0.5",
            "--retries",
            "1",
            "--stagger-seconds",
            "0",
            "--cancel-superseded",
            "--periodic-hours",
            "24",
        ]);
        let setup = options.setup().unwrap();
        assert_eq!(setup.world.weeks, 2);
        assert_eq!(setup.world.seed, 9);
        assert_eq!(setup.world.pass_rate, 0.8);
        assert_eq!(setup.world.job_duration, Span::hours(1.0, 2.0));
        assert_eq!(setup.world.job_pass_rates, [("aks".to_string(), 0.5)]);
        let Runs::Triggered {
            overrides,
            cancel_superseded,
        } = &setup.runs[0]
        else {
            panic!("triggered first");
        };
        assert_eq!(
            (overrides.retries, overrides.stagger),
            (Some(1), Some(SignedDuration::ZERO))
        );
        assert!(cancel_superseded);
        assert_eq!(
            setup.runs[1],
            Runs::Periodic {
                period: Span::hours(24.0, 24.0)
            }
        );
    }

    #[test]
    fn wrong_values_are_refused_with_the_option_named() {
        let refused = |args: &[&str]| parse(args).setup().unwrap_err();
        assert!(refused(&["--pass-rate", "1.5"]).contains("--pass-rate"));
        assert!(refused(&["--periodic-hours", "0-12"]).contains("--periodic-hours"));
        assert!(refused(&["--max-in-flight", "0"]).contains("--max-in-flight"));
        assert!(refused(&["--weeks", "0"]).contains("--weeks"));
        assert!(
            Cli::try_parse_from(["simulate", "--job-hours", "3-1"])
                .unwrap_err()
                .to_string()
                .contains("backwards")
        );
    }
}
