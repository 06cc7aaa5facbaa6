//! Approving an emergency request. The approvals room decides whether the approval counts;
//! when the request has the approvals it needs, it is closed as approved and its Release is
//! granted: decided through the same exactly-once path as the gate, created with annotations
//! saying why and by whom, and announced to the channel.
//!
//! Closing the request from `pending` is the one step that can succeed only once, so two
//! approvers clicking together, a click replayed after a restart, or a click on a request that
//! just expired each end with one outcome and at most one Release.

use super::close::already_decided;
use super::grant::{Grant, Granted};
use super::{Actor, Emergencies, EmergencyRequest};
use crate::approvals::{Approval, ApprovalStep, Closing, RequestState, judge_approval, rule};
use crate::chat::Answer;
use crate::engine::GateSpec;
use crate::gate::release_line;
use crate::konflux::release_name;
use crate::store::StoreError;

impl Emergencies<'_> {
    /// `actor` approves the request `id`.
    pub async fn approve(&self, actor: &Actor<'_>, id: &str) -> Result<Answer, StoreError> {
        let request = match self.request(id).await? {
            Ok(request) => request,
            Err(refusal) => return Ok(refusal),
        };
        let approvals = self.store.approvals(id).await?;
        match judge_approval(&request.approval, &approvals, actor.user, actor.now) {
            ApprovalStep::Closed(_) | ApprovalStep::Expired => {
                self.refuse_closed(request, actor.now).await
            }
            ApprovalStep::OwnRequest => Ok(Answer::refused(
                id,
                "You asked for this emergency release, so you cannot approve it as well: an \
                 emergency release needs a second person. Ask another approver to approve it.",
            )),
            ApprovalStep::AlreadyApproved => {
                Ok(Answer::refused(id, &waiting_for_others(&request, true)))
            }
            ApprovalStep::Record { .. } => self.record(actor, &request).await,
        }
    }

    /// Records the approval and, when it is the last one needed, releases.
    async fn record(
        &self,
        actor: &Actor<'_>,
        request: &EmergencyRequest,
    ) -> Result<Answer, StoreError> {
        let id = request.approval.id.as_str();
        let Some(gate) = self.engine.gate(&request.key.gate) else {
            return Ok(Answer::refused(
                id,
                &format!(
                    "The gate `{}` of this request is no longer configured, so gatebot cannot \
                     release `{}`; nothing was released.",
                    request.key.gate, request.key.snapshot
                ),
            ));
        };
        let approval = Approval {
            approver: actor.user.to_string(),
            approved_at: actor.now,
            subject_digest: request.approval.subject_digest.clone(),
        };
        if !self.store.add_approval(id, &approval).await? {
            return Ok(Answer::refused(id, &waiting_for_others(request, true)));
        }
        // Read back: another approver may have approved at the same moment.
        let approvals = self.store.approvals(id).await?;
        let counted = rule::counting(&request.approval, &approvals).len();
        let needed = request.approval.approvals_needed;
        if counted < usize::try_from(needed).unwrap_or(usize::MAX) {
            self.refresh_message(id).await?;
            let counted = format!("{counted} of {needed}");
            let text = format!(
                "Your approval of `{id}` is recorded: {counted}. {}",
                waiting_for_others(request, false)
            );
            return Ok(Answer::text(&text).audited(id, "ok", format!("approval {counted}")));
        }
        self.release(actor, gate, request, &approvals).await
    }

    /// The request has its approvals: closes it as approved — unless someone decided it first —
    /// and grants its Release.
    async fn release(
        &self,
        actor: &Actor<'_>,
        gate: &GateSpec,
        request: &EmergencyRequest,
        approvals: &[Approval],
    ) -> Result<Answer, StoreError> {
        let id = request.approval.id.as_str();
        let name = release_name(&request.key.snapshot, self.settings.release_plan(gate));
        let approved = Closing {
            state: RequestState::Approved,
            by: actor.user,
            at: actor.now,
            reason: None,
        };
        if !self
            .store
            .close_emergency_request(id, RequestState::Pending, &approved, Some(&name))
            .await?
        {
            let now = self.store.emergency_request(id).await?;
            return Ok(Answer::refused(
                id,
                &already_decided(now.as_ref().unwrap_or(request)),
            ));
        }
        let approvals = rule::counting(&request.approval, approvals)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>();
        let grant = Grant {
            room: *self,
            gate,
            request,
            approvals: &approvals,
            approver: actor.user,
            approved_at: actor.now,
            channel: actor.channel,
            thread: actor.thread,
        };
        let snapshot = &request.key.snapshot;
        Ok(match grant.release().await? {
            Granted::Overtaken(existing) => Answer::refused(
                id,
                &format!(
                    "`{snapshot}` was released another way meanwhile: {}. No emergency Release \
                     was created, and request `{id}` is closed.",
                    release_line(&existing)
                ),
            ),
            Granted::Released(release) => {
                let text = format!(
                    "Approved. {} (plan {}, namespace {}); the channel is told it requires \
                     review.",
                    release_line(&release),
                    release.release_plan,
                    release.namespace
                );
                Answer::text(&text).audited(
                    id,
                    "ok",
                    format!("emergency {}", release_line(&release)),
                )
            }
        })
    }
}

fn waiting_for_others(request: &EmergencyRequest, again: bool) -> String {
    let approval = &request.approval;
    let opening = if again {
        format!("You approved `{}` already. ", approval.id)
    } else {
        String::new()
    };
    format!(
        "{opening}It needs {} approval(s) in all, each from a different approver, by {}.",
        approval.approvals_needed, approval.expires_at
    )
}
