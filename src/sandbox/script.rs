//! `gatebot sandbox --script FILE`: prompt commands to type at given scenario times, so a session
//! can be replayed, shown in a demo or checked by a test.
//!
//! One command per line. `@+2h30m status` runs at that time from the start of the scenario,
//! `@end status` once the scenario is over, and a line without `@` right after the line before
//! it. Blank lines and lines starting with `#` are skipped. Every command is checked before the
//! scenario starts.

use std::fmt;

use jiff::SignedDuration;

use super::commands::{self, Command};
use super::scenario::{friendly, parse_duration};

/// The checked commands of a script, in the order they run.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub lines: Vec<ScriptLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptLine {
    /// 1-based line number in the file.
    pub line: usize,
    pub when: When,
    /// The command as written, for the transcript.
    pub text: String,
    pub command: Command,
}

/// When a script line runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// This long after the scenario started.
    At(SignedDuration),
    /// After the last thing the scenario does.
    End,
}

/// Why a script cannot be used: every problem, each naming its line and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScriptError {
    pub origin: String,
    pub problems: Vec<String>,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the script {} cannot be run:", self.origin)?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl Script {
    pub fn parse(text: &str, origin: &str) -> Result<Script, ScriptError> {
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        let mut current = When::At(SignedDuration::ZERO);
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (when, command_text) = match trimmed.strip_prefix('@') {
                Some(rest) => {
                    let (time, command) =
                        rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                    match when(time) {
                        Ok(when) => (when, command.trim()),
                        Err(problem) => {
                            problems.push(format!("line {number}: {problem}"));
                            continue;
                        }
                    }
                }
                None => (current, trimmed),
            };
            if let Some(problem) = out_of_order(current, when) {
                problems.push(format!("line {number}: {problem}"));
            }
            current = when;
            match commands::parse(command_text) {
                Ok(command) => lines.push(ScriptLine {
                    line: number,
                    when,
                    text: command_text.to_string(),
                    command,
                }),
                Err(problem) => problems.push(format!("line {number}: {problem}")),
            }
        }
        if problems.is_empty() {
            Ok(Script { lines })
        } else {
            Err(ScriptError {
                origin: origin.to_string(),
                problems,
            })
        }
    }
}

fn when(time: &str) -> Result<When, String> {
    if time == "end" {
        return Ok(When::End);
    }
    let at = parse_duration(time).map_err(|_| {
        format!(
            "`@{time}` is not a time; write `@+2h30m` (no spaces inside the time), `@5400` (seconds) or `@end`"
        )
    })?;
    if at.is_negative() {
        return Err(format!(
            "`@{time}` is before the start; times count forward from it"
        ));
    }
    Ok(When::At(at))
}

fn out_of_order(before: When, now: When) -> Option<String> {
    match (before, now) {
        (When::At(before), When::At(now)) if now < before => Some(format!(
            "it is at {}, before the line above it at {}; put the lines in time order",
            friendly(now),
            friendly(before)
        )),
        (When::End, When::At(now)) => Some(format!(
            "it is at {}, after a line that runs at the end; put the lines in time order",
            friendly(now)
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::SnapshotArg;

    #[test]
    fn lines_run_at_their_time_after_the_line_before_or_at_the_end() {
        let script = Script::parse(
            "# a demo\n\nstatus\n@+2h30m blocked-why latest\nexplain nightly\n@end   status\nquit\n",
            "demo.txt",
        )
        .unwrap();
        let plan: Vec<(usize, When, &str)> = script
            .lines
            .iter()
            .map(|l| (l.line, l.when, l.text.as_str()))
            .collect();
        let at = |minutes| When::At(SignedDuration::from_mins(minutes));
        assert_eq!(
            plan,
            [
                (3, at(0), "status"),
                (4, at(150), "blocked-why latest"),
                (5, at(150), "explain nightly"),
                (6, When::End, "status"),
                (7, When::End, "quit"),
            ]
        );
        assert_eq!(
            script.lines[2].command,
            Command::Explain(SnapshotArg::Named("nightly".into()))
        );
    }

    #[test]
    fn bad_times_order_and_commands_name_their_line() {
        let error = Script::parse(
            "@+3h status\n@+1h status\n@soon status\nstats\n@end help\n@+9h help\n",
            "bad.txt",
        )
        .unwrap_err();
        assert_eq!(error.problems.len(), 4, "{error}");
        assert!(
            error.problems[0].starts_with("line 2: it is at +1h, before the line above it at +3h")
        );
        assert!(error.problems[1].starts_with("line 3: `@soon` is not a time"));
        assert!(error.problems[2].starts_with("line 4: `stats` is not a command"));
        assert!(
            error.problems[3]
                .starts_with("line 6: it is at +9h, after a line that runs at the end")
        );
        assert!(
            error
                .to_string()
                .starts_with("the script bad.txt cannot be run:")
        );
    }
}
