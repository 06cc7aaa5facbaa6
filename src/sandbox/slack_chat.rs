//! `gatebot sandbox --slack`: the emulated release day, talked about in a real Slack workspace.
//!
//! Everything outside gatebot stays emulated — Konflux, Prow, the clock — but the status threads
//! are posted to a real channel and people there can type commands, as they would with gatebot
//! in production. The settings come from the environment so no file is needed:
//!
//! | variable | meaning |
//! |---|---|
//! | `GATEBOT_SLACK_APP_TOKEN` | the app-level token (`xapp-…`) for Socket Mode |
//! | `GATEBOT_SLACK_BOT_TOKEN` | the bot token (`xoxb-…`) |
//! | `GATEBOT_SLACK_CHANNEL` | the channel id to play in, e.g. `C0123456789` |
//! | `GATEBOT_SLACK_RELEASERS`, `GATEBOT_SLACK_APPROVERS` | comma-separated member or group ids |
//! | `GATEBOT_SLACK_API_URL` | Slack's Web API (default `https://slack.com/api`) |

use crate::config::{ChatConfig, RolesConfig, SlackConfig};

const APP_TOKEN: &str = "GATEBOT_SLACK_APP_TOKEN";
const BOT_TOKEN: &str = "GATEBOT_SLACK_BOT_TOKEN";
const CHANNEL: &str = "GATEBOT_SLACK_CHANNEL";
const RELEASERS: &str = "GATEBOT_SLACK_RELEASERS";
const APPROVERS: &str = "GATEBOT_SLACK_APPROVERS";
const API_URL: &str = "GATEBOT_SLACK_API_URL";

/// The chat settings for `--slack`, or a sentence saying which variable is missing or wrong.
pub fn slack_chat_from_environment() -> Result<ChatConfig, String> {
    let variable = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    for token in [APP_TOKEN, BOT_TOKEN] {
        if variable(token).is_none() {
            return Err(format!(
                "--slack needs the Slack app's tokens: set {APP_TOKEN} (xapp-…) and {BOT_TOKEN} (xoxb-…); see docs/sandbox.md"
            ));
        }
    }
    let channel = variable(CHANNEL).ok_or_else(|| {
        format!("--slack needs the channel to play in: set {CHANNEL} to its id, e.g. C0123456789")
    })?;
    let api_url = variable(API_URL).unwrap_or_else(|| "https://slack.com/api".into());
    let api_url = api_url
        .parse()
        .map_err(|error| format!("{API_URL} `{api_url}` is not a URL: {error}"))?;
    let ids = |name: &str| -> Vec<String> {
        variable(name)
            .map(|list| {
                list.split(',')
                    .map(|id| id.trim().to_string())
                    .filter(|id| !id.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(ChatConfig {
        channel: channel.trim().to_string(),
        slash_command: "/gate".into(),
        slack: SlackConfig {
            app_token_env: APP_TOKEN.into(),
            bot_token_env: BOT_TOKEN.into(),
            api_url,
        },
        roles: RolesConfig {
            releasers: ids(RELEASERS),
            approvers: ids(APPROVERS),
            admins: Vec::new(),
        },
        emergency: Default::default(),
    })
}
