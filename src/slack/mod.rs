//! gatebot's Slack adapter: the [`ChatSurface`](crate::chat::ChatSurface) that posts into the
//! release channel through Slack's Web API, and the Socket Mode listener that turns slash
//! commands, mentions and button clicks into [`Incoming`](crate::chat::Incoming) requests.
//!
//! Both sit on slack-morphism. What it does not do the way gatebot needs is done here: posts are
//! paced per channel (its own rate control paces per team), rate limits and transport failures
//! are retried a bounded number of times, callbacks return at once so acks are never late, and
//! requests carry the delivery id the router deduplicates on.

mod authors;
mod blocks;
mod calls;
mod connector;
mod incoming;
mod listener;
mod pacing;
mod surface;
mod tokens;

pub use connector::client;
pub use listener::{SlackListener, SocketModeSettings};
pub use pacing::{ChannelPacing, POST_BURST, POST_INTERVAL};
pub use surface::SlackSurface;
pub use tokens::SlackTokens;
