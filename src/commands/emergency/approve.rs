//! `approve`: a second person approves an emergency request. When the request has the approvals
//! it needs, the emergency Release is decided through the same exactly-once path as the gate,
//! created with annotations saying why and by whom, and announced to the channel.
//!
//! Closing the request from `pending` is the one step that can succeed only once, so two
//! approvers clicking together, a click replayed after a restart, or a click on a request that
//! just expired each end with one outcome and at most one Release.

use super::super::answers::release_line;
use super::super::context::{Answer, Context};
use super::super::parse::Invocation;
use super::close::{already_decided, open_request, refresh_message, the_open_request};
use super::grant::{Grant, Granted};
use crate::engine::GateSpec;
use crate::konflux::release_name;
use crate::store::{Approval, Closing, EmergencyRequest, RequestState, StoreError};

pub async fn approve(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let id = match invocation.args.request_id("request") {
        Some(id) => id.to_string(),
        None => match the_open_request(context).await? {
            Ok(id) => id,
            Err(refusal) => return Ok(refusal),
        },
    };
    let id = id.as_str();
    let request = match open_request(context, id).await? {
        Ok(request) => request,
        Err(refusal) => return Ok(refusal),
    };
    if context.actor == request.requester {
        return Ok(Answer::refused(
            id,
            "You asked for this emergency release, so you cannot approve it as well: an \
             emergency release needs a second person. Ask another approver to approve it.",
        ));
    }
    let Some(gate) = context
        .engine
        .gates()
        .iter()
        .find(|gate| gate.name == request.gate)
    else {
        return Ok(Answer::refused(
            id,
            &format!(
                "The gate `{}` of this request is no longer configured, so gatebot cannot \
                 release `{}`; nothing was released.",
                request.gate, request.snapshot
            ),
        ));
    };
    let store = context.engine.store();
    if !store
        .add_emergency_approval(id, context.actor, context.now)
        .await?
    {
        return Ok(Answer::refused(id, &waiting_for_others(&request, true)));
    }
    let approvals = store.emergency_approvals(id).await?;
    if approvals.len() < usize::try_from(request.approvals_needed).unwrap_or(usize::MAX) {
        refresh_message(context.engine, context.surface, id).await?;
        let counted = format!("{} of {}", approvals.len(), request.approvals_needed);
        let text = format!(
            "Your approval of `{id}` is recorded: {counted}. {}",
            waiting_for_others(&request, false)
        );
        return Ok(Answer::text(&text).audited(id, "ok", format!("approval {counted}")));
    }
    release(context, gate, &request, &approvals).await
}

/// The request has its approvals: closes it as approved — unless someone decided it first —
/// and grants its Release.
async fn release(
    context: &Context<'_>,
    gate: &GateSpec,
    request: &EmergencyRequest,
    approvals: &[Approval],
) -> Result<Answer, StoreError> {
    let store = context.engine.store();
    let id = request.id.as_str();
    let name = release_name(&request.snapshot, context.emergency.release_plan(gate));
    let approved = Closing {
        state: RequestState::Approved,
        by: context.actor,
        at: context.now,
        reason: None,
        release_name: Some(&name),
    };
    if !store
        .close_emergency_request(id, RequestState::Pending, &approved)
        .await?
    {
        let now = store.emergency_request(id).await?;
        return Ok(Answer::refused(
            id,
            &already_decided(now.as_ref().unwrap_or(request)),
        ));
    }
    let grant = Grant {
        engine: context.engine,
        surface: context.surface,
        settings: context.emergency,
        gate,
        request,
        approvals,
        approver: context.actor,
        approved_at: context.now,
        channel: context.channel,
        thread: context.thread,
    };
    Ok(match grant.release().await? {
        Granted::Overtaken(existing) => Answer::refused(
            id,
            &format!(
                "`{}` was released another way meanwhile: {}. No emergency Release was \
                 created, and request `{id}` is closed.",
                request.snapshot,
                release_line(&existing)
            ),
        ),
        Granted::Released(release) => {
            let text = format!(
                "Approved. {} (plan {}, namespace {}); the channel is told it requires review.",
                release_line(&release),
                release.release_plan,
                release.namespace
            );
            Answer::text(&text).audited(id, "ok", format!("emergency {}", release_line(&release)))
        }
    })
}

fn waiting_for_others(request: &EmergencyRequest, again: bool) -> String {
    let opening = if again {
        format!("You approved `{}` already. ", request.id)
    } else {
        String::new()
    };
    format!(
        "{opening}It needs {} approval(s) in all, each from a different approver, by {}.",
        request.approvals_needed, request.expires_at
    )
}
