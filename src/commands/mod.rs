//! The chat commands: the catalogue that declares them, and how a line is read and explained.
//!
//! Every command is declared once, in `commands/<name>.toml` at the top of the repository: its
//! synopsis, arguments, who may run it and examples. This folder reads that catalogue and
//! derives everything else from it — argument checking, the `help` answers, `docs/commands.md`
//! and the Slack app manifest — so the chat surface cannot disagree with itself.
//!
//! The handlers that carry the commands out will join the reader here, one file per command,
//! each taking an [`Invocation`] whose arguments are already checked and whose [`Role`] the
//! authorization step has already enforced.

pub mod answers;
mod arguments;
mod catalogue;
mod derived;
mod help;
mod parse;
mod usage_error;
mod words;

pub use arguments::{Arguments, SnapshotArg};
pub use catalogue::{ArgumentKind, ArgumentSpec, Catalogue, CommandSpec, Example, Role};
pub use derived::{render_docs_markdown, render_slack_manifest};
pub use help::{render_command, render_overview};
pub use parse::Invocation;
pub use usage_error::UsageError;
