//! Emergency releases: in an incident, releasing a snapshot before its gate passed — quickly,
//! never by one person alone, and on the record.
//!
//! A releaser asks with a justification (`emergency`); gatebot posts the request in the
//! snapshot's thread and the channel with Approve and Deny buttons. An approver other than the
//! requester approves (`approve`) or denies (`deny`); enough approvals decide the Release through
//! the gate's own exactly-once path, with annotations saying why and by whom, and the channel is
//! told it needs review. Requests expire; `status` reports how often the gate was skipped.

mod annotations;
mod approve;
mod close;
mod deny;
mod grant;
mod justification;
mod message;
mod rate;
mod request;
mod settings;
mod sweep;

pub(super) use approve::approve;
pub(super) use deny::deny;
pub use message::{APPROVE_ACTION, DENY_ACTION};
pub(super) use rate::emergency_rate;
pub(super) use request::emergency;
pub use settings::EmergencySettings;
pub use sweep::{expire_overdue, grant_interrupted_approvals};
