//! `blocked-why`: for each cell that keeps a snapshot from release, what it is, since when, and
//! what would unblock it. Inside a snapshot's thread the snapshot goes without saying.

use super::SnapshotArg;
use super::answers::blocked_why as blocked_why_text;
use super::context::Context;
use super::facts::find_snapshot;
use crate::chat::Answer;
use crate::store::StoreError;

pub async fn blocked_why(
    snapshot: Option<SnapshotArg>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let reference = snapshot
        .or_else(|| {
            context
                .thread_snapshot
                .map(|thread| SnapshotArg::Named(thread.snapshot.clone()))
        })
        .unwrap_or(SnapshotArg::Latest);
    Ok(match find_snapshot(context, &reference).await? {
        Ok(found) => Answer::text(&blocked_why_text(&found.facts, &found.catalog)),
        Err(why) => Answer::text(&why),
    })
}
