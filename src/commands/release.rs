//! `release`: a releaser asks for a snapshot's Release. Only a passed gate is released, through
//! the same decide-then-create path the automatic gates use, so asking twice or racing the gate
//! still makes one Release.

use super::SnapshotArg;
use super::answers::{blocked_why as blocked_why_text, release_line, resolve};
use super::context::{Answer, Context};
use super::facts::snapshot_facts;
use super::parse::Invocation;
use crate::engine::{Decided, ReleaseDecision};
use crate::gate::Decision;
use crate::store::{ReleaseKind, StoreError};

pub async fn release(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    let reference = invocation
        .args
        .snapshot("snapshot")
        .expect("the catalogue makes the snapshot required");
    let tracked = context.tracked_snapshots();
    let snapshot = match resolve(&reference, &tracked) {
        Ok(snapshot) => snapshot,
        Err(why) => {
            let typed = match &reference {
                SnapshotArg::Named(name) => name.as_str(),
                SnapshotArg::Latest => "latest",
            };
            return Ok(refused(typed, why));
        }
    };
    let name = snapshot.name.as_str();
    let Some(facts) = snapshot_facts(context.engine, &snapshot.gate, name).await? else {
        return Ok(refused(name, format!("No gate tracks `{name}` any more.")));
    };
    let gate = context
        .engine
        .gates()
        .iter()
        .find(|gate| gate.name == snapshot.gate)
        .expect("a tracked snapshot belongs to a configured gate");
    if let Some(existing) = &facts.release {
        return Ok(refused(
            name,
            format!("`{name}` is released already: {}.", release_line(existing)),
        ));
    }
    if facts.verdict.decision != Decision::Passed {
        let why = blocked_why_text(&facts, &gate.catalog);
        return Ok(refused(
            name,
            format!("Nothing was released: the gate has not passed for `{name}`.\n{why}"),
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
    };
    match context.engine.decide_release(gate, &decision).await? {
        Decided::Existing(existing) => Ok(refused(
            name,
            format!("`{name}` is released already: {}.", release_line(&existing)),
        )),
        Decided::New(record) => {
            context.engine.create_decided_releases().await?;
            let now = context
                .engine
                .store()
                .release_for_snapshot(&gate.name, name)
                .await?
                .unwrap_or(record);
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

fn refused(target: &str, why: String) -> Answer {
    let first_line = why.lines().next().unwrap_or_default().to_string();
    Answer::text(&why).audited(target, "refused", first_line)
}
