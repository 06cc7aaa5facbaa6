//! The two Slack tokens, read from the environment variables `[chat.slack]` names and kept in
//! [`Secret`]s so that no log line, error or `Debug` output can show them.

use crate::config::SlackConfig;
use crate::jira::Secret;

/// The app-level token opens Socket Mode connections; the bot token makes every other call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackTokens {
    /// `xapp-…`
    pub app: Secret,
    /// `xoxb-…`
    pub bot: Secret,
}

impl SlackTokens {
    /// Both tokens from their variables; the error names the variable, never its value.
    pub fn from_environment(config: &SlackConfig) -> Result<Self, String> {
        Ok(Self {
            app: read(&config.app_token_env, "app_token_env", "xapp-")?,
            bot: read(&config.bot_token_env, "bot_token_env", "xoxb-")?,
        })
    }
}

fn read(variable: &str, setting: &str, prefix: &str) -> Result<Secret, String> {
    match std::env::var(variable) {
        Ok(token) if !token.trim().is_empty() => Ok(Secret::new(token.trim())),
        _ => Err(format!(
            "the Slack token is missing: set the environment variable {variable} (named by \
             chat.slack.{setting}) to the token that starts with `{prefix}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_variable_is_named_with_the_setting_that_names_it() {
        let config = SlackConfig {
            app_token_env: "GATEBOT_TEST_UNSET_SLACK_APP_TOKEN".into(),
            bot_token_env: "GATEBOT_TEST_UNSET_SLACK_BOT_TOKEN".into(),
            api_url: "https://slack.com/api".parse().unwrap(),
        };
        let error = SlackTokens::from_environment(&config).unwrap_err();
        assert!(
            error.contains("GATEBOT_TEST_UNSET_SLACK_APP_TOKEN")
                && error.contains("chat.slack.app_token_env"),
            "{error}"
        );
    }

    #[test]
    fn debug_output_hides_both_tokens() {
        let tokens = SlackTokens {
            app: Secret::new("xapp-1-secret"),
            bot: Secret::new("xoxb-secret"),
        };
        let printed = format!("{tokens:?}");
        assert!(!printed.contains("secret"), "{printed}");
    }
}
