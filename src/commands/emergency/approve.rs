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
use super::annotations::emergency_annotations;
use super::close::{already_decided, open_request, refresh_message, the_open_request};
use super::message::alert_message;
use crate::chat::Placement;
use crate::engine::{Decided, GateSpec, ReleaseDecision};
use crate::konflux::release_name;
use crate::store::{
    Approval, Closing, EmergencyRequest, ReleaseKind, ReleaseRecord, RequestState, StoreError,
};

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
/// and decides and creates its Release.
async fn release(
    context: &Context<'_>,
    gate: &GateSpec,
    request: &EmergencyRequest,
    approvals: &[Approval],
) -> Result<Answer, StoreError> {
    let store = context.engine.store();
    let id = request.id.as_str();
    let plan = context.emergency.release_plan(gate);
    let name = release_name(&request.snapshot, plan);
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
    let approvers: Vec<&str> = approvals.iter().map(|a| a.approver.as_str()).collect();
    let decision = ReleaseDecision {
        snapshot: &request.snapshot,
        kind: ReleaseKind::Emergency,
        release_plan: plan,
        reason: format!(
            "emergency release requested by {} and approved by {}; the gate was {} when requested",
            request.requester,
            approvers.join(", "),
            request.gate_state
        ),
        actor: context.actor,
        channel: Some(context.channel),
        thread: context.thread,
        now: context.now,
        annotations: emergency_annotations(
            &context.emergency.annotation_prefix,
            request,
            approvals,
            context.now,
        ),
    };
    match context.engine.decide_release(gate, &decision).await? {
        Decided::Existing(existing) => overtaken(context, request, &existing).await,
        Decided::New(record) => {
            context.engine.create_decided_releases().await?;
            let release = store
                .release_for_snapshot(&gate.name, &request.snapshot)
                .await?
                .unwrap_or(record);
            refresh_message(context.engine, context.surface, id).await?;
            announce(context, request, approvals, &release).await;
            let text = format!(
                "Approved. {} (plan {}, namespace {}); the channel is told it requires review.",
                release_line(&release),
                release.release_plan,
                release.namespace
            );
            Ok(Answer::text(&text).audited(
                id,
                "ok",
                format!("emergency {}", release_line(&release)),
            ))
        }
    }
}

/// The snapshot got its Release another way (the gate passed) before this approval decided
/// one: the request is closed without a second Release.
async fn overtaken(
    context: &Context<'_>,
    request: &EmergencyRequest,
    existing: &ReleaseRecord,
) -> Result<Answer, StoreError> {
    let id = request.id.as_str();
    let closing = Closing {
        state: RequestState::Overtaken,
        by: context.actor,
        at: context.now,
        reason: Some("the snapshot was released another way first"),
        release_name: Some(&existing.name),
    };
    context
        .engine
        .store()
        .close_emergency_request(id, RequestState::Approved, &closing)
        .await?;
    refresh_message(context.engine, context.surface, id).await?;
    Ok(Answer::refused(
        id,
        &format!(
            "`{}` was released another way meanwhile: {}. No emergency Release was created, and \
             request `{id}` is closed.",
            request.snapshot,
            release_line(existing)
        ),
    ))
}

/// Posts the channel alert for the Release an approval created; a chat failure is logged, as
/// the Release and the audit log already hold what happened.
async fn announce(
    context: &Context<'_>,
    request: &EmergencyRequest,
    approvals: &[Approval],
    release: &ReleaseRecord,
) {
    let thread_link = match &request.thread_ts {
        Some(thread) => context.surface.permalink(thread).await.ok(),
        None => None,
    };
    let alert = alert_message(request, approvals, release, thread_link.as_deref());
    if let Err(error) = context.surface.post(Placement::TopLevel, &alert).await {
        tracing::error!(%error, release = %release.name, "could not announce the emergency Release");
    }
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
