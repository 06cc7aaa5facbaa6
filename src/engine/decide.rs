//! Deciding a Release: the one way a snapshot gets a Release record, whoever asks — the gate
//! when it passes, a releaser's `release`, an approved emergency.
//!
//! The store allows one Release per snapshot, so two deciders racing (a gate pass and a person,
//! two replicas) end with one record; the loser is told which one holds. The decision is
//! audited; creating the Release in Konflux is the act loop's job.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{Engine, GateSpec};
use crate::gate::{ReleaseKind, ReleaseRecord, ReleaseStatus};
use crate::konflux::release_name;
use crate::store::{AuditEntry, StoreError};

/// Who asks to release which snapshot, and why.
#[derive(Debug, Clone)]
pub struct ReleaseDecision<'a> {
    pub snapshot: &'a str,
    pub kind: ReleaseKind,
    pub release_plan: &'a str,
    /// Why, in a sentence: kept on the record and in the audit log.
    pub reason: String,
    /// A chat user id, or `gatebot`.
    pub actor: &'a str,
    pub channel: Option<&'a str>,
    pub thread: Option<&'a str>,
    pub now: Timestamp,
    /// Put on the Release beside gatebot's own marks, e.g. an emergency's justification.
    pub annotations: BTreeMap<String, String>,
}

/// What deciding came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// This decision holds; the Release will be created.
    New(ReleaseRecord),
    /// The snapshot already had a Release, decided earlier or by someone else.
    Existing(ReleaseRecord),
}

impl Engine {
    /// Records the decision to release a snapshot unless one holds already, and audits it.
    pub async fn decide_release(
        &self,
        gate: &GateSpec,
        decision: &ReleaseDecision<'_>,
    ) -> Result<Decided, StoreError> {
        let record = ReleaseRecord {
            name: release_name(decision.snapshot, decision.release_plan),
            namespace: gate.namespace.clone(),
            gate: gate.name.clone(),
            snapshot: decision.snapshot.to_string(),
            release_plan: decision.release_plan.to_string(),
            kind: decision.kind,
            status: ReleaseStatus::Decided,
            status_message: Some(decision.reason.clone()),
            decided_at: decision.now,
            created_at: None,
            updated_at: decision.now,
        };
        let claim = self
            .inner
            .store
            .decide_release(&record, &decision.annotations)
            .await?;
        if !claim.won {
            return Ok(Decided::Existing(claim.record));
        }
        self.inner
            .store
            .audit(&AuditEntry {
                at: decision.now,
                actor: decision.actor.to_string(),
                action: "release.decide".into(),
                target: decision.snapshot.to_string(),
                outcome: "ok".into(),
                detail: format!(
                    "{} Release {} decided: {}",
                    decision.kind, record.name, decision.reason
                ),
                channel: decision.channel.map(str::to_string),
                thread: decision.thread.map(str::to_string),
            })
            .await?;
        Ok(Decided::New(claim.record))
    }
}
