//! `deny`: an approver turns an emergency request down, with a reason when typed (a click on
//! Deny has none). Nothing is released, and the request message says who denied it and why.

use super::super::context::{Answer, Context};
use super::super::parse::Invocation;
use super::close::{already_decided, open_request, refresh_message};
use crate::store::{Closing, RequestState, StoreError};

pub async fn deny(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let id = invocation
        .args
        .request_id("request")
        .expect("the catalogue makes the request id required");
    let reason = invocation.args.text("reason");
    let request = match open_request(context, id).await? {
        Ok(request) => request,
        Err(refusal) => return Ok(refusal),
    };
    let store = context.engine.store();
    let denied = Closing {
        state: RequestState::Denied,
        by: context.actor,
        at: context.now,
        reason,
        release_name: None,
    };
    if !store
        .close_emergency_request(id, RequestState::Pending, &denied)
        .await?
    {
        let now = store.emergency_request(id).await?.unwrap_or(request);
        return Ok(Answer::refused(id, &already_decided(&now)));
    }
    refresh_message(context.engine, context.surface, id).await?;
    let text = format!(
        "Request `{id}` is denied; nothing was released. Its message in the channel now says \
         so{}.",
        if reason.is_some() {
            ", with your reason"
        } else {
            "; add a reason next time with `deny <request> <reason>`"
        }
    );
    Ok(Answer::text(&text).audited(
        id,
        "ok",
        format!(
            "denied the emergency request for {} by {}: {}",
            request.snapshot,
            request.requester,
            reason.unwrap_or("no reason given")
        ),
    ))
}
