//! `deny <request> [reason]`: an approver turns a request of the approvals room down.

use super::approve::kind_of;
use super::arguments::RequestId;
use super::context::Context;
use crate::approvals::ApprovalKind;
use crate::chat::Answer;
use crate::store::StoreError;

pub async fn deny(
    request: &RequestId,
    reason: Option<&str>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let id = request.as_str();
    match kind_of(context, id).await? {
        ApprovalKind::EmergencyRelease => {
            context
                .emergencies()
                .deny(&context.actor(), id, reason)
                .await
        }
    }
}
