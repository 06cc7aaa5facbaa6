//! The Slack front end to end: the real engine, Konflux and Prow adapters against the emulated
//! Kubernetes API and GCS, and the real slack-morphism client (Socket Mode and Web API) against
//! the emulated Slack — status messages, threads, commands, roles, redelivery, rate limits and
//! restarts.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gatebot::chat::{ChatSurface, Message, Placement};
use gatebot::clock::SystemClock;
use gatebot::engine::{GateSpec, ReleaseMode};
use gatebot::sandbox::world::{World, digest};
use gatebot_emulators::prow::BuildResult;
use gatebot_emulators::slack::SlackEmulator;
use support::chat::{
    Bot, CHANNEL, LIMIT, NS, RELEASER, VISITOR, build_id, everything_in, everything_in_ephemeral,
    replies_text, report_all, snapshot_name, status_message_of, surface, top_level, workspace,
};
use support::{gate, job, wait_until};

async fn setup(world_gate: GateSpec) -> (World, SlackEmulator) {
    let world = World::start(vec![world_gate], Arc::new(SystemClock))
        .await
        .unwrap();
    let slack = SlackEmulator::start(workspace(&[(RELEASER, "rita"), (VISITOR, "victor")]))
        .await
        .unwrap();
    (world, slack)
}

#[tokio::test]
async fn a_snapshot_gets_one_status_message_edited_in_place_with_its_events_in_the_thread() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    wait_until("the status message is posted", LIMIT, || async {
        status_message_of(&slack, &snapshot).is_some()
    })
    .await;

    let failing = job("4.20", "aws", "baseline");
    report_all(
        &world,
        &snapshot,
        1,
        1,
        &[(failing.clone(), BuildResult::Failure)],
    );
    wait_until("the failure is in the thread", LIMIT, || async {
        status_message_of(&slack, &snapshot).is_some_and(|m| {
            replies_text(&m).contains(&failing) && everything_in(&m).contains("BLOCKED")
        })
    })
    .await;

    // A retry passes: the gate passes and the Release is created and announced.
    world.start_run(&failing, &build_id(2, 0), &digest(1));
    world.finish_run(&failing, &build_id(2, 0), &snapshot, BuildResult::Success);
    wait_until("the Release is announced in the thread", LIMIT, || async {
        status_message_of(&slack, &snapshot).is_some_and(|m| replies_text(&m).contains(":rocket:"))
    })
    .await;
    let message = status_message_of(&slack, &snapshot).unwrap();
    assert_eq!(top_level(&slack).len(), 1, "one status message, never more");
    assert!(
        message.edits >= 2,
        "edited in place: {} edits",
        message.edits
    );
    assert!(
        everything_in(&message).contains("PASSED"),
        "{}",
        everything_in(&message)
    );
    assert_eq!(world.releases(NS).len(), 1);
    let failure_replies = message
        .replies
        .iter()
        .filter(|r| everything_in(r).contains(&failing))
        .count();
    assert_eq!(failure_replies, 1, "the failure is announced once");
}

#[tokio::test]
async fn a_release_made_by_hand_for_the_gated_plan_is_called_out_in_its_snapshots_thread() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    wait_until("the status message", LIMIT, || async {
        status_message_of(&slack, &snapshot).is_some()
    })
    .await;

    world
        .kube
        .insert(serde_json::json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1",
            "kind": "Release",
            "metadata": {"name": "by-hand", "namespace": NS},
            "spec": {"snapshot": snapshot, "releasePlan": gate().release_plan}
        }))
        .unwrap();
    wait_until("the thread says the gate was bypassed", LIMIT, || async {
        status_message_of(&slack, &snapshot).is_some_and(|m| {
            m.replies
                .iter()
                .any(|r| r.text.contains("by-hand") && r.text.contains("not created by gatebot"))
        })
    })
    .await;
    assert!(
        top_level(&slack)
            .iter()
            .all(|m| !m.text.contains("not created by gatebot")),
        "the warning is in the thread, not loose in the channel"
    );
}

#[tokio::test]
async fn blocked_why_in_a_thread_answers_for_its_snapshot_and_latest_works_anywhere() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    let (first, second) = (snapshot_name(1), snapshot_name(2));
    world.publish_snapshot(&gate(), &first, &digest(1));
    wait_until("the first status message", LIMIT, || async {
        status_message_of(&slack, &first).is_some()
    })
    .await;
    let failing = job("4.20", "azure", "baseline");
    report_all(
        &world,
        &first,
        1,
        1,
        &[(failing.clone(), BuildResult::Failure)],
    );
    world.publish_snapshot(&gate(), &second, &digest(2));
    wait_until("the second status message", LIMIT, || async {
        status_message_of(&slack, &second).is_some()
    })
    .await;

    let thread = status_message_of(&slack, &first).unwrap().ts;
    slack.app_mention(VISITOR, CHANNEL, "<@U0GATEBOT> blocked-why", Some(&thread));
    wait_until(
        "the answer is in the first snapshot's thread",
        LIMIT,
        || async {
            status_message_of(&slack, &first).is_some_and(|m| {
                m.replies.iter().any(|r| {
                    r.text.contains(&first)
                        && everything_in(r).contains(&failing)
                        && !r.text.contains(":x:")
                })
            })
        },
    )
    .await;

    slack.slash_command(VISITOR, CHANNEL, "blocked-why latest");
    wait_until(
        "the ephemeral answer names the newest snapshot",
        LIMIT,
        || async {
            slack
                .ephemerals(CHANNEL)
                .iter()
                .any(|e| e.user == VISITOR && everything_in_ephemeral(e).contains(&second))
        },
    )
    .await;
}

fn manual_gate() -> GateSpec {
    GateSpec {
        release_mode: ReleaseMode::Manual,
        ..gate()
    }
}

#[tokio::test]
async fn release_needs_a_releaser_and_a_passed_gate_and_makes_exactly_one_release() {
    let (world, slack) = setup(manual_gate()).await;
    let bot = Bot::start(&world, &slack).await;
    let snapshot = snapshot_name(1);
    world.publish_snapshot(&manual_gate(), &snapshot, &digest(1));
    let failing = job("4.20", "aws", "upgrade-from-zero");
    report_all(
        &world,
        &snapshot,
        1,
        1,
        &[(failing.clone(), BuildResult::Failure)],
    );
    wait_until("the gate is blocked", LIMIT, || async {
        status_message_of(&slack, &snapshot).is_some_and(|m| everything_in(&m).contains("BLOCKED"))
    })
    .await;

    let ephemeral_for = |user: &str, needle: &str| {
        slack
            .ephemerals(CHANNEL)
            .iter()
            .any(|e| e.user == user && everything_in_ephemeral(e).contains(needle))
    };
    slack.slash_command(VISITOR, CHANNEL, &format!("release {snapshot}"));
    wait_until("the visitor is refused", LIMIT, || async {
        ephemeral_for(VISITOR, "is for releasers")
    })
    .await;

    slack.slash_command(RELEASER, CHANNEL, &format!("release {snapshot}"));
    wait_until(
        "the releaser is refused with the blocked-why answer",
        LIMIT,
        || async {
            ephemeral_for(RELEASER, "Nothing was released") && ephemeral_for(RELEASER, &failing)
        },
    )
    .await;
    assert!(world.releases(NS).is_empty());

    world.start_run(&failing, &build_id(2, 0), &digest(1));
    world.finish_run(&failing, &build_id(2, 0), &snapshot, BuildResult::Success);
    wait_until("the thread says a releaser can release", LIMIT, || async {
        status_message_of(&slack, &snapshot)
            .is_some_and(|m| replies_text(&m).contains("A releaser can run"))
    })
    .await;
    assert!(
        world.releases(NS).is_empty(),
        "a manual gate waits for `release`"
    );

    for _ in 0..3 {
        slack.slash_command(RELEASER, CHANNEL, &format!("release {snapshot}"));
    }
    wait_until("the release is answered and announced", LIMIT, || async {
        ephemeral_for(RELEASER, "is created")
            && status_message_of(&slack, &snapshot)
                .is_some_and(|m| replies_text(&m).contains(":rocket:"))
    })
    .await;
    wait_until(
        "the two later requests are told it is released already",
        LIMIT,
        || async {
            slack
                .ephemerals(CHANNEL)
                .iter()
                .filter(|e| e.user == RELEASER && e.text.contains("is released already"))
                .count()
                == 2
        },
    )
    .await;
    assert_eq!(world.releases(NS).len(), 1, "exactly one Release");

    let audit = bot.running.store.recent_audit(50).await.unwrap();
    let refused = audit
        .iter()
        .find(|e| e.actor == VISITOR && e.action == "command.release")
        .expect("the refusal is audited");
    assert_eq!(refused.outcome, "refused");
    assert_eq!(refused.channel.as_deref(), Some(CHANNEL));
    assert!(refused.detail.contains(&snapshot), "{}", refused.detail);
    assert!(
        audit
            .iter()
            .any(|e| e.actor == RELEASER && e.action == "command.release" && e.outcome == "ok")
    );
    assert!(
        audit
            .iter()
            .any(|e| e.actor == RELEASER && e.action == "release.decide")
    );
}

#[tokio::test]
async fn a_redelivered_event_runs_once() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    world.publish_snapshot(&gate(), &snapshot_name(1), &digest(1));
    // Slack redelivers an event with the same event_id in new envelopes, counting retries.
    for attempt in 0..3 {
        slack.deliver_raw(mention_envelope(
            &format!("env-{attempt}"),
            "Ev0SAME",
            attempt,
        ));
    }
    wait_until("the command is answered", LIMIT, || async {
        answers_to_mention(&slack) >= 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        answers_to_mention(&slack),
        1,
        "three deliveries, one execution"
    );
}

const MENTION_TS: &str = "1700000999.000100";

fn mention_envelope(envelope_id: &str, event_id: &str, attempt: u32) -> String {
    serde_json::json!({
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": false,
        "retry_attempt": attempt,
        "retry_reason": if attempt == 0 { "" } else { "timeout" },
        "payload": {
            "token": "verification-token",
            "team_id": "T0EMULATED",
            "api_app_id": "A0GATEBOT",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1_700_000_999,
            "authorizations": [{
                "enterprise_id": null,
                "team_id": "T0EMULATED",
                "user_id": "U0GATEBOT",
                "is_bot": true,
                "is_enterprise_install": false
            }],
            "event": {
                "type": "app_mention",
                "user": VISITOR,
                "text": "<@U0GATEBOT> help status",
                "ts": MENTION_TS,
                "channel": CHANNEL,
                "event_ts": MENTION_TS
            }
        }
    })
    .to_string()
}

fn answers_to_mention(slack: &SlackEmulator) -> usize {
    slack
        .orphan_replies(CHANNEL)
        .into_iter()
        .chain(slack.messages(CHANNEL).into_iter().flat_map(|m| m.replies))
        .filter(|m| m.thread_ts.as_deref() == Some(MENTION_TS) && m.from_bot)
        .count()
}

#[tokio::test]
async fn a_disconnect_in_a_burst_of_fifty_commands_loses_and_doubles_none() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    for i in 0..50 {
        if i == 25 {
            slack.disconnect("refresh_requested");
        }
        slack.slash_command(VISITOR, CHANNEL, &format!("help status {i}"));
    }
    wait_until(
        "all fifty are answered",
        Duration::from_secs(30),
        || async { slack.ephemerals(CHANNEL).len() >= 50 },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answers = slack.ephemerals(CHANNEL);
    assert_eq!(answers.len(), 50, "each command answered exactly once");
    assert!(slack.connections_opened() >= 2, "the client reconnected");
}

#[tokio::test]
async fn a_rate_limit_storm_delays_posts_but_loses_none_and_keeps_the_pace() {
    let (world, slack) = setup(gate()).await;
    slack.ratelimit("chat.postMessage", 1, 4);
    slack.ratelimit("chat.update", 1, 4);
    let _bot = Bot::start(&world, &slack).await;
    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    let failing = job("4.21", "aws", "baseline");
    let failing_too = job("4.20", "azure", "upgrade-from-zero");
    report_all(
        &world,
        &snapshot,
        1,
        1,
        &[
            (failing.clone(), BuildResult::Failure),
            (failing_too.clone(), BuildResult::Failure),
        ],
    );
    wait_until(
        "the status and the failure reach the channel",
        Duration::from_secs(40),
        || async {
            status_message_of(&slack, &snapshot)
                .is_some_and(|m| replies_text(&m).contains(&failing_too))
        },
    )
    .await;
    assert_eq!(top_level(&slack).len(), 1);
    assert!(
        slack.most_posts_within(CHANNEL, Duration::from_secs(1)) <= 3,
        "never faster than the per-channel pace"
    );
}

#[tokio::test]
async fn a_channel_ping_in_an_argument_comes_back_escaped() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    slack.slash_command(VISITOR, CHANNEL, "blocked-why <!channel>");
    wait_until("the refusal is shown", LIMIT, || async {
        !slack.ephemerals(CHANNEL).is_empty()
    })
    .await;
    let answer = everything_in_ephemeral(&slack.ephemerals(CHANNEL)[0]);
    assert!(answer.contains("&lt;!channel&gt;"), "{answer}");
    assert!(!answer.contains("<!channel>"), "{answer}");
}

/// Publishes snapshot 1 and waits for its status message.
async fn tracked_snapshot(world: &World, slack: &SlackEmulator) -> String {
    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    wait_until("the status message is posted", LIMIT, || async {
        status_message_of(slack, &snapshot).is_some()
    })
    .await;
    snapshot
}

/// Reports every job of `snapshot`, with one failure; returns the failed job.
fn report_a_failure(world: &World, snapshot: &str) -> String {
    let failing = job("4.20", "aws", "baseline");
    report_all(
        world,
        snapshot,
        1,
        1,
        &[(failing.clone(), BuildResult::Failure)],
    );
    failing
}

/// Tracks snapshot 1 and reports a failure of it while Slack refuses every post, until the
/// failure is queued and a post of it was refused: the next attempt then waits long enough that
/// no post is on its way when gatebot is stopped. Returns the snapshot and the failed job.
async fn a_failure_stuck_in_the_outbox(
    world: &World,
    slack: &SlackEmulator,
    bot: &Bot,
) -> (String, String) {
    let snapshot = tracked_snapshot(world, slack).await;
    slack.fail("chat.postMessage", "service_unavailable", 1000);
    let failing = report_a_failure(world, &snapshot);
    wait_until("the failure waits in the outbox", LIMIT, || async {
        bot.running
            .store
            .unposted_chat_events()
            .await
            .unwrap()
            .iter()
            .any(|e| e.body.contains(&failing))
    })
    .await;
    wait_until("a post of the failure was refused", LIMIT, || async {
        slack.requests().iter().any(|r| {
            r.method == "chat.postMessage" && r.error.as_deref() == Some("service_unavailable")
        })
    })
    .await;
    (snapshot, failing)
}

/// The failure replies of `failing` under the snapshot's status message, counted.
fn failure_replies(slack: &SlackEmulator, snapshot: &str, failing: &str) -> usize {
    status_message_of(slack, snapshot).map_or(0, |message| {
        message
            .replies
            .iter()
            .filter(|r| everything_in(r).contains(failing) && r.text.contains(":x:"))
            .count()
    })
}

#[tokio::test]
async fn an_event_pending_at_a_restart_is_posted_once_into_the_existing_thread() {
    let (world, slack) = setup(gate()).await;
    let bot = Bot::start(&world, &slack).await;
    // Slack refuses every post for a while: the failure is decided but cannot be posted.
    let (snapshot, failing) = a_failure_stuck_in_the_outbox(&world, &slack, &bot).await;
    bot.kill().await;
    slack.clear_faults("chat.postMessage");

    let _again = Bot::start(&world, &slack).await;
    wait_until(
        "the failure is posted into the existing thread",
        LIMIT,
        || async {
            status_message_of(&slack, &snapshot)
                .is_some_and(|m| replies_text(&m).contains(&failing))
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(top_level(&slack).len(), 1, "no second status message");
    assert_eq!(
        failure_replies(&slack, &snapshot, &failing),
        1,
        "posted once"
    );
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_is_not_posted_again_by_the_retry() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    let snapshot = tracked_snapshot(&world, &slack).await;
    // Slack posts the failure reply, but its answer never comes back.
    slack.lose_answers("chat.postMessage", 1);
    let failing = report_a_failure(&world, &snapshot);
    wait_until("the failure is in the thread", LIMIT, || async {
        failure_replies(&slack, &snapshot, &failing) > 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        failure_replies(&slack, &snapshot, &failing),
        1,
        "posted once"
    );
    let lost = slack
        .requests()
        .into_iter()
        .filter(|r| r.method == "chat.postMessage" && r.status == 504)
        .count();
    assert_eq!(lost, 1, "the answer of the post was lost");
}

#[tokio::test]
async fn a_reply_that_landed_just_before_a_stop_is_not_posted_again_after_the_restart() {
    let (world, slack) = setup(gate()).await;
    let bot = Bot::start(&world, &slack).await;
    let (snapshot, failing) = a_failure_stuck_in_the_outbox(&world, &slack, &bot).await;
    let pending = bot.running.store.unposted_chat_events().await.unwrap();
    bot.kill().await;
    slack.clear_faults("chat.postMessage");
    // What a stop right after the post leaves behind: the reply, marked with its outbox ids,
    // is in the thread, and the events are still unposted in the store.
    let ids: Vec<String> = pending.iter().map(|e| e.id.to_string()).collect();
    let body: Vec<&str> = pending.iter().map(|e| e.body.as_str()).collect();
    let thread = status_message_of(&slack, &snapshot).unwrap().ts;
    surface(&slack)
        .post(
            Placement::Reply { thread: &thread },
            &format!("outbox:{}", ids.join(",")),
            &Message::new(body[0]).section(&body.join("\n")),
        )
        .await
        .unwrap();

    let again = Bot::start(&world, &slack).await;
    let store = &again.running.store;
    wait_until(
        "the restart finds the reply and records it",
        LIMIT,
        || async { store.unposted_chat_events().await.unwrap().is_empty() },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        failure_replies(&slack, &snapshot, &failing),
        1,
        "posted once"
    );
}

#[tokio::test]
async fn a_status_message_whose_answer_was_lost_or_that_landed_before_a_stop_is_not_posted_again() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    // Snapshot 1's status message is the first post, and Slack's answer to it is lost.
    slack.lose_answers("chat.postMessage", 1);
    let first = snapshot_name(1);
    world.publish_snapshot(&gate(), &first, &digest(1));
    wait_until("the first status message", LIMIT, || async {
        status_message_of(&slack, &first).is_some()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(top_level(&slack).len(), 1, "one status message");
    let lost = slack
        .requests()
        .into_iter()
        .filter(|r| r.status == 504)
        .count();
    assert_eq!(lost, 1, "the answer of the status message was lost");

    // Snapshot 2's status message landed, but gatebot stopped before recording where.
    let second = snapshot_name(2);
    surface(&slack)
        .post(
            Placement::TopLevel,
            &format!("status:{}/{second}", gate().name),
            &Message::new("status as it was"),
        )
        .await
        .unwrap();
    world.publish_snapshot(&gate(), &second, &digest(2));
    wait_until(
        "the found status message is brought up to date",
        LIMIT,
        || async { status_message_of(&slack, &second).is_some_and(|m| m.edits > 0) },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        top_level(&slack).len(),
        2,
        "one status message per snapshot"
    );
}

#[tokio::test]
async fn an_answer_whose_post_lost_its_answer_is_given_once() {
    let (world, slack) = setup(gate()).await;
    let _bot = Bot::start(&world, &slack).await;
    let snapshot = tracked_snapshot(&world, &slack).await;
    let thread = status_message_of(&slack, &snapshot).unwrap().ts;
    slack.lose_answers("chat.postMessage", 1);
    slack.app_mention(VISITOR, CHANNEL, "<@U0GATEBOT> blocked-why", Some(&thread));
    let answers = || -> Vec<_> {
        status_message_of(&slack, &snapshot)
            .map(|m| m.replies.into_iter().filter(|r| r.from_bot).collect())
            .unwrap_or_default()
    };
    wait_until("the answer is in the thread", LIMIT, || async {
        !answers().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let replies = answers();
    assert_eq!(replies.len(), 1, "answered once: {replies:#?}");
    assert!(replies[0].text.contains(&snapshot));
    let lost = slack
        .requests()
        .into_iter()
        .filter(|r| r.status == 504)
        .count();
    assert_eq!(lost, 1, "the answer's post lost its answer");
}
