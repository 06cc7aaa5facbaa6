//! The Approve and Deny buttons of a request message. A button's value is the command line it
//! runs, so a click goes through the same parsing, role check and audit as typed text.

use crate::chat::{Button, ButtonStyle};

/// The `action_id`s of the buttons.
pub const APPROVE_ACTION: &str = "approval-approve";
pub const DENY_ACTION: &str = "approval-deny";

/// Approve and Deny, for the request `id`.
pub fn decision_buttons(id: &str) -> Vec<Button> {
    vec![
        Button {
            action_id: APPROVE_ACTION.into(),
            label: "Approve".into(),
            value: format!("approve {id}"),
            style: ButtonStyle::Primary,
        },
        Button {
            action_id: DENY_ACTION.into(),
            label: "Deny".into(),
            value: format!("deny {id}"),
            style: ButtonStyle::Danger,
        },
    ]
}
