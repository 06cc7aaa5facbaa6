//! The chat port: what the engine and the commands need from any chat — Slack in production,
//! the console on a laptop — and the pieces every chat shares.
//!
//! A chat surface posts into one channel: a status message per snapshot, edited in place, with
//! a thread of events under it, and answers to commands. Everything that decides what to say
//! is pure and lives beside this port; a surface only carries messages.

pub mod announce;
pub mod console;
pub mod front;
pub mod launch;
pub mod message;
pub mod mrkdwn;
pub mod notifier;
pub mod roles;
pub mod serve;
pub mod status_message;
pub mod surface;

pub use announce::{Announcement, announcement};
pub use front::ChatFront;
pub use message::{Block, Button, ButtonStyle, Message};
pub use notifier::Notifier;
pub use roles::Roles;
pub use serve::serve_chat;
pub use status_message::status_message;
pub use surface::{ChatError, ChatSurface, Incoming, MarkedMessage, Placement, Via};
