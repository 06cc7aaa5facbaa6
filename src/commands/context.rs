//! What a command handler is given and what it gives back.
//!
//! Handlers are handed a request whose arguments were checked against the catalogue and whose
//! role was checked by the chat front; they answer with a message and, when they changed
//! something, a note for the audit log. A handler that posts a message of its own (an emergency
//! request) does so through the chat port, so the console and Slack run it the same way.

use jiff::Timestamp;

use super::emergency::EmergencySettings;
use crate::chat::{ChatSurface, Message};
use crate::engine::Engine;
use crate::escalation::EscalationConfig;
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
    /// The `[escalation]` section, for `escalations`; `None` when it is not configured.
    pub escalation: Option<&'a EscalationConfig>,
    pub now: Timestamp,
    /// The chat the request came from, for handlers that post or edit messages of their own.
    pub surface: &'a dyn ChatSurface,
    pub emergency: &'a EmergencySettings,
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

    /// A refusal: the explanation for the asker, and its first line for the audit log.
    pub fn refused(target: &str, why: &str) -> Self {
        let first_line = why.lines().next().unwrap_or_default().to_string();
        Answer::text(why).audited(target, "refused", first_line)
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
