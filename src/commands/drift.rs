//! Where a typed command meets its catalogue file: each argument the Rust type takes is checked
//! against what `commands/<name>.toml` declares — name, kind and whether it is required — and
//! every declared argument must be taken.
//!
//! The catalogue and the Rust types are written separately, so they can drift apart: a renamed
//! argument, a changed kind, a required argument made optional. Checking the declaration (not
//! the values given) makes any one line of a command reveal its drift, so the tests that parse
//! every catalogue example catch it before a person does.

use std::fmt;

use super::arguments::{ArgumentType, Arguments};
use super::catalogue::{ArgumentKind, ArgumentSpec, CommandSpec};
use super::parse::Invocation;

/// A catalogue command that its Rust type does not match. Each says which file and which
/// argument, and what would make them agree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Drift {
    #[error(
        "commands/{command}.toml declares `{command}`, but no typed command runs it: add a \
         variant for it to `Command` in src/commands/command.rs"
    )]
    NoTypedCommand { command: String },
    #[error(
        "`{command}` takes `{argument}` as {taken}, but commands/{command}.toml declares no such \
         argument: declare it there, or give both the same name"
    )]
    Undeclared {
        command: String,
        argument: String,
        taken: Shape,
    },
    #[error(
        "`{command}` takes `{argument}` as {taken}, but commands/{command}.toml declares \
         {declared}: make them agree"
    )]
    Mismatch {
        command: String,
        argument: String,
        taken: Shape,
        declared: Shape,
    },
    #[error(
        "commands/{command}.toml declares `{argument}` ({declared}), but `{command}` does not \
         take it: add it to the command's variant in src/commands/command.rs"
    )]
    Ignored {
        command: String,
        argument: String,
        declared: Shape,
    },
    /// The parser refuses a line without a required argument, so this is the parser's bug.
    #[error("`{command}` was read without its required `{argument}`")]
    NotGiven { command: String, argument: String },
}

/// An argument's kind and whether it is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub kind: ArgumentKind,
    pub required: bool,
}

impl Shape {
    fn of(argument: &ArgumentSpec) -> Shape {
        Shape {
            kind: argument.kind,
            required: argument.required,
        }
    }
}

/// "a required snapshot", "an optional count".
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let necessity = if self.required {
            "a required"
        } else {
            "an optional"
        };
        write!(f, "{necessity} {}", self.kind)
    }
}

/// Reads one invocation's arguments for its typed command, checking each against the
/// declaration as it goes.
pub(super) struct Declared<'i, 'c> {
    spec: &'c CommandSpec,
    args: &'i Arguments<'c>,
    taken: Vec<&'static str>,
}

impl<'i, 'c> Declared<'i, 'c> {
    pub(super) fn new(invocation: &'i Invocation<'c>) -> Self {
        Declared {
            spec: invocation.spec,
            args: &invocation.args,
            taken: Vec::new(),
        }
    }

    /// A required argument; the parser refuses a line without it, so it is always there.
    pub(super) fn required<T: ArgumentType<'c>>(&mut self, name: &'static str) -> Result<T, Drift> {
        self.check::<T>(name, true)?;
        self.args.get(name).ok_or_else(|| Drift::NotGiven {
            command: self.spec.name.clone(),
            argument: name.to_string(),
        })
    }

    pub(super) fn optional<T: ArgumentType<'c>>(
        &mut self,
        name: &'static str,
    ) -> Result<Option<T>, Drift> {
        self.check::<T>(name, false)?;
        Ok(self.args.get(name))
    }

    /// Every declared argument was taken: the file declares nothing the command ignores.
    pub(super) fn finish(self) -> Result<(), Drift> {
        let ignored = self
            .spec
            .arguments
            .iter()
            .find(|argument| !self.taken.contains(&argument.name.as_str()));
        match ignored {
            None => Ok(()),
            Some(argument) => Err(Drift::Ignored {
                command: self.spec.name.clone(),
                argument: argument.name.clone(),
                declared: Shape::of(argument),
            }),
        }
    }

    /// The argument `name` is declared with the kind of `T` and the given requiredness.
    fn check<T: ArgumentType<'c>>(
        &mut self,
        name: &'static str,
        required: bool,
    ) -> Result<(), Drift> {
        self.taken.push(name);
        let command = self.spec.name.clone();
        let argument = name.to_string();
        let taken = Shape {
            kind: T::KIND,
            required,
        };
        match self.spec.argument(name).map(Shape::of) {
            None => Err(Drift::Undeclared {
                command,
                argument,
                taken,
            }),
            Some(declared) if declared != taken => Err(Drift::Mismatch {
                command,
                argument,
                taken,
                declared,
            }),
            Some(_) => Ok(()),
        }
    }
}
