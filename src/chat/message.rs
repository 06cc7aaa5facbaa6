//! What gatebot says in chat, independent of any chat service: a fallback text plus a few kinds
//! of blocks. Slack turns it into Block Kit; the console prints it as plain text.
//!
//! Slack refuses a message with more than 50 blocks or a section over 3000 characters, and a
//! refused status message is a silent gate. [`Message::fit`] keeps every message inside those
//! limits by splitting long text at line breaks and summarising what does not fit.

use super::mrkdwn;

/// Slack's limits (Block Kit reference).
pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_CHARS: usize = 3000;
pub const MAX_HEADER_CHARS: usize = 150;
/// `chat.update` refuses a `text` over 4,000 characters.
pub const MAX_FALLBACK_CHARS: usize = 4000;

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// Plain text for notifications and clients that cannot show blocks.
    pub fallback: String,
    pub blocks: Vec<Block>,
}

/// A piece of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A title in plain text.
    Header(String),
    /// Escaped mrkdwn.
    Section(String),
    /// Small print in escaped mrkdwn.
    Context(String),
    Divider,
    Actions(Vec<Button>),
}

/// A button whose click comes back as an `interactive` envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub action_id: String,
    pub label: String,
    pub value: String,
    pub style: ButtonStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    Default,
    Primary,
    Danger,
}

impl Message {
    pub fn new(fallback: impl Into<String>) -> Self {
        Self {
            fallback: fallback.into(),
            blocks: Vec::new(),
        }
    }

    /// Plain text (a command's answer) as a message: escaped, and split into sections.
    pub fn plain(text: &str) -> Self {
        let first_line = text.lines().next().unwrap_or_default();
        Message::new(first_line).section(&mrkdwn::escape(text.trim_end()))
    }

    pub fn header(mut self, text: &str) -> Self {
        self.blocks
            .push(Block::Header(truncate(text, MAX_HEADER_CHARS)));
        self
    }

    /// Adds escaped mrkdwn, split at line breaks into as many sections as Slack needs.
    pub fn section(mut self, text: &str) -> Self {
        for part in split_lines(text, MAX_SECTION_CHARS) {
            self.blocks.push(Block::Section(part));
        }
        self
    }

    pub fn context(mut self, text: &str) -> Self {
        self.blocks
            .push(Block::Context(truncate(text, MAX_SECTION_CHARS)));
        self
    }

    pub fn divider(mut self) -> Self {
        self.blocks.push(Block::Divider);
        self
    }

    pub fn actions(mut self, buttons: Vec<Button>) -> Self {
        self.blocks.push(Block::Actions(buttons));
        self
    }

    /// The message within Slack's limits: at most 50 blocks, the last one saying what was left
    /// out and where to read it in full.
    pub fn fit(mut self, where_in_full: &str) -> Self {
        if self.blocks.len() > MAX_BLOCKS {
            let left_out = self.blocks.len() - (MAX_BLOCKS - 1);
            self.blocks.truncate(MAX_BLOCKS - 1);
            self.blocks.push(Block::Context(format!(
                "{left_out} more parts left out to stay within Slack's limits; {where_in_full} has everything."
            )));
        }
        self.fallback = truncate(&self.fallback, MAX_FALLBACK_CHARS);
        self
    }

    /// The message as plain text, as the console prints it: links become `label (url)`.
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Header(text) => out.push_str(&format!("== {text} ==\n")),
                Block::Section(text) | Block::Context(text) => {
                    out.push_str(&plain_mrkdwn(text));
                    out.push('\n');
                }
                Block::Divider => out.push_str("----\n"),
                Block::Actions(buttons) => {
                    let labels: Vec<String> =
                        buttons.iter().map(|b| format!("[{}]", b.label)).collect();
                    out.push_str(&labels.join(" "));
                    out.push('\n');
                }
            }
        }
        if self.blocks.is_empty() {
            out.push_str(&self.fallback);
            out.push('\n');
        }
        out
    }
}

/// Escaped mrkdwn as plain text: `<url|label>` → `label (url)`, entities decoded.
fn plain_mrkdwn(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inside = &rest[open + 1..open + close];
        match inside.split_once('|') {
            Some((url, label)) => out.push_str(&format!("{label} ({url})")),
            None => out.push_str(inside),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    mrkdwn::unescape(&out)
}

/// Text cut to at most `max` characters, marked with an ellipsis when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// Text in parts of at most `max` characters, split at line breaks where possible.
fn split_lines(text: &str, max: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = truncate(line, max);
        let needed = current.chars().count() + line.chars().count() + 1;
        if !current.is_empty() && needed > max {
            parts.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    if !current.is_empty() || parts.is_empty() {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_split_at_line_breaks_within_the_section_limit() {
        let line = "x".repeat(900);
        let text = [line.as_str(); 7].join("\n");
        let message = Message::new("f").section(&text);
        assert_eq!(message.blocks.len(), 3);
        for block in &message.blocks {
            let Block::Section(part) = block else {
                panic!("{block:?}")
            };
            assert!(part.chars().count() <= MAX_SECTION_CHARS);
            assert!(part.starts_with('x') && part.ends_with('x'));
        }
    }

    #[test]
    fn a_single_overlong_line_is_cut_not_refused() {
        let message = Message::new("f").section(&"y".repeat(5000));
        let Block::Section(part) = &message.blocks[0] else {
            panic!()
        };
        assert_eq!(part.chars().count(), MAX_SECTION_CHARS);
        assert!(part.ends_with('…'));
    }

    #[test]
    fn too_many_blocks_are_summarised_with_a_pointer() {
        let mut message = Message::new("f");
        for i in 0..70 {
            message = message.section(&format!("part {i}"));
        }
        let message = message.fit("`gatebot explain x`");
        assert_eq!(message.blocks.len(), MAX_BLOCKS);
        assert_eq!(
            message.blocks.last(),
            Some(&Block::Context(
                "21 more parts left out to stay within Slack's limits; `gatebot explain x` has everything.".into()
            ))
        );
    }

    #[test]
    fn plain_text_shows_links_and_decodes_entities() {
        let message = Message::plain("see <https://x/1|run 1> & more");
        assert_eq!(
            message.blocks,
            [Block::Section(
                "see &lt;https://x/1|run 1&gt; &amp; more".into()
            )]
        );
        assert_eq!(message.to_plain(), "see <https://x/1|run 1> & more\n");
        let linked = Message::new("f").section("a <https://x/1|run 1> &lt;b&gt;");
        assert_eq!(linked.to_plain(), "a run 1 (https://x/1) <b>\n");
    }
}
