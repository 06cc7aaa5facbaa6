//! The chat port: what the engine and the commands need from any chat — Slack in production,
//! the console on a laptop — and the pieces every chat shares.
//!
//! A chat surface posts into one channel: a status message per snapshot, edited in place, with
//! a thread of events under it, and answers to commands. Everything that decides what to say
//! is pure and lives beside this port; a surface only carries messages.

pub mod message;
pub mod mrkdwn;

pub use message::{Block, Button, ButtonStyle, Message};
