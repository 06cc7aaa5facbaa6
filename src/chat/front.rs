//! The chat front: every request from a person goes through here, in this order — run once
//! (a redelivered envelope is recognised and dropped), read against the command catalogue,
//! authorised, handled, audited, answered.
//!
//! Authorization happens here and nowhere else, before any handler runs. A refusal is shown
//! only to the person who asked and is written to the audit log like any state change.

use std::sync::Arc;

use super::answer::Answer;
use super::message::Message;
use super::roles::Roles;
use super::surface::{ChatSurface, Incoming, Placement, Via};
use crate::clock::Clock;
use crate::commands::{Catalogue, Context, Role, execute};
use crate::emergency::EmergencySettings;
use crate::engine::Engine;
use crate::escalation::EscalationConfig;
use crate::gate::SnapshotKey;
use crate::store::{AuditEntry, Store, StoreError};

/// Routes requests from one chat surface to the command handlers.
pub struct ChatFront {
    engine: Engine,
    /// Deliveries already handled, the audit log, and what the commands keep.
    store: Store,
    surface: Arc<dyn ChatSurface>,
    roles: Roles,
    clock: Arc<dyn Clock>,
    escalation: Option<EscalationConfig>,
    emergency: EmergencySettings,
}

impl ChatFront {
    pub fn new(
        engine: Engine,
        store: Store,
        surface: Arc<dyn ChatSurface>,
        roles: Roles,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            engine,
            store,
            surface,
            roles,
            clock,
            escalation: None,
            emergency: EmergencySettings::default(),
        }
    }

    /// Lets `escalations` read the `[escalation]` section's ladder, calendar and Jira address.
    pub fn with_escalation(mut self, escalation: Option<EscalationConfig>) -> Self {
        self.escalation = escalation;
        self
    }

    /// Sets the rules of emergency releases: approvals, expiry, annotations and plans.
    pub fn with_emergency(mut self, emergency: EmergencySettings) -> Self {
        self.emergency = emergency;
        self
    }

    /// Handles one request completely, answering in chat. Failures are logged; a person whose
    /// request failed is told so.
    pub async fn handle(&self, incoming: Incoming) {
        if let Err(error) = self.try_handle(&incoming).await {
            tracing::error!(%error, user = %incoming.user, "handling a chat request failed");
            let sorry = Message::plain(&format!(
                "gatebot could not finish that: {error}. Nothing else was changed; try again in a minute."
            ));
            self.reply(&incoming, &sorry, true).await;
        }
    }

    async fn try_handle(&self, incoming: &Incoming) -> Result<(), StoreError> {
        let now = self.clock.now();
        let store = &self.store;
        if !store
            .claim_chat_delivery(&incoming.delivery_id, now)
            .await?
        {
            tracing::debug!(delivery = %incoming.delivery_id, "repeated delivery; already handled");
            return Ok(());
        }
        let line = match &incoming.via {
            Via::Button { value, .. } if incoming.text.is_empty() => value.as_str(),
            _ => incoming.text.as_str(),
        };
        let invocation = match Catalogue::builtin().parse(line) {
            Ok(invocation) => invocation,
            Err(usage) => {
                self.reply(incoming, &Message::plain(&usage.to_string()), true)
                    .await;
                return Ok(());
            }
        };
        let spec = invocation.spec;
        let permitted = match self.roles.permits(&incoming.user, spec.role).await {
            Ok(permitted) => permitted,
            Err(error) => {
                tracing::warn!(%error, "cannot check chat roles");
                false
            }
        };
        if !permitted {
            let why = refusal(&spec.name, spec.role);
            self.audit_command(incoming, &spec.name, line, "", "refused", &why)
                .await?;
            self.reply(incoming, &Message::plain(&why), true).await;
            return Ok(());
        }
        let thread_snapshot = match &incoming.thread_ts {
            Some(ts) => store
                .chat_thread_by_ts(&incoming.channel, ts)
                .await?
                .map(|thread| SnapshotKey::new(thread.gate, thread.snapshot)),
            None => None,
        };
        let context = Context {
            engine: &self.engine,
            store,
            actor: &incoming.user,
            channel: &incoming.channel,
            thread: incoming.thread_ts.as_deref(),
            thread_snapshot: thread_snapshot.as_ref(),
            escalation: self.escalation.as_ref(),
            now,
            surface: self.surface.as_ref(),
            emergency: &self.emergency,
        };
        let answer: Answer = execute(&invocation, &context).await?;
        if spec.changes_state {
            let (target, outcome, detail) = match &answer.audit {
                Some(note) => (note.target.as_str(), note.outcome, note.detail.as_str()),
                None => ("", "ok", ""),
            };
            self.audit_command(incoming, &spec.name, line, target, outcome, detail)
                .await?;
        }
        let private = !matches!(incoming.via, Via::Mention { .. } | Via::Console);
        self.reply(incoming, &answer.message.fit("`gatebot explain`"), private)
            .await;
        Ok(())
    }

    /// Answers where the request was made: in the mention's thread for everyone, or to the
    /// asker alone.
    async fn reply(&self, incoming: &Incoming, message: &Message, private: bool) {
        let thread = match &incoming.via {
            Via::Mention { message_ts } => {
                Some(incoming.thread_ts.clone().unwrap_or(message_ts.clone()))
            }
            _ => incoming.thread_ts.clone(),
        };
        let sent = if private && !matches!(incoming.via, Via::Console) {
            self.surface
                .post_ephemeral(&incoming.user, thread.as_deref(), message)
                .await
        } else {
            let placement = match thread.as_deref() {
                Some(thread) => Placement::Reply { thread },
                None => Placement::TopLevel,
            };
            // A retry after a lost answer finds this answer instead of giving it twice.
            let mark = format!("answer:{}", incoming.delivery_id);
            self.surface
                .post(placement, &mark, message)
                .await
                .map(|_| ())
        };
        if let Err(error) = sent {
            tracing::warn!(%error, user = %incoming.user, "could not answer in chat");
        }
    }

    /// Writes a command to the audit log: who, from where, the line as typed, and the outcome.
    async fn audit_command(
        &self,
        incoming: &Incoming,
        command: &str,
        line: &str,
        target: &str,
        outcome: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.store
            .audit(&AuditEntry {
                at: self.clock.now(),
                actor: incoming.user.clone(),
                action: format!("command.{command}"),
                target: target.to_string(),
                outcome: outcome.to_string(),
                detail: format!("`{line}`: {detail}"),
                channel: Some(incoming.channel.clone()),
                thread: incoming.thread_ts.clone(),
            })
            .await
    }
}

/// The sentence a person without the role is shown.
fn refusal(command: &str, role: Role) -> String {
    format!(
        "`{command}` is for {role}, and you are not one of them. The roles are set in gatebot's configuration (`[chat.roles]`); ask a gatebot admin if you should be."
    )
}
