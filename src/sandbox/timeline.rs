//! The order in which a scenario (and a script, if any) happens: every step becomes one or two
//! happenings — a run starts at its step and finishes after its duration — merged with the
//! script's commands and sorted by time.
//!
//! Computed once, up front, so the player only walks a list; ties keep the file's order, a run's
//! start comes before its finish, and commands come after the steps of the same moment so they
//! see what those steps did.

use jiff::SignedDuration;

use super::commands::Command;
use super::scenario::{Action, ReleaseOutcome, RunStep, Scenario};
use super::script::{Script, When};

/// Prow build ids are large increasing numbers; the sandbox's builds count up from here.
const FIRST_BUILD_ID: u64 = 1_925_000_000_000_000_000;

/// Something that happens at a moment of the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Happening {
    /// From the start of the scenario.
    pub at: SignedDuration,
    pub what: What,
}

/// What happens; the steps that can fail keep their number, so the error can name it.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Publish {
        step: usize,
        name: String,
        build: u32,
    },
    StartRun {
        run: RunStep,
        build_id: String,
    },
    FinishRun {
        run: RunStep,
        build_id: String,
    },
    ReportRelease {
        step: usize,
        snapshot: String,
        outcome: ReleaseOutcome,
        message: String,
    },
    Say(String),
    Command {
        text: String,
        command: Command,
    },
}

/// Everything that happens, in the order it happens.
pub fn timeline(scenario: &Scenario, script: Option<&Script>) -> Vec<Happening> {
    // (at, scenario before script, step or line, start before finish)
    let mut keyed: Vec<((SignedDuration, u8, usize, u8), What)> = Vec::new();
    for step in &scenario.steps {
        let number = step.number;
        let at = step.at;
        match &step.action {
            Action::Snapshot { name, build } => keyed.push((
                (at, 0, number, 0),
                What::Publish {
                    step: number,
                    name: name.clone(),
                    build: *build,
                },
            )),
            Action::Run(run) => {
                let build_id = (FIRST_BUILD_ID + number as u64).to_string();
                keyed.push((
                    (at, 0, number, 0),
                    What::StartRun {
                        run: run.clone(),
                        build_id: build_id.clone(),
                    },
                ));
                keyed.push((
                    (at + run.duration, 0, number, 1),
                    What::FinishRun {
                        run: run.clone(),
                        build_id,
                    },
                ));
            }
            Action::ReleaseStatus {
                snapshot,
                outcome,
                message,
            } => keyed.push((
                (at, 0, number, 0),
                What::ReportRelease {
                    step: number,
                    snapshot: snapshot.clone(),
                    outcome: *outcome,
                    message: message.clone(),
                },
            )),
            Action::Say(text) => keyed.push(((at, 0, number, 0), What::Say(text.clone()))),
        }
    }
    let timed_end = script
        .into_iter()
        .flat_map(|s| &s.lines)
        .filter_map(|line| match line.when {
            When::At(at) => Some(at),
            When::End => None,
        })
        .fold(scenario.length(), SignedDuration::max);
    for line in script.into_iter().flat_map(|s| &s.lines) {
        let (at, rank) = match line.when {
            When::At(at) => (at, 1),
            When::End => (timed_end, 2),
        };
        keyed.push((
            (at, rank, line.line, 0),
            What::Command {
                text: line.text.clone(),
                command: line.command.clone(),
            },
        ));
    }
    keyed.sort_by_key(|(key, _)| *key);
    keyed
        .into_iter()
        .map(|((at, ..), what)| Happening { at, what })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::run::sandbox_gate;

    #[test]
    fn runs_finish_after_their_duration_and_commands_follow_the_steps_of_their_moment() {
        let scenario = Scenario::parse(
            r#"
steps:
  - at: 0
    snapshot: { name: first, build: 1 }
  - at: "+1h"
    run: { cell: "4.21 aws baseline", snapshot: first, result: success, duration: "2h" }
  - at: "+2h"
    run: { cell: "4.20 aws baseline", snapshot: first, result: failure, duration: "1h" }
  - at: "+3h"
    say: three hours in
"#,
            "t.yaml",
            &sandbox_gate(),
        )
        .unwrap();
        let script = Script::parse("@+3h status\n@end help\n", "s.txt").unwrap();
        let plan: Vec<(i64, String)> = timeline(&scenario, Some(&script))
            .into_iter()
            .map(|h| {
                let what = match h.what {
                    What::Publish { name, .. } => format!("publish {name}"),
                    What::StartRun { run, build_id, .. } => {
                        format!("start {} {build_id}", run.cell)
                    }
                    What::FinishRun { run, .. } => format!("finish {}", run.cell),
                    What::Say(text) => format!("say {text}"),
                    What::Command { text, .. } => format!("command {text}"),
                    What::ReportRelease { snapshot, .. } => format!("report {snapshot}"),
                };
                (h.at.as_secs() / 3600, what)
            })
            .collect();
        let expected = [
            (0, "publish first"),
            (1, "start 4.21 aws baseline 1925000000000000002"),
            (2, "start 4.20 aws baseline 1925000000000000003"),
            (3, "finish 4.21 aws baseline"),
            (3, "finish 4.20 aws baseline"),
            (3, "say three hours in"),
            (3, "command status"),
            (3, "command help"),
        ];
        let expected: Vec<(i64, String)> =
            expected.iter().map(|(h, w)| (*h, w.to_string())).collect();
        assert_eq!(plan, expected);
    }
}
