//! Acting: creating the Releases the store says were decided and not yet created.
//!
//! This is the only place that creates Releases. It runs after every evaluation and at start-up,
//! so a crash between "decided" and "created" is finished by the next pass; the deterministic
//! name and `AlreadyExists` handling make the repeat harmless.

use super::{Engine, GateEvent};
use crate::gate::{ReleaseRecord, ReleaseStatus};
use crate::konflux::{CreateOutcome, ReleaseRequest};
use crate::store::{AuditEntry, StoreError};

impl Engine {
    /// Creates every decided Release that is not in the cluster yet.
    pub async fn create_decided_releases(&self) -> Result<(), StoreError> {
        let _one_at_a_time = self.inner.acting.lock().await;
        let decided: Vec<ReleaseRecord> = self
            .inner
            .store
            .open_releases()
            .await?
            .into_iter()
            .filter(|record| record.status == ReleaseStatus::Decided)
            .collect();
        for record in decided {
            self.create_release(&record).await?;
        }
        Ok(())
    }

    async fn create_release(&self, record: &ReleaseRecord) -> Result<(), StoreError> {
        let gate = self.inner.gates.iter().find(|g| g.name == record.gate);
        let annotations = self.inner.store.release_annotations(&record.name).await?;
        let request = ReleaseRequest {
            namespace: record.namespace.clone(),
            name: record.name.clone(),
            snapshot: record.snapshot.clone(),
            release_plan: record.release_plan.clone(),
            grace_period_days: gate.and_then(|g| g.grace_period_days),
            gate: record.gate.clone(),
            kind: record.kind.to_string(),
            annotations,
            verdict: record.status_message.clone().unwrap_or_default(),
        };
        let outcome = self.inner.konflux.create_release(&request).await;
        let now = self.inner.clock.now();
        let store = &self.inner.store;
        let (audit_outcome, detail) = match &outcome {
            Ok(created) => {
                store
                    .update_release_status(&record.name, ReleaseStatus::Progressing, None, now)
                    .await?;
                let how = match created {
                    CreateOutcome::Created => "created",
                    CreateOutcome::AlreadyExisted => {
                        "already existed (an earlier attempt created it)"
                    }
                };
                tracing::info!(release = %record.name, snapshot = %record.snapshot, "Release {how}");
                self.emit(GateEvent::ReleaseCreated {
                    gate: record.gate.clone(),
                    snapshot: record.snapshot.clone(),
                    release: record.name.clone(),
                    namespace: record.namespace.clone(),
                });
                ("ok", format!("Release {} {how}", record.name))
            }
            Err(error) => {
                tracing::error!(release = %record.name, %error, "creating the Release failed; the next pass tries again");
                self.emit(GateEvent::ReleaseCreateFailed {
                    gate: record.gate.clone(),
                    snapshot: record.snapshot.clone(),
                    release: record.name.clone(),
                    error: error.to_string(),
                });
                ("failed", error.to_string())
            }
        };
        store
            .audit(&AuditEntry {
                at: now,
                actor: "gatebot".into(),
                action: "release.create".into(),
                target: record.name.clone(),
                outcome: audit_outcome.into(),
                detail,
                channel: None,
                thread: None,
            })
            .await
    }
}
