//! The order in which a scenario (and a script, if any) happens: every step becomes one or two
//! happenings — a run starts at its step and finishes after its duration — merged with the
//! script's commands and sorted by time.
//!
//! Computed once, up front, so the player only walks a list; ties keep the file's order, a run's
//! start comes before its finish, and commands come after the steps of the same moment so they
//! see what those steps did.

use jiff::SignedDuration;

use super::ci::build_id;
use super::commands::Command;
use super::scenario::{Action, GangwayStep, HistoryStep, ReleaseOutcome, RunStep, START, Scenario};
use super::script::{Script, When};
use crate::gate::OcpVersion;

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
    Gangway(GangwayStep),
    History(HistoryStep),
    Ga {
        version: OcpVersion,
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
                // The id Prow gives a build that starts then, so gatebot reads it after any
                // build of the job that started before, from Gangway or from an earlier step.
                let build_id = build_id(START + at, number as u64);
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
            Action::Gangway(step) => {
                keyed.push(((at, 0, number, 0), What::Gangway(step.clone())));
            }
            Action::History(step) => {
                keyed.push(((at, 0, number, 0), What::History(step.clone())));
            }
            Action::Ga { version } => {
                keyed.push(((at, 0, number, 0), What::Ga { version: *version }));
            }
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
    history: { cell: "4.21 aws baseline", passed: 9, failed: 1 }
  - at: 0
    snapshot: { name: first, build: 1 }
  - at: "+1h"
    run: { cell: "4.21 aws baseline", snapshot: first, result: success, duration: "2h" }
  - at: "+2h"
    run: { cell: "4.20 aws baseline", snapshot: first, result: failure, duration: "1h" }
  - at: "+2h"
    gangway: { cell: "4.20 aws baseline", outcomes: [failure] }
  - at: "+3h"
    say: three hours in
  - at: "+3h"
    ga: { version: "4.22" }
"#,
            "t.yaml",
            &sandbox_gate(),
        )
        .unwrap();
        let script = Script::parse("@+3h status\n@end help\n", "s.txt").unwrap();
        let happenings = timeline(&scenario, Some(&script));
        let plan: Vec<(i64, String)> = happenings
            .iter()
            .map(|h| {
                let what = match &h.what {
                    What::Publish { name, .. } => format!("publish {name}"),
                    What::StartRun { run, .. } => format!("start {}", run.cell),
                    What::FinishRun { run, .. } => format!("finish {}", run.cell),
                    What::Gangway(step) => format!("gangway {}", step.cell),
                    What::History(step) => format!("history {}", step.cell),
                    What::Ga { version } => format!("ga {version}"),
                    What::Say(text) => format!("say {text}"),
                    What::Command { text, .. } => format!("command {text}"),
                    What::ReportRelease { snapshot, .. } => format!("report {snapshot}"),
                };
                (h.at.as_secs() / 3600, what)
            })
            .collect();
        let expected = [
            (0, "history 4.21 aws baseline"),
            (0, "publish first"),
            (1, "start 4.21 aws baseline"),
            (2, "start 4.20 aws baseline"),
            (2, "gangway 4.20 aws baseline"),
            (3, "finish 4.21 aws baseline"),
            (3, "finish 4.20 aws baseline"),
            (3, "say three hours in"),
            (3, "ga 4.22"),
            (3, "command status"),
            (3, "command help"),
        ];
        let expected: Vec<(i64, String)> =
            expected.iter().map(|(h, w)| (*h, w.to_string())).collect();
        assert_eq!(plan, expected);

        // A run's build id is the one Prow gives a build starting then, the same at its start
        // and its finish, and later runs have greater ones.
        let ids: Vec<&str> = happenings
            .iter()
            .filter_map(|h| match &h.what {
                What::StartRun { build_id, .. } => Some(build_id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ids[0], build_id(START + SignedDuration::from_hours(1), 3));
        assert!(ids[0] < ids[1], "{ids:?}");
        let finished = happenings.iter().find_map(|h| match &h.what {
            What::FinishRun { build_id, .. } => Some(build_id.as_str()),
            _ => None,
        });
        assert_eq!(finished, Some(ids[0]));
    }
}
