//! The approvals room: every decision that takes two people goes through here.
//!
//! An emergency release today — override-fix plans, waivers, policy changes and stage
//! promotions next — is an [`ApprovalRequest`]: who asked, for what (a *subject* and the digest
//! of its exact content), how many approvals it needs and until when. The rule is the same for
//! every kind and is decided purely in [`rule`]: the requester cannot approve their own request,
//! each approver counts once, an approval counts only for the exact subject it saw (a changed
//! subject voids earlier approvals), and a request that ran out of time is closed as expired.
//! Who may approve at all is a role from configuration, checked by the chat front before any
//! handler runs.
//!
//! People approve with the buttons of the request message or by typing `approve <id>` /
//! `deny <id> <reason>`; a button's value is that very command line, so both go through the
//! same parsing, role check and audit. Closing a request is one conditional update from
//! `pending`, so two approvers clicking at once, an approval racing the expiry sweep, or a click
//! replayed after a restart all see one outcome.

mod buttons;
mod request;
pub mod rule;
mod subject;
#[cfg(test)]
pub(crate) mod test_request;

pub use buttons::{APPROVE_ACTION, DENY_ACTION, decision_buttons};
pub use request::{Approval, ApprovalKind, ApprovalRequest, Closing, RequestState};
pub use rule::{ApprovalStep, judge_approval, judge_denial};
pub use subject::subject_digest;
