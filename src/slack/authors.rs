//! Whether the author of a mention is a bot, so that no bot can talk gatebot into anything.
//!
//! slack-morphism's `app_mention` model drops the event's `bot_id`, so the author's profile is
//! asked for with `users.info`. Whether an id is a bot never changes, so each answer is kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use slack_morphism::prelude::*;

use crate::jira::Secret;

pub(super) struct Authors {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    known: Mutex<HashMap<String, bool>>,
}

impl Authors {
    pub fn new(client: Arc<SlackHyperClient>, bot_token: &Secret) -> Self {
        Self {
            client,
            token: SlackApiToken::new(bot_token.expose().to_string().into()),
            known: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `user` is a bot. When Slack cannot say, the author is taken for a person: the
    /// request then meets the same role checks as anyone's, while dropping it would leave a
    /// person unanswered.
    pub async fn is_bot(&self, user: &str) -> bool {
        if let Some(known) = self.lock().get(user) {
            return *known;
        }
        let session = self.client.open_session(&self.token);
        let request = SlackApiUsersInfoRequest::new(user.to_string().into());
        match session.users_info(&request).await {
            Ok(info) => {
                let is_bot = info.user.flags.is_bot == Some(true);
                self.lock().insert(user.to_string(), is_bot);
                is_bot
            }
            Err(error) => {
                tracing::warn!(user, %error, "could not tell whether a mention's author is a bot");
                false
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, bool>> {
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
