//! gatebot's chat front inside the sandbox: typed chat commands run through the very same front
//! as in Slack — catalogue, roles, handlers, audit — and what gatebot would post is captured as
//! text for the sandbox's console.
//!
//! The sandbox's people: `you` (a releaser and an approver) type at the prompt; `alice` and `bob`
//! are approvers, reached with `as alice …`, so the two-person rule of emergency releases can be
//! played alone — and seen to hold when `you` try to approve your own request.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::chat::console::{ConsoleSurface, console_request};
use crate::chat::{ChatFront, Roles};
use crate::clock::Clock;
use crate::config::RolesConfig;
use crate::engine::Engine;
use crate::store::Store;

/// The channel the sandbox's chat pretends to be.
const CHANNEL: &str = "sandbox";
/// Who types at the prompt.
pub const YOU: &str = "you";

/// The chat front with its output captured.
pub struct SandboxChat {
    front: ChatFront,
    said: mpsc::UnboundedReceiver<String>,
    asked: AtomicU64,
}

impl SandboxChat {
    pub fn new(engine: Engine, store: Store, clock: Arc<dyn Clock>) -> Self {
        let (sender, said) = mpsc::unbounded_channel();
        let surface = Arc::new(ConsoleSurface::new(CHANNEL, Captured(sender)));
        let roles = RolesConfig {
            releasers: vec![YOU.into()],
            approvers: vec![YOU.into(), "alice".into(), "bob".into()],
            admins: Vec::new(),
        };
        let roles = Roles::new(roles, surface.clone());
        let front = ChatFront::new(engine, store, surface, roles, clock);
        Self {
            front,
            said,
            asked: AtomicU64::new(0),
        }
    }

    /// Runs a chat command line (with its `as <user>`, if any) and returns what gatebot said.
    pub async fn ask(&mut self, line: &str) -> String {
        let number = self.asked.fetch_add(1, Ordering::Relaxed);
        let Some(request) = console_request(line, CHANNEL, YOU, &format!("sandbox-{number}"))
        else {
            return String::new();
        };
        self.front.handle(request).await;
        let mut answer = String::new();
        while let Ok(text) = self.said.try_recv() {
            answer.push_str(&text);
        }
        answer.trim_start_matches('\n').to_string()
    }
}

/// A writer that hands what the console surface prints to the sandbox.
struct Captured(mpsc::UnboundedSender<String>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.send(String::from_utf8_lossy(bytes).into_owned());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
