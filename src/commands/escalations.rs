//! `escalations`: the ON_QA issues past an escalation step, from what the last scan stored, with
//! their level, age and who was asked, and how that scan ended — so people can see who is
//! waiting on whom without opening Jira or the logs.

use super::context::Context;
use crate::chat::Answer;
use crate::chat::Message;
use crate::escalation::{ListingContext, render_escalations};
use crate::store::StoreError;

/// The answer when gatebot runs without an `[escalation]` section.
const NOT_CONFIGURED: &str = "ON_QA escalation is not configured, so gatebot scans no Jira issues and asks nobody to verify them. \
To turn it on, add an [escalation] section to gatebot's configuration with the target_versions being released \
and [escalation.jira] with the Jira url and token_env, then restart gatebot (docs/escalation.md has an example).";

pub async fn escalations(context: &Context<'_>) -> Result<Answer, StoreError> {
    let Some(config) = context.escalation else {
        return Ok(Answer::text(NOT_CONFIGURED));
    };
    let calendar = match config.calendar() {
        Ok(calendar) => calendar,
        Err(problem) => return Ok(Answer::text(&problem.to_string())),
    };
    let store = context.store;
    let watchlist = store.escalation_watchlist().await?;
    let last_scan = store.last_escalation_scan().await?;
    let listing = render_escalations(
        &watchlist,
        ListingContext {
            ladder: &config.ladder(),
            calendar: &calendar,
            jira_url: &config.jira.url,
            status: &config.status,
            last_scan: last_scan.as_ref(),
            now: context.now,
        },
    );
    let fallback = format!("Issues in {} past an escalation step", config.status);
    Ok(Answer {
        message: Message::new(fallback).section(&listing),
        audit: None,
    })
}
