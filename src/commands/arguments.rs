//! The arguments of a parsed command line, each checked against its kind.
//!
//! Handlers never see raw words: a snapshot argument is a valid name or `latest`, a count is a
//! positive number, a command argument is a command of the catalogue. Each kind has one Rust
//! type ([`ArgumentType`]), so the typed commands read their arguments by type and the
//! conversion can compare that type with the kind the catalogue declares.

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

impl SnapshotArg {
    /// The snapshot as it was typed, for answers that name what was asked for.
    pub fn typed(&self) -> &str {
        match self {
            SnapshotArg::Named(name) => name,
            SnapshotArg::Latest => "latest",
        }
    }
}

/// The id of a request gatebot handed out: one plain word, checked before any handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The arguments given to one command, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Arguments<'c> {
    values: Vec<(&'c str, Value<'c>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'c> {
    Snapshot(SnapshotArg),
    Command(&'c CommandSpec),
    Text(String),
    RequestId(RequestId),
    Count(u32),
}

impl<'c> Arguments<'c> {
    pub(super) fn is_given(&self, name: &str) -> bool {
        self.values.iter().any(|(given, _)| *given == name)
    }

    pub(super) fn insert(&mut self, argument: &'c ArgumentSpec, value: Value<'c>) {
        self.values.push((&argument.name, value));
    }

    /// The argument `name`, if it was given as a `T`.
    pub(super) fn get<T: ArgumentType<'c>>(&self, name: &str) -> Option<T> {
        self.values
            .iter()
            .find(|(given, _)| *given == name)
            .and_then(|(_, value)| T::from_value(value))
    }
}

/// The Rust type an argument of one kind is read as: one type per kind, so a typed command's
/// field says which kind its argument must be declared with.
pub(super) trait ArgumentType<'c>: Sized {
    const KIND: ArgumentKind;

    fn from_value(value: &Value<'c>) -> Option<Self>;
}

/// One impl per kind; each `Value` variant is named after the kind it holds.
macro_rules! argument_types {
    ($($kind:ident => $type:ty),* $(,)?) => {$(
        impl<'c> ArgumentType<'c> for $type {
            const KIND: ArgumentKind = ArgumentKind::$kind;

            fn from_value(value: &Value<'c>) -> Option<Self> {
                match value {
                    Value::$kind(held) => Some(ToOwned::to_owned(held)),
                    _ => None,
                }
            }
        }
    )*};
}

argument_types! {
    Snapshot => SnapshotArg,
    Command => &'c CommandSpec,
    Text => String,
    RequestId => RequestId,
    Count => u32,
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
                Ok(Value::RequestId(RequestId(word)))
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
