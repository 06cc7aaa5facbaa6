//! What a command gives back to the chat: the message for the person who asked and, when it
//! changed something or was refused, a note for the audit log. Command handlers and the
//! workflows they call (emergency releases, approvals) answer with it; the chat front posts the
//! message and writes the note.

use super::message::Message;

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
