//! `approve [request]`: a second person approves a request of the approvals room. Without an
//! id it takes the open request of the thread's snapshot, or the only open one.

use super::context::Context;
use super::parse::Invocation;
use crate::approvals::ApprovalKind;
use crate::chat::Answer;
use crate::emergency::the_open_request;
use crate::store::StoreError;

pub async fn approve(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let id = match invocation.args.request_id("request") {
        Some(id) => id.to_string(),
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
