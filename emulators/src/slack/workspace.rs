//! The Slack workspace the emulator pretends to be: its team, the app with its two tokens, the
//! bot user, and the channels, people and user groups tests seed. Everything the emulator
//! answers about "who" and "where" comes from here.

use serde_json::{Value, json};

/// A channel the bot is a member of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedChannel {
    /// `C…`
    pub id: String,
    /// Without the `#`.
    pub name: String,
}

/// A member of the workspace, a person or a bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedUser {
    /// `U…` or `W…`
    pub id: String,
    pub name: String,
    pub real_name: String,
    pub email: String,
    pub tz: String,
    pub is_bot: bool,
}

impl EmulatedUser {
    /// A person whose real name is the handle and whose mail is at example.com.
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            real_name: name.into(),
            email: format!("{name}@example.com"),
            tz: "America/New_York".into(),
            is_bot: false,
        }
    }

    /// The same member, as a bot user.
    pub fn bot(self) -> Self {
        Self {
            is_bot: true,
            ..self
        }
    }

    /// The `user` object of `users.info`, in the shape of Slack's documented example.
    pub(super) fn to_json(&self, team_id: &str) -> Value {
        json!({
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": false,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": "Eastern Standard Time",
            "tz_offset": -18000,
            "profile": {
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name": self.name,
                "display_name_normalized": self.name,
                "email": self.email,
                "team": team_id
            },
            "is_admin": false,
            "is_owner": false,
            "is_primary_owner": false,
            "is_restricted": false,
            "is_ultra_restricted": false,
            "is_bot": self.is_bot,
            "is_app_user": false,
            "updated": 1_700_000_000,
            "has_2fa": false
        })
    }
}

/// A user group (`S…`), mentioned as `<!subteam^S…>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedUsergroup {
    pub id: String,
    pub handle: String,
    pub members: Vec<String>,
}

/// The workspace and the installed app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub team_id: String,
    /// The `<domain>.slack.com` part of permalinks.
    pub team_domain: String,
    pub app_id: String,
    pub bot_id: String,
    /// The bot's member id; it is also seeded in `users`.
    pub bot_user_id: String,
    /// `xapp-…`: only `apps.connections.open` takes it.
    pub app_token: String,
    /// `xoxb-…`: every other method takes it.
    pub bot_token: String,
    /// The slash command the app declares, with its `/`.
    pub slash_command: String,
    pub channels: Vec<EmulatedChannel>,
    pub users: Vec<EmulatedUser>,
    pub usergroups: Vec<EmulatedUsergroup>,
}

impl Default for Workspace {
    /// A workspace holding only the bot user; add channels, people and groups with the
    /// `with_…` methods.
    fn default() -> Self {
        let bot_user_id = "U0GATEBOT".to_string();
        Self {
            team_id: "T0EMULATED".into(),
            team_domain: "emulated".into(),
            app_id: "A0GATEBOT".into(),
            bot_id: "B0GATEBOT".into(),
            app_token: "xapp-1-A0GATEBOT-1-emulated".into(),
            bot_token: "xoxb-1-emulated-bot".into(),
            slash_command: "/release".into(),
            channels: Vec::new(),
            users: vec![EmulatedUser::new(&bot_user_id, "gatebot").bot()],
            bot_user_id,
            usergroups: Vec::new(),
        }
    }
}

impl Workspace {
    pub fn with_channel(mut self, id: &str, name: &str) -> Self {
        self.channels.push(EmulatedChannel {
            id: id.into(),
            name: name.into(),
        });
        self
    }

    pub fn with_user(mut self, user: EmulatedUser) -> Self {
        self.users.push(user);
        self
    }

    pub fn with_usergroup(mut self, id: &str, handle: &str, members: &[&str]) -> Self {
        self.usergroups.push(EmulatedUsergroup {
            id: id.into(),
            handle: handle.into(),
            members: members.iter().map(|member| member.to_string()).collect(),
        });
        self
    }

    /// A channel by id, or by name with or without `#`, as `chat.postMessage` accepts both.
    pub(super) fn channel(&self, id_or_name: &str) -> Option<&EmulatedChannel> {
        let name = id_or_name.strip_prefix('#').unwrap_or(id_or_name);
        self.channels
            .iter()
            .find(|channel| channel.id == id_or_name || channel.name == name)
    }

    pub(super) fn user(&self, id: &str) -> Option<&EmulatedUser> {
        self.users.iter().find(|user| user.id == id)
    }

    pub(super) fn usergroup(&self, id: &str) -> Option<&EmulatedUsergroup> {
        self.usergroups.iter().find(|group| group.id == id)
    }

    /// The handle Slack shows for a member; unseeded ids stand for themselves.
    pub(super) fn user_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.user(id).map_or(id, |user| user.name.as_str())
    }
}
