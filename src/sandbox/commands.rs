//! The lines people type at the sandbox prompt. Chat commands — `status`, `blocked-why`,
//! `release`, `emergency`, `approve`, … — go to gatebot's chat front, exactly as they would in
//! Slack, from the user `you` or, with a leading `as <user>`, from someone else. The sandbox adds
//! `explain` (the matrix with every cell's reason), its own `help`, and `quit`.

use crate::commands::answers::{explain, resolve};

use crate::commands::{Catalogue, SnapshotArg, render_overview};
use crate::engine::SnapshotFacts;
use crate::gate::{Policy, VersionCatalog};

/// A command line, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A chat command, checked against the catalogue, as typed (with its `as <user>`, if any).
    Chat(String),
    Explain(SnapshotArg),
    Help,
    Quit,
}

/// Reads a command line; the error is a sentence saying what works.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&name, arguments)) = words.split_first() else {
        return Err("type a command; `help` lists them".to_string());
    };
    match (name.to_ascii_lowercase().as_str(), arguments) {
        ("explain", [one]) => Ok(Command::Explain(match *one {
            "latest" => SnapshotArg::Latest,
            name => SnapshotArg::Named(name.to_string()),
        })),
        ("explain", []) => {
            Err("explain needs a snapshot: `explain latest`, or a name from `status`".to_string())
        }
        ("explain", _) => Err("explain takes one snapshot: `explain latest`".to_string()),
        ("help", []) => Ok(Command::Help),
        ("quit" | "exit", []) => Ok(Command::Quit),
        ("as", [_user, ..]) if arguments.len() >= 2 => {
            let command = line
                .split_once(char::is_whitespace)
                .map_or("", |(_, rest)| rest);
            let command = command
                .trim_start()
                .split_once(char::is_whitespace)
                .map_or("", |(_, rest)| rest);
            checked_chat(command).map(|()| Command::Chat(line.to_string()))
        }
        ("as", _) => Err("`as` needs a user and a command: `as alice approve`".to_string()),
        _ => checked_chat(line).map(|()| Command::Chat(line.to_string())),
    }
}

/// Whether the catalogue accepts a chat command line.
fn checked_chat(line: &str) -> Result<(), String> {
    Catalogue::builtin()
        .parse(line)
        .map(|_| ())
        .map_err(|usage| usage.to_string())
}

/// The answer to `explain`, from what the sandbox knows.
pub fn explain_answer(
    reference: &SnapshotArg,
    facts: &[SnapshotFacts],
    policy: &Policy,
    catalog: &VersionCatalog,
) -> String {
    resolve(reference, facts).map_or_else(|why| why, |found| explain(found, policy, catalog))
}

/// The chat commands, and what the sandbox adds to them.
pub fn help() -> String {
    format!(
        "{}
In the sandbox you are `you`, a releaser and an approver; `alice` and `bob` are approvers. Start a line with
`as alice` to type as alice (for example `as alice approve`). The sandbox also knows:
  explain SNAPSHOT|latest   the matrix and the reason for every cell
  quit                      leave (Ctrl-C and Ctrl-D work too)
A snapshot can be named in full or by any part of its name only it has.
",
        render_overview(Catalogue::builtin()).trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::run::sandbox_gate;
    use crate::test_fixtures::{MORNING, all_passing_except, facts, released, snapshot};

    #[test]
    fn chat_commands_are_checked_against_the_catalogue_and_sandbox_ones_read_here() {
        assert_eq!(parse(" status "), Ok(Command::Chat("status".into())));
        assert_eq!(
            parse("Blocked-Why latest"),
            Ok(Command::Chat("Blocked-Why latest".into()))
        );
        assert_eq!(
            parse("as alice approve"),
            Ok(Command::Chat("as alice approve".into()))
        );
        assert_eq!(
            parse("explain 130000"),
            Ok(Command::Explain(SnapshotArg::Named("130000".into())))
        );
        assert_eq!(parse("help"), Ok(Command::Help));
        assert_eq!(parse("exit"), Ok(Command::Quit));
        assert!(parse("deploy now").unwrap_err().contains("`deploy`"));
        assert!(
            parse("status everything")
                .unwrap_err()
                .contains("Try `help status`")
        );
        assert!(
            parse("as alice")
                .unwrap_err()
                .contains("`as alice approve`")
        );
        assert!(parse("explain").unwrap_err().contains("`explain latest`"));
        assert!(parse("   ").unwrap_err().starts_with("type a command"));
        assert!(help().contains("emergency") && help().contains("as alice"));
    }

    #[test]
    fn explain_is_the_full_explanation_with_the_release_as_a_note() {
        let gate = sandbox_gate();
        let morning = facts(
            snapshot(MORNING, "07:00"),
            &all_passing_except(MORNING, &[]),
            "15:00",
            Some(released(MORNING)),
        );
        let text = explain_answer(
            &SnapshotArg::Latest,
            &[morning],
            &gate.policy,
            &gate.catalog,
        );
        assert!(
            text.starts_with(&format!("Snapshot {MORNING} (gate hypershift-operator)")),
            "{text}"
        );
        assert!(
            text.contains(&format!("Note: Release {MORNING}-d5d055ca succeeded.")),
            "{text}"
        );
        assert!(text.contains("4.22 (pre-release)"), "{text}");
        assert!(text.contains("    why  "), "{text}");
    }
}
