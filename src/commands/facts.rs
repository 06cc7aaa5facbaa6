//! Finding the snapshot a command names — a full name, part of one, or `latest` — and what the
//! engine knows about it now.

use super::SnapshotArg;
use super::answers::resolve;
use super::context::Context;
use crate::engine::{GateSpec, SnapshotFacts};
use crate::gate::VersionCatalog;
use crate::store::StoreError;

/// A snapshot named in a command, with what is known about it.
pub struct Found<'a> {
    pub facts: SnapshotFacts,
    pub gate: &'a GateSpec,
    /// The GA catalog the gate is evaluated with now, which the explanation must agree with.
    pub catalog: VersionCatalog,
}

/// The snapshot a command names, or a sentence saying why none matches.
pub async fn find_snapshot<'a>(
    context: &Context<'a>,
    reference: &SnapshotArg,
) -> Result<Result<Found<'a>, String>, StoreError> {
    let tracked = context.engine.tracked_snapshots();
    let snapshot = match resolve(reference, &tracked) {
        Ok(snapshot) => snapshot,
        Err(why) => return Ok(Err(why)),
    };
    let gone = || format!("No gate tracks `{}` any more.", snapshot.name);
    let (Some(gate), Some(catalog)) = (
        context.engine.gate(&snapshot.gate),
        context.engine.catalog_of(&snapshot.key()),
    ) else {
        return Ok(Err(gone()));
    };
    Ok(context
        .engine
        .facts(&snapshot.key())
        .await?
        .map(|facts| Found {
            facts,
            gate,
            catalog,
        })
        .ok_or_else(gone))
}
