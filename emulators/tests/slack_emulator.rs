//! The Slack emulator (`gatebot_emulators::slack`) driven by the real slack-morphism 2.31 client,
//! built the way gatebot builds it: a `https_or_http` connector pointed at the emulator with
//! `with_slack_api_url`, and a Socket Mode listener with one connection and a 1 s reconnect
//! timeout. These tests pin what gatebot's Slack adapter relies on: `hello` before envelopes,
//! acks with and without payloads, redelivery of unacknowledged events, reconnection after
//! `disconnect` and after a cut socket, the Web API's answers and errors, 429 rate limits and
//! the Block Kit limits. Every wait is bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gatebot_emulators::slack::{EmulatedUser, SlackEmulator, SocketModeConfig, Workspace};
use serde_json::{Value, json};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);
const CHANNEL: &str = "C0RELEASES";
const ALICE: &str = "U0ALICE";

fn workspace() -> Workspace {
    Workspace::default()
        .with_channel(CHANNEL, "hypershift-releases")
        .with_user(EmulatedUser::new(ALICE, "alice"))
        .with_usergroup("S0QE", "hypershift-qe", &[ALICE, "U0BOB"])
}

async fn emulator() -> SlackEmulator {
    SlackEmulator::start(workspace())
        .await
        .expect("the emulator starts")
}

fn client_for(emulator: &SlackEmulator) -> Arc<SlackHyperClient> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .expect("native roots")
        .https_or_http()
        .enable_all_versions()
        .build();
    let connector = SlackClientHyperConnector::from(https).with_slack_api_url(&emulator.api_url());
    Arc::new(SlackClient::new(connector))
}

fn bot_token(emulator: &SlackEmulator) -> SlackApiToken {
    SlackApiToken::new(emulator.workspace().bot_token.clone().into())
}

/// What the bot's callbacks saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Hello,
    Command(String),
    Event {
        event_id: String,
        text: String,
        thread_ts: Option<String>,
    },
    Click {
        action_id: String,
        value: Option<String>,
    },
}

struct Observer {
    seen: mpsc::UnboundedSender<Seen>,
    /// How many more events the push callback fails (and so leaves unacknowledged).
    events_to_fail: AtomicUsize,
}

async fn observe(state: &SlackClientEventsUserState, seen: Seen) {
    let state = state.read().await;
    let observer = state.get_user_state::<Observer>().expect("observer state");
    observer.seen.send(seen).expect("the test is listening");
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    observe(&state, Seen::Command(event.text.unwrap_or_default())).await;
    let reply = SlackMessageContent::new().with_text("working on it".into());
    Ok(SlackCommandEventResponse::new(reply))
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let (text, thread_ts) = match &event.event {
        SlackEventCallbackBody::AppMention(mention) => (
            mention.content.text.clone(),
            mention.origin.thread_ts.clone(),
        ),
        SlackEventCallbackBody::Message(message) => (
            message
                .content
                .as_ref()
                .and_then(|content| content.text.clone()),
            message.origin.thread_ts.clone(),
        ),
        other => return Err(format!("unexpected event {other:?}").into()),
    };
    let seen = Seen::Event {
        event_id: event.event_id.to_string(),
        text: text.unwrap_or_default(),
        thread_ts: thread_ts.map(|ts| ts.to_string()),
    };
    observe(&state, seen).await;
    let state = state.read().await;
    let observer = state.get_user_state::<Observer>().expect("observer state");
    let fail = observer
        .events_to_fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if fail {
        return Err("the handler failed".into());
    }
    Ok(())
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let SlackInteractionEvent::BlockActions(click) = event else {
        return Err("not a block action".into());
    };
    for action in click.actions.unwrap_or_default() {
        let seen = Seen::Click {
            action_id: action.action_id.to_string(),
            value: action.value,
        };
        observe(&state, seen).await;
    }
    Ok(())
}

/// A non-2xx answer tells slack-morphism not to acknowledge, so Slack redelivers.
fn on_error(
    _error: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<SlackHyperClient>,
    _state: SlackClientEventsUserState,
) -> HttpStatusCode {
    HttpStatusCode::INTERNAL_SERVER_ERROR
}

/// A Socket Mode bot connected to the emulator, as gatebot configures slack-morphism.
struct Bot {
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
    seen: mpsc::UnboundedReceiver<Seen>,
}

impl Bot {
    async fn connect(emulator: &SlackEmulator, events_to_fail: usize) -> Self {
        let (sender, seen) = mpsc::unbounded_channel();
        let observer = Observer {
            seen: sender,
            events_to_fail: AtomicUsize::new(events_to_fail),
        };
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(client_for(emulator))
                .with_error_handler(on_error)
                .with_user_state(observer),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_command_events(on_command)
            .with_push_events(on_push)
            .with_interaction_events(on_interaction)
            .with_hello_events(|_hello, _client, state| async move {
                observe(&state, Seen::Hello).await;
            });
        let config = SlackClientSocketModeConfig::new()
            .with_max_connections_count(1)
            .with_reconnect_timeout_in_seconds(1);
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        let app_token = SlackApiToken::new(emulator.workspace().app_token.clone().into());
        listener.listen_for(&app_token).await.expect("listening");
        listener.start().await;
        Self { listener, seen }
    }

    async fn next(&mut self) -> Seen {
        tokio::time::timeout(WAIT, self.seen.recv())
            .await
            .expect("the bot saw something in time")
            .expect("the bot is running")
    }

    async fn shutdown(self) {
        self.listener.shutdown().await;
    }
}

#[tokio::test]
async fn hello_comes_first_and_envelopes_sent_while_offline_follow_it() {
    let emulator = emulator().await;
    let mention = emulator.app_mention(ALICE, CHANNEL, "<@U0GATEBOT> status 4.15", None);
    let mut bot = Bot::connect(&emulator, 0).await;

    assert_eq!(bot.next().await, Seen::Hello);
    let Seen::Event { event_id, text, .. } = bot.next().await else {
        panic!("expected the queued mention");
    };
    assert_eq!(Some(event_id), mention.event_id);
    assert_eq!(text, "<@U0GATEBOT> status 4.15");
    assert_eq!(emulator.wait_for_acks(1, WAIT).await.len(), 1);
    assert_eq!(emulator.connections_opened(), 1);
    let opens: Vec<_> = emulator
        .requests()
        .into_iter()
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(opens, [("apps.connections.open".to_string(), 200)]);
    bot.shutdown().await;
}

#[tokio::test]
async fn a_slash_command_is_acknowledged_with_the_callbacks_reply() {
    let emulator = emulator().await;
    let mut bot = Bot::connect(&emulator, 0).await;
    assert_eq!(bot.next().await, Seen::Hello);

    let command = emulator.slash_command(ALICE, CHANNEL, "status 4.15");
    assert_eq!(bot.next().await, Seen::Command("status 4.15".into()));
    let acks = emulator.wait_for_acks(1, WAIT).await;
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].envelope_id, command.envelope_id);
    let payload = acks[0]
        .payload
        .as_ref()
        .expect("the reply rides on the ack");
    assert_eq!(payload["text"], "working on it");
    bot.shutdown().await;
}

#[tokio::test]
async fn a_mention_in_a_thread_reaches_the_push_callback_and_gets_a_bare_ack() {
    let emulator = emulator().await;
    let session_client = client_for(&emulator);
    let token = bot_token(&emulator);
    let session = session_client.open_session(&token);
    let parent = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            CHANNEL.into(),
            SlackMessageContent::new().with_text("Gate for 4.15 is open".into()),
        ))
        .await
        .expect("posted");
    let mut bot = Bot::connect(&emulator, 0).await;
    assert_eq!(bot.next().await, Seen::Hello);

    let parent_ts = parent.ts.to_string();
    let mention = emulator.app_mention(ALICE, CHANNEL, "<@U0GATEBOT> why?", Some(&parent_ts));
    assert_eq!(
        bot.next().await,
        Seen::Event {
            event_id: mention.event_id.clone().unwrap(),
            text: "<@U0GATEBOT> why?".into(),
            thread_ts: Some(parent_ts),
        }
    );
    let acks = emulator.wait_for_acks(1, WAIT).await;
    assert_eq!(
        (acks[0].envelope_id.as_str(), &acks[0].payload),
        (mention.envelope_id.as_str(), &None)
    );
    let thread = &emulator.messages(CHANNEL)[0];
    assert_eq!(
        thread.replies.len(),
        1,
        "the mention is stored in the thread"
    );
    assert_eq!(thread.replies[0].user, ALICE);
    bot.shutdown().await;
}

#[tokio::test]
async fn an_event_not_acknowledged_in_time_is_redelivered_with_retry_attempt_1() {
    let config = SocketModeConfig {
        ack_deadline: Duration::from_millis(500),
        ..SocketModeConfig::default()
    };
    let emulator = SlackEmulator::start_with(workspace(), config)
        .await
        .unwrap();
    let mut bot = Bot::connect(&emulator, 1).await;
    assert_eq!(bot.next().await, Seen::Hello);

    let message = emulator.message_event(ALICE, CHANNEL, "is 4.15 out?", None);
    let first = bot.next().await;
    let second = bot.next().await;
    assert_eq!(first, second, "the same event arrives twice");
    let acks = emulator.wait_for_acks(1, WAIT).await;
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].envelope_id, message.envelope_id);
    let attempts: Vec<u32> = emulator
        .deliveries()
        .iter()
        .map(|d| d.retry_attempt)
        .collect();
    assert_eq!(attempts, [0, 1]);
    assert!(emulator.expired_envelopes().is_empty());
    bot.shutdown().await;
}

#[tokio::test]
async fn malformed_frames_are_survived_and_an_unparseable_envelope_is_still_acknowledged() {
    let emulator = emulator().await;
    let mut bot = Bot::connect(&emulator, 0).await;
    assert_eq!(bot.next().await, Seen::Hello);

    emulator.deliver_raw("not json at all");
    emulator.deliver_raw(
        r#"{"envelope_id":"broken-1","type":"events_api","payload":{"nonsense":true}}"#,
    );
    let acks = emulator.wait_for_acks(1, WAIT).await;
    assert_eq!(acks[0].envelope_id, "broken-1");
    let command = emulator.slash_command(ALICE, CHANNEL, "status");
    assert_eq!(
        bot.next().await,
        Seen::Command("status".into()),
        "the socket still works"
    );
    assert_eq!(
        emulator.wait_for_acks(2, WAIT).await[1].envelope_id,
        command.envelope_id
    );
    assert!(
        emulator
            .deliveries()
            .iter()
            .all(|d| d.envelope_id == command.envelope_id),
        "raw frames are not tracked"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn a_button_click_reaches_the_interaction_callback_and_is_acknowledged() {
    let emulator = emulator().await;
    let session_client = client_for(&emulator);
    let token = bot_token(&emulator);
    let session = session_client.open_session(&token);
    let button = SlackBlockButtonElement::new(pt!("Approve"))
        .with_action_id("approve".into())
        .with_value("4.15.3".into());
    let blocks = vec![
        SlackSectionBlock::new()
            .with_text(md!("Release *4.15.3*?"))
            .into(),
        SlackActionsBlock::new(vec![button.into()]).into(),
    ];
    let posted = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            CHANNEL.into(),
            SlackMessageContent::new()
                .with_text("Release 4.15.3?".into())
                .with_blocks(blocks),
        ))
        .await
        .expect("posted");
    let mut bot = Bot::connect(&emulator, 0).await;
    assert_eq!(bot.next().await, Seen::Hello);

    let click = emulator.block_actions(ALICE, CHANNEL, posted.ts.as_ref(), "approve", "4.15.3");
    assert_eq!(
        bot.next().await,
        Seen::Click {
            action_id: "approve".into(),
            value: Some("4.15.3".into())
        }
    );
    let acks = emulator.wait_for_acks(1, WAIT).await;
    assert_eq!(
        (acks[0].envelope_id.as_str(), &acks[0].payload),
        (click.envelope_id.as_str(), &None)
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn after_disconnect_the_client_reopens_and_the_next_envelope_uses_the_new_socket() {
    let emulator = emulator().await;
    let mut bot = Bot::connect(&emulator, 0).await;
    assert_eq!(bot.next().await, Seen::Hello);

    assert_eq!(emulator.disconnect("refresh_requested"), Some(1));
    assert_eq!(
        bot.next().await,
        Seen::Hello,
        "a second hello, on a new socket"
    );
    let mention = emulator.app_mention(ALICE, CHANNEL, "<@U0GATEBOT> status", None);
    assert!(
        matches!(bot.next().await, Seen::Event { event_id, .. } if Some(&event_id) == mention.event_id.as_ref())
    );
    emulator.wait_for_acks(1, WAIT).await;

    let opens = emulator
        .requests()
        .iter()
        .filter(|r| r.method == "apps.connections.open")
        .count();
    assert_eq!(opens, 2);
    let connections = emulator.connections();
    assert_eq!(connections.len(), 2);
    assert_eq!(
        connections[0].disconnect_reason.as_deref(),
        Some("refresh_requested")
    );
    assert_eq!(emulator.deliveries()[0].connection, connections[1].id);
    assert_eq!(emulator.acks()[0].connection, connections[1].id);
    bot.shutdown().await;
}

#[tokio::test]
async fn after_a_cut_socket_the_client_reconnects_and_receives_again() {
    let emulator = emulator().await;
    let mut bot = Bot::connect(&emulator, 0).await;
    assert_eq!(bot.next().await, Seen::Hello);

    assert_eq!(emulator.drop_sockets(), 1);
    let command = emulator.slash_command(ALICE, CHANNEL, "status");
    assert_eq!(bot.next().await, Seen::Hello);
    assert_eq!(bot.next().await, Seen::Command("status".into()));
    let acks = emulator.wait_for_acks(1, WAIT).await;
    assert_eq!(acks[0].envelope_id, command.envelope_id);
    let connections = emulator.connections();
    assert_eq!(connections.len(), 2);
    assert!(connections[0].closed_at.is_some());
    assert_eq!(
        connections[0].disconnect_reason, None,
        "no disconnect frame was sent"
    );
    assert_eq!(acks[0].connection, connections[1].id);
    bot.shutdown().await;
}

#[tokio::test]
async fn web_api_calls_round_trip_with_slack_morphisms_response_types() {
    let emulator = emulator().await;
    let client = client_for(&emulator);
    let token = bot_token(&emulator);
    let session = client.open_session(&token);
    let text = |text: &str| SlackMessageContent::new().with_text(text.into());

    let parent = session
        .chat_post_message(&SlackApiChatPostMessageRequest::new(
            CHANNEL.into(),
            text("Gate 4.15: waiting"),
        ))
        .await
        .unwrap();
    assert_eq!(parent.channel.to_string(), CHANNEL);
    assert_eq!(
        parent
            .message
            .sender
            .user
            .as_ref()
            .map(|u| u.to_string())
            .as_deref(),
        Some("U0GATEBOT")
    );
    assert_eq!(
        parent
            .message
            .sender
            .bot_id
            .as_ref()
            .map(|b| b.to_string())
            .as_deref(),
        Some("B0GATEBOT")
    );
    let reply = session
        .chat_post_message(
            &SlackApiChatPostMessageRequest::new(CHANNEL.into(), text("details"))
                .with_thread_ts(parent.ts.clone())
                .with_reply_broadcast(true),
        )
        .await
        .unwrap();
    assert!(
        reply.ts.to_string() > parent.ts.to_string(),
        "timestamps grow"
    );
    assert_eq!(reply.message.origin.thread_ts, Some(parent.ts.clone()));

    let to_a_reply = SlackApiChatPostMessageRequest::new(CHANNEL.into(), text("lost"))
        .with_thread_ts(reply.ts.clone());
    session.chat_post_message(&to_a_reply).await.unwrap();
    let malformed =
        SlackApiChatPostMessageRequest::new(CHANNEL.into(), text("x")).with_thread_ts("0".into());
    assert_eq!(
        api_error(session.chat_post_message(&malformed).await),
        "invalid_thread_ts"
    );

    let updated = session
        .chat_update(&SlackApiChatUpdateRequest::new(
            CHANNEL.into(),
            text("Gate 4.15: passed"),
            parent.ts.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(
        updated.message.content.text.as_deref(),
        Some("Gate 4.15: passed")
    );
    assert!(updated.message.edited.is_some());

    let ephemeral = session
        .chat_post_ephemeral(&SlackApiChatPostEphemeralRequest::new(
            CHANNEL.into(),
            ALICE.into(),
            text("only you"),
        ))
        .await;
    assert!(ephemeral.is_ok(), "{ephemeral:?}");

    let link = session
        .chat_get_permalink(&SlackApiChatGetPermalinkRequest::new(
            CHANNEL.into(),
            reply.ts.clone(),
        ))
        .await
        .unwrap();
    let reply_digits = reply.ts.to_string().replace('.', "");
    assert_eq!(
        link.permalink.as_str(),
        format!(
            "https://emulated.slack.com/archives/{CHANNEL}/p{reply_digits}?thread_ts={}&cid={CHANNEL}",
            parent.ts
        )
    );

    let thread = session
        .conversations_replies(&SlackApiConversationsRepliesRequest::new(
            CHANNEL.into(),
            parent.ts.clone(),
        ))
        .await
        .unwrap();
    let texts: Vec<_> = thread
        .messages
        .iter()
        .map(|m| m.content.text.clone().unwrap_or_default())
        .collect();
    assert_eq!(texts, ["Gate 4.15: passed", "details"]);
    assert_eq!(thread.messages[0].parent.reply_count, Some(1));

    let members = session
        .usergroups_users_list(&SlackApiUserGroupsUsersListRequest::new("S0QE".into()))
        .await
        .unwrap();
    let members: Vec<_> = members.users.iter().map(ToString::to_string).collect();
    assert_eq!(members, [ALICE, "U0BOB"]);
    let alice = session
        .users_info(&SlackApiUsersInfoRequest::new(ALICE.into()))
        .await
        .unwrap();
    assert_eq!(
        (alice.user.name.as_deref(), alice.user.flags.is_bot),
        (Some("alice"), Some(false))
    );
    let bot = session
        .users_info(&SlackApiUsersInfoRequest::new("U0GATEBOT".into()))
        .await
        .unwrap();
    assert_eq!(bot.user.flags.is_bot, Some(true));

    let messages = emulator.messages(CHANNEL);
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (messages[0].text.as_str(), messages[0].edits),
        ("Gate 4.15: passed", 1)
    );
    assert_eq!(messages[0].replies.len(), 1);
    assert!(messages[0].replies[0].reply_broadcast);
    let ephemerals = emulator.ephemerals(CHANNEL);
    assert_eq!(
        (ephemerals[0].user.as_str(), ephemerals[0].text.as_str()),
        (ALICE, "only you")
    );
    let orphans = emulator.orphan_replies(CHANNEL);
    assert_eq!(orphans.len(), 1, "a reply to a reply shows nowhere");
    assert_eq!(orphans[0].thread_ts, Some(reply.ts.to_string()));
    assert_eq!(emulator.post_times(CHANNEL).len(), 3);
    assert_eq!(
        emulator.most_posts_within(CHANNEL, Duration::from_secs(1)),
        3
    );
    let logged: Vec<_> = emulator.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(
        logged[..5],
        [
            "chat.postMessage",
            "chat.postMessage",
            "chat.postMessage",
            "chat.postMessage",
            "chat.update"
        ]
    );
}

fn api_error(result: Result<impl std::fmt::Debug, SlackClientError>) -> String {
    match result {
        Err(SlackClientError::ApiError(error)) => error.code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn ok_false_answers_surface_as_api_errors() {
    let emulator = emulator().await;
    let client = client_for(&emulator);
    let token = bot_token(&emulator);
    let session = client.open_session(&token);
    let post = |channel: &str| {
        SlackApiChatPostMessageRequest::new(
            channel.into(),
            SlackMessageContent::new().with_text("hi".into()),
        )
    };

    assert_eq!(
        api_error(session.chat_post_message(&post("C0NOWHERE")).await),
        "channel_not_found"
    );
    let update = SlackApiChatUpdateRequest::new(
        CHANNEL.into(),
        SlackMessageContent::new().with_text("x".into()),
        "1600000000.000100".into(),
    );
    assert_eq!(
        api_error(session.chat_update(&update).await),
        "message_not_found"
    );
    let nobody = SlackApiUsersInfoRequest::new("U0NOBODY".into());
    assert_eq!(
        api_error(session.users_info(&nobody).await),
        "user_not_found"
    );
    let no_group = SlackApiUserGroupsUsersListRequest::new("S0NONE".into());
    assert_eq!(
        api_error(session.usergroups_users_list(&no_group).await),
        "no_such_subteam"
    );

    emulator.fail("chat.postMessage", "fatal_error", 1);
    assert_eq!(
        api_error(session.chat_post_message(&post(CHANNEL)).await),
        "fatal_error"
    );
    assert!(
        session.chat_post_message(&post(CHANNEL)).await.is_ok(),
        "the fault wore off"
    );

    let wrong_token = SlackApiToken::new("xoxb-wrong".into());
    let wrong = client.open_session(&wrong_token);
    assert_eq!(
        api_error(wrong.chat_post_message(&post(CHANNEL)).await),
        "invalid_auth"
    );
    let app_token = SlackApiToken::new(emulator.workspace().app_token.clone().into());
    let app = client.open_session(&app_token);
    assert_eq!(
        api_error(app.chat_post_message(&post(CHANNEL)).await),
        "not_allowed_token_type"
    );
    let errors: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter_map(|r| r.error)
        .collect();
    assert_eq!(errors.len(), 7);
}

#[tokio::test]
async fn a_429_becomes_a_rate_limit_error_carrying_retry_after() {
    let emulator = emulator().await;
    let client = client_for(&emulator);
    let token = bot_token(&emulator);
    let session = client.open_session(&token);
    let request = SlackApiChatPostMessageRequest::new(
        CHANNEL.into(),
        SlackMessageContent::new().with_text("hi".into()),
    );

    emulator.ratelimit("chat.postMessage", 1, 1);
    match session.chat_post_message(&request).await {
        Err(SlackClientError::RateLimitError(error)) => {
            assert_eq!(error.retry_after, Some(Duration::from_secs(1)));
            assert_eq!(error.code.as_deref(), Some("ratelimited"));
        }
        other => panic!("expected a rate limit error, got {other:?}"),
    }
    assert!(session.chat_post_message(&request).await.is_ok());
    let statuses: Vec<_> = emulator.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(
        emulator.post_times(CHANNEL).len(),
        1,
        "the refused post left no trace"
    );
}

#[tokio::test]
async fn blocks_past_slacks_limits_are_refused_as_invalid_blocks() {
    let emulator = emulator().await;
    let client = client_for(&emulator);
    let token = bot_token(&emulator);
    let session = client.open_session(&token);
    let section = |text: &str| -> SlackBlock {
        SlackSectionBlock::new()
            .with_text(md!(text.to_string()))
            .into()
    };
    let post = |blocks: Vec<SlackBlock>| {
        SlackApiChatPostMessageRequest::new(
            CHANNEL.into(),
            SlackMessageContent::new().with_blocks(blocks),
        )
    };

    let fifty_one = (0..51).map(|_| section("line")).collect();
    match session.chat_post_message(&post(fifty_one)).await {
        Err(SlackClientError::ApiError(error)) => {
            assert_eq!(error.code, "invalid_blocks");
            assert_eq!(
                error.errors,
                Some(vec![
                    "no more than 50 items allowed [json-pointer:/blocks]".to_string()
                ])
            );
        }
        other => panic!("expected invalid_blocks, got {other:?}"),
    }
    let long = vec![section(&"x".repeat(3001))];
    assert_eq!(
        api_error(session.chat_post_message(&post(long)).await),
        "invalid_blocks"
    );
    let fifty = (0..50).map(|_| section("line")).collect();
    assert!(session.chat_post_message(&post(fifty)).await.is_ok());
    assert_eq!(emulator.messages(CHANNEL).len(), 1);
}

#[tokio::test]
async fn form_bodies_query_strings_and_missing_tokens_are_answered_like_slack() {
    let emulator = emulator().await;
    let http = reqwest::Client::new();
    let url = |method: &str| format!("{}/{method}", emulator.api_url());
    let bot = format!("Bearer {}", emulator.workspace().bot_token);
    let answer = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()
    };

    let blocks =
        json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*4.15*"}}]).to_string();
    let form = [
        ("channel", CHANNEL),
        ("text", "from a form"),
        ("blocks", blocks.as_str()),
    ];
    let posted = answer(
        http.post(url("chat.postMessage"))
            .header("authorization", &bot)
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(posted["ok"], true, "{posted}");
    assert_eq!(posted["message"]["blocks"][0]["text"]["text"], "*4.15*");
    assert!(
        posted["message"]["blocks"][0]["block_id"].is_string(),
        "Slack names every block"
    );

    let token_in_query = format!(
        "{}?token={}&user={ALICE}",
        url("users.info"),
        emulator.workspace().bot_token
    );
    let alice = answer(http.get(token_in_query).send().await.unwrap()).await;
    assert_eq!(alice["user"]["profile"]["email"], "alice@example.com");

    let unauthenticated = answer(
        http.post(url("chat.postMessage"))
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(unauthenticated, json!({"ok": false, "error": "not_authed"}));
    let app_token_as_form = [("token", emulator.workspace().app_token.as_str())];
    let refused = answer(
        http.post(url("apps.connections.open"))
            .form(&app_token_as_form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        refused["error"], "not_authed",
        "the app token must come in the header"
    );
    let unknown = answer(
        http.post(url("chat.delete"))
            .header("authorization", &bot)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(unknown["error"], "unknown_method");

    let app = format!("Bearer {}", emulator.workspace().app_token);
    let mut urls = Vec::new();
    for _ in 0..2 {
        let opened = answer(
            http.post(url("apps.connections.open"))
                .header("authorization", &app)
                .send()
                .await
                .unwrap(),
        )
        .await;
        urls.push(opened["url"].as_str().unwrap().to_string());
    }
    assert_ne!(urls[0], urls[1], "every call hands out a fresh ticket");
    let socket_base = emulator
        .api_url()
        .replace("http://", "ws://")
        .replace("/api", "/link/?ticket=");
    assert!(urls[0].starts_with(&socket_base), "{}", urls[0]);
    assert!(urls[0].ends_with("&app_id=A0GATEBOT"));
}

#[tokio::test]
async fn text_over_40000_characters_is_posted_truncated_with_slacks_warning() {
    let emulator = emulator().await;
    let response = reqwest::Client::new()
        .post(format!("{}/chat.postMessage", emulator.api_url()))
        .bearer_auth(&emulator.workspace().bot_token)
        .json(&json!({"channel": CHANNEL, "text": "é".repeat(40_001)}))
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["ok"], true);
    assert_eq!(
        answer["response_metadata"]["warnings"],
        json!(["message_truncated"])
    );
    let stored = &emulator.messages(CHANNEL)[0].text;
    assert_eq!(stored.chars().count(), 40_000);
}

#[tokio::test]
async fn message_metadata_is_kept_and_shown_only_when_asked_for_and_a_lost_answer_still_posts() {
    let emulator = emulator().await;
    let http = reqwest::Client::new();
    let url = |method: &str| format!("{}/{method}", emulator.api_url());
    let bot = format!("Bearer {}", emulator.workspace().bot_token);
    let post = |body: Value| {
        http.post(url("chat.postMessage"))
            .header("authorization", &bot)
            .json(&body)
            .send()
    };
    let parent = post(json!({"channel": CHANNEL, "text": "status"}))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let thread = parent["ts"].as_str().unwrap().to_string();
    let metadata =
        json!({"event_type": "gatebot_marked_reply", "event_payload": {"mark": "outbox:1"}});

    emulator.lose_answers("chat.postMessage", 1);
    let lost = post(
        json!({"channel": CHANNEL, "thread_ts": thread, "text": "failed", "metadata": metadata}),
    )
    .await
    .unwrap();
    assert_eq!(lost.status(), 504, "the answer is lost");
    let refused = post(json!({"channel": CHANNEL, "thread_ts": thread, "text": "x", "metadata": {"event_payload": {}}}))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(refused["error"], "invalid_metadata_schema");

    let replies = |all_metadata: bool| {
        let request = http
            .get(url("conversations.replies"))
            .header("authorization", &bot)
            .query(&[("channel", CHANNEL), ("ts", thread.as_str())]);
        let request = if all_metadata {
            request.query(&[("include_all_metadata", "true")])
        } else {
            request
        };
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let plain = replies(false).await;
    assert_eq!(
        plain["messages"].as_array().unwrap().len(),
        2,
        "the post landed: {plain}"
    );
    assert!(plain["messages"][1].get("metadata").is_none());
    let with_metadata = replies(true).await;
    assert_eq!(with_metadata["messages"][1]["metadata"], metadata);
}
