//! The commands people type at the sandbox prompt — `status`, `blocked-why`, `explain`, `help`,
//! `quit` — parsed here and answered by the same pure functions the chat front uses
//! ([`crate::commands::answers`]).

use crate::commands::SnapshotArg;
use crate::commands::answers::{SnapshotFacts, blocked_why, explain, resolve, status};
use crate::gate::{Policy, VersionCatalog};

/// A command line, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Status,
    BlockedWhy(SnapshotArg),
    Explain(SnapshotArg),
    Help,
    Quit,
}

const USAGE: &str = "status, blocked-why [SNAPSHOT|latest], explain SNAPSHOT|latest, help or quit";

/// Reads a command line; the error is a sentence saying what works.
pub fn parse(line: &str) -> Result<Command, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&name, arguments)) = words.split_first() else {
        return Err(format!("type a command: {USAGE}"));
    };
    let snapshot = |argument: &str| match argument {
        "latest" => SnapshotArg::Latest,
        name => SnapshotArg::Named(name.to_string()),
    };
    match (name.to_ascii_lowercase().as_str(), arguments) {
        ("status", []) => Ok(Command::Status),
        ("blocked-why", []) => Ok(Command::BlockedWhy(SnapshotArg::Latest)),
        ("blocked-why", [one]) => Ok(Command::BlockedWhy(snapshot(one))),
        ("explain", [one]) => Ok(Command::Explain(snapshot(one))),
        ("explain", []) => {
            Err("explain needs a snapshot: `explain latest`, or a name from `status`".to_string())
        }
        ("help", _) => Ok(Command::Help),
        ("quit" | "exit", []) => Ok(Command::Quit),
        ("status" | "blocked-why" | "explain" | "quit" | "exit", _) => Err(format!(
            "`{line}` has too many words; the commands are {USAGE}",
            line = line.trim()
        )),
        _ => Err(format!(
            "`{name}` is not a command; the commands are {USAGE}"
        )),
    }
}

/// The answer to a command other than `quit` (which the caller acts on).
pub fn answer(
    command: &Command,
    facts: &[SnapshotFacts],
    policy: &Policy,
    catalog: &VersionCatalog,
) -> String {
    let found = |reference: &SnapshotArg| resolve(reference, facts);
    match command {
        Command::Status => status(facts),
        Command::BlockedWhy(reference) => {
            found(reference).map_or_else(|e| e, |f| blocked_why(f, catalog))
        }
        Command::Explain(reference) => {
            found(reference).map_or_else(|e| e, |f| explain(f, policy, catalog))
        }
        Command::Help => help(),
        Command::Quit => "Leaving the sandbox.\n".to_string(),
    }
}

pub fn help() -> String {
    "Commands:
  status                          every snapshot with its verdict, newest first
  blocked-why [SNAPSHOT|latest]   what keeps a snapshot from release, cell by cell
  explain SNAPSHOT|latest         the matrix and the reason for every cell
  help                            this list
  quit                            leave (Ctrl-C and Ctrl-D work too)
A snapshot can be named in full or by any part of its name only it has.
"
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::run::sandbox_gate;
    use crate::sandbox::test_fixtures::{MORNING, all_passing_except, facts, released, snapshot};

    #[test]
    fn commands_are_read_with_their_snapshot_or_refused_with_what_works() {
        assert_eq!(parse("status"), Ok(Command::Status));
        assert_eq!(
            parse("  Blocked-Why  "),
            Ok(Command::BlockedWhy(SnapshotArg::Latest))
        );
        assert_eq!(
            parse("blocked-why latest"),
            Ok(Command::BlockedWhy(SnapshotArg::Latest))
        );
        assert_eq!(
            parse("explain 130000"),
            Ok(Command::Explain(SnapshotArg::Named("130000".into())))
        );
        assert_eq!(parse("help me"), Ok(Command::Help));
        assert_eq!(parse("exit"), Ok(Command::Quit));
        let unknown = parse("release now").unwrap_err();
        assert_eq!(
            unknown,
            "`release` is not a command; the commands are status, blocked-why [SNAPSHOT|latest], explain SNAPSHOT|latest, help or quit"
        );
        assert!(parse("explain").unwrap_err().contains("`explain latest`"));
        assert!(
            parse("status everything")
                .unwrap_err()
                .contains("too many words")
        );
        assert!(parse("   ").unwrap_err().starts_with("type a command"));
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
        let text = answer(
            &Command::Explain(SnapshotArg::Latest),
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
