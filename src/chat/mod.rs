//! The chat port: what the engine and the commands need from any chat — Slack in production,
//! the console on a laptop — and the pieces every chat shares.
//!
//! A chat surface posts into one channel: the status threads (`status_thread`), request
//! messages, and answers to commands. This room holds the port ([`surface`]), the message model
//! with Slack's limits ([`message`]), escaping ([`mrkdwn`]), and the front every request from a
//! person goes through ([`front`]): parsed, authorised in one place, handled, audited, answered.

pub mod answer;
pub mod console;
pub mod front;
pub mod launch;
pub mod message;
pub mod mrkdwn;
pub mod roles;
pub mod serve;
pub mod surface;

pub use answer::{Answer, AuditNote};
pub use front::ChatFront;
pub use message::{Block, Button, ButtonStyle, Message};
pub use roles::Roles;
pub use serve::serve_chat;
pub use surface::{ChatError, ChatSurface, Incoming, MarkedMessage, Placement, Via};
