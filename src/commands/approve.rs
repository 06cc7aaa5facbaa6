//! `approve [request]`: a second person approves a request of the approvals room. Without an
//! id it takes the open request of the thread's snapshot, or the only open one.

use super::arguments::RequestId;
use super::context::Context;
use crate::approvals::ApprovalKind;
use crate::chat::Answer;
use crate::emergency::the_open_request;
use crate::store::StoreError;

pub async fn approve(
    request: Option<&RequestId>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let id = match request {
        Some(id) => id.as_str().to_string(),
        None => match the_open_request(context.store, context.thread_snapshot).await? {
            Ok(id) => id,
            Err(refusal) => return Ok(refusal),
        },
    };
    match kind_of(context, &id).await? {
        ApprovalKind::EmergencyRelease => {
            context.emergencies().approve(&context.actor(), &id).await
        }
    }
}

/// The kind of the request `id`; an unknown id is an emergency request's (that workflow
/// answers that no request has it).
pub(super) async fn kind_of(context: &Context<'_>, id: &str) -> Result<ApprovalKind, StoreError> {
    Ok(context
        .store
        .approval_request(id)
        .await?
        .map_or(ApprovalKind::EmergencyRelease, |request| request.kind))
}
