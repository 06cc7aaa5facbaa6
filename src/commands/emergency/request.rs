//! `emergency`: a releaser asks to release a snapshot before its gate passed. Nothing is
//! released here: the request is recorded, posted in the snapshot's thread and broadcast to the
//! channel with Approve and Deny buttons, and waits for a second person.

use std::hash::BuildHasher;

use jiff::Timestamp;

use super::super::SnapshotArg;
use super::super::answers::{release_line, verdict_line};
use super::super::context::{Answer, Context};
use super::super::facts::find_snapshot;
use super::super::parse::Invocation;
use super::close::refresh_message;
use super::justification::justification_problem;
use super::message::{request_mark, request_message};
use super::sweep::expire_overdue;
use crate::chat::Placement;
use crate::engine::ReleaseMode;
use crate::gate::Decision;
use crate::store::{EmergencyRequest, RequestState, StoreError};

pub async fn emergency(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let reference = invocation
        .args
        .snapshot("snapshot")
        .expect("the catalogue makes the snapshot required");
    let justification = invocation
        .args
        .text("justification")
        .expect("the catalogue makes the justification required");
    let typed = match &reference {
        SnapshotArg::Named(name) => name.as_str(),
        SnapshotArg::Latest => "latest",
    };
    if let Some(problem) = justification_problem(justification) {
        return Ok(Answer::refused(typed, &problem));
    }
    let (facts, gate) = match find_snapshot(context, &reference).await? {
        Ok(found) => (found.facts, found.gate),
        Err(why) => return Ok(Answer::refused(typed, &why)),
    };
    let name = facts.snapshot.name.as_str();
    if let Some(existing) = &facts.release {
        return Ok(Answer::refused(
            name,
            &format!(
                "`{name}` is released already: {}. An emergency release is only for a snapshot \
                 without one.",
                release_line(existing)
            ),
        ));
    }
    if facts.verdict.decision == Decision::Passed {
        let next = match gate.release_mode {
            ReleaseMode::Automatic => "gatebot is creating its Release now",
            ReleaseMode::Manual => "a releaser can run `release` for it",
        };
        return Ok(Answer::refused(
            name,
            &format!("The gate passed for `{name}`, so no emergency is needed: {next}."),
        ));
    }
    let store = context.engine.store();
    // A request whose time ran out still holds the snapshot's one open slot until the sweep
    // closes it; close it now rather than turn this request away.
    expire_overdue(context.engine, context.surface, context.now).await?;
    if let Some(open) = store.pending_emergency_request(&gate.name, name).await? {
        return Ok(Answer::refused(name, &already_open(&open)));
    }
    let thread_ts = store
        .chat_thread(&gate.name, name)
        .await?
        .map(|thread| thread.ts);
    // Whole seconds, as the store keeps them, so every message shows the same times.
    let now = Timestamp::from_second(context.now.as_second()).unwrap_or(context.now);
    let request = EmergencyRequest {
        id: new_request_id(name, context.actor, now),
        gate: gate.name.clone(),
        snapshot: name.to_string(),
        digest: facts.snapshot.digest.clone(),
        git_revision: facts.snapshot.git_revision.clone(),
        gate_state: verdict_line(&facts.verdict),
        requester: context.actor.to_string(),
        justification: justification.to_string(),
        approvals_needed: context.emergency.approvals_needed,
        state: RequestState::Pending,
        requested_at: now,
        expires_at: now
            .saturating_add(context.emergency.request_ttl)
            .unwrap_or(Timestamp::MAX),
        channel: context.channel.to_string(),
        thread_ts,
        message_ts: None,
        permalink: None,
        closed_by: None,
        closed_at: None,
        reason: None,
        release_name: None,
    };
    if !store.record_emergency_request(&request).await? {
        let Some(open) = store.pending_emergency_request(&gate.name, name).await? else {
            return Ok(Answer::refused(
                name,
                "Two requests drew the same id by chance; nothing was recorded. Ask again.",
            ));
        };
        return Ok(Answer::refused(name, &already_open(&open)));
    }
    let posted = post(context, &request).await?;
    let id = &request.id;
    let text = format!(
        "Emergency request `{id}` for `{name}` is recorded; nothing is released yet. {posted}. \
         It needs {} approval(s) from approvers other than you by {}.",
        request.approvals_needed, request.expires_at
    );
    Ok(Answer::text(&text).audited(
        name,
        "ok",
        format!("request {id} opened, open until {}", request.expires_at),
    ))
}

/// Posts the request message and remembers where; returns a sentence saying where it went.
async fn post(context: &Context<'_>, request: &EmergencyRequest) -> Result<String, StoreError> {
    let store = context.engine.store();
    let id = &request.id;
    let (placement, where_) = match request.thread_ts.as_deref() {
        Some(thread) => (
            Placement::Broadcast { thread },
            "It is posted in the snapshot's thread and in the channel",
        ),
        None => (Placement::TopLevel, "It is posted in the channel"),
    };
    let ts = match context
        .surface
        .post(placement, &request_mark(id), &request_message(request, &[]))
        .await
    {
        Ok(ts) => ts,
        Err(error) => {
            tracing::error!(%error, request = %id, "could not post the emergency request");
            return Ok(format!(
                "Posting it in the channel failed ({error}), so tell the approvers yourself: \
                 they can type `approve {id}` or `deny {id} <reason>`"
            ));
        }
    };
    let permalink = match context.surface.permalink(&ts).await {
        Ok(link) => Some(link),
        Err(error) => {
            tracing::warn!(%error, request = %id, "no permalink for the emergency request");
            None
        }
    };
    store
        .set_emergency_message(id, &ts, permalink.as_deref())
        .await?;
    // An approver who typed the id while the message was being posted may have decided the
    // request already; the message must not offer buttons for it.
    let decided = store
        .emergency_request(id)
        .await?
        .is_some_and(|now| now.state != RequestState::Pending);
    if decided {
        refresh_message(context.engine, context.surface, id).await?;
    }
    Ok(where_.to_string())
}

fn already_open(open: &EmergencyRequest) -> String {
    format!(
        "`{}` has an emergency request waiting already: `{}`, asked by {}, open until {}. \
         Approve or deny that one; a second request would split the approvers.",
        open.snapshot, open.id, open.requester, open.expires_at
    )
}

/// A short id people can type: `em-` and eight hex digits, different for every request.
fn new_request_id(snapshot: &str, requester: &str, now: Timestamp) -> String {
    // Each `RandomState` is seeded afresh, so equal inputs still give different ids.
    let hash = std::collections::hash_map::RandomState::new().hash_one((snapshot, requester, now));
    format!("em-{:08x}", hash & 0xffff_ffff)
}
