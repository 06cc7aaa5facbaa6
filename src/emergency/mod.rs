//! Emergency releases: releasing a snapshot before its gate passed, in an incident — quickly,
//! never by one person alone, and on the record.
//!
//! A releaser asks with a justification ([`Emergencies::ask`]); gatebot records an approval
//! request (the approvals room decides the two-person rule), posts it in the snapshot's thread
//! and the channel with Approve and Deny buttons, and waits. Enough approvals from others decide
//! the Release through the gate's own exactly-once path ([`grant`]), with annotations saying why
//! and by whom, and the channel is told it needs review. Requests expire; a sweep closes the
//! overdue ones and grants an approval that a stop interrupted before its Release was decided
//! ([`sweep`]). `status` reports how often the gate was skipped ([`rate`]).
//!
//! The decisions are pure (`approvals::rule`, [`justification`], [`message`], [`annotations`]);
//! the rest records them and keeps the request message current.

mod annotations;
mod approve;
mod ask;
mod close;
mod deny;
mod grant;
mod justification;
mod message;
mod rate;
mod settings;
mod sweep;
#[cfg(test)]
mod test_request;

use jiff::Timestamp;

use crate::approvals::ApprovalRequest;
use crate::chat::ChatSurface;
use crate::engine::Engine;
use crate::gate::SnapshotKey;
use crate::store::Store;

pub use close::the_open_request;
pub use justification::justification_problem;
pub use rate::emergency_rate;
pub use settings::EmergencySettings;
pub use sweep::{DEFAULT_SWEEP_EVERY, Sweeper};

/// An emergency request: the approval request, and the snapshot it asks to release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyRequest {
    pub approval: ApprovalRequest,
    pub key: SnapshotKey,
    pub digest: Option<String>,
    pub git_revision: Option<String>,
    /// The gate's verdict line when the request was made.
    pub gate_state: String,
    /// Exactly as typed.
    pub justification: String,
    /// The Release the approval decided, or the one that overtook the request.
    pub release_name: Option<String>,
}

/// What the emergency workflow works with: the engine that decides Releases, the store of
/// requests, the chat the requests are posted in, and the configured rules.
#[derive(Clone, Copy)]
pub struct Emergencies<'a> {
    pub engine: &'a Engine,
    pub store: &'a Store,
    pub surface: &'a dyn ChatSurface,
    pub settings: &'a EmergencySettings,
}

/// Who acts on a request, from where, and when.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The chat user id.
    pub user: &'a str,
    pub channel: &'a str,
    /// The thread the action was taken in, when known.
    pub thread: Option<&'a str>,
    pub now: Timestamp,
}
