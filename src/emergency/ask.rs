//! Asking for an emergency release. Nothing is released here: the request is recorded, posted
//! in the snapshot's thread and broadcast to the channel with Approve and Deny buttons, and
//! waits for a second person.

use std::hash::BuildHasher;

use jiff::Timestamp;

use super::message::{request_mark, request_message};
use super::{Actor, Emergencies, EmergencyRequest};
use crate::approvals::{ApprovalKind, ApprovalRequest, RequestState, subject_digest};
use crate::chat::{Answer, Placement};
use crate::engine::{GateSpec, ReleaseMode, SnapshotFacts};
use crate::gate::{Decision, release_line, verdict_line};
use crate::store::StoreError;

impl Emergencies<'_> {
    /// Asks to release the snapshot of `facts` without its gate; the justification has been
    /// checked already (`justification_problem`).
    pub async fn ask(
        &self,
        actor: &Actor<'_>,
        facts: &SnapshotFacts,
        gate: &GateSpec,
        justification: &str,
    ) -> Result<Answer, StoreError> {
        let name = facts.snapshot.name.as_str();
        if let Some(existing) = &facts.release {
            return Ok(Answer::refused(
                name,
                &format!(
                    "`{name}` is released already: {}. An emergency release is only for a \
                     snapshot without one.",
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
        let key = facts.snapshot.key();
        // A request whose time ran out still holds the snapshot's one open slot until the sweep
        // closes it; close it now rather than turn this request away.
        self.expire_overdue(actor.now).await?;
        if let Some(open) = self.store.pending_emergency_request(&key).await? {
            return Ok(Answer::refused(name, &already_open(&open)));
        }
        let request = self.new_request(actor, facts, gate, justification).await?;
        if !self.store.record_emergency_request(&request).await? {
            let Some(open) = self.store.pending_emergency_request(&key).await? else {
                return Ok(Answer::refused(
                    name,
                    "Two requests drew the same id by chance; nothing was recorded. Ask again.",
                ));
            };
            return Ok(Answer::refused(name, &already_open(&open)));
        }
        let posted = self.post(&request).await?;
        let approval = &request.approval;
        let id = &approval.id;
        let text = format!(
            "Emergency request `{id}` for `{name}` is recorded; nothing is released yet. \
             {posted}. It needs {} approval(s) from approvers other than you by {}.",
            approval.approvals_needed, approval.expires_at
        );
        Ok(Answer::text(&text).audited(
            name,
            "ok",
            format!("request {id} opened, open until {}", approval.expires_at),
        ))
    }

    async fn new_request(
        &self,
        actor: &Actor<'_>,
        facts: &SnapshotFacts,
        gate: &GateSpec,
        justification: &str,
    ) -> Result<EmergencyRequest, StoreError> {
        let key = facts.snapshot.key();
        let thread_ts = self
            .store
            .chat_thread(&key.gate, &key.snapshot)
            .await?
            .map(|thread| thread.ts);
        // Whole seconds, as the store keeps them, so every message shows the same times.
        let now = Timestamp::from_second(actor.now.as_second()).unwrap_or(actor.now);
        let digest = facts.snapshot.digest.clone();
        let release_plan = self.settings.release_plan(gate);
        // What the approvers approve: this build of this snapshot, released through this plan,
        // for this reason.
        let subject_digest = subject_digest(&[
            &key.gate,
            &key.snapshot,
            digest.as_deref().unwrap_or(&facts.snapshot.image),
            release_plan,
            justification,
        ]);
        Ok(EmergencyRequest {
            approval: ApprovalRequest {
                id: new_request_id(&key.snapshot, actor.user, now),
                kind: ApprovalKind::EmergencyRelease,
                subject: key.to_string(),
                subject_digest,
                requester: actor.user.to_string(),
                approvals_needed: self.settings.approvals_needed,
                state: RequestState::Pending,
                requested_at: now,
                expires_at: now
                    .saturating_add(self.settings.request_ttl)
                    .unwrap_or(Timestamp::MAX),
                channel: actor.channel.to_string(),
                thread_ts,
                message_ts: None,
                permalink: None,
                closed_by: None,
                closed_at: None,
                reason: None,
            },
            key,
            digest,
            git_revision: facts.snapshot.git_revision.clone(),
            gate_state: verdict_line(&facts.verdict),
            justification: justification.to_string(),
            release_name: None,
        })
    }

    /// Posts the request message and remembers where; returns a sentence saying where it went.
    async fn post(&self, request: &EmergencyRequest) -> Result<String, StoreError> {
        let id = &request.approval.id;
        let (placement, where_) = match request.approval.thread_ts.as_deref() {
            Some(thread) => (
                Placement::Broadcast { thread },
                "It is posted in the snapshot's thread and in the channel",
            ),
            None => (Placement::TopLevel, "It is posted in the channel"),
        };
        let ts = match self
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
        let permalink = match self.surface.permalink(&ts).await {
            Ok(link) => Some(link),
            Err(error) => {
                tracing::warn!(%error, request = %id, "no permalink for the emergency request");
                None
            }
        };
        self.store
            .set_approval_message(id, &ts, permalink.as_deref())
            .await?;
        // An approver who typed the id while the message was being posted may have decided the
        // request already; the message must not offer buttons for it.
        let decided = self
            .store
            .approval_request(id)
            .await?
            .is_some_and(|now| now.state != RequestState::Pending);
        if decided {
            self.refresh_message(id).await?;
        }
        Ok(where_.to_string())
    }
}

fn already_open(open: &EmergencyRequest) -> String {
    let approval = &open.approval;
    format!(
        "`{}` has an emergency request waiting already: `{}`, asked by {}, open until {}. \
         Approve or deny that one; a second request would split the approvers.",
        open.key.snapshot, approval.id, approval.requester, approval.expires_at
    )
}

/// A short id people can type: `em-` and eight hex digits, different for every request.
fn new_request_id(snapshot: &str, requester: &str, now: Timestamp) -> String {
    // Each `RandomState` is seeded afresh, so equal inputs still give different ids.
    let hash = std::collections::hash_map::RandomState::new().hash_one((snapshot, requester, now));
    format!("em-{:08x}", hash & 0xffff_ffff)
}
