//! Turning an approved request into its Release: decided through the gate's own exactly-once
//! path, created with annotations saying why and by whom, its message updated, and the channel
//! told it needs review.
//!
//! `approve` does this right after closing a request as approved. If gatebot stops between the
//! two, the request is approved with no Release; the sweep finds it and grants it then, so an
//! approval is never lost.

use jiff::Timestamp;

use super::annotations::emergency_annotations;
use super::message::alert_message;
use super::{Emergencies, EmergencyRequest};
use crate::approvals::{Approval, Closing, RequestState};
use crate::chat::Placement;
use crate::engine::{Decided, GateSpec, ReleaseDecision};
use crate::gate::{ReleaseKind, ReleaseRecord};
use crate::konflux::release_name;
use crate::store::StoreError;

/// An approved request and where its approval came from.
pub struct Grant<'a> {
    pub room: Emergencies<'a>,
    pub gate: &'a GateSpec,
    pub request: &'a EmergencyRequest,
    pub approvals: &'a [Approval],
    /// Who gave the deciding approval, and when: the Release is decided in their name.
    pub approver: &'a str,
    pub approved_at: Timestamp,
    /// Where the deciding approval was given, for the audit log.
    pub channel: &'a str,
    pub thread: Option<&'a str>,
}

/// What granting came to.
pub enum Granted {
    /// The emergency Release, decided now.
    Released(ReleaseRecord),
    /// The snapshot had been released another way first; the request is closed as overtaken.
    Overtaken(ReleaseRecord),
}

impl Grant<'_> {
    pub async fn release(&self) -> Result<Granted, StoreError> {
        let decision = self.decision();
        let engine = self.room.engine;
        match engine.decide_release(self.gate, &decision).await? {
            // The approval and the sweep may grant the same request at once; the one that
            // decided the Release announces it, the other only sees it done.
            Decided::Existing(existing) if self.is_own(&existing) => {
                self.room.refresh_message(&self.request.approval.id).await?;
                Ok(Granted::Released(existing))
            }
            Decided::Existing(existing) => {
                self.close_as_overtaken(&existing).await?;
                Ok(Granted::Overtaken(existing))
            }
            Decided::New(record) => {
                engine.create_decided_releases().await?;
                let release = engine.release(&self.request.key).await?.unwrap_or(record);
                self.room.refresh_message(&self.request.approval.id).await?;
                self.announce(&release).await;
                Ok(Granted::Released(release))
            }
        }
    }

    /// Whether `existing` is this request's own emergency Release: Releases are named
    /// deterministically by snapshot and plan.
    fn is_own(&self, existing: &ReleaseRecord) -> bool {
        let plan = self.room.settings.release_plan(self.gate);
        existing.kind == ReleaseKind::Emergency
            && existing.name == release_name(&self.request.key.snapshot, plan)
    }

    fn decision(&self) -> ReleaseDecision<'_> {
        let request = self.request;
        let approvers: Vec<&str> = self.approvals.iter().map(|a| a.approver.as_str()).collect();
        ReleaseDecision {
            snapshot: &request.key.snapshot,
            kind: ReleaseKind::Emergency,
            release_plan: self.room.settings.release_plan(self.gate),
            reason: format!(
                "emergency release requested by {} and approved by {}; the gate was {} when \
                 requested",
                request.approval.requester,
                approvers.join(", "),
                request.gate_state
            ),
            actor: self.approver,
            channel: Some(self.channel),
            thread: self.thread,
            now: self.approved_at,
            annotations: emergency_annotations(
                &self.room.settings.annotation_prefix,
                request,
                self.approvals,
                self.approved_at,
            ),
        }
    }

    async fn close_as_overtaken(&self, existing: &ReleaseRecord) -> Result<(), StoreError> {
        let closing = Closing {
            state: RequestState::Overtaken,
            by: self.approver,
            at: self.approved_at,
            reason: Some("the snapshot was released another way first"),
        };
        let id = &self.request.approval.id;
        self.room
            .store
            .close_emergency_request(id, RequestState::Approved, &closing, Some(&existing.name))
            .await?;
        self.room.refresh_message(id).await
    }

    /// Posts the channel alert; a chat failure is logged, as the Release and the audit log
    /// already hold what happened.
    async fn announce(&self, release: &ReleaseRecord) {
        let surface = self.room.surface;
        let thread_link = match &self.request.approval.thread_ts {
            Some(thread) => surface.permalink(thread).await.ok(),
            None => None,
        };
        let alert = alert_message(
            self.request,
            self.approvals,
            release,
            thread_link.as_deref(),
        );
        let mark = format!("emergency-release:{}", release.name);
        if let Err(error) = surface.post(Placement::TopLevel, &mark, &alert).await {
            tracing::error!(%error, release = %release.name, "could not announce the emergency Release");
        }
    }
}
