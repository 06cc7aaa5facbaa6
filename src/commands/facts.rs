//! Gathering what the answers need about a snapshot: its verdict evaluated now and its Release.

use crate::commands::answers::SnapshotFacts;
use crate::engine::Engine;
use crate::store::StoreError;

/// The facts about one tracked snapshot, or `None` when no gate tracks it.
pub async fn snapshot_facts(
    engine: &Engine,
    gate: &str,
    snapshot: &str,
) -> Result<Option<SnapshotFacts>, StoreError> {
    let Some((snapshot, verdict)) = engine.verdict(gate, snapshot) else {
        return Ok(None);
    };
    let release = engine
        .store()
        .release_for_snapshot(gate, &snapshot.name)
        .await?;
    Ok(Some(SnapshotFacts {
        snapshot,
        verdict,
        release,
    }))
}
