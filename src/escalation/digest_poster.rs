//! Posting the digest of each scheduled scan to the chat (`[escalation.digest]`), so the people
//! waiting on ON_QA verification see who was asked, what could not be done, and why a scan
//! stopped early, without reading gatebot's log.
//!
//! The poster follows the schedule's [`EscalationFeed`]: one post per report, ending when the
//! schedule stops. A post that fails is logged and not retried; the next scan's digest says
//! again whether the scan before it stopped early, since that comes from the store.

use std::sync::Arc;

use super::config::EscalationConfig;
use super::digest::render_digest;
use super::feed::EscalationFeed;
use crate::chat::{ChatSurface, Message, Placement};

/// Posts each report of `feed` through `surface` — in the thread `thread` when given, else as a
/// message of its own — until the schedule behind the feed stops. `config` is the section whose
/// scans the feed reports: its time zone, Jira address and status name go into the text.
pub async fn post_digests(
    mut feed: EscalationFeed,
    surface: Arc<dyn ChatSurface>,
    thread: Option<String>,
    config: &EscalationConfig,
) {
    let calendar = match config.calendar() {
        Ok(calendar) => calendar,
        Err(problem) => {
            tracing::error!(%problem, "escalation digests cannot be written; none is posted");
            return;
        }
    };
    let placement = match thread.as_deref() {
        Some(thread) => Placement::Reply { thread },
        None => Placement::TopLevel,
    };
    while let Some(report) = feed.next_report().await {
        let digest = render_digest(&report, &calendar, &config.jira.url, &config.status);
        let headline = digest.lines().next().unwrap_or_default();
        let message = Message::new(headline).section(&digest);
        // A retry after a lost answer finds the digest of this scan instead of posting it twice.
        let mark = format!("escalation-digest:{}", report.started_at);
        match surface.post(placement, &mark, &message).await {
            Ok(_) => tracing::info!(channel = surface.channel(), "escalation digest posted"),
            Err(error) => tracing::warn!(
                %error,
                channel = surface.channel(),
                "cannot post the escalation digest; the next scan posts its own"
            ),
        }
    }
}
