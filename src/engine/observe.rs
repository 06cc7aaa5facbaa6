//! Observing Konflux: Snapshots of each gate (watched with the gate's label selector), Releases
//! in each gate namespace (to follow ours and catch unexpected ones), and each ReleasePlan's
//! auto-release label.

use futures::StreamExt;
use kube::api::DynamicObject;
use kube::runtime::{WatchStreamExt, watcher};

use super::{Engine, GateEvent};
use crate::gate::ReleaseStatus;
use crate::konflux::{ReleasedCondition, SnapshotProblem, observe_release, parse_snapshot};
use crate::store::{ReleasePlanCheck, UnexpectedRelease};

/// Follows one gate's Snapshots for as long as the engine runs.
pub(super) async fn watch_snapshots(engine: Engine, gate_index: usize) {
    let gate = &engine.inner.gates[gate_index];
    let api = engine.inner.konflux.snapshots(&gate.namespace);
    let config = watcher::Config::default().labels(&gate.snapshot_selector);
    let mut events = watcher(api, config).default_backoff().boxed();
    let mut listed_once = false;
    while let Some(event) = events.next().await {
        match event {
            Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) => {
                if let Err(error) = engine.observe_snapshot(gate_index, &object).await {
                    tracing::error!(gate = %gate.name, %error, "could not record a snapshot; it will be read again on the next relist");
                }
            }
            Ok(watcher::Event::InitDone) if !listed_once => {
                listed_once = true;
                engine.inner.ready.send_modify(|r| r.snapshots_listed += 1);
            }
            // Konflux garbage-collects old Snapshots; gatebot keeps its record of them.
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(gate = %gate.name, %error, "watching Snapshots failed; retrying with backoff");
            }
        }
    }
}

impl Engine {
    async fn observe_snapshot(
        &self,
        gate_index: usize,
        object: &DynamicObject,
    ) -> Result<(), crate::store::StoreError> {
        let gate = &self.inner.gates[gate_index];
        let now = self.inner.clock.now();
        let snapshot = match parse_snapshot(object, &gate.name, &gate.component) {
            Ok(snapshot) => snapshot,
            Err(problem) => {
                let source = problem.source();
                let detail = problem.to_string();
                if self
                    .inner
                    .store
                    .record_problem(&source, &detail, now)
                    .await?
                {
                    match problem {
                        SnapshotProblem::MissingComponent { .. } => {
                            tracing::info!(gate = %gate.name, %source, "{detail}")
                        }
                        SnapshotProblem::Malformed { .. } => {
                            tracing::warn!(gate = %gate.name, %source, "{detail}")
                        }
                    }
                }
                return Ok(());
            }
        };
        if self.inner.store.record_snapshot(&snapshot, now).await? {
            tracing::info!(gate = %gate.name, snapshot = %snapshot.name, image = %snapshot.image, "tracking a new snapshot");
            let name = snapshot.name.clone();
            let added = self
                .inner
                .tracker
                .lock()
                .expect("tracker lock poisoned")
                .add_snapshot(snapshot);
            if added {
                self.emit(GateEvent::SnapshotTracked {
                    gate: gate.name.clone(),
                    snapshot: name,
                });
                self.mark_dirty();
            }
        }
        Ok(())
    }
}

/// Follows the Releases of one namespace: the status of gatebot's own, and any Release for a
/// gated plan that gatebot did not create.
pub(super) async fn watch_releases(engine: Engine, namespace: String) {
    let api = engine.inner.konflux.releases(&namespace);
    let mut events = watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    while let Some(event) = events.next().await {
        match event {
            Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) => {
                if let Err(error) = engine.observe_release(&object).await {
                    tracing::error!(%namespace, %error, "could not record a Release's state; it will be read again");
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%namespace, %error, "watching Releases failed; retrying with backoff");
            }
        }
    }
}

impl Engine {
    async fn observe_release(
        &self,
        object: &DynamicObject,
    ) -> Result<(), crate::store::StoreError> {
        let release = observe_release(object);
        let now = self.inner.clock.now();
        let store = &self.inner.store;
        let gate =
            self.inner.gates.iter().find(|g| {
                g.namespace == release.namespace && g.release_plan == release.release_plan
            });

        if !release.created_by_gatebot {
            if let Some(gate) = gate {
                let unexpected = UnexpectedRelease {
                    namespace: release.namespace.clone(),
                    name: release.name.clone(),
                    release_plan: release.release_plan.clone(),
                    snapshot: release.snapshot.clone(),
                    author: release.author.clone(),
                    first_seen_at: now,
                };
                if store.record_unexpected_release(&unexpected).await? {
                    tracing::error!(
                        gate = %gate.name, release = %release.name, snapshot = %release.snapshot,
                        author = ?release.author,
                        "a Release for the gated plan was not created by gatebot: the gate was bypassed"
                    );
                    self.emit(GateEvent::UnexpectedRelease {
                        gate: gate.name.clone(),
                        namespace: release.namespace,
                        name: release.name,
                        release_plan: release.release_plan,
                        snapshot: release.snapshot,
                    });
                }
            }
            return Ok(());
        }

        let (status, message) = match &release.released {
            ReleasedCondition::Unknown | ReleasedCondition::Progressing => {
                (ReleaseStatus::Progressing, None)
            }
            ReleasedCondition::Succeeded => (ReleaseStatus::Succeeded, None),
            ReleasedCondition::Failed { message } => (ReleaseStatus::Failed, Some(message.clone())),
        };
        if store
            .update_release_status(&release.name, status, message.as_deref(), now)
            .await?
            && status.is_final()
        {
            let gate_name = release
                .gate
                .clone()
                .or_else(|| gate.map(|g| g.name.clone()))
                .unwrap_or_default();
            tracing::info!(release = %release.name, status = %status, "Konflux finished the Release");
            self.emit(GateEvent::ReleaseFinished {
                gate: gate_name,
                snapshot: release.snapshot,
                release: release.name,
                succeeded: status == ReleaseStatus::Succeeded,
                message,
            });
        }
        Ok(())
    }
}

/// Checks one gate's ReleasePlan now and then, and reports loudly when it lets Konflux release
/// by itself.
pub(super) async fn check_release_plan(engine: Engine, gate_index: usize) {
    let mut ticks = tokio::time::interval(engine.inner.pace.release_plan_check_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let gate = &engine.inner.gates[gate_index];
        let now = engine.inner.clock.now();
        let check = match engine
            .inner
            .konflux
            .check_release_plan(&gate.namespace, &gate.release_plan)
            .await
        {
            Ok(check) => check,
            Err(error) => {
                let source = format!(
                    "releaseplans.appstudio.redhat.com/{}/{}",
                    gate.namespace, gate.release_plan
                );
                let detail = format!("cannot read the gate's ReleasePlan: {error}");
                tracing::warn!(gate = %gate.name, %source, "{detail}");
                let _ = engine
                    .inner
                    .store
                    .record_problem(&source, &detail, now)
                    .await;
                continue;
            }
        };
        let record = ReleasePlanCheck {
            gate: gate.name.clone(),
            release_plan: gate.release_plan.clone(),
            auto_release: check.label.clone(),
            bypassed: check.bypassed,
            checked_at: now,
        };
        match engine.inner.store.record_release_plan_check(&record).await {
            Ok(changed) => {
                if let Some(warning) = check.warning(&gate.namespace, &gate.release_plan) {
                    tracing::error!(gate = %gate.name, "{warning}");
                    if changed {
                        engine.emit(GateEvent::ReleasePlanBypassed {
                            gate: gate.name.clone(),
                            warning,
                        });
                    }
                }
            }
            Err(error) => {
                tracing::error!(gate = %gate.name, %error, "could not record the ReleasePlan check")
            }
        }
    }
}
