//! What a command handler is given.
//!
//! Handlers are handed a request whose arguments were checked against the catalogue and whose
//! role was checked by the chat front; they answer with a `chat::Answer`: a message and, when
//! they changed something, a note for the audit log. A handler that posts a message of its own (an emergency
//! request) does so through the chat port, so the console and Slack run it the same way.

use jiff::Timestamp;

use crate::chat::ChatSurface;
use crate::emergency::{Actor, Emergencies, EmergencySettings};
use crate::engine::Engine;
use crate::escalation::EscalationConfig;
use crate::gate::SnapshotKey;
use crate::store::Store;

/// Who asks, from where, and what the engine knows.
pub struct Context<'a> {
    pub engine: &'a Engine,
    /// What commands keep themselves: the audit log, escalations, approval requests, threads.
    pub store: &'a Store,
    /// The chat user id of the person asking.
    pub actor: &'a str,
    pub channel: &'a str,
    /// The thread the request was made in, when known.
    pub thread: Option<&'a str>,
    /// The snapshot whose status thread the request was made in, if it was.
    pub thread_snapshot: Option<&'a SnapshotKey>,
    /// The `[escalation]` section, for `escalations`; `None` when it is not configured.
    pub escalation: Option<&'a EscalationConfig>,
    pub now: Timestamp,
    /// The chat the request came from, for handlers that post or edit messages of their own.
    pub surface: &'a dyn ChatSurface,
    pub emergency: &'a EmergencySettings,
}

impl<'a> Context<'a> {
    /// The emergency workflow, on this chat.
    pub fn emergencies(&self) -> Emergencies<'a> {
        Emergencies {
            engine: self.engine,
            store: self.store,
            surface: self.surface,
            settings: self.emergency,
        }
    }

    /// The person asking, as the workflows see them.
    pub fn actor(&self) -> Actor<'a> {
        Actor {
            user: self.actor,
            channel: self.channel,
            thread: self.thread,
            now: self.now,
        }
    }
}
