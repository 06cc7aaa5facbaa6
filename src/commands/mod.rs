//! The chat commands: the catalogue that declares them, and how a line is read and explained.
//!
//! Every command is declared once, in `commands/<name>.toml` at the top of the repository: its
//! synopsis, arguments, who may run it and examples. This folder reads that catalogue and
//! derives everything else from it — argument checking, the `help` answers, `docs/commands.md`
//! and the Slack app manifest — so the chat surface cannot disagree with itself.
//!
//! Beside the reader live the handlers, one file per command. [`execute`] turns an
//! [`Invocation`], whose [`Role`] the chat front has already enforced, into its typed
//! [`Command`] and hands each handler that command's own checked arguments.

pub mod answers;
mod approve;
mod arguments;
mod audit;
mod blocked_why;
mod catalogue;
mod command;
mod context;
mod deny;
mod derived;
mod drift;
mod emergency;
mod escalations;
mod execute;
mod facts;
mod help;
mod parse;
mod release;
mod status;
mod usage_error;
mod words;

pub use arguments::{Arguments, RequestId, SnapshotArg};
pub use catalogue::{ArgumentKind, ArgumentSpec, Catalogue, CommandSpec, Example, Role};
pub use command::Command;
pub use context::Context;
pub use derived::{render_docs_markdown, render_slack_manifest};
pub use drift::{Drift, Shape};
pub use execute::execute;
pub use facts::{Found, find_snapshot};
pub use help::{render_command, render_overview};
pub use parse::Invocation;
pub use usage_error::UsageError;
