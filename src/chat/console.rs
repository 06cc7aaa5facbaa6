//! Console chat: the chat port over a terminal. What would be posted to Slack is printed as
//! readable text, and each typed line is a command, so gatebot can be tried without a Slack
//! workspace (`gatebot run --chat console`, and the sandbox).
//!
//! A line starting with `as <user>` runs as that user, which is how one person plays both
//! sides of a two-person rule at a console.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use dashmap::DashMap;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::message::{Block, Message};
use super::surface::{ChatError, ChatSurface, Incoming, MarkedMessage, Placement, Via};

/// A chat surface that prints to a writer (standard output, or a buffer in tests).
pub struct ConsoleSurface {
    channel: String,
    out: Mutex<Box<dyn Write + Send>>,
    next_ts: AtomicU64,
    /// What each posted message is called when a reply or an edit refers to it.
    labels: DashMap<String, String>,
}

impl ConsoleSurface {
    pub fn new(channel: impl Into<String>, out: impl Write + Send + 'static) -> Self {
        Self {
            channel: channel.into(),
            out: Mutex::new(Box::new(out)),
            next_ts: AtomicU64::new(1),
            labels: DashMap::new(),
        }
    }

    fn print(&self, text: &str) -> Result<(), ChatError> {
        let mut out = self.out.lock().expect("console output lock poisoned");
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|error| {
                ChatError::Unavailable(format!("cannot write to the console: {error}"))
            })
    }

    fn label(&self, ts: &str) -> String {
        self.labels
            .get(ts)
            .map(|label| label.clone())
            .unwrap_or_else(|| format!("message {ts}"))
    }
}

#[async_trait]
impl ChatSurface for ConsoleSurface {
    fn channel(&self) -> &str {
        &self.channel
    }

    /// A printed line cannot have landed unseen, so the mark is not needed to find it.
    async fn post(
        &self,
        placement: Placement<'_>,
        _mark: &str,
        message: &Message,
    ) -> Result<String, ChatError> {
        let ts = format!(
            "console.{:06}",
            self.next_ts.fetch_add(1, Ordering::Relaxed)
        );
        self.labels.insert(ts.clone(), title(message));
        let text = match placement {
            Placement::TopLevel => format!("\n{}", message.to_plain()),
            Placement::Reply { thread } | Placement::Broadcast { thread } => {
                format!(
                    "  ↳ {}\n{}",
                    self.label(thread),
                    indent(&message.to_plain())
                )
            }
        };
        self.print(&text)?;
        Ok(ts)
    }

    /// What an earlier process printed is not this console's to read back.
    async fn marked_messages(
        &self,
        _thread: Option<&str>,
    ) -> Result<Vec<MarkedMessage>, ChatError> {
        Ok(Vec::new())
    }

    async fn update(&self, ts: &str, message: &Message) -> Result<(), ChatError> {
        self.print(&format!("\n(updated) {}", message.to_plain()))?;
        self.labels.insert(ts.to_string(), title(message));
        Ok(())
    }

    async fn post_ephemeral(
        &self,
        user: &str,
        _thread: Option<&str>,
        message: &Message,
    ) -> Result<(), ChatError> {
        self.print(&format!(
            "(only {user} sees this)\n{}",
            indent(&message.to_plain())
        ))
    }

    async fn group_members(&self, _group: &str) -> Result<Vec<String>, ChatError> {
        // A console has no user groups; roles given to groups hold nobody here.
        Ok(Vec::new())
    }

    async fn permalink(&self, ts: &str) -> Result<String, ChatError> {
        Ok(format!("console://{}/{ts}", self.channel))
    }
}

/// A message's name in replies and edits: its header, else its first line.
fn title(message: &Message) -> String {
    message
        .blocks
        .iter()
        .find_map(|block| match block {
            Block::Header(text) => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_else(|| {
            message
                .fallback
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        })
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}

/// Reads command lines and hands each to `handle` as a request from `user` (or from the user a
/// leading `as <user>` names), until the input ends.
pub async fn read_commands<F, Fut>(
    input: impl AsyncBufRead + Unpin,
    channel: &str,
    user: &str,
    mut handle: F,
) where
    F: FnMut(Incoming) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    // Deliveries are remembered across restarts, so their ids must not repeat between runs.
    let run = jiff::Timestamp::now().as_nanosecond();
    let mut lines = input.lines();
    let mut count = 0u64;
    while let Ok(Some(line)) = lines.next_line().await {
        let Some(incoming) =
            console_request(&line, channel, user, &format!("console-{run}-{count}"))
        else {
            continue;
        };
        count += 1;
        handle(incoming).await;
    }
}

/// A typed line as a request; `None` for a blank line.
pub fn console_request(
    line: &str,
    channel: &str,
    user: &str,
    delivery_id: &str,
) -> Option<Incoming> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let (user, text) = match line.strip_prefix("as ").map(str::trim_start) {
        Some(rest) => match rest.split_once(char::is_whitespace) {
            Some((other, text)) => (other, text.trim()),
            None => (rest, ""),
        },
        None => (user, line),
    };
    Some(Incoming {
        delivery_id: delivery_id.to_string(),
        user: user.to_string(),
        channel: channel.to_string(),
        thread_ts: None,
        text: text.to_string(),
        via: Via::Console,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_a_request_and_as_switches_the_user() {
        let mine = console_request("  status ", "C1", "alice", "d1").unwrap();
        assert_eq!(
            (mine.user.as_str(), mine.text.as_str()),
            ("alice", "status")
        );
        let theirs = console_request("as U0BOB release x", "C1", "alice", "d2").unwrap();
        assert_eq!(
            (theirs.user.as_str(), theirs.text.as_str()),
            ("U0BOB", "release x")
        );
        assert!(console_request("   ", "C1", "alice", "d3").is_none());
    }

    #[tokio::test]
    async fn posts_replies_and_edits_print_as_readable_text() {
        #[derive(Clone, Default)]
        struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Shared::default();
        let console = ConsoleSurface::new("C1", buffer.clone());
        let status = Message::new("f").header("op · snap-1").section("*PENDING*");
        let ts = console
            .post(Placement::TopLevel, "status", &status)
            .await
            .unwrap();
        console
            .post(
                Placement::Reply { thread: &ts },
                "reply",
                &Message::new("x").section("&lt;!channel&gt; failed"),
            )
            .await
            .unwrap();
        console.update(&ts, &status).await.unwrap();
        console
            .post_ephemeral("U1", None, &Message::plain("no"))
            .await
            .unwrap();
        let printed = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            printed,
            "\n== op · snap-1 ==\n*PENDING*\n  ↳ op · snap-1\n    <!channel> failed\n\n(updated) == op · snap-1 ==\n*PENDING*\n(only U1 sees this)\n    no\n"
        );
    }
}
