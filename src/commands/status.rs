//! `status`: the snapshots each gate tracks, newest first, with their verdicts and Releases,
//! how often the gate was skipped by emergency releases, and, first, whether gatebot's rounds
//! cannot use Gangway.

use super::answers::status as status_text;
use super::context::Context;
use crate::chat::Answer;
use crate::emergency::emergency_rate;
use crate::engine::ReleaseMode;
use crate::gate::explain::age;
use crate::store::StoreError;

/// How many snapshots per gate the answer shows; older ones are counted, not listed.
const SHOWN_PER_GATE: usize = 10;

pub async fn status(context: &Context<'_>) -> Result<Answer, StoreError> {
    let mut text = String::new();
    if let Some(trouble) = context.engine.gangway_trouble() {
        text.push_str(&format!(
            "Gangway: gatebot's rounds cannot use it since {} ({} ago): {}. They wait and resume on their own; nothing is lost.\n",
            trouble.since,
            age(trouble.since, context.now),
            trouble.problem
        ));
    }
    for gate in context.engine.gates() {
        let snapshots = context.engine.snapshots(&gate.name);
        let mode = match gate.release_mode {
            ReleaseMode::Automatic => "releases automatically",
            ReleaseMode::Manual => "releases on `release`",
        };
        text.push_str(&format!("Gate {} ({mode}):\n", gate.name));
        let mut facts = Vec::new();
        for snapshot in snapshots.iter().rev().take(SHOWN_PER_GATE) {
            if let Some(found) = context.engine.facts(&snapshot.key()).await? {
                facts.push(found);
            }
        }
        text.push_str(&status_text(&facts));
        let older = snapshots.len().saturating_sub(SHOWN_PER_GATE);
        if older > 0 {
            text.push_str(&format!(
                "… and {older} older snapshots; `blocked-why <snapshot>` answers for any of them.\n"
            ));
        }
    }
    text.push_str(&emergency_rate(context.engine, context.now).await?);
    Ok(Answer::text(&text))
}
