//! Closing a request and keeping its message current: the expiry every path shares (the
//! periodic sweep, and an approval or denial that arrives too late), the refresh of the request
//! message after any change, and the answer for a request decided already.

use jiff::Timestamp;

use super::super::context::{Answer, Context};
use super::message::{request_mark, request_message};
use crate::chat::ChatSurface;
use crate::engine::Engine;
use crate::store::{AuditEntry, Closing, EmergencyRequest, RequestState, StoreError};

/// Shows the request as it now stands in its message, if it has one. A chat failure is logged:
/// the store holds the outcome, and the request message is only its picture.
pub async fn refresh_message(
    engine: &Engine,
    surface: &dyn ChatSurface,
    id: &str,
) -> Result<(), StoreError> {
    let store = engine.store();
    let Some(request) = store.emergency_request(id).await? else {
        return Ok(());
    };
    let Some(ts) = message_ts(engine, surface, &request).await? else {
        return Ok(());
    };
    let approvals = store.emergency_approvals(id).await?;
    if let Err(error) = surface
        .update(&ts, &request_message(&request, &approvals))
        .await
    {
        tracing::warn!(%error, request = %id, "could not update the emergency request message");
    }
    Ok(())
}

/// Where the request message is. When the store does not say (the post landed, but its answer
/// was lost or gatebot stopped first), the message is looked for by its mark and, once found,
/// remembered.
async fn message_ts(
    engine: &Engine,
    surface: &dyn ChatSurface,
    request: &EmergencyRequest,
) -> Result<Option<String>, StoreError> {
    if let Some(ts) = &request.message_ts {
        return Ok(Some(ts.clone()));
    }
    let mark = request_mark(&request.id);
    let found = match surface.marked_messages(request.thread_ts.as_deref()).await {
        Ok(marked) => marked.into_iter().find(|message| message.mark == mark),
        Err(error) => {
            tracing::warn!(%error, request = %request.id, "could not look for the emergency request message");
            None
        }
    };
    if let Some(found) = &found {
        let permalink = surface.permalink(&found.ts).await.ok();
        engine
            .store()
            .set_emergency_message(&request.id, &found.ts, permalink.as_deref())
            .await?;
    }
    Ok(found.map(|message| message.ts))
}

/// Closes an overdue request as expired, audits it and shows it; `false` when it was decided
/// before this could expire it.
pub async fn expire(
    engine: &Engine,
    surface: &dyn ChatSurface,
    request: &EmergencyRequest,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let store = engine.store();
    let closing = Closing {
        state: RequestState::Expired,
        by: "gatebot",
        at: now,
        reason: None,
        release_name: None,
    };
    if !store
        .close_emergency_request(&request.id, RequestState::Pending, &closing)
        .await?
    {
        return Ok(false);
    }
    let approvals = store.emergency_approvals(&request.id).await?;
    store
        .audit(&AuditEntry {
            at: now,
            actor: "gatebot".into(),
            action: "emergency.expire".into(),
            target: request.id.clone(),
            outcome: "ok".into(),
            detail: format!(
                "the emergency request for {} by {} expired at {} with {} of {} approvals; \
                 nothing was released",
                request.snapshot,
                request.requester,
                request.expires_at,
                approvals.len(),
                request.approvals_needed
            ),
            channel: Some(request.channel.clone()),
            thread: request.thread_ts.clone(),
        })
        .await?;
    refresh_message(engine, surface, &request.id).await?;
    Ok(true)
}

/// The request an `approve` without an id means: the open request of the thread's snapshot,
/// else the only open request; otherwise the refusal that says which there are.
pub async fn the_open_request(context: &Context<'_>) -> Result<Result<String, Answer>, StoreError> {
    let store = context.engine.store();
    if let Some(thread) = context.thread_snapshot
        && let Some(request) = store
            .pending_emergency_request(&thread.gate, &thread.snapshot)
            .await?
    {
        return Ok(Ok(request.id));
    }
    let pending = store.pending_emergency_requests().await?;
    Ok(match pending.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Answer::refused(
            "",
            "No emergency request is open, so there is nothing to approve.",
        )),
        several => {
            let ids: Vec<String> = several
                .iter()
                .map(|request| format!("`{}` ({})", request.id, request.snapshot))
                .collect();
            Err(Answer::refused(
                "",
                &format!(
                    "{} emergency requests are open: {}. Say which one: `approve <id>`.",
                    several.len(),
                    ids.join(", ")
                ),
            ))
        }
    })
}

/// The request `id` while it can still be approved or denied; otherwise the refusal that says
/// why not (expiring it on the way when its time ran out).
pub async fn open_request(
    context: &Context<'_>,
    id: &str,
) -> Result<Result<EmergencyRequest, Answer>, StoreError> {
    let store = context.engine.store();
    let Some(request) = store.emergency_request(id).await? else {
        return Ok(Err(Answer::refused(
            id,
            &format!(
                "No emergency request has the id `{id}`. Request ids are in the request messages \
                 (`em-` and eight letters and digits); copy one from there."
            ),
        )));
    };
    if request.state == RequestState::Pending && context.now >= request.expires_at {
        expire(context.engine, context.surface, &request, context.now).await?;
        let expired = store.emergency_request(id).await?.unwrap_or(request);
        return Ok(Err(Answer::refused(id, &already_decided(&expired))));
    }
    if request.state != RequestState::Pending {
        return Ok(Err(Answer::refused(id, &already_decided(&request))));
    }
    Ok(Ok(request))
}

/// Why a request that is no longer pending cannot be approved or denied.
pub fn already_decided(request: &EmergencyRequest) -> String {
    let id = &request.id;
    let by = request.closed_by.as_deref().unwrap_or("someone");
    let at = request
        .closed_at
        .map_or_else(String::new, |at| format!(" at {at}"));
    let release = request.release_name.as_deref().unwrap_or("(unknown)");
    match request.state {
        RequestState::Approved => format!(
            "Request `{id}` was approved already, by {by}{at}: Release `{release}` was created. \
             Nothing more is needed."
        ),
        RequestState::Denied => format!(
            "Request `{id}` was denied already, by {by}{at}; nothing was released. A releaser \
             can ask again with `emergency <snapshot> <justification>`."
        ),
        RequestState::Expired => format!(
            "Request `{id}` expired at {}; nothing was released. If the release is still \
             needed, ask again with `emergency {} <justification>`.",
            request.expires_at, request.snapshot
        ),
        RequestState::Overtaken => format!(
            "Request `{id}` is closed: `{}` has Release `{release}` already, so no emergency \
             Release is needed.",
            request.snapshot
        ),
        RequestState::Pending => format!("Request `{id}` is still open."),
    }
}
