//! gatebot's Slack adapter: the [`ChatSurface`](crate::chat::ChatSurface) that posts into the
//! release channel through Slack's Web API, and the Socket Mode listener that turns slash
//! commands, mentions and button clicks into [`Incoming`](crate::chat::Incoming) requests.
//!
//! The Web API goes through slack-morphism's client, and its models read what Slack sends.
//! What it does not do the way gatebot needs is done here: posts are paced per channel (its own
//! rate control paces per team), rate limits and transport failures are retried a bounded
//! number of times, the Socket Mode connections are gatebot's own so that acks leave at once
//! and a lost connection is noticed, and requests carry the delivery id the router
//! deduplicates on.

mod authors;
mod blocks;
mod calls;
mod connector;
mod incoming;
mod marks;
mod pacing;
mod socket_mode;
mod surface;
mod tokens;

pub use connector::client;
pub use pacing::{ChannelPacing, POST_BURST, POST_INTERVAL};
pub use socket_mode::{SlackListener, SocketModeSettings};
pub use surface::SlackSurface;
pub use tokens::SlackTokens;
