//! The live status thread of each snapshot: one status message in the channel, edited in place
//! as the verdict changes, with the events that matter posted as replies under it.
//!
//! - [`status_message`]: the message itself, rendered purely from what the engine knows;
//! - [`announce`]: which engine events become thread lines, and their words;
//! - [`notifier`]: the loop that follows the engine's events, queues lines durably and posts
//!   them through the chat port, so a restart posts nothing twice and loses nothing.
//!
//! Fleet fixes and release stages will get their threads here too.

pub mod announce;
pub mod notifier;
pub mod status_message;

pub use announce::{Announcement, announcement};
pub use notifier::Notifier;
pub use status_message::status_message;
