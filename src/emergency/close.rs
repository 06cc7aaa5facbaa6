//! Closing a request and keeping its message current: the expiry every path shares (the
//! periodic sweep, and an approval or denial that arrives too late), the refresh of the request
//! message after any change, and the answer for a request decided already.

use jiff::Timestamp;

use super::message::{request_mark, request_message};
use super::{Emergencies, EmergencyRequest};
use crate::approvals::{ApprovalKind, Closing, RequestState};
use crate::chat::Answer;
use crate::gate::SnapshotKey;
use crate::store::{AuditEntry, Store, StoreError};

impl Emergencies<'_> {
    /// Shows the request as it now stands in its message, if it has one. A chat failure is
    /// logged: the store holds the outcome, and the request message is only its picture.
    pub(super) async fn refresh_message(&self, id: &str) -> Result<(), StoreError> {
        let Some(request) = self.store.emergency_request(id).await? else {
            return Ok(());
        };
        let Some(ts) = self.message_ts(&request).await? else {
            return Ok(());
        };
        let approvals = self.store.approvals(id).await?;
        if let Err(error) = self
            .surface
            .update(&ts, &request_message(&request, &approvals))
            .await
        {
            tracing::warn!(%error, request = %id, "could not update the emergency request message");
        }
        Ok(())
    }

    /// Where the request message is. When the store does not say (the post landed, but its
    /// answer was lost or gatebot stopped first), the message is looked for by its mark and,
    /// once found, remembered.
    async fn message_ts(&self, request: &EmergencyRequest) -> Result<Option<String>, StoreError> {
        let approval = &request.approval;
        if let Some(ts) = &approval.message_ts {
            return Ok(Some(ts.clone()));
        }
        let mark = request_mark(&approval.id);
        let found = match self
            .surface
            .marked_messages(approval.thread_ts.as_deref())
            .await
        {
            Ok(marked) => marked.into_iter().find(|message| message.mark == mark),
            Err(error) => {
                tracing::warn!(%error, request = %approval.id, "could not look for the emergency request message");
                None
            }
        };
        if let Some(found) = &found {
            let permalink = self.surface.permalink(&found.ts).await.ok();
            self.store
                .set_approval_message(&approval.id, &found.ts, permalink.as_deref())
                .await?;
        }
        Ok(found.map(|message| message.ts))
    }

    /// Closes an overdue request as expired, audits it and shows it; `false` when it was
    /// decided before this could expire it.
    pub(super) async fn expire(
        &self,
        request: &EmergencyRequest,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let approval = &request.approval;
        let closing = Closing {
            state: RequestState::Expired,
            by: "gatebot",
            at: now,
            reason: None,
        };
        if !self
            .store
            .close_emergency_request(&approval.id, RequestState::Pending, &closing, None)
            .await?
        {
            return Ok(false);
        }
        let approvals = self.store.approvals(&approval.id).await?;
        self.store
            .audit(&AuditEntry {
                at: now,
                actor: "gatebot".into(),
                action: "emergency.expire".into(),
                target: approval.id.clone(),
                outcome: "ok".into(),
                detail: format!(
                    "the emergency request for {} by {} expired at {} with {} of {} approvals; \
                     nothing was released",
                    request.key.snapshot,
                    approval.requester,
                    approval.expires_at,
                    approvals.len(),
                    approval.approvals_needed
                ),
                channel: Some(approval.channel.clone()),
                thread: approval.thread_ts.clone(),
            })
            .await?;
        self.refresh_message(&approval.id).await?;
        Ok(true)
    }

    /// Expires `request` if it is overdue, then answers why it can no longer be decided.
    pub(super) async fn refuse_closed(
        &self,
        request: EmergencyRequest,
        now: Timestamp,
    ) -> Result<Answer, StoreError> {
        let id = request.approval.id.clone();
        if request.approval.state == RequestState::Pending {
            self.expire(&request, now).await?;
        }
        let closed = self.store.emergency_request(&id).await?.unwrap_or(request);
        Ok(Answer::refused(&id, &already_decided(&closed)))
    }

    /// The request `id`, or the refusal that says no request has that id.
    pub(super) async fn request(
        &self,
        id: &str,
    ) -> Result<Result<EmergencyRequest, Answer>, StoreError> {
        Ok(self.store.emergency_request(id).await?.ok_or_else(|| {
            Answer::refused(
                id,
                &format!(
                    "No emergency request has the id `{id}`. Request ids are in the request \
                     messages (`em-` and eight letters and digits); copy one from there."
                ),
            )
        }))
    }
}

/// The request an `approve` without an id means: the open request of the thread's snapshot,
/// else the only open request; otherwise the refusal that says which there are.
pub async fn the_open_request(
    store: &Store,
    thread_snapshot: Option<&SnapshotKey>,
) -> Result<Result<String, Answer>, StoreError> {
    if let Some(key) = thread_snapshot
        && let Some(request) = store
            .pending_approval_request(ApprovalKind::EmergencyRelease, &key.to_string())
            .await?
    {
        return Ok(Ok(request.id));
    }
    let pending = store.pending_approval_requests().await?;
    Ok(match pending.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Answer::refused(
            "",
            "No emergency request is open, so there is nothing to approve.",
        )),
        several => {
            let ids: Vec<String> = several
                .iter()
                .map(|request| format!("`{}` ({})", request.id, subject_snapshot(&request.subject)))
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

/// The snapshot name of an emergency request's subject (`gate/snapshot`).
fn subject_snapshot(subject: &str) -> &str {
    subject
        .split_once('/')
        .map_or(subject, |(_, snapshot)| snapshot)
}

/// Why a request that is no longer pending cannot be approved or denied.
pub fn already_decided(request: &EmergencyRequest) -> String {
    let approval = &request.approval;
    let id = &approval.id;
    let by = approval.closed_by.as_deref().unwrap_or("someone");
    let at = approval
        .closed_at
        .map_or_else(String::new, |at| format!(" at {at}"));
    let release = request.release_name.as_deref().unwrap_or("(unknown)");
    let snapshot = &request.key.snapshot;
    match approval.state {
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
             needed, ask again with `emergency {snapshot} <justification>`.",
            approval.expires_at
        ),
        RequestState::Overtaken => format!(
            "Request `{id}` is closed: `{snapshot}` has Release `{release}` already, so no \
             emergency Release is needed."
        ),
        RequestState::Pending => format!("Request `{id}` is still open."),
    }
}
