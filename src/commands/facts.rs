//! Gathering what the answers need about a snapshot: its verdict evaluated now, its Release,
//! and the gate that tracks it — from a full name, part of one, or `latest`.

use super::SnapshotArg;
use super::answers::{SnapshotFacts, resolve};
use super::context::Context;
use crate::engine::{Engine, GateSpec};
use crate::store::StoreError;

/// A snapshot named in a command, with what is known about it.
pub struct Found<'a> {
    pub facts: SnapshotFacts,
    pub gate: &'a GateSpec,
}

/// The snapshot a command names, or a sentence saying why none matches.
pub async fn find_snapshot<'a>(
    context: &Context<'a>,
    reference: &SnapshotArg,
) -> Result<Result<Found<'a>, String>, StoreError> {
    let tracked = context.tracked_snapshots();
    let snapshot = match resolve(reference, &tracked) {
        Ok(snapshot) => snapshot,
        Err(why) => return Ok(Err(why)),
    };
    let Some(gate) = context
        .engine
        .gates()
        .iter()
        .find(|gate| gate.name == snapshot.gate)
    else {
        return Ok(Err(format!("No gate tracks `{}` any more.", snapshot.name)));
    };
    Ok(snapshot_facts(context.engine, &gate.name, &snapshot.name)
        .await?
        .map(|facts| Found { facts, gate })
        .ok_or_else(|| format!("No gate tracks `{}` any more.", snapshot.name)))
}

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
