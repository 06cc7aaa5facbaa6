//! `deny <request> [reason]`: an approver turns a request of the approvals room down.

use super::approve::kind_of;
use super::context::Context;
use super::parse::Invocation;
use crate::approvals::ApprovalKind;
use crate::chat::Answer;
use crate::store::StoreError;

pub async fn deny(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let id = invocation
        .args
        .request_id("request")
        .expect("the catalogue makes the request id required");
    let reason = invocation.args.text("reason");
    match kind_of(context, id).await? {
        ApprovalKind::EmergencyRelease => {
            context
                .emergencies()
                .deny(&context.actor(), id, reason)
                .await
        }
    }
}
