//! `[chat.slack]`: how gatebot logs in to Slack. The tokens never sit in the file: it names the
//! environment variables that hold them.

use reqwest::Url;

use crate::config::document::Table;
use crate::config::environment::secret_variable_name;
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

impl SlackConfig {
    pub(super) fn read(mut table: Table<'_>) -> Option<Self> {
        let app_token_env = table.parse_or("app_token_env", DEFAULT_APP_TOKEN_ENV, |text| {
            secret_variable_name(text, DEFAULT_APP_TOKEN_ENV)
        });
        let bot_token_env = table.parse_or("bot_token_env", DEFAULT_BOT_TOKEN_ENV, |text| {
            secret_variable_name(text, DEFAULT_BOT_TOKEN_ENV)
        });
        let api_url = table.parse_or("api_url", DEFAULT_API_URL, http_url);
        table.finish();
        Some(Self {
            app_token_env: app_token_env?,
            bot_token_env: bot_token_env?,
            api_url: api_url?,
        })
    }
}
