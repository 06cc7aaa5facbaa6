//! Runs a checked, authorised command: the one dispatch from a catalogue entry to its handler.

use super::Catalogue;
use super::approve::approve;
use super::audit::audit;
use super::blocked_why::blocked_why;
use super::context::Context;
use super::deny::deny;
use super::emergency::emergency;
use super::escalations::escalations;
use super::help::{render_command, render_overview};
use super::parse::Invocation;
use super::release::release;
use super::status::status;
use crate::chat::Answer;
use crate::store::StoreError;

/// The answer to a command.
pub async fn execute(
    invocation: &Invocation<'_>,
    context: &Context<'_>,
) -> Result<Answer, StoreError> {
    match invocation.spec.name.as_str() {
        "help" => Ok(Answer::text(&match invocation.args.command("command") {
            Some(command) => render_command(command),
            None => render_overview(Catalogue::builtin()),
        })),
        "status" => status(context).await,
        "blocked-why" => blocked_why(invocation, context).await,
        "escalations" => escalations(context).await,
        "release" => release(invocation, context).await,
        "emergency" => emergency(invocation, context).await,
        "approve" => approve(invocation, context).await,
        "deny" => deny(invocation, context).await,
        "audit" => audit(invocation, context).await,
        other => unreachable!("the catalogue declares `{other}` but no handler runs it"),
    }
}
