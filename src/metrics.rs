//! Prometheus metrics, fed from the engine's events so that no loop carries metrics code.
//!
//! Exposed as OpenMetrics text on `/metrics` (see `server`).

use std::collections::HashMap;
use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::{Engine, GateEvent};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GateLabels {
    gate: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    gate: String,
    decision: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    gate: String,
    outcome: String,
}

/// The metrics gatebot exports.
#[derive(Default)]
pub struct Metrics {
    snapshots: Family<DecisionLabels, Gauge>,
    releases_created: Family<GateLabels, Counter>,
    release_create_failures: Family<GateLabels, Counter>,
    releases_finished: Family<OutcomeLabels, Counter>,
    blocked_cells: Family<GateLabels, Counter>,
    release_plan_bypass_reports: Family<GateLabels, Counter>,
    unexpected_releases: Counter,
    rounds_started: Family<GateLabels, Counter>,
    retries: Family<GateLabels, Counter>,
}

impl Metrics {
    /// Registers every metric under the `gatebot` prefix.
    pub fn register(self: &Arc<Self>, registry: &mut Registry) {
        let registry = registry.sub_registry_with_prefix("gatebot");
        registry.register(
            "snapshots",
            "Tracked snapshots by their latest decision",
            self.snapshots.clone(),
        );
        registry.register(
            "releases_created",
            "Releases gatebot created (or confirmed after a retry)",
            self.releases_created.clone(),
        );
        registry.register(
            "release_create_failures",
            "Release creations that failed after retries",
            self.release_create_failures.clone(),
        );
        registry.register(
            "releases_finished",
            "Releases Konflux finished, by outcome",
            self.releases_finished.clone(),
        );
        registry.register(
            "blocked_cells",
            "Required cells that failed or timed out",
            self.blocked_cells.clone(),
        );
        registry.register(
            "release_plan_bypass_reports",
            "Times a ReleasePlan was found letting Konflux release by itself",
            self.release_plan_bypass_reports.clone(),
        );
        registry.register(
            "rounds_started",
            "Rounds gatebot started: every cell's job triggered for one snapshot",
            self.rounds_started.clone(),
        );
        registry.register(
            "retries",
            "Failed attempts of a round that gatebot runs again, on the evidence of the job's pass rate",
            self.retries.clone(),
        );
        registry.register(
            "unexpected_releases",
            "Releases for a gated plan that gatebot did not create",
            self.unexpected_releases.clone(),
        );
    }

    /// Follows the engine's events until the engine is gone.
    pub async fn follow(self: Arc<Self>, engine: Engine) {
        let mut events = engine.subscribe();
        let mut decisions: HashMap<(String, String), String> = HashMap::new();
        // Start from what the store knows, so a restart does not reset the gauges to zero.
        for gate in engine.gates() {
            match engine.recorded_decisions(&gate.name).await {
                Ok(latest) => {
                    for (snapshot, decision) in latest {
                        self.snapshots
                            .get_or_create(&DecisionLabels {
                                gate: gate.name.clone(),
                                decision: decision.clone(),
                            })
                            .inc();
                        decisions.insert((gate.name.clone(), snapshot), decision);
                    }
                }
                Err(error) => {
                    tracing::warn!(gate = %gate.name, %error, "cannot seed metrics from the store")
                }
            }
        }
        loop {
            match events.recv().await {
                Ok(event) => self.count(&event, &mut decisions),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "metrics fell behind the engine's events");
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    fn count(&self, event: &GateEvent, decisions: &mut HashMap<(String, String), String>) {
        let gate_labels = |gate: &str| GateLabels {
            gate: gate.to_string(),
        };
        match event {
            GateEvent::VerdictChanged {
                gate,
                snapshot,
                decision,
                ..
            } => {
                let now = <&str>::from(decision).to_string();
                let before = decisions.insert((gate.clone(), snapshot.clone()), now.clone());
                if before.as_deref() != Some(now.as_str()) {
                    if let Some(before) = before {
                        self.snapshots
                            .get_or_create(&DecisionLabels {
                                gate: gate.clone(),
                                decision: before,
                            })
                            .dec();
                    }
                    self.snapshots
                        .get_or_create(&DecisionLabels {
                            gate: gate.clone(),
                            decision: now,
                        })
                        .inc();
                }
            }
            GateEvent::CellBlocked { gate, .. } => {
                self.blocked_cells.get_or_create(&gate_labels(gate)).inc();
            }
            GateEvent::ReleaseCreated { gate, .. } => {
                self.releases_created
                    .get_or_create(&gate_labels(gate))
                    .inc();
            }
            GateEvent::ReleaseCreateFailed { gate, .. } => {
                self.release_create_failures
                    .get_or_create(&gate_labels(gate))
                    .inc();
            }
            GateEvent::ReleaseFinished {
                gate, succeeded, ..
            } => {
                let outcome = if *succeeded { "succeeded" } else { "failed" };
                self.releases_finished
                    .get_or_create(&OutcomeLabels {
                        gate: gate.clone(),
                        outcome: outcome.into(),
                    })
                    .inc();
            }
            GateEvent::ReleasePlanBypassed { gate, .. } => {
                self.release_plan_bypass_reports
                    .get_or_create(&gate_labels(gate))
                    .inc();
            }
            GateEvent::UnexpectedRelease { .. } => {
                self.unexpected_releases.inc();
            }
            GateEvent::RoundStarted { gate, .. } => {
                self.rounds_started.get_or_create(&gate_labels(gate)).inc();
            }
            GateEvent::AttemptFinished {
                gate, retry: true, ..
            } => {
                self.retries.get_or_create(&gate_labels(gate)).inc();
            }
            GateEvent::SnapshotTracked { .. }
            | GateEvent::VersionBecameGa { .. }
            | GateEvent::AttemptFinished { .. }
            | GateEvent::GangwayTrouble { .. }
            | GateEvent::GangwayRecovered { .. } => {}
        }
    }
}
