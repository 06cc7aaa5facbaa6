//! `emergency <snapshot> <justification>`: a releaser asks to release a snapshot before its gate
//! passed. The emergency workflow records and posts the request; nothing is released here.

use super::SnapshotArg;
use super::context::Context;
use super::facts::find_snapshot;
use crate::chat::Answer;
use crate::emergency::justification_problem;
use crate::store::StoreError;

pub async fn emergency(
    snapshot: &SnapshotArg,
    justification: &str,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let typed = snapshot.typed();
    if let Some(problem) = justification_problem(justification) {
        return Ok(Answer::refused(typed, &problem));
    }
    let found = match find_snapshot(context, snapshot).await? {
        Ok(found) => found,
        Err(why) => return Ok(Answer::refused(typed, &why)),
    };
    context
        .emergencies()
        .ask(&context.actor(), &found.facts, found.gate, justification)
        .await
}
