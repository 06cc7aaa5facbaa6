//! `[chat.slack]`: how gatebot logs in to Slack. The tokens never sit in the file: it names the
//! environment variables that hold them.

use reqwest::Url;
use serde::Deserialize;
use toml::Spanned;

use crate::config::environment::secret_variable_name;
use crate::config::report::{Place, Report};
use crate::config::url::http_url;

pub const DEFAULT_APP_TOKEN_ENV: &str = "GATEBOT_SLACK_APP_TOKEN";
pub const DEFAULT_BOT_TOKEN_ENV: &str = "GATEBOT_SLACK_BOT_TOKEN";
pub const DEFAULT_API_URL: &str = "https://slack.com/api";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackConfig {
    /// The variable holding the app-level token (`xapp-…`) that opens the Socket Mode connection.
    pub app_token_env: String,
    /// The variable holding the bot token (`xoxb-…`) for Web API calls.
    pub bot_token_env: String,
    /// Slack's Web API; tests point it at an emulator.
    pub api_url: Url,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct SlackSection {
    app_token_env: Option<Spanned<String>>,
    bot_token_env: Option<Spanned<String>>,
    api_url: Option<Spanned<String>>,
}

impl SlackSection {
    pub(super) fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<SlackConfig> {
        let mut token_env = |key: &str, value: &Option<Spanned<String>>, default: &str| {
            report.setting(&place.key(key), value.as_ref(), default, |text| {
                secret_variable_name(text, default)
            })
        };
        let app_token_env = token_env("app_token_env", &self.app_token_env, DEFAULT_APP_TOKEN_ENV);
        let bot_token_env = token_env("bot_token_env", &self.bot_token_env, DEFAULT_BOT_TOKEN_ENV);
        let api_url = report.setting(
            &place.key("api_url"),
            self.api_url.as_ref(),
            DEFAULT_API_URL,
            http_url,
        );
        Some(SlackConfig {
            app_token_env: app_token_env?,
            bot_token_env: bot_token_env?,
            api_url: api_url?,
        })
    }
}
