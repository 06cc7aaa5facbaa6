//! gatebot's [`Message`] as Slack Block Kit.
//!
//! The message is already within Slack's limits ([`Message::fit`]) and its sections are already
//! escaped mrkdwn, so this is a one-to-one translation; the fallback, plain text, is escaped and
//! becomes the `text` Slack shows in notifications (Slack reads it as mrkdwn too, so unescaped
//! it could ping).

use slack_morphism::prelude::*;

use crate::chat::{Block, Button, ButtonStyle, Message, mrkdwn};

/// The content of a `chat.postMessage`, `chat.update` or `chat.postEphemeral` call.
pub(super) fn message_content(message: &Message) -> SlackMessageContent {
    let content = SlackMessageContent::new().with_text(mrkdwn::escape(&message.fallback));
    if message.blocks.is_empty() {
        return content;
    }
    content.with_blocks(message.blocks.iter().map(block).collect())
}

fn block(block: &Block) -> SlackBlock {
    match block {
        Block::Header(text) => SlackHeaderBlock::new(pt!(text.as_str())).into(),
        Block::Section(text) => SlackSectionBlock::new()
            .with_text(md!(text.as_str()))
            .into(),
        Block::Context(text) => SlackContextBlock::new(vec![md!(text.as_str())]).into(),
        Block::Divider => SlackDividerBlock::new().into(),
        Block::Actions(buttons) => {
            SlackActionsBlock::new(buttons.iter().map(button).collect()).into()
        }
    }
}

fn button(button: &Button) -> SlackActionBlockElement {
    let style = match button.style {
        ButtonStyle::Default => None,
        ButtonStyle::Primary => Some(SlackBlockButtonStyle::Primary),
        ButtonStyle::Danger => Some(SlackBlockButtonStyle::Danger),
    };
    SlackBlockButtonElement::new(pt!(button.label.as_str()))
        .with_action_id(button.action_id.clone().into())
        .with_value(button.value.clone())
        .opt_style(style)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release_prompt() -> Message {
        Message::new("Gate hypershift-operator passed for 4.20: release?")
            .header("hypershift-operator 4.20 — gate passed")
            .section("*8 of 8* required checks passed for `hypershift-operator-abc12`")
            .section("Escaped outside text: &lt;!channel&gt; &amp; friends")
            .divider()
            .context("Snapshot created 2026-05-04 10:00 UTC · <https://prow.example/view/1|run 1>")
            .actions(vec![
                Button {
                    action_id: "release".into(),
                    label: "Release".into(),
                    value: "hypershift-operator-abc12".into(),
                    style: ButtonStyle::Primary,
                },
                Button {
                    action_id: "hold".into(),
                    label: "Hold".into(),
                    value: "hypershift-operator-abc12".into(),
                    style: ButtonStyle::Danger,
                },
                Button {
                    action_id: "explain".into(),
                    label: "Why?".into(),
                    value: "hypershift-operator-abc12".into(),
                    style: ButtonStyle::Default,
                },
            ])
    }

    #[test]
    fn a_release_prompt_becomes_block_kit() {
        insta::assert_json_snapshot!(
            "slack_release_prompt_blocks",
            message_content(&release_prompt())
        );
    }

    #[test]
    fn a_message_without_blocks_is_its_fallback_text_alone() {
        let content = message_content(&Message::new("just text"));
        assert_eq!(
            serde_json::to_value(content).unwrap(),
            serde_json::json!({"text": "just text"})
        );
    }
}
