//! The chat commands as Rust types: one variant per catalogue command, carrying its arguments
//! already checked and typed, so a handler is given exactly what it needs and reads nothing by
//! name.
//!
//! [`Command::from_invocation`] is the one place a catalogue entry becomes a Rust value. Each
//! field's type says which kind of argument it takes, and [`Declared`] holds that against the
//! command's file, so the two cannot drift apart without a test noticing.

use super::arguments::{RequestId, SnapshotArg};
use super::catalogue::CommandSpec;
use super::drift::{Declared, Drift};
use super::parse::Invocation;

/// A command line, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Command<'c> {
    Help {
        command: Option<&'c CommandSpec>,
    },
    Status,
    /// Without a snapshot, the handler takes the thread's or the newest.
    BlockedWhy {
        snapshot: Option<SnapshotArg>,
    },
    Escalations,
    Release {
        snapshot: SnapshotArg,
    },
    Emergency {
        snapshot: SnapshotArg,
        justification: String,
    },
    /// Without a request, the handler takes the thread's or the only open one.
    Approve {
        request: Option<RequestId>,
    },
    Deny {
        request: RequestId,
        reason: Option<String>,
    },
    Audit {
        count: Option<u32>,
    },
}

impl<'c> Command<'c> {
    /// The typed command of a parsed line, or how the command's file and its type disagree.
    pub fn from_invocation(invocation: &Invocation<'c>) -> Result<Command<'c>, Drift> {
        let mut args = Declared::new(invocation);
        let command = match invocation.spec.name.as_str() {
            "help" => Command::Help {
                command: args.optional("command")?,
            },
            "status" => Command::Status,
            "blocked-why" => Command::BlockedWhy {
                snapshot: args.optional("snapshot")?,
            },
            "escalations" => Command::Escalations,
            "release" => Command::Release {
                snapshot: args.required("snapshot")?,
            },
            "emergency" => Command::Emergency {
                snapshot: args.required("snapshot")?,
                justification: args.required("justification")?,
            },
            "approve" => Command::Approve {
                request: args.optional("request")?,
            },
            "deny" => Command::Deny {
                request: args.required("request")?,
                reason: args.optional("reason")?,
            },
            "audit" => Command::Audit {
                count: args.optional("count")?,
            },
            other => {
                return Err(Drift::NoTypedCommand {
                    command: other.to_string(),
                });
            }
        };
        args.finish()?;
        Ok(command)
    }
}

#[cfg(test)]
mod tests {
    use super::super::arguments::Arguments;
    use super::super::catalogue::{ArgumentKind, Catalogue};
    use super::super::drift::Shape;
    use super::*;

    const AUDIT: &str = include_str!("../../commands/audit.toml");
    const DENY: &str = include_str!("../../commands/deny.toml");
    const EMERGENCY: &str = include_str!("../../commands/emergency.toml");
    const STATUS: &str = include_str!("../../commands/status.toml");

    /// How `line` fares against a catalogue of the one file `file`, edited.
    fn convert(file: &str, text: &str, line: &str) -> Result<(), Drift> {
        let catalogue = Catalogue::from_sources(&[(file, text)]).expect("the edited file loads");
        let invocation = catalogue.parse(line).expect("the line parses");
        Command::from_invocation(&invocation).map(|_| ())
    }

    fn shape(kind: ArgumentKind, required: bool) -> Shape {
        Shape { kind, required }
    }

    #[test]
    fn the_unedited_files_convert() {
        assert_eq!(convert("audit.toml", AUDIT, "audit 3"), Ok(()));
        assert_eq!(convert("deny.toml", DENY, "deny em-1 late"), Ok(()));
        assert_eq!(
            convert("emergency.toml", EMERGENCY, "emergency latest why"),
            Ok(())
        );
        assert_eq!(convert("status.toml", STATUS, "status"), Ok(()));
    }

    #[test]
    fn a_renamed_argument_is_drift() {
        let renamed = EMERGENCY.replace("name = \"justification\"", "name = \"why\"");
        let drift = convert("emergency.toml", &renamed, "emergency latest it broke").unwrap_err();
        assert_eq!(
            drift,
            Drift::Undeclared {
                command: "emergency".to_string(),
                argument: "justification".to_string(),
                taken: shape(ArgumentKind::Text, true),
            }
        );
        assert_eq!(
            drift.to_string(),
            "`emergency` takes `justification` as a required text, but commands/emergency.toml \
             declares no such argument: declare it there, or give both the same name"
        );
    }

    #[test]
    fn a_changed_kind_is_drift() {
        let text = AUDIT.replace("kind = \"count\"", "kind = \"text\"");
        let drift = convert("audit.toml", &text, "audit").unwrap_err();
        assert_eq!(
            drift.to_string(),
            "`audit` takes `count` as an optional count, but commands/audit.toml declares an \
             optional text: make them agree"
        );
    }

    #[test]
    fn a_changed_requiredness_is_drift_even_when_the_argument_is_given() {
        let text = DENY.replace("required = false", "required = true");
        let drift = convert("deny.toml", &text, "deny em-1 too late").unwrap_err();
        assert_eq!(
            drift,
            Drift::Mismatch {
                command: "deny".to_string(),
                argument: "reason".to_string(),
                taken: shape(ArgumentKind::Text, false),
                declared: shape(ArgumentKind::Text, true),
            }
        );
    }

    #[test]
    fn an_argument_the_command_does_not_take_is_drift() {
        let text = format!(
            "{STATUS}\n[[arguments]]\nname = \"gate\"\nkind = \"text\"\nrequired = false\nhelp = \"h\"\n"
        );
        let drift = convert("status.toml", &text, "status").unwrap_err();
        assert_eq!(
            drift.to_string(),
            "commands/status.toml declares `gate` (an optional text), but `status` does not take \
             it: add it to the command's variant in src/commands/command.rs"
        );
    }

    #[test]
    fn a_catalogue_command_without_a_typed_command_is_drift() {
        let text = STATUS.replace("name = \"status\"", "name = \"history\"");
        let drift = convert("history.toml", &text, "history").unwrap_err();
        assert_eq!(
            drift,
            Drift::NoTypedCommand {
                command: "history".to_string()
            }
        );
    }

    #[test]
    fn a_required_argument_missing_from_the_parse_is_refused_not_invented() {
        let catalogue = Catalogue::builtin();
        let invocation = Invocation {
            spec: catalogue.get("release").expect("release is built in"),
            args: Arguments::default(),
        };
        assert_eq!(
            Command::from_invocation(&invocation),
            Err(Drift::NotGiven {
                command: "release".to_string(),
                argument: "snapshot".to_string(),
            })
        );
    }
}
