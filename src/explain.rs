//! Answers "why is this snapshot (not) released?" from the store alone: the gate's verdict
//! evaluated now, plus the facts around it — the Release, a bypassed ReleasePlan, Releases
//! gatebot did not create.
//!
//! `gatebot explain` uses it, so the answer needs no running bot, only its store.

use jiff::Timestamp;

use crate::engine::{GateSpec, Tracker, evaluate_one};
use crate::gate::explain::explain;
use crate::konflux::AutoReleaseCheck;
use crate::rounds::evidence::evidence_by_cell;
use crate::store::{Store, StoreError};

/// The full explanation of a snapshot, or `None` when no gate tracks it.
pub async fn explain_snapshot(
    store: &Store,
    gates: &[GateSpec],
    snapshot: &str,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let tracker = Tracker::load(store, gates).await?;
    let Some((gate, tracked)) = gates
        .iter()
        .find_map(|gate| tracker.snapshot(&gate.name, snapshot).map(|s| (gate, s)))
    else {
        return Ok(None);
    };
    // Without a running bot there is no release-controller answer: the configuration's GA
    // status is what there is.
    let verdict = evaluate_one(gate, &gate.catalog, &tracker, tracked, now);
    let notes = notes(store, gate, snapshot).await?;
    let attempts = tracker.attempts(snapshot);
    let records = tracker.job_records(&verdict, attempts, gate.rounds.retry.history_window);
    let cell_notes = evidence_by_cell(&verdict, attempts, &records);
    Ok(Some(explain(
        &gate.policy,
        &gate.catalog,
        tracked,
        &verdict,
        (&notes, &cell_notes),
    )))
}

/// The facts around a verdict, each a sentence.
async fn notes(store: &Store, gate: &GateSpec, snapshot: &str) -> Result<Vec<String>, StoreError> {
    let mut notes = Vec::new();
    if let Some(check) = store.release_plan_check(&gate.name).await? {
        let label = AutoReleaseCheck {
            label: check.auto_release,
            bypassed: check.bypassed,
        };
        if let Some(warning) = label.warning(&gate.namespace, &check.release_plan) {
            notes.push(format!("{warning} (checked {})", check.checked_at));
        }
    }
    if let Some(release) = store.release_for_snapshot(&gate.name, snapshot).await? {
        let message = release
            .status_message
            .as_deref()
            .filter(|m| !m.is_empty() && release.status.is_final())
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        notes.push(format!(
            "Release {} ({} release, decided {}) is {}{message}",
            release.name, release.kind, release.decided_at, release.status
        ));
    }
    for unexpected in store.unexpected_releases().await? {
        if unexpected.snapshot == snapshot && unexpected.release_plan == gate.release_plan {
            let author = unexpected.author.as_deref().unwrap_or("unknown author");
            notes.push(format!(
                "Release {} for this snapshot was not created by gatebot (author {author}, seen {})",
                unexpected.name, unexpected.first_seen_at
            ));
        }
    }
    Ok(notes)
}
