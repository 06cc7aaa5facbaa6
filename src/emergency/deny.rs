//! Denying an emergency request, with a reason when typed (a click on Deny has none). Nothing
//! is released, and the request message says who denied it and why.

use super::close::already_decided;
use super::{Actor, Emergencies};
use crate::approvals::{Closing, RequestState, judge_denial};
use crate::chat::Answer;
use crate::store::StoreError;

impl Emergencies<'_> {
    /// `actor` denies the request `id`.
    pub async fn deny(
        &self,
        actor: &Actor<'_>,
        id: &str,
        reason: Option<&str>,
    ) -> Result<Answer, StoreError> {
        let request = match self.request(id).await? {
            Ok(request) => request,
            Err(refusal) => return Ok(refusal),
        };
        if judge_denial(&request.approval, actor.now).is_some() {
            return self.refuse_closed(request, actor.now).await;
        }
        let denied = Closing {
            state: RequestState::Denied,
            by: actor.user,
            at: actor.now,
            reason,
        };
        if !self
            .store
            .close_emergency_request(id, RequestState::Pending, &denied, None)
            .await?
        {
            let now = self.store.emergency_request(id).await?.unwrap_or(request);
            return Ok(Answer::refused(id, &already_decided(&now)));
        }
        self.refresh_message(id).await?;
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
                request.key.snapshot,
                request.approval.requester,
                reason.unwrap_or("no reason given")
            ),
        ))
    }
}
