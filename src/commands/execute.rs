//! Runs a checked, authorised command: the line becomes its typed [`Command`] here, and each
//! variant goes to its handler.

use super::Catalogue;
use super::approve::approve;
use super::audit::audit;
use super::blocked_why::blocked_why;
use super::command::Command;
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
    let command = match Command::from_invocation(invocation) {
        Ok(command) => command,
        Err(drift) => {
            // The catalogue tests make this impossible in a tested build; should it happen, the
            // person is told and nothing runs.
            tracing::error!(%drift, "a command does not match its catalogue file");
            return Ok(Answer::text(&format!(
                "gatebot cannot run `{}`: {drift}. Nothing was done; please report this.",
                invocation.spec.name
            ))
            .audited("", "failed", drift.to_string()));
        }
    };
    match command {
        Command::Help { command } => Ok(Answer::text(&match command {
            Some(command) => render_command(command),
            None => render_overview(Catalogue::builtin()),
        })),
        Command::Status => status(context).await,
        Command::BlockedWhy { snapshot } => blocked_why(snapshot, context).await,
        Command::Escalations => escalations(context).await,
        Command::Release { snapshot } => release(&snapshot, context).await,
        Command::Emergency {
            snapshot,
            justification,
        } => emergency(&snapshot, &justification, context).await,
        Command::Approve { request } => approve(request.as_ref(), context).await,
        Command::Deny { request, reason } => deny(&request, reason.as_deref(), context).await,
        Command::Audit { count } => audit(count, context).await,
    }
}
