//! `[escalation]`: when ON_QA issues are scanned, which ones, who is asked at each step, and how
//! gatebot logs in to Jira (see `docs/escalation.md`).
//!
//! The section's keys and defaults are `EscalationConfig`'s serde derive, which the library and
//! its tests share; it is read through [`serde_section`] so that its problems come out like every
//! other section's. What only the whole section can tell (`EscalationConfig::validate`) and what
//! the library leaves unchecked (ids and variable names) is then reported at the field it names,
//! also when part of the section was refused, so one run shows every mistake.

use crate::escalation::EscalationConfig;

use super::chat::channel_id;
use super::document::{Table, Value};
use super::environment;
use super::problems::Invalid;
use super::serde_section;

/// The variable the example and the documentation use for the Jira token.
const EXAMPLE_TOKEN_ENV: &str = "JIRA_TOKEN";

/// The section, `None` inside when the file has none.
pub(super) fn read_escalation(root: &mut Table<'_>) -> Option<Option<EscalationConfig>> {
    root.optional_with("escalation", read_section)
}

fn read_section(value: &Value<'_>) -> Option<EscalationConfig> {
    let read = serde_section::deserialize::<EscalationConfig>(value)?;
    let mut usable = true;
    for (field, problem) in problems(&read.value, &value.path().to_string()) {
        let (path, span) = serde_section::locate(value, &field);
        if !read.took_out(&path) {
            value.problem_at(&path, Some(span), problem);
            usable = false;
        }
    }
    read.whole().filter(|_| usable)
}

/// What is wrong with a section that deserialized, each with its field relative to `prefix`.
fn problems(config: &EscalationConfig, prefix: &str) -> Vec<(String, Invalid)> {
    let mut problems: Vec<(String, Invalid)> = config
        .validate(prefix)
        .into_iter()
        .map(|problem| {
            let field = problem
                .path
                .strip_prefix(prefix)
                .map_or(problem.path.as_str(), |rest| rest.trim_start_matches('.'))
                .to_string();
            (field, Invalid::new(problem.message, problem.fix))
        })
        .collect();
    if let Ok(url) = reqwest::Url::parse(&config.jira.url)
        && (!url.username().is_empty() || url.password().is_some())
    {
        // Not quoted back: the credentials would be printed with it.
        problems.push((
            "jira.url".into(),
            Invalid::new(
                "carries credentials",
                "remove them from the URL; gatebot reads the token from the variable named by \
                 escalation.jira.token_env",
            ),
        ));
    }
    // An empty token variable or digest channel is reported by `validate` already.
    if !config.jira.token_env.trim().is_empty()
        && let Err(problem) =
            environment::secret_variable_name(&config.jira.token_env, EXAMPLE_TOKEN_ENV)
    {
        problems.push(("jira.token_env".into(), problem));
    }
    if let Some(digest) = &config.digest
        && !digest.channel.trim().is_empty()
        && let Err(problem) = channel_id(&digest.channel)
    {
        problems.push(("digest.channel".into(), problem));
    }
    problems
}
