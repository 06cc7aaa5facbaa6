//! `[chat]`: where gatebot talks to people — the Slack channel and its slash command, how gatebot
//! logs in to Slack, who may do what, and how emergency releases are approved.
//!
//! Slack ids are checked by their shape when the file loads: a channel name or a user's handle
//! written where an id belongs would otherwise show only when the first message fails to post or
//! a releaser is refused.

mod emergency;
mod roles;
mod slack;
mod slack_ids;

pub use emergency::EmergencyConfig;
pub use roles::RolesConfig;
pub use slack::SlackConfig;
pub(super) use slack_ids::channel_id;

use serde::Deserialize;
use toml::Spanned;

use super::problems::Invalid;
use super::report::{Place, Report};
use emergency::EmergencySection;
use roles::RolesSection;
use slack::SlackSection;

/// Slack's own limit on the length of a slash command, the `/` included.
const SLASH_COMMAND_MAX: usize = 32;

pub const DEFAULT_SLASH_COMMAND: &str = "/gate";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatConfig {
    /// The id of the channel gatebot posts in and takes commands from, e.g. `C0123456789`.
    pub channel: String,
    /// The slash command registered for gatebot's Slack app, e.g. `/gate`.
    pub slash_command: String,
    pub slack: SlackConfig,
    pub roles: RolesConfig,
    pub emergency: EmergencyConfig,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct ChatSection {
    channel: Option<Spanned<String>>,
    slash_command: Option<Spanned<String>>,
    slack: SlackSection,
    roles: RolesSection,
    emergency: EmergencySection,
}

impl ChatSection {
    pub(super) fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<ChatConfig> {
        let channel = report
            .required(
                place,
                "channel",
                self.channel.as_ref(),
                "channel = \"C0123456789\"",
            )
            .and_then(|channel| report.check(&place.key("channel"), channel, channel_id));
        let slash_command = report.setting(
            &place.key("slash_command"),
            self.slash_command.as_ref(),
            DEFAULT_SLASH_COMMAND,
            slash_command,
        );
        let slack = self.slack.validate(&place.section("slack"), report);
        let roles = self.roles.validate(&place.section("roles"), report);
        let emergency = self.emergency.validate(&place.section("emergency"), report);
        Some(ChatConfig {
            channel: channel?,
            slash_command: slash_command?,
            slack: slack?,
            roles: roles?,
            emergency: emergency?,
        })
    }
}

/// A slash command as Slack accepts it: `/`, then lowercase letters, digits, `-` and `_`.
fn slash_command(text: &str) -> Result<String, Invalid> {
    let fix = format!(
        "write `/` and a lowercase name of letters, digits, `-` and `_`, at most \
         {SLASH_COMMAND_MAX} characters in all, such as `{DEFAULT_SLASH_COMMAND}`"
    );
    let Some(name) = text.strip_prefix('/') else {
        return Err(Invalid::new(
            format!("`{text}` does not start with `/`"),
            fix,
        ));
    };
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if name.is_empty() {
        return Err(Invalid::new("has no name after the `/`", fix));
    }
    if let Some(bad) = name.chars().find(|c| !allowed(*c)) {
        return Err(Invalid::new(
            format!("`{text}` contains `{bad}`, which Slack does not allow in a command"),
            fix,
        ));
    }
    let length = text.chars().count();
    if length > SLASH_COMMAND_MAX {
        return Err(Invalid::new(
            format!("`{text}` is {length} characters long, more than Slack's {SLASH_COMMAND_MAX}"),
            fix,
        ));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_commands_are_lowercase_names_after_a_slash() {
        assert!(slash_command("/gate").is_ok());
        assert!(slash_command("/gate-bot_2").is_ok());
        assert!(
            slash_command("gate")
                .unwrap_err()
                .message
                .contains("does not start with `/`")
        );
        assert!(
            slash_command("/Gate")
                .unwrap_err()
                .message
                .contains("contains `G`")
        );
        assert!(slash_command("/").is_err());
        assert!(slash_command(&format!("/{}", "g".repeat(31))).is_ok());
        assert!(slash_command(&format!("/{}", "g".repeat(32))).is_err());
    }
}
