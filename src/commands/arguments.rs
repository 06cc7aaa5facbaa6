//! The arguments of a parsed command line, checked against their kind and read by name.
//!
//! Handlers never see raw words: a snapshot argument is a valid name or `latest`, a count is a
//! positive number, a command argument is a command of the catalogue. Reading an argument the
//! command does not declare is a bug in the handler, so it panics instead of quietly answering
//! `None` — a misspelt name must not turn `release <snapshot>` into "no snapshot given".

use super::catalogue::{ArgumentKind, ArgumentSpec, Catalogue, CommandSpec};
use super::usage_error::UsageError;

/// Snapshot names are RFC 1123 labels, as Kubernetes requires of them.
const SNAPSHOT_NAME_MAX: usize = 63;
const REQUEST_ID_MAX: usize = 64;

/// How a command names a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotArg {
    /// A Snapshot's name.
    Named(String),
    /// The newest snapshot.
    Latest,
}

/// The arguments given to one command, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Arguments<'c> {
    spec: &'c CommandSpec,
    values: Vec<(&'c str, Value<'c>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'c> {
    Snapshot(SnapshotArg),
    Command(&'c CommandSpec),
    Text(String),
    RequestId(String),
    Count(u32),
}

impl<'c> Arguments<'c> {
    pub(super) fn new(spec: &'c CommandSpec) -> Arguments<'c> {
        Arguments {
            spec,
            values: Vec::new(),
        }
    }

    pub(super) fn is_given(&self, name: &str) -> bool {
        self.values.iter().any(|(given, _)| *given == name)
    }

    pub(super) fn insert(&mut self, argument: &'c ArgumentSpec, value: Value<'c>) {
        self.values.push((&argument.name, value));
    }

    /// The snapshot argument `name`, if given.
    pub fn snapshot(&self, name: &str) -> Option<SnapshotArg> {
        match self.value(name, ArgumentKind::Snapshot)? {
            Value::Snapshot(snapshot) => Some(snapshot.clone()),
            _ => None,
        }
    }

    /// The text argument `name`, if given, exactly as typed.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.value(name, ArgumentKind::Text)? {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The count argument `name`, if given.
    pub fn count(&self, name: &str) -> Option<u32> {
        match self.value(name, ArgumentKind::Count)? {
            Value::Count(count) => Some(*count),
            _ => None,
        }
    }

    /// The command named by the argument `name`, if given.
    pub fn command(&self, name: &str) -> Option<&'c CommandSpec> {
        match self.value(name, ArgumentKind::Command)? {
            Value::Command(command) => Some(command),
            _ => None,
        }
    }

    /// The request id argument `name`, if given.
    pub fn request_id(&self, name: &str) -> Option<&str> {
        match self.value(name, ArgumentKind::RequestId)? {
            Value::RequestId(id) => Some(id),
            _ => None,
        }
    }

    fn value(&self, name: &str, kind: ArgumentKind) -> Option<&Value<'c>> {
        let declared = self.spec.argument(name).map(|argument| argument.kind);
        assert_eq!(
            declared,
            Some(kind),
            "`{}` declares no {kind:?} argument `{name}`",
            self.spec.name
        );
        self.values
            .iter()
            .find(|(given, _)| *given == name)
            .map(|(_, value)| value)
    }
}

/// Checks one word against its argument's kind.
pub(super) fn read_value<'c>(
    catalogue: &'c Catalogue,
    spec: &CommandSpec,
    argument: &ArgumentSpec,
    word: String,
) -> Result<Value<'c>, UsageError> {
    match argument.kind {
        ArgumentKind::Snapshot => {
            if word.eq_ignore_ascii_case("latest") {
                return Ok(Value::Snapshot(SnapshotArg::Latest));
            }
            match snapshot_name_problem(&word) {
                None => Ok(Value::Snapshot(SnapshotArg::Named(word))),
                Some(reason) => Err(UsageError::BadSnapshotName {
                    command: spec.name.clone(),
                    typed: word,
                    reason,
                }),
            }
        }
        ArgumentKind::Command => {
            catalogue
                .get(&word)
                .map(Value::Command)
                .ok_or_else(|| UsageError::UnknownCommand {
                    typed: word,
                    commands: catalogue.command_names(),
                })
        }
        ArgumentKind::Text => Ok(Value::Text(word)),
        ArgumentKind::RequestId => {
            if is_request_id(&word) {
                Ok(Value::RequestId(word))
            } else {
                Err(UsageError::BadRequestId {
                    command: spec.name.clone(),
                    typed: word,
                })
            }
        }
        ArgumentKind::Count => match word.parse::<u32>() {
            Ok(count) if count > 0 => Ok(Value::Count(count)),
            _ => Err(UsageError::NotANumber {
                command: spec.name.clone(),
                argument: argument.name.clone(),
                typed: word,
            }),
        },
    }
}

/// Why `word` cannot be the name of a Snapshot, if it cannot.
fn snapshot_name_problem(word: &str) -> Option<&'static str> {
    if word.is_empty() {
        Some("it is empty")
    } else if word.len() > SNAPSHOT_NAME_MAX {
        Some("snapshot names are at most 63 characters long")
    } else if word.chars().any(|c| c.is_ascii_uppercase()) {
        Some("snapshot names are lowercase")
    } else if !word
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Some("snapshot names have only lowercase letters, digits and `-`")
    } else if word.starts_with('-') || word.ends_with('-') {
        Some("snapshot names start and end with a letter or digit")
    } else {
        None
    }
}

fn is_request_id(word: &str) -> bool {
    (1..=REQUEST_ID_MAX).contains(&word.len())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
