//! What a command handler is given and what it gives back.
//!
//! Handlers are handed a request whose arguments were checked against the catalogue and whose
//! role was checked by the chat front; they answer with a message and, when they changed
//! something, a note for the audit log. They never talk to a chat service themselves, so the
//! console and Slack run them the same way.

use jiff::Timestamp;

use crate::chat::Message;
use crate::engine::Engine;
use crate::gate::Snapshot;

/// Who asks, from where, and what the engine knows.
pub struct Context<'a> {
    pub engine: &'a Engine,
    /// The chat user id of the person asking.
    pub actor: &'a str,
    pub channel: &'a str,
    /// The thread the request was made in, when known.
    pub thread: Option<&'a str>,
    /// The snapshot whose status thread the request was made in, if it was.
    pub thread_snapshot: Option<&'a ThreadSnapshot>,
    pub now: Timestamp,
}

/// A snapshot's status thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSnapshot {
    pub gate: String,
    pub snapshot: String,
}

/// A handler's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub message: Message,
    /// For commands that change state: what to write in the audit log.
    pub audit: Option<AuditNote>,
}

/// One line of the audit log, as the handler saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNote {
    pub target: String,
    /// `ok`, `refused` or `failed`.
    pub outcome: &'static str,
    pub detail: String,
}

impl Answer {
    /// A plain-text answer that changed nothing.
    pub fn text(text: &str) -> Self {
        Self {
            message: Message::plain(text),
            audit: None,
        }
    }

    pub fn audited(mut self, target: &str, outcome: &'static str, detail: String) -> Self {
        self.audit = Some(AuditNote {
            target: target.to_string(),
            outcome,
            detail,
        });
        self
    }
}

impl Context<'_> {
    /// Every snapshot every gate tracks.
    pub fn tracked_snapshots(&self) -> Vec<Snapshot> {
        self.engine
            .gates()
            .iter()
            .flat_map(|gate| self.engine.snapshots(&gate.name))
            .collect()
    }
}
