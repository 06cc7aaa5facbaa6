//! `audit`: the latest entries of the audit log — who did what, to what, when, and how it
//! ended — so everyone in the channel can see what changed without access to the store.

use std::fmt::Write as _;

use super::context::Context;
use crate::chat::Answer;
use crate::store::StoreError;

const SHOWN_BY_DEFAULT: u32 = 10;
const SHOWN_AT_MOST: u32 = 50;
/// A detail longer than this is cut; the full text stays in the store.
const DETAIL_CHARACTERS: usize = 300;

pub async fn audit(count: Option<u32>, context: &Context<'_>) -> Result<Answer, StoreError> {
    let asked = count.unwrap_or(SHOWN_BY_DEFAULT);
    let shown = asked.min(SHOWN_AT_MOST);
    let entries = context.store.recent_audit(i64::from(shown)).await?;
    if entries.is_empty() {
        return Ok(Answer::text(
            "The audit log is empty: nothing has changed yet.",
        ));
    }
    let mut text = format!(
        "The latest {} audited actions, newest first:\n",
        entries.len()
    );
    if asked > SHOWN_AT_MOST {
        let _ = writeln!(text, "(at most {SHOWN_AT_MOST} are shown at a time)");
    }
    for entry in &entries {
        let target = if entry.target.is_empty() {
            String::new()
        } else {
            format!(" {}", entry.target)
        };
        let _ = writeln!(
            text,
            "{}  {}  {}{target} — {}",
            entry.at, entry.actor, entry.action, entry.outcome
        );
        if !entry.detail.is_empty() {
            let _ = writeln!(text, "    {}", cut(&entry.detail));
        }
    }
    Ok(Answer::text(&text))
}

fn cut(detail: &str) -> String {
    let one_line = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= DETAIL_CHARACTERS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(DETAIL_CHARACTERS - 1).collect();
    cut.push('…');
    cut
}
