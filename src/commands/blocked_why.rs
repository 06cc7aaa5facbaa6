//! `blocked-why`: for each cell that keeps a snapshot from release, what it is, since when, and
//! what would unblock it. Inside a snapshot's thread the snapshot goes without saying.

use super::SnapshotArg;
use super::answers::{blocked_why as blocked_why_text, resolve};
use super::context::{Answer, Context};
use super::facts::snapshot_facts;
use super::parse::Invocation;
use crate::store::StoreError;

pub async fn blocked_why(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let reference = invocation
        .args
        .snapshot("snapshot")
        .or_else(|| {
            context
                .thread_snapshot
                .map(|thread| SnapshotArg::Named(thread.snapshot.clone()))
        })
        .unwrap_or(SnapshotArg::Latest);
    let tracked = context.tracked_snapshots();
    let snapshot = match resolve(&reference, &tracked) {
        Ok(snapshot) => snapshot,
        Err(why) => return Ok(Answer::text(&why)),
    };
    let Some(facts) = snapshot_facts(context.engine, &snapshot.gate, &snapshot.name).await? else {
        return Ok(Answer::text(&format!(
            "No gate tracks `{}` any more.",
            snapshot.name
        )));
    };
    let gate = context
        .engine
        .gates()
        .iter()
        .find(|gate| gate.name == snapshot.gate)
        .expect("a tracked snapshot belongs to a configured gate");
    Ok(Answer::text(&blocked_why_text(&facts, &gate.catalog)))
}
