//! `[escalation]`: when ON_QA issues are scanned, which ones, who is asked at each step, and how
//! gatebot logs in to Jira (see `docs/escalation.md`).
//!
//! The section's keys and defaults are `EscalationConfig`'s serde derive, which the library and
//! its tests share; it is deserialized with the rest of the file. What only the whole section can
//! tell (`EscalationConfig::validate`) and what the library leaves unchecked (ids and variable
//! names) is then reported at the field it names. `EscalationConfig` holds no spans, so those
//! fields are found in the parsed document by their path.

use toml::Spanned;
use toml::de::DeValue;

use crate::escalation::EscalationConfig;

use super::chat::channel_id;
use super::environment;
use super::problems::Invalid;
use super::report::Report;
use super::tolerant::locate;

/// The section's key in the file.
const SECTION: &str = "escalation";

/// The variable the example and the documentation use for the Jira token.
const EXAMPLE_TOKEN_ENV: &str = "JIRA_TOKEN";

/// The section, or `None` with every problem reported.
pub(super) fn validate(
    config: EscalationConfig,
    document: &Spanned<DeValue<'_>>,
    report: &mut Report<'_>,
) -> Option<EscalationConfig> {
    let problems = problems(&config, SECTION);
    let usable = problems.is_empty();
    for (field, problem) in problems {
        let (path, span) = locate(document, &format!("{SECTION}.{field}"));
        report.add(&path, Some(span), problem);
    }
    usable.then_some(config)
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
