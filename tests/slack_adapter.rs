//! gatebot's Slack adapter (`gatebot::slack`) against the Slack emulator: the listener turns
//! slash commands, mentions and clicks in the channel into `Incoming` requests, acknowledges at
//! once whatever gatebot does with them, keeps bots out, and reconnects; the surface posts,
//! threads, edits and paces per channel, rides out rate limits and reports refusals. Every wait
//! is bounded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatebot::chat::{
    Button, ButtonStyle, ChatError, ChatSurface, Incoming, Message, Placement, Via,
};
use gatebot::jira::Secret;
use gatebot::slack::{
    ChannelPacing, POST_BURST, POST_INTERVAL, SlackListener, SlackSurface, SlackTokens,
    SocketModeSettings,
};
use gatebot_emulators::slack::{EmulatedUser, EnvelopeIds, SlackEmulator, Workspace};
use serde_json::json;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);
/// How soon an envelope must be acknowledged: far from the 2 s the queue goes unread, and from
/// Slack's 3 s. The ack is written before anything is handed on, so it takes a couple of
/// milliseconds; the exact figure is the `slack_ack_latency` benchmark's, not a test's.
const PROMPT_ACK: Duration = Duration::from_millis(250);
const CHANNEL: &str = "C0RELEASES";
const ELSEWHERE: &str = "C0ELSEWHERE";
const ALICE: &str = "U0ALICE";
const BOB: &str = "U0BOB";
const GATEBOT: &str = "U0GATEBOT";
const DEPLOY_BOT: &str = "U0DEPLOYBOT";

fn workspace() -> Workspace {
    Workspace::default()
        .with_channel(CHANNEL, "hypershift-releases")
        .with_channel(ELSEWHERE, "random")
        .with_user(EmulatedUser::new(ALICE, "alice"))
        .with_user(EmulatedUser::new(BOB, "bob"))
        .with_user(EmulatedUser::new(DEPLOY_BOT, "deploy-bot").bot())
        .with_usergroup("S0QE", "hypershift-qe", &[ALICE, BOB])
}

async fn emulator() -> SlackEmulator {
    SlackEmulator::start(workspace())
        .await
        .expect("the emulator starts")
}

fn tokens(emulator: &SlackEmulator) -> SlackTokens {
    SlackTokens {
        app: Secret::new(emulator.workspace().app_token.clone()),
        bot: Secret::new(emulator.workspace().bot_token.clone()),
    }
}

fn client(api_url: &str) -> Arc<slack_morphism::prelude::SlackHyperClient> {
    gatebot::slack::client(&api_url.parse().unwrap()).expect("the client builds")
}

fn surface(emulator: &SlackEmulator) -> SlackSurface {
    SlackSurface::new(
        client(&emulator.api_url()),
        &tokens(emulator).bot,
        CHANNEL,
        Arc::new(ChannelPacing::default()),
    )
}

/// One connection, so tests know which socket an envelope goes to, and a quick retry.
fn settings() -> SocketModeSettings {
    SocketModeSettings {
        connections: 1,
        reconnect_after: Duration::from_secs(1),
        ..SocketModeSettings::default()
    }
}

/// A listener on the emulator, greeted by `hello`, and the queue it fills.
async fn listen(
    emulator: &SlackEmulator,
    capacity: usize,
) -> (SlackListener, mpsc::Receiver<Incoming>) {
    let (sender, requests) = mpsc::channel(capacity);
    let listener = SlackListener::start(
        client(&emulator.api_url()),
        &tokens(emulator),
        CHANNEL,
        &settings(),
        sender,
    );
    let mut connected = listener.connected();
    tokio::time::timeout(WAIT, connected.wait_for(|connected| *connected))
        .await
        .expect("hello arrives in time")
        .expect("the listener is running");
    (listener, requests)
}

async fn next(requests: &mut mpsc::Receiver<Incoming>) -> Incoming {
    tokio::time::timeout(WAIT, requests.recv())
        .await
        .expect("a request arrives in time")
        .expect("the listener is running")
}

/// Asserts that nothing more arrives for a while.
async fn assert_quiet(requests: &mut mpsc::Receiver<Incoming>) {
    let more = tokio::time::timeout(Duration::from_millis(300), requests.recv()).await;
    assert!(more.is_err(), "unexpected request {more:?}");
}

/// How long the envelope waited for its ack.
fn ack_delay(emulator: &SlackEmulator, envelope: &EnvelopeIds) -> Duration {
    let delivered = emulator
        .deliveries()
        .into_iter()
        .find(|delivery| delivery.envelope_id == envelope.envelope_id)
        .expect("delivered")
        .at;
    let acked = emulator
        .acks()
        .into_iter()
        .find(|ack| ack.envelope_id == envelope.envelope_id)
        .expect("acknowledged")
        .at;
    acked - delivered
}

fn release_prompt(snapshot: &str) -> Message {
    Message::new(format!("Release {snapshot}?"))
        .header("hypershift-operator 4.20")
        .section(&format!("Gate passed for *{snapshot}*"))
        .actions(vec![Button {
            action_id: "release".into(),
            label: "Release".into(),
            value: snapshot.into(),
            style: ButtonStyle::Primary,
        }])
}

/// The newest top-level message's `ts`.
fn last_ts(emulator: &SlackEmulator) -> String {
    emulator
        .messages(CHANNEL)
        .last()
        .expect("a message")
        .ts
        .clone()
}

#[tokio::test]
async fn a_command_and_a_mention_are_acknowledged_at_once_and_wait_in_the_queue() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 16).await;

    let command = emulator.slash_command(ALICE, CHANNEL, "status 4.20");
    let mention = emulator.app_mention(BOB, CHANNEL, "<@U0GATEBOT> why is 4.20 blocked?", None);
    assert_eq!(emulator.wait_for_acks(2, WAIT).await.len(), 2);
    for envelope in [&command, &mention] {
        assert!(ack_delay(&emulator, envelope) < PROMPT_ACK);
    }
    let command_ack = emulator
        .acks()
        .into_iter()
        .find(|ack| ack.envelope_id == command.envelope_id)
        .expect("the command is acknowledged");
    assert_eq!(command_ack.payload, None, "nothing is said on the ack");
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut arrived = vec![next(&mut requests).await, next(&mut requests).await];
    arrived.sort_by_key(|request| request.user.clone());
    let [from_alice, from_bob] = <[Incoming; 2]>::try_from(arrived).unwrap();
    assert_eq!(from_alice.via, Via::SlashCommand);
    assert_eq!(
        (
            from_alice.channel.as_str(),
            from_alice.text.as_str(),
            &from_alice.thread_ts
        ),
        (CHANNEL, "status 4.20", &None)
    );
    assert_eq!(
        from_alice.delivery_id.split('.').count(),
        3,
        "the command's trigger_id: {}",
        from_alice.delivery_id
    );
    let mention_ts = last_ts(&emulator);
    assert_eq!(
        from_bob,
        Incoming {
            delivery_id: mention.event_id.clone().unwrap(),
            user: BOB.into(),
            channel: CHANNEL.into(),
            thread_ts: None,
            text: "why is 4.20 blocked?".into(),
            via: Via::Mention {
                message_ts: mention_ts
            },
        }
    );
    listener.shutdown().await;
}

#[tokio::test]
async fn a_full_queue_never_delays_an_ack() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 1).await;

    let envelopes = [
        emulator.slash_command(ALICE, CHANNEL, "status"),
        emulator.app_mention(BOB, CHANNEL, "<@U0GATEBOT> status", None),
        emulator.slash_command(BOB, CHANNEL, "history"),
    ];
    assert_eq!(emulator.wait_for_acks(3, WAIT).await.len(), 3);
    for envelope in &envelopes {
        assert!(ack_delay(&emulator, envelope) < PROMPT_ACK);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    assert_eq!(next(&mut requests).await.text, "status");
    assert_quiet(&mut requests).await;
    emulator.slash_command(ALICE, CHANNEL, "status 4.21");
    assert_eq!(
        next(&mut requests).await.text,
        "status 4.21",
        "the queue takes requests again once read"
    );
    listener.shutdown().await;
}

#[tokio::test]
async fn a_mention_in_a_thread_names_the_thread() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    let parent = surface
        .post(
            Placement::TopLevel,
            "post 1",
            &Message::new("Gate 4.20: waiting"),
        )
        .await
        .unwrap();
    let (listener, mut requests) = listen(&emulator, 16).await;

    emulator.app_mention(ALICE, CHANNEL, "<@U0GATEBOT|gatebot> why?", Some(&parent));
    let request = next(&mut requests).await;
    let mention_ts = emulator.messages(CHANNEL)[0].replies[0].ts.clone();
    assert_eq!(request.thread_ts.as_deref(), Some(parent.as_str()));
    assert_eq!(request.text, "why?");
    assert_eq!(
        request.via,
        Via::Mention {
            message_ts: mention_ts
        }
    );
    listener.shutdown().await;
}

#[tokio::test]
async fn bots_and_plain_messages_never_become_requests() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 16).await;

    emulator.app_mention(GATEBOT, CHANNEL, "<@U0GATEBOT> status", None);
    emulator.app_mention(DEPLOY_BOT, CHANNEL, "<@U0GATEBOT> release 4.20", None);
    emulator.message_event(GATEBOT, CHANNEL, "Gate 4.20 passed", None);
    emulator.message_event(ALICE, CHANNEL, "is 4.20 out?", None);
    let bot_message = json!({
        "envelope_id": "env-bot-message",
        "type": "events_api",
        "accepts_response_payload": false,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": {
            "token": "verification-token",
            "team_id": "T0EMULATED",
            "api_app_id": "A0GATEBOT",
            "type": "event_callback",
            "event_id": "Ev0BOTMESSAGE",
            "event_time": 1_700_000_000,
            "event": {
                "type": "app_mention",
                "subtype": "bot_message",
                "bot_id": "B0WEBHOOK",
                "username": "ci-notifier",
                "text": "<@U0GATEBOT> status",
                "ts": "1700000000.000100",
                "channel": CHANNEL,
                "event_ts": "1700000000.000100"
            }
        }
    });
    emulator.deliver_raw(bot_message.to_string());
    assert_eq!(emulator.wait_for_acks(5, WAIT).await.len(), 5);

    let person = emulator.app_mention(ALICE, CHANNEL, "<@U0GATEBOT> status", None);
    let first = next(&mut requests).await;
    assert_eq!(
        (first.user.as_str(), first.text.as_str()),
        (ALICE, "status")
    );
    assert_eq!(Some(&first.delivery_id), person.event_id.as_ref());
    emulator.app_mention(ALICE, CHANNEL, "<@U0GATEBOT> history", None);
    assert_eq!(next(&mut requests).await.text, "history");
    assert_quiet(&mut requests).await;
    let profiles_asked: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|request| request.method == "users.info")
        .collect();
    assert_eq!(
        profiles_asked.len(),
        2,
        "the deploy bot and Alice, each once; gatebot's own user is known from the event"
    );
    listener.shutdown().await;
}

#[tokio::test]
async fn a_button_click_becomes_a_button_request_in_the_thread_of_its_message() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    let parent = surface
        .post(Placement::TopLevel, "post 2", &release_prompt("snap-1"))
        .await
        .unwrap();
    let reply = surface
        .post(
            Placement::Reply { thread: &parent },
            "post 3",
            &release_prompt("snap-2"),
        )
        .await
        .unwrap();
    let (listener, mut requests) = listen(&emulator, 16).await;

    emulator.block_actions(ALICE, CHANNEL, &parent, "release", "snap-1");
    let click = next(&mut requests).await;
    assert_eq!(
        (
            click.user.as_str(),
            click.channel.as_str(),
            click.text.as_str()
        ),
        (ALICE, CHANNEL, "")
    );
    assert_eq!(
        click.via,
        Via::Button {
            message_ts: parent.clone(),
            action_id: "release".into(),
            value: "snap-1".into()
        }
    );
    assert!(
        click.delivery_id.ends_with("/release"),
        "{}",
        click.delivery_id
    );

    emulator.block_actions(BOB, CHANNEL, &reply, "release", "snap-2");
    let in_thread = next(&mut requests).await;
    assert_eq!(in_thread.thread_ts.as_deref(), Some(parent.as_str()));
    assert_ne!(in_thread.delivery_id, click.delivery_id);
    listener.shutdown().await;
}

#[tokio::test]
async fn an_envelope_delivered_twice_gives_two_requests_with_one_delivery_id() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 16).await;
    let mention = |attempt: u32| {
        json!({
            "envelope_id": format!("env-mention-{attempt}"),
            "type": "events_api",
            "accepts_response_payload": false,
            "retry_attempt": attempt,
            "retry_reason": if attempt == 0 { "" } else { "timeout" },
            "payload": {
                "token": "verification-token",
                "team_id": "T0EMULATED",
                "api_app_id": "A0GATEBOT",
                "type": "event_callback",
                "event_id": "Ev0SAMEMENTION",
                "event_time": 1_700_000_000,
                "authorizations": [{
                    "enterprise_id": null,
                    "team_id": "T0EMULATED",
                    "user_id": GATEBOT,
                    "is_bot": true,
                    "is_enterprise_install": false
                }],
                "event": {
                    "type": "app_mention",
                    "user": ALICE,
                    "text": "<@U0GATEBOT> release 4.20",
                    "ts": "1700000000.000100",
                    "channel": CHANNEL,
                    "event_ts": "1700000000.000100"
                }
            }
        })
        .to_string()
    };
    emulator.deliver_raw(mention(0));
    emulator.deliver_raw(mention(1));
    let first = next(&mut requests).await;
    let second = next(&mut requests).await;
    assert_eq!(first, second);
    assert_eq!(first.delivery_id, "Ev0SAMEMENTION");

    let command = json!({
        "envelope_id": "env-command",
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": {
            "token": "verification-token",
            "team_id": "T0EMULATED",
            "team_domain": "emulated",
            "channel_id": CHANNEL,
            "channel_name": "hypershift-releases",
            "user_id": ALICE,
            "user_name": "alice",
            "command": "/release",
            "text": "status",
            "api_app_id": "A0GATEBOT",
            "response_url": "http://127.0.0.1:9/commands/T0EMULATED/1",
            "trigger_id": "1700000000.1.abcdef"
        }
    })
    .to_string();
    emulator.deliver_raw(command.clone());
    emulator.deliver_raw(command);
    let first = next(&mut requests).await;
    let second = next(&mut requests).await;
    assert_eq!(first, second);
    assert_eq!(first.delivery_id, "1700000000.1.abcdef");
    listener.shutdown().await;
}

#[tokio::test]
async fn requests_from_other_channels_are_not_passed_on_and_a_command_is_told_where_to_go() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 16).await;

    let command = emulator.slash_command(ALICE, ELSEWHERE, "status");
    emulator.app_mention(ALICE, ELSEWHERE, "<@U0GATEBOT> status", None);
    let acks = emulator.wait_for_acks(2, WAIT).await;
    let command_ack = acks
        .iter()
        .find(|ack| ack.envelope_id == command.envelope_id)
        .expect("the command is acknowledged");
    let told = command_ack
        .payload
        .as_ref()
        .expect("a reply rides on the ack");
    assert_eq!(told["text"], "/release works in <#C0RELEASES> only.");
    assert_quiet(&mut requests).await;
    listener.shutdown().await;
}

#[tokio::test]
async fn text_is_passed_on_as_the_person_typed_it() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 16).await;

    // Slack escapes what people type and writes its own tokens unescaped.
    emulator.slash_command(
        ALICE,
        CHANNEL,
        "hold 4.20 tell <!channel> and <@U0BOB> &lt;urgent&gt; &amp; now",
    );
    assert_eq!(
        next(&mut requests).await.text,
        "hold 4.20 tell <!channel> and <@U0BOB> <urgent> & now"
    );
    listener.shutdown().await;
}

#[tokio::test]
async fn after_a_disconnect_and_after_cut_sockets_the_listener_reconnects() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 16).await;

    assert_eq!(emulator.disconnect("refresh_requested"), Some(1));
    emulator.slash_command(ALICE, CHANNEL, "status after refresh");
    assert_eq!(next(&mut requests).await.text, "status after refresh");

    assert!(emulator.drop_sockets() >= 1);
    emulator.slash_command(ALICE, CHANNEL, "status after a cut");
    assert_eq!(next(&mut requests).await.text, "status after a cut");
    let connections = emulator.connections();
    assert_eq!(connections.len(), 3);
    assert!(connections[..2].iter().all(|c| c.closed_at.is_some()));
    assert!(*listener.connected().borrow());
    listener.shutdown().await;
}

/// Waits until readiness reads `ready`.
async fn until_ready_is(listener: &SlackListener, ready: bool) {
    let mut connected = listener.connected();
    tokio::time::timeout(WAIT, connected.wait_for(|connected| *connected == ready))
        .await
        .unwrap_or_else(|_| panic!("readiness did not turn {ready}"))
        .unwrap();
}

#[tokio::test]
async fn readiness_falls_when_the_only_connection_is_lost_and_returns_with_a_new_hello() {
    let emulator = emulator().await;
    let (listener, mut requests) = listen(&emulator, 16).await;
    // The first attempt to reconnect fails, so the listener is without a connection for the
    // retry pause.
    emulator.fail("apps.connections.open", "internal_error", 1);

    assert_eq!(emulator.drop_sockets(), 1);
    until_ready_is(&listener, false).await;
    until_ready_is(&listener, true).await;
    assert_eq!(emulator.connections_opened(), 2);
    emulator.slash_command(ALICE, CHANNEL, "status after the outage");
    assert_eq!(next(&mut requests).await.text, "status after the outage");
    listener.shutdown().await;
    assert!(!*listener.connected().borrow(), "shut down is not ready");
}

#[tokio::test]
async fn a_connection_gone_silent_is_replaced_without_a_close_or_an_error() {
    let emulator = emulator().await;
    let (sender, mut requests) = mpsc::channel(16);
    let settings = SocketModeSettings {
        silence_limit: Duration::from_millis(900),
        ..settings()
    };
    let listener = SlackListener::start(
        client(&emulator.api_url()),
        &tokens(&emulator),
        CHANNEL,
        &settings,
        sender,
    );
    until_ready_is(&listener, true).await;
    emulator.fail("apps.connections.open", "internal_error", 1);

    assert_eq!(emulator.freeze_sockets(Duration::from_secs(4)), 1);
    until_ready_is(&listener, false).await;
    until_ready_is(&listener, true).await;
    let connections = emulator.connections();
    assert_eq!(connections.len(), 2);
    assert_eq!(
        connections[0].closed_at, None,
        "the frozen socket saw no close: the listener noticed the silence"
    );
    // An event still routed to the frozen socket goes unacknowledged there and is delivered
    // again on the new one.
    emulator.app_mention(BOB, CHANNEL, "<@U0GATEBOT> status", None);
    assert_eq!(next(&mut requests).await.text, "status");
    listener.shutdown().await;
}

#[tokio::test]
async fn readiness_waits_for_hello() {
    let emulator = emulator().await;
    emulator.fail("apps.connections.open", "internal_error", 1);
    let (sender, _requests) = mpsc::channel(16);
    let started = Instant::now();
    let listener = SlackListener::start(
        client(&emulator.api_url()),
        &tokens(&emulator),
        CHANNEL,
        &settings(),
        sender,
    );
    let mut connected = listener.connected();
    assert!(
        !*connected.borrow(),
        "no hello while Slack refuses to connect"
    );

    tokio::time::timeout(WAIT, connected.wait_for(|connected| *connected))
        .await
        .expect("hello arrives after the retry")
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the retry waited"
    );
    assert_eq!(emulator.connections_opened(), 1);
    listener.shutdown().await;
}

#[tokio::test]
async fn posts_replies_broadcasts_updates_and_ephemerals_land_in_the_channel() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    assert_eq!(surface.channel(), CHANNEL);

    let status = surface
        .post(Placement::TopLevel, "post 4", &release_prompt("snap-1"))
        .await
        .unwrap();
    let reply = surface
        .post(
            Placement::Reply { thread: &status },
            "post 5",
            &Message::new("aws passed"),
        )
        .await
        .unwrap();
    surface
        .post(
            Placement::Broadcast { thread: &status },
            "post 6",
            &Message::new("gate passed"),
        )
        .await
        .unwrap();
    surface
        .update(
            &status,
            &Message::new("Released snap-1").section("*Released*"),
        )
        .await
        .unwrap();
    surface
        .post_ephemeral(ALICE, Some(&status), &Message::plain("only you: <b> & c"))
        .await
        .unwrap();

    let messages = emulator.messages(CHANNEL);
    assert_eq!(messages.len(), 1);
    let shown = &messages[0];
    assert_eq!((shown.ts.as_str(), shown.edits), (status.as_str(), 1));
    assert_eq!(shown.text, "Released snap-1");
    assert_eq!(shown.blocks.len(), 1);
    assert_eq!(shown.blocks[0]["text"]["text"], "*Released*");
    let replies: Vec<_> = shown
        .replies
        .iter()
        .map(|r| (r.text.as_str(), r.reply_broadcast))
        .collect();
    assert_eq!(replies, [("aws passed", false), ("gate passed", true)]);
    assert_eq!(shown.replies[0].ts, reply);
    let ephemeral = &emulator.ephemerals(CHANNEL)[0];
    assert_eq!(
        (ephemeral.user.as_str(), ephemeral.thread_ts.as_deref()),
        (ALICE, Some(status.as_str()))
    );
    assert_eq!(
        ephemeral.blocks[0]["text"]["text"],
        "only you: &lt;b&gt; &amp; c"
    );

    assert_eq!(surface.group_members("S0QE").await.unwrap(), [ALICE, BOB]);
    let link = surface.permalink(&reply).await.unwrap();
    assert!(
        link.starts_with("https://emulated.slack.com/archives/C0RELEASES/p")
            && link.contains(&format!("thread_ts={status}")),
        "{link}"
    );
}

#[tokio::test]
async fn the_first_post_carries_its_blocks_as_block_kit() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    surface
        .post(Placement::TopLevel, "post 7", &release_prompt("snap-1"))
        .await
        .unwrap();
    let posted = &emulator.messages(CHANNEL)[0];
    assert_eq!(posted.text, "Release snap-1?");
    let kinds: Vec<_> = posted
        .blocks
        .iter()
        .map(|block| block["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["header", "section", "actions"]);
    let button = &posted.blocks[2]["elements"][0];
    assert_eq!(
        (&button["action_id"], &button["value"], &button["style"]),
        (&json!("release"), &json!("snap-1"), &json!("primary"))
    );
}

#[tokio::test]
async fn a_burst_of_posts_is_paced_to_the_channels_allowance() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    let started = Instant::now();
    let posts = (0..5).map(|i| {
        let surface = &surface;
        async move {
            let message = Message::new(format!("event {i}"));
            surface
                .post(Placement::TopLevel, &format!("event {i}"), &message)
                .await
        }
    });
    let posted = futures::future::join_all(posts).await;
    assert!(posted.iter().all(Result::is_ok), "{posted:?}");
    assert!(started.elapsed() >= POST_INTERVAL * 2 - Duration::from_millis(20));
    assert_eq!(emulator.post_times(CHANNEL).len(), 5);
    assert!(emulator.most_posts_within(CHANNEL, Duration::from_secs(1)) <= POST_BURST as usize);
}

#[tokio::test]
async fn a_429_storm_still_delivers_every_post_within_the_pace() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    emulator.ratelimit("chat.postMessage", 1, 3);
    let posts = (0..3).map(|i| {
        let surface = &surface;
        async move {
            let message = Message::new(format!("event {i}"));
            surface
                .post(Placement::TopLevel, &format!("event {i}"), &message)
                .await
        }
    });
    let posted = futures::future::join_all(posts).await;
    assert!(posted.iter().all(Result::is_ok), "{posted:?}");
    assert_eq!(emulator.post_times(CHANNEL).len(), 3);
    assert!(emulator.most_posts_within(CHANNEL, Duration::from_secs(1)) <= POST_BURST as usize);
    let limited = emulator
        .requests()
        .iter()
        .filter(|request| request.status == 429)
        .count();
    assert_eq!(limited, 3);
}

#[tokio::test]
async fn a_rate_limit_that_does_not_lift_gives_up_after_five_attempts() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    emulator.ratelimit("usergroups.users.list", 0, 10);
    let outcome = surface.group_members("S0QE").await;
    assert!(
        matches!(&outcome, Err(ChatError::Unavailable(reason)) if reason.contains("5 attempts")),
        "{outcome:?}"
    );
    assert_eq!(emulator.requests().len(), 5);
}

#[tokio::test]
async fn refusals_come_back_at_once() {
    let emulator = emulator().await;
    let surface = surface(&emulator);
    emulator.fail("chat.postMessage", "fatal_error", 1);
    assert_eq!(
        surface
            .post(Placement::TopLevel, "post 8", &Message::new("x"))
            .await,
        Err(ChatError::Refused("fatal_error".into()))
    );
    assert_eq!(
        surface
            .update("1600000000.000100", &Message::new("x"))
            .await,
        Err(ChatError::Refused("message_not_found".into()))
    );
    assert_eq!(
        surface.group_members("S0NONE").await,
        Err(ChatError::Refused("no_such_subteam".into()))
    );
    assert_eq!(emulator.requests().len(), 3, "no refusal was tried again");
}

#[tokio::test]
async fn an_unreachable_slack_is_unavailable_after_bounded_retries() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!("http://{}/api", closed.local_addr().unwrap());
    drop(closed);
    let surface = SlackSurface::new(
        client(&api_url),
        &Secret::new("xoxb-unused"),
        CHANNEL,
        Arc::new(ChannelPacing::default()),
    );
    let started = Instant::now();
    let outcome = surface.permalink("1600000000.000100").await;
    assert!(
        matches!(&outcome, Err(ChatError::Unavailable(reason)) if reason.starts_with("chat.getPermalink")),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
