//! Why a command line cannot be run as typed, as a sentence for the person who typed it.
//!
//! Every message says what is wrong and what would work, and ends by pointing at the help for
//! the command, so nobody has to guess the syntax twice. The messages quote what was typed
//! verbatim; escaping it for Slack is the renderer's job.

use std::fmt;

use crate::config::suggest::closest;

/// A command line that cannot be run as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// The line has no command on it.
    Empty,
    /// A quote is opened and never closed.
    UnclosedQuote {
        command: Option<String>,
        quote: char,
    },
    /// The first word, or a command-name argument, names no command.
    UnknownCommand {
        typed: String,
        commands: Vec<String>,
    },
    /// A required argument was not given.
    MissingArgument {
        command: String,
        argument: String,
        synopsis: String,
    },
    /// Words are left over after every argument was given.
    TooManyArguments {
        command: String,
        extra: String,
        synopsis: String,
    },
    /// A count argument is not a positive whole number.
    NotANumber {
        command: String,
        argument: String,
        typed: String,
    },
    /// A `--flag` the command does not have.
    UnknownFlag {
        command: String,
        flag: String,
        flags: Vec<String>,
    },
    /// A `--flag` with nothing after it.
    MissingFlagValue { command: String, flag: String },
    /// An argument given twice.
    RepeatedArgument { command: String, argument: String },
    /// A snapshot argument that cannot be a Snapshot's name.
    BadSnapshotName {
        command: String,
        typed: String,
        reason: &'static str,
    },
    /// A request-id argument that cannot be an id gatebot handed out.
    BadRequestId { command: String, typed: String },
}

impl UsageError {
    /// The command whose help would fix the line, when the line got as far as naming one.
    fn command(&self) -> Option<&str> {
        match self {
            UsageError::Empty | UsageError::UnknownCommand { .. } => None,
            UsageError::UnclosedQuote { command, .. } => command.as_deref(),
            UsageError::MissingArgument { command, .. }
            | UsageError::TooManyArguments { command, .. }
            | UsageError::NotANumber { command, .. }
            | UsageError::UnknownFlag { command, .. }
            | UsageError::MissingFlagValue { command, .. }
            | UsageError::RepeatedArgument { command, .. }
            | UsageError::BadSnapshotName { command, .. }
            | UsageError::BadRequestId { command, .. } => Some(command),
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::Empty => write!(f, "There is no command here: type one, such as `status`."),
            UsageError::UnclosedQuote { quote, .. } => write!(
                f,
                "A quote `{quote}` is opened and never closed: close it, or quote with the other kind of quote."
            ),
            UsageError::UnknownCommand { typed, commands } => {
                match closest(&typed.to_ascii_lowercase(), commands) {
                    Some(meant) => write!(
                        f,
                        "`{typed}` is not a command; did you mean `{meant}`? The commands are {}.",
                        listed(commands)
                    ),
                    None => write!(
                        f,
                        "`{typed}` is not a command; the commands are {}.",
                        listed(commands)
                    ),
                }
            }
            UsageError::MissingArgument {
                command,
                argument,
                synopsis,
            } => write!(f, "`{command}` needs its `{argument}`: `{synopsis}`."),
            UsageError::TooManyArguments {
                command,
                extra,
                synopsis,
            } => write!(
                f,
                "Too many arguments: `{command}` is typed `{synopsis}`, so `{extra}` is left over."
            ),
            UsageError::NotANumber {
                argument, typed, ..
            } => write!(
                f,
                "`{typed}` is not a number: `{argument}` is a positive whole number, such as `3`."
            ),
            UsageError::UnknownFlag {
                command,
                flag,
                flags,
            } => {
                if flags.is_empty() {
                    write!(
                        f,
                        "`{command}` takes no flags, so `{flag}` means nothing to it."
                    )
                } else {
                    write!(
                        f,
                        "`{command}` has no flag `{flag}`; its flags are {}.",
                        listed(flags)
                    )
                }
            }
            UsageError::MissingFlagValue { flag, .. } => write!(
                f,
                "`{flag}` needs a value after it, such as `{flag} \"…\"`."
            ),
            UsageError::RepeatedArgument { argument, .. } => {
                write!(f, "`{argument}` is given twice; give it once.")
            }
            UsageError::BadSnapshotName { typed, reason, .. } => write!(
                f,
                "`{typed}` is not a Snapshot name: {reason}. Name a snapshot as `status` shows it, or say `latest`."
            ),
            UsageError::BadRequestId { typed, .. } => write!(
                f,
                "`{typed}` is not a request id: ids are letters, digits, `-` and `_`, exactly as gatebot gave them."
            ),
        }?;
        match self.command() {
            Some(command) => write!(f, " Try `help {command}`."),
            None => write!(f, " Try `help`."),
        }
    }
}

impl std::error::Error for UsageError {}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`".
fn listed(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, others)) => format!("{} and {last}", others.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    #[test]
    fn lists_read_as_english() {
        assert_eq!(listed(&names(&["a"])), "`a`");
        assert_eq!(listed(&names(&["a", "b"])), "`a` and `b`");
        assert_eq!(listed(&names(&["a", "b", "c"])), "`a`, `b` and `c`");
    }

    #[test]
    fn messages_point_at_the_help_that_fixes_them() {
        let unknown = UsageError::UnknownCommand {
            typed: "relase".to_string(),
            commands: names(&["help", "release"]),
        };
        assert_eq!(
            unknown.to_string(),
            "`relase` is not a command; did you mean `release`? The commands are `help` and `release`. Try `help`."
        );
        let repeated = UsageError::RepeatedArgument {
            command: "emergency".to_string(),
            argument: "justification".to_string(),
        };
        assert_eq!(
            repeated.to_string(),
            "`justification` is given twice; give it once. Try `help emergency`."
        );
    }
}
