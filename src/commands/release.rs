//! `release`: a releaser asks for a snapshot's Release. Only a passed gate is released, through
//! the same decide-then-create path the automatic gates use, so asking twice or racing the gate
//! still makes one Release.

use super::SnapshotArg;
use super::answers::blocked_why as blocked_why_text;
use super::context::Context;
use super::facts::find_snapshot;
use crate::chat::Answer;
use crate::engine::{Decided, ReleaseDecision};
use crate::gate::{Decision, ReleaseKind, SnapshotKey, release_line};
use crate::store::StoreError;

pub async fn release(snapshot: &SnapshotArg, context: &Context<'_>) -> Result<Answer, StoreError> {
    let (facts, gate, catalog) = match find_snapshot(context, snapshot).await? {
        Ok(found) => (found.facts, found.gate, found.catalog),
        Err(why) => return Ok(Answer::refused(snapshot.typed(), &why)),
    };
    let name = facts.snapshot.name.as_str();
    if let Some(existing) = &facts.release {
        return Ok(Answer::refused(
            name,
            &format!("`{name}` is released already: {}.", release_line(existing)),
        ));
    }
    if facts.verdict.decision != Decision::Passed {
        let why = blocked_why_text(&facts, &catalog);
        return Ok(Answer::refused(
            name,
            &format!("Nothing was released: the gate has not passed for `{name}`.\n{why}"),
        ));
    }
    let decision = ReleaseDecision {
        snapshot: name,
        kind: ReleaseKind::Manual,
        release_plan: &gate.release_plan,
        reason: format!(
            "released on request of {} after gate {} passed ({})",
            context.actor, gate.name, facts.verdict.tally
        ),
        actor: context.actor,
        channel: Some(context.channel),
        thread: context.thread,
        now: context.now,
        annotations: Default::default(),
    };
    match context.engine.decide_release(gate, &decision).await? {
        Decided::Existing(existing) => Ok(Answer::refused(
            name,
            &format!("`{name}` is released already: {}.", release_line(&existing)),
        )),
        Decided::New(record) => {
            context.engine.create_decided_releases().await?;
            let key = SnapshotKey::new(&gate.name, name);
            let now = context.engine.release(&key).await?.unwrap_or(record);
            let text = format!(
                "{} (plan {}, namespace {}). Progress is posted in the snapshot's thread.",
                release_line(&now),
                now.release_plan,
                now.namespace
            );
            Ok(Answer::text(&text).audited(name, "ok", release_line(&now)))
        }
    }
}
