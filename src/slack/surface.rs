//! [`ChatSurface`] over Slack's Web API, for one channel and the bot token.
//!
//! Every call that shows something to people waits for the channel's pace first, and every call
//! is retried as [`calls`](super::calls) describes, so a caller sees one outcome per call.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use super::blocks::message_content;
use super::calls::with_retries;
use super::marks;
use super::pacing::ChannelPacing;
use crate::chat::{ChatError, ChatSurface, MarkedMessage, Message, Placement};
use crate::jira::Secret;

/// gatebot's channel on Slack.
pub struct SlackSurface {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    channel: String,
    pacing: Arc<ChannelPacing>,
}

impl SlackSurface {
    /// A surface posting into `channel` (an id such as `C0123456789`) with the bot token;
    /// `pacing` is shared with every other surface of the process.
    pub fn new(
        client: Arc<SlackHyperClient>,
        bot_token: &Secret,
        channel: impl Into<String>,
        pacing: Arc<ChannelPacing>,
    ) -> Self {
        Self {
            client,
            token: SlackApiToken::new(bot_token.expose().to_string().into()),
            channel: channel.into(),
            pacing,
        }
    }

    fn channel_id(&self) -> SlackChannelId {
        self.channel.clone().into()
    }

    async fn until_paced(&self) {
        self.pacing.until_ready(&self.channel).await;
    }
}

#[async_trait]
impl ChatSurface for SlackSurface {
    fn channel(&self) -> &str {
        &self.channel
    }

    async fn post(
        &self,
        placement: Placement<'_>,
        mark: &str,
        message: &Message,
    ) -> Result<String, ChatError> {
        let (thread, broadcast) = match placement {
            Placement::TopLevel => (None, false),
            Placement::Reply { thread } => (Some(thread), false),
            Placement::Broadcast { thread } => (Some(thread), true),
        };
        let content = marks::with_mark(message_content(message), mark);
        let request = &SlackApiChatPostMessageRequest::new(self.channel_id(), content)
            .opt_thread_ts(thread.map(|ts| ts.to_string().into()))
            .opt_reply_broadcast(broadcast.then_some(true));
        let session = &self.client.open_session(&self.token);
        // Whether the last attempt may have landed although it failed: any failure but a rate
        // limit, which Slack answers without carrying the call out.
        let may_have_landed = &AtomicBool::new(false);
        with_retries("chat.postMessage", || async move {
            if may_have_landed.load(Ordering::Relaxed) {
                // A failed look keeps the doubt for the next attempt.
                let marked = marks::marked_messages(session, &self.channel, thread).await?;
                may_have_landed.store(false, Ordering::Relaxed);
                if let Some(landed) = marked.into_iter().find(|found| found.mark == mark) {
                    tracing::info!(mark, ts = %landed.ts, "a post whose answer was lost had landed");
                    return Ok(landed.ts);
                }
            }
            self.until_paced().await;
            let posted = session.chat_post_message(request).await.inspect_err(|error| {
                let rate_limited = matches!(error, SlackClientError::RateLimitError(_));
                may_have_landed.store(!rate_limited, Ordering::Relaxed);
            })?;
            Ok(posted.ts.to_string())
        })
        .await
    }

    async fn marked_messages(&self, thread: Option<&str>) -> Result<Vec<MarkedMessage>, ChatError> {
        let session = &self.client.open_session(&self.token);
        let method = marks::reading_method(thread);
        with_retries(method, || async move {
            marks::marked_messages(session, &self.channel, thread).await
        })
        .await
    }

    async fn update(&self, ts: &str, message: &Message) -> Result<(), ChatError> {
        let request = &SlackApiChatUpdateRequest::new(
            self.channel_id(),
            message_content(message),
            ts.to_string().into(),
        );
        let session = &self.client.open_session(&self.token);
        with_retries("chat.update", || async move {
            self.until_paced().await;
            session.chat_update(request).await
        })
        .await?;
        Ok(())
    }

    async fn post_ephemeral(
        &self,
        user: &str,
        thread: Option<&str>,
        message: &Message,
    ) -> Result<(), ChatError> {
        let request = &SlackApiChatPostEphemeralRequest::new(
            self.channel_id(),
            user.to_string().into(),
            message_content(message),
        )
        .opt_thread_ts(thread.map(|ts| ts.to_string().into()));
        let session = &self.client.open_session(&self.token);
        // Ephemerals are limited per person and method (Tier 4), not by the channel's post pace.
        with_retries("chat.postEphemeral", || async move {
            session.chat_post_ephemeral(request).await
        })
        .await?;
        Ok(())
    }

    async fn group_members(&self, group: &str) -> Result<Vec<String>, ChatError> {
        let request = &SlackApiUserGroupsUsersListRequest::new(group.to_string().into());
        let session = &self.client.open_session(&self.token);
        let listed = with_retries("usergroups.users.list", || async move {
            session.usergroups_users_list(request).await
        })
        .await?;
        Ok(listed.users.iter().map(ToString::to_string).collect())
    }

    async fn permalink(&self, ts: &str) -> Result<String, ChatError> {
        let request =
            &SlackApiChatGetPermalinkRequest::new(self.channel_id(), ts.to_string().into());
        let session = &self.client.open_session(&self.token);
        let link = with_retries("chat.getPermalink", || async move {
            session.chat_get_permalink(request).await
        })
        .await?;
        Ok(link.permalink.to_string())
    }
}
