#![allow(dead_code)] // each benchmark uses a different part of the set-up
//! The emulated Slack with gatebot's Socket Mode listener connected to it, for the chat
//! benchmarks.

use std::sync::Arc;
use std::time::Duration;

use gatebot::chat::Incoming;
use gatebot::jira::Secret;
use gatebot::slack::{SlackListener, SlackTokens, SocketModeSettings};
use gatebot_emulators::slack::{EmulatedUser, SlackEmulator, Workspace};
use slack_morphism::prelude::SlackHyperClient;
use tokio::sync::mpsc;

pub const CHANNEL: &str = "C0RELEASES";
/// The member of the channel who asks.
pub const PERSON: &str = "U0PERSON";

pub struct Connected {
    pub slack: SlackEmulator,
    pub client: Arc<SlackHyperClient>,
    pub tokens: SlackTokens,
    pub listener: SlackListener,
}

/// Starts the emulated Slack and connects a listener handing requests to `requests`; returns
/// once Slack said hello.
pub async fn connect(requests: mpsc::Sender<Incoming>) -> Connected {
    let workspace = Workspace::default()
        .with_channel(CHANNEL, "hyperfleet-releases")
        .with_user(EmulatedUser::new(PERSON, "pat"));
    let slack = SlackEmulator::start(workspace).await.expect("Slack starts");
    let client =
        gatebot::slack::client(&slack.api_url().parse().expect("a URL")).expect("a Slack client");
    let tokens = SlackTokens {
        app: Secret::new(slack.workspace().app_token.clone()),
        bot: Secret::new(slack.workspace().bot_token.clone()),
    };
    let settings = SocketModeSettings {
        connections: 1,
        reconnect_after: Duration::from_secs(1),
        ..SocketModeSettings::default()
    };
    let listener = SlackListener::start(client.clone(), &tokens, CHANNEL, &settings, requests);
    listener
        .connected()
        .wait_for(|up| *up)
        .await
        .expect("Slack says hello");
    Connected {
        slack,
        client,
        tokens,
        listener,
    }
}
