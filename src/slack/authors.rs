//! Whether the author of a mention is a bot, so that no bot can talk gatebot into anything.
//!
//! slack-morphism's `app_mention` model drops the event's `bot_id`, so the author's profile is
//! asked for with `users.info`. Whether an id is a bot never changes, so each answer is kept.

use std::sync::Arc;

use dashmap::DashMap;

use slack_morphism::prelude::*;

use crate::jira::Secret;

pub(super) struct Authors {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    known: DashMap<String, bool>,
}

impl Authors {
    pub fn new(client: Arc<SlackHyperClient>, bot_token: &Secret) -> Self {
        Self {
            client,
            token: SlackApiToken::new(bot_token.expose().to_string().into()),
            known: DashMap::new(),
        }
    }

    /// Whether `user` is a bot. When Slack cannot say, the author is taken for a person: the
    /// request then meets the same role checks as anyone's, while dropping it would leave a
    /// person unanswered.
    pub async fn is_bot(&self, user: &str) -> bool {
        if let Some(known) = self.known.get(user) {
            return *known;
        }
        let session = self.client.open_session(&self.token);
        let request = SlackApiUsersInfoRequest::new(user.to_string().into());
        match session.users_info(&request).await {
            Ok(info) => {
                let is_bot = info.user.flags.is_bot == Some(true);
                self.known.insert(user.to_string(), is_bot);
                is_bot
            }
            Err(error) => {
                tracing::warn!(user, %error, "could not tell whether a mention's author is a bot");
                false
            }
        }
    }
}
