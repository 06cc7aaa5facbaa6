//! Emergency releases end to end: the real engine against the emulated Kubernetes API (which
//! validates Releases against the real CRD schema) and GCS, the real Slack client against the
//! emulated Slack, and clicks delivered as `interactive` `block_actions` envelopes — request,
//! approval by a second person, the annotated Release, the alert, the audit trail, and every
//! way the flow must refuse or end with a single Release. One test drives `gatebot run --chat
//! console` as two people.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gatebot::approvals::{APPROVE_ACTION, Approval, Closing, DENY_ACTION, RequestState};
use gatebot::clock::{Clock, ManualClock, SystemClock};
use gatebot::config::Config;
use gatebot::emergency::{EmergencyRequest, EmergencySettings};
use gatebot::engine::GateSpec;
use gatebot::gate::{ReleaseKind, SnapshotKey};
use gatebot::sandbox::world::{World, digest};
use gatebot_emulators::prow::BuildResult;
use gatebot_emulators::slack::{Message, SlackEmulator};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use support::chat::{
    Bot, CHANNEL, ChatSetup, LIMIT, NS, RELEASER, VISITOR, build_id, ephemeral_for, everything_in,
    replies_text, report_all, snapshot_name, status_message_of, top_level, workspace,
};
use support::{GATE_TOML, free_port, job, wait_until, world_config};

/// A releaser who is also an approver.
const ALICE: &str = "U0ALICE001";
const BOB: &str = "U0BOB0001";
const CAROL: &str = "U0CAROL01";
const GATE: &str = "hypershift-operator";
const EMERGENCY_PLAN: &str = "hypershift-operator-emergency";
/// A justification as Slack delivers it: a typed `&` arrives as `&amp;`, while the channel
/// ping and the mention Slack writes itself arrive as they are.
const JUSTIFICATION_FROM_SLACK: &str =
    "OCPBUGS-4242: new hosted clusters crash-loop, <!channel> &amp; <@U123> this build has the fix";
/// The same justification as the person typed it, which the Release must keep verbatim.
const JUSTIFICATION: &str =
    "OCPBUGS-4242: new hosted clusters crash-loop, <!channel> & <@U123> this build has the fix";

/// The test gate with its own emergency plan, and a chat section with its roles and
/// `[chat.emergency]` rules (`extra` is added to that table).
fn config(extra_emergency: &str) -> Config {
    Config::parse(
        &config_text(extra_emergency),
        "emergency test configuration",
    )
    .expect("the test configuration is valid")
}

fn config_text(extra_emergency: &str) -> String {
    let gates = GATE_TOML.replace(
        "release_plan = \"hypershift-operator-progressive\"",
        &format!(
            "release_plan = \"hypershift-operator-progressive\"\nemergency_release_plan = \"{EMERGENCY_PLAN}\""
        ),
    );
    format!(
        r#"{gates}
[chat]
channel = "{CHANNEL}"

[chat.roles]
releasers = ["{RELEASER}", "{ALICE}"]
approvers = ["{ALICE}", "{BOB}", "{CAROL}"]

[chat.emergency]
{extra_emergency}
"#
    )
}

fn chat_setup(config: &Config) -> ChatSetup {
    ChatSetup {
        roles: config.chat.as_ref().expect("a chat section").roles.clone(),
        emergency: EmergencySettings::from_config(config),
        ..ChatSetup::default()
    }
}

fn gate_of(config: &Config) -> GateSpec {
    config.gates[0].clone()
}

/// The emulated world and Slack for the gate, with the emergency plan in the cluster too.
async fn setup(config: &Config, clock: Arc<dyn Clock>) -> (World, SlackEmulator) {
    let gate = gate_of(config);
    let world = World::start(vec![gate.clone()], clock).await.unwrap();
    let emergency_plan = GateSpec {
        release_plan: EMERGENCY_PLAN.into(),
        ..gate
    };
    world.put_release_plan(&emergency_plan, Some("false"));
    let people = [
        (RELEASER, "rita"),
        (ALICE, "alice"),
        (BOB, "bob"),
        (CAROL, "carol"),
        (VISITOR, "victor"),
    ];
    let slack = SlackEmulator::start(workspace(&people)).await.unwrap();
    (world, slack)
}

/// Publishes snapshot `n` with one failing cell and waits until its status says BLOCKED.
async fn blocked_snapshot(world: &World, slack: &SlackEmulator, config: &Config, n: u32) -> String {
    let snapshot = snapshot_name(n);
    world.publish_snapshot(&gate_of(config), &snapshot, &digest(n));
    let failing = job("4.20", "aws", "baseline");
    report_all(
        world,
        &snapshot,
        n,
        n,
        &[(failing.clone(), BuildResult::Failure)],
    );
    // Blocked, and the failure told in the thread: the notifier has nothing left to post, so a
    // Slack fault a test sets up next meets gatebot's own call, not a late thread reply.
    wait_until("the gate is blocked and says why", LIMIT, || async {
        status_message_of(slack, &snapshot).is_some_and(|m| {
            everything_in(&m).contains("BLOCKED") && replies_text(&m).contains(&failing)
        })
    })
    .await;
    snapshot
}

/// The failing cell's job passes on a retry, so the gate passes.
fn retry_passes(world: &World, snapshot: &str, n: u32) {
    let failing = job("4.20", "aws", "baseline");
    world.start_run(&failing, &build_id(90 + n, 0), &digest(n));
    world.finish_run(
        &failing,
        &build_id(90 + n, 0),
        snapshot,
        BuildResult::Success,
    );
}

/// Every message the bot posted, replies included.
fn bot_messages(slack: &SlackEmulator) -> Vec<Message> {
    slack
        .messages(CHANNEL)
        .into_iter()
        .flat_map(|message| {
            let replies = message.replies.clone();
            std::iter::once(message).chain(replies)
        })
        .filter(|message| message.from_bot)
        .collect()
}

fn request_message_of(slack: &SlackEmulator, snapshot: &str) -> Option<Message> {
    bot_messages(slack).into_iter().find(|message| {
        let shown = everything_in(message);
        shown.contains("Emergency release requested") && shown.contains(snapshot)
    })
}

async fn wait_for_request_message(slack: &SlackEmulator, snapshot: &str) -> Message {
    wait_until("the request message is posted", LIMIT, || async {
        request_message_of(slack, snapshot).is_some()
    })
    .await;
    request_message_of(slack, snapshot).unwrap()
}

/// Waits until the request message for `snapshot` shows its outcome instead of buttons.
async fn until_request_message_shows_the_outcome(slack: &SlackEmulator, snapshot: &str) {
    wait_until("the request message shows the outcome", LIMIT, || async {
        request_message_of(slack, snapshot).is_some_and(|m| !has_buttons(&m))
    })
    .await;
}

fn has_buttons(message: &Message) -> bool {
    message
        .blocks
        .iter()
        .any(|block| block["type"].as_str() == Some("actions"))
}

/// `releaser` asks; returns the pending request once its message is posted.
async fn request(
    bot: &Bot,
    slack: &SlackEmulator,
    releaser: &str,
    snapshot: &str,
) -> (EmergencyRequest, Message) {
    slack.slash_command(
        releaser,
        CHANNEL,
        &format!("emergency {snapshot} {JUSTIFICATION_FROM_SLACK}"),
    );
    let message = wait_for_request_message(slack, snapshot).await;
    let store = &bot.store;
    // The request is complete once gatebot has recorded where its message is; a test that
    // stops gatebot must not stop it between the post and that record.
    wait_until("the request message is recorded", LIMIT, || async {
        store
            .pending_emergency_request(&SnapshotKey::new(GATE, snapshot))
            .await
            .unwrap()
            .is_some_and(|request| request.approval.message_ts.is_some())
    })
    .await;
    let pending = store
        .pending_emergency_request(&SnapshotKey::new(GATE, snapshot))
        .await
        .unwrap()
        .expect("the request is pending");
    (pending, message)
}

fn click_approve(slack: &SlackEmulator, user: &str, message: &Message, id: &str) {
    slack.block_actions(
        user,
        CHANNEL,
        &message.ts,
        APPROVE_ACTION,
        &format!("approve {id}"),
    );
}

fn click_deny(slack: &SlackEmulator, user: &str, message: &Message, id: &str) {
    slack.block_actions(
        user,
        CHANNEL,
        &message.ts,
        DENY_ACTION,
        &format!("deny {id}"),
    );
}

async fn stored_request(bot: &Bot, id: &str) -> EmergencyRequest {
    bot.store
        .emergency_request(id)
        .await
        .unwrap()
        .expect("the request is stored")
}

fn annotations_of(release: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(release["metadata"]["annotations"].clone()).unwrap()
}

async fn wait_for_one_release(world: &World) -> Value {
    wait_until("the Release is created", LIMIT, || async {
        !world.releases(NS).is_empty()
    })
    .await;
    // Long enough for a second Release, if anything would create one, to show up.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let releases = world.releases(NS);
    assert_eq!(releases.len(), 1, "exactly one Release: {releases:#?}");
    releases.into_iter().next().unwrap()
}

async fn audit_actions(bot: &Bot) -> Vec<(String, String, String)> {
    bot.store
        .recent_audit(100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| (entry.actor, entry.action, entry.outcome))
        .collect()
}

fn audited(
    actions: &[(String, String, String)],
    actor: &str,
    action: &str,
    outcome: &str,
) -> usize {
    actions
        .iter()
        .filter(|(a, b, c)| a == actor && b == action && c == outcome)
        .count()
}

#[tokio::test]
async fn an_approval_by_another_approver_creates_one_annotated_release_and_alerts_the_channel() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;

    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;
    let status = status_message_of(&slack, &snapshot).unwrap();
    assert_eq!(message.thread_ts.as_deref(), Some(status.ts.as_str()));
    assert!(
        message.reply_broadcast,
        "the request is shown in the channel too"
    );
    let shown = everything_in(&message);
    for expected in [
        format!("<@{RELEASER}>"),
        digest(1),
        "BLOCKED".to_string(),
        "&lt;!channel&gt; &amp; &lt;@U123&gt;".to_string(),
        format!("approve {}", pending.approval.id),
        format!("deny {}", pending.approval.id),
    ] {
        assert!(shown.contains(&expected), "{expected} in {shown}");
    }
    assert!(
        !shown.contains("<!channel>") && !shown.contains("<@U123>"),
        "{shown}"
    );
    assert!(has_buttons(&message));
    wait_until("the releaser is told the request id", LIMIT, || async {
        ephemeral_for(&slack, RELEASER, &pending.approval.id)
    })
    .await;
    assert!(world.releases(NS).is_empty(), "asking releases nothing");

    click_approve(&slack, BOB, &message, &pending.approval.id);
    let release = wait_for_one_release(&world).await;
    assert_eq!(release["spec"]["releasePlan"], EMERGENCY_PLAN);
    assert_eq!(release["spec"]["snapshot"], snapshot.as_str());
    let annotations = annotations_of(&release);
    let annotation = |name: &str| {
        annotations
            .get(&format!("release.hypershift.io/{name}"))
            .cloned()
            .unwrap_or_else(|| panic!("no {name} annotation in {annotations:#?}"))
    };
    assert_eq!(annotation("emergency"), "true");
    assert_eq!(annotation("justification"), JUSTIFICATION);
    assert_eq!(annotation("requested-by"), RELEASER);
    assert_eq!(annotation("approved-by"), BOB);
    assert_eq!(annotation("request-id"), pending.approval.id);
    annotation("approved-at").parse::<Timestamp>().unwrap();
    annotation("requested-at").parse::<Timestamp>().unwrap();
    let permalink = annotation("request-permalink");
    assert!(
        permalink.starts_with("https://") && permalink.contains(CHANNEL),
        "{permalink}"
    );
    assert_eq!(annotations["gatebot.hypershift.io/kind"], "emergency");

    wait_until(
        "the alert is posted and the request shows its outcome",
        LIMIT,
        || async {
            let alert = top_level(&slack)
                .into_iter()
                .any(|m| everything_in(&m).contains("Emergency release created — requires review"));
            let decided = request_message_of(&slack, &snapshot)
                .is_some_and(|m| !has_buttons(&m) && everything_in(&m).contains("*Approved* by"));
            alert && decided
        },
    )
    .await;
    let alert = top_level(&slack)
        .into_iter()
        .find(|m| everything_in(m).contains("Emergency release created"))
        .unwrap();
    let alert_shown = everything_in(&alert);
    let release_name = release["metadata"]["name"].as_str().unwrap();
    for expected in [
        release_name,
        permalink.as_str(),
        "&lt;!channel&gt; &amp; &lt;@U123&gt;",
    ] {
        assert!(
            alert_shown.contains(expected),
            "{expected} in {alert_shown}"
        );
    }
    assert!(!alert_shown.contains("<!channel>"), "{alert_shown}");
    wait_until("the approver is answered", LIMIT, || async {
        ephemeral_for(&slack, BOB, "Approved.")
    })
    .await;
    wait_until(
        "the thread says the Release skipped the gate",
        LIMIT,
        || async {
            status_message_of(&slack, &snapshot)
                .is_some_and(|m| replies_text(&m).contains(":rotating_light: Emergency Release"))
        },
    )
    .await;
    assert!(
        !replies_text(&status_message_of(&slack, &snapshot).unwrap()).contains("Gate passed"),
        "an emergency Release is never announced as a passed gate"
    );

    let actions = audit_actions(&bot).await;
    assert_eq!(audited(&actions, RELEASER, "command.emergency", "ok"), 1);
    assert_eq!(audited(&actions, BOB, "command.approve", "ok"), 1);
    assert_eq!(audited(&actions, BOB, "release.decide", "ok"), 1);
    assert_eq!(audited(&actions, "gatebot", "release.create", "ok"), 1);

    slack.slash_command(VISITOR, CHANNEL, "audit 20");
    wait_until("everyone can read the audit log", LIMIT, || async {
        [
            "command.emergency",
            "command.approve",
            "release.decide",
            "release.create",
        ]
        .iter()
        .all(|action| ephemeral_for(&slack, VISITOR, action))
    })
    .await;
    slack.slash_command(VISITOR, CHANNEL, "status");
    wait_until("status shows the emergency rate and warns", LIMIT, || async {
        ephemeral_for(
            &slack,
            VISITOR,
            "Emergency rate: 1 emergency and 0 gated of 1 Releases in the last 30 days (100.0%)",
        ) && ephemeral_for(&slack, VISITOR, ":warning: Emergencies are 100.0%")
    })
    .await;
    assert_eq!(world.releases(NS).len(), 1);
}

#[tokio::test]
async fn self_approval_and_approval_by_a_non_approver_are_refused_and_audited() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, ALICE, &snapshot).await;

    click_approve(&slack, ALICE, &message, &pending.approval.id);
    click_approve(&slack, VISITOR, &message, &pending.approval.id);
    click_approve(&slack, RELEASER, &message, &pending.approval.id);
    wait_until("each is refused privately", LIMIT, || async {
        ephemeral_for(&slack, ALICE, "cannot approve it as well")
            && ephemeral_for(&slack, VISITOR, "`approve` is for approvers")
            && ephemeral_for(&slack, RELEASER, "`approve` is for approvers")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(world.releases(NS).is_empty());
    assert_eq!(
        stored_request(&bot, &pending.approval.id)
            .await
            .approval
            .state,
        RequestState::Pending
    );
    assert!(has_buttons(&request_message_of(&slack, &snapshot).unwrap()));
    let actions = audit_actions(&bot).await;
    for refused in [ALICE, VISITOR, RELEASER] {
        assert_eq!(
            audited(&actions, refused, "command.approve", "refused"),
            1,
            "{refused}: {actions:?}"
        );
    }

    click_approve(&slack, BOB, &message, &pending.approval.id);
    let release = wait_for_one_release(&world).await;
    assert_eq!(
        annotations_of(&release)["release.hypershift.io/approved-by"],
        BOB
    );
}

#[tokio::test]
async fn a_denied_request_releases_nothing_and_cannot_be_approved_afterwards() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;

    click_deny(&slack, BOB, &message, &pending.approval.id);
    wait_until("the request message shows the denial", LIMIT, || async {
        request_message_of(&slack, &snapshot).is_some_and(|m| {
            let shown = everything_in(&m);
            !has_buttons(&m) && shown.contains("*Denied* by") && shown.contains("no reason given")
        })
    })
    .await;
    slack.slash_command(CAROL, CHANNEL, &format!("approve {}", pending.approval.id));
    wait_until("a later approval is refused", LIMIT, || async {
        ephemeral_for(&slack, CAROL, "was denied already")
    })
    .await;
    assert_eq!(
        stored_request(&bot, &pending.approval.id)
            .await
            .approval
            .state,
        RequestState::Denied
    );

    // A denied request frees the snapshot for a new one; a typed denial carries its reason.
    slack.slash_command(
        RELEASER,
        CHANNEL,
        &format!("emergency {snapshot} {JUSTIFICATION_FROM_SLACK}"),
    );
    let store = bot.store.clone();
    wait_until("the second request is pending", LIMIT, || async {
        store
            .pending_emergency_request(&SnapshotKey::new(GATE, &snapshot))
            .await
            .unwrap()
            .is_some()
    })
    .await;
    let second = store
        .pending_emergency_request(&SnapshotKey::new(GATE, &snapshot))
        .await
        .unwrap()
        .unwrap();
    slack.slash_command(
        CAROL,
        CHANNEL,
        &format!(
            "deny {} the fix is not in this build <!here>",
            second.approval.id
        ),
    );
    wait_until("the reason is shown, escaped", LIMIT, || async {
        bot_messages(&slack)
            .iter()
            .any(|m| everything_in(m).contains("the fix is not in this build &lt;!here&gt;"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(world.releases(NS).is_empty());
    let actions = audit_actions(&bot).await;
    assert_eq!(audited(&actions, BOB, "command.deny", "ok"), 1);
    assert_eq!(audited(&actions, CAROL, "command.deny", "ok"), 1);
    assert_eq!(audited(&actions, CAROL, "command.approve", "refused"), 1);
}

#[tokio::test]
async fn an_expired_request_is_closed_by_the_sweep_and_cannot_be_approved() {
    let config = config("request_ttl = \"1h\"");
    let clock = ManualClock::new(Timestamp::now());
    let (world, slack) = setup(&config, Arc::new(clock.clone())).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, _) = request(&bot, &slack, RELEASER, &snapshot).await;
    assert_eq!(
        pending.approval.expires_at,
        pending.approval.requested_at + SignedDuration::from_hours(1)
    );

    clock.advance(SignedDuration::from_mins(61));
    wait_until("the sweep shows the request expired", LIMIT, || async {
        request_message_of(&slack, &snapshot)
            .is_some_and(|m| !has_buttons(&m) && everything_in(&m).contains("*Expired* at"))
    })
    .await;
    slack.slash_command(BOB, CHANNEL, &format!("approve {}", pending.approval.id));
    wait_until("the approval is refused", LIMIT, || async {
        ephemeral_for(&slack, BOB, "expired at")
    })
    .await;
    assert!(world.releases(NS).is_empty());
    let actions = audit_actions(&bot).await;
    assert_eq!(audited(&actions, "gatebot", "emergency.expire", "ok"), 1);
    assert_eq!(audited(&actions, BOB, "command.approve", "refused"), 1);
}

#[tokio::test]
async fn an_approve_click_after_the_expiry_is_refused_before_any_sweep() {
    let config = config("");
    let clock = ManualClock::new(Timestamp::now());
    let (world, slack) = setup(&config, Arc::new(clock.clone())).await;
    let setup = ChatSetup {
        expiry_check: Duration::from_secs(3600),
        ..chat_setup(&config)
    };
    let bot = Bot::start_with(&world, &slack, setup).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;

    clock.advance(SignedDuration::from_hours(2));
    click_approve(&slack, BOB, &message, &pending.approval.id);
    wait_until("the click is refused as expired", LIMIT, || async {
        ephemeral_for(&slack, BOB, "expired at")
    })
    .await;
    wait_until("the request message shows the expiry", LIMIT, || async {
        request_message_of(&slack, &snapshot)
            .is_some_and(|m| !has_buttons(&m) && everything_in(&m).contains("*Expired* at"))
    })
    .await;
    assert!(world.releases(NS).is_empty());
    assert_eq!(
        stored_request(&bot, &pending.approval.id)
            .await
            .approval
            .state,
        RequestState::Expired
    );
    let actions = audit_actions(&bot).await;
    assert_eq!(audited(&actions, "gatebot", "emergency.expire", "ok"), 1);
}

#[tokio::test]
async fn a_double_click_and_a_simultaneous_approver_make_one_release() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;

    click_approve(&slack, BOB, &message, &pending.approval.id);
    click_approve(&slack, BOB, &message, &pending.approval.id);
    click_approve(&slack, CAROL, &message, &pending.approval.id);
    wait_for_one_release(&world).await;
    let answered = || {
        slack
            .ephemerals(CHANNEL)
            .into_iter()
            .filter(|e| e.user == BOB || e.user == CAROL)
            .map(|e| e.text)
            .collect::<Vec<_>>()
    };
    wait_until("all three clicks are answered", LIMIT, || async {
        answered().len() == 3
    })
    .await;
    let texts = answered();
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("Approved.")).count(),
        1,
        "{texts:#?}"
    );
    assert_eq!(
        texts.iter().filter(|t| t.contains("already")).count(),
        2,
        "{texts:#?}"
    );
    slack.slash_command(CAROL, CHANNEL, &format!("approve {}", pending.approval.id));
    wait_until("a later approval hears it was approved", LIMIT, || async {
        ephemeral_for(&slack, CAROL, "was approved already")
    })
    .await;
    assert_eq!(world.releases(NS).len(), 1);
    assert_eq!(bot.store.releases(GATE).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_request_message_whose_answer_was_lost_is_found_and_updated_once_decided() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    // The request message lands, but Slack's answer is lost and the thread cannot be read
    // back at once: gatebot does not learn where the message is.
    slack.lose_answers("chat.postMessage", 1);
    slack.fail("conversations.replies", "internal_error", 1000);
    slack.slash_command(
        RELEASER,
        CHANNEL,
        &format!("emergency {snapshot} {JUSTIFICATION_FROM_SLACK}"),
    );
    let message = wait_for_request_message(&slack, &snapshot).await;
    let store = &bot.store;
    wait_until(
        "the requester is told to tell the approvers",
        LIMIT,
        || async { ephemeral_for(&slack, RELEASER, "tell the approvers yourself") },
    )
    .await;
    let pending = store
        .pending_emergency_request(&SnapshotKey::new(GATE, &snapshot))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.approval.message_ts, None);
    slack.clear_faults("conversations.replies");

    slack.slash_command(BOB, CHANNEL, &format!("approve {}", pending.approval.id));
    wait_for_one_release(&world).await;
    until_request_message_shows_the_outcome(&slack, &snapshot).await;
    assert_eq!(
        request_message_of(&slack, &snapshot).unwrap().ts,
        message.ts,
        "the one message that landed"
    );
    assert_eq!(
        stored_request(&bot, &pending.approval.id)
            .await
            .approval
            .message_ts
            .as_deref(),
        Some(message.ts.as_str()),
        "found, and remembered"
    );
}

#[tokio::test]
async fn an_approve_click_after_a_restart_works_exactly_once() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let before = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&before, &slack, RELEASER, &snapshot).await;
    before.kill().await;

    let after = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    click_approve(&slack, BOB, &message, &pending.approval.id);
    let release = wait_for_one_release(&world).await;
    let annotations = annotations_of(&release);
    assert_eq!(annotations["release.hypershift.io/approved-by"], BOB);
    assert_eq!(
        annotations["release.hypershift.io/justification"],
        JUSTIFICATION
    );
    until_request_message_shows_the_outcome(&slack, &snapshot).await;
    after.kill().await;

    let again = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    slack.slash_command(CAROL, CHANNEL, &format!("approve {}", pending.approval.id));
    wait_until("the request is decided for good", LIMIT, || async {
        ephemeral_for(&slack, CAROL, "was approved already")
    })
    .await;
    assert_eq!(world.releases(NS).len(), 1);
    assert_eq!(
        stored_request(&again, &pending.approval.id)
            .await
            .approval
            .state,
        RequestState::Approved
    );
}

#[tokio::test]
async fn an_approval_interrupted_before_its_release_is_released_at_the_next_start() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let before = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, _message) = request(&before, &slack, RELEASER, &snapshot).await;
    // What `approve` has stored when gatebot stops right after closing the request, before it
    // decided the Release.
    let store = &before.store;
    let approved_at = Timestamp::now();
    assert!(
        store
            .add_approval(
                &pending.approval.id,
                &Approval {
                    approver: BOB.into(),
                    approved_at,
                    subject_digest: pending.approval.subject_digest.clone(),
                },
            )
            .await
            .unwrap()
    );
    let approved = Closing {
        state: RequestState::Approved,
        by: BOB,
        at: approved_at,
        reason: None,
    };
    assert!(
        store
            .close_emergency_request(&pending.approval.id, RequestState::Pending, &approved, None)
            .await
            .unwrap()
    );
    before.kill().await;
    assert!(world.releases(NS).is_empty());

    let after = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let release = wait_for_one_release(&world).await;
    let annotations = annotations_of(&release);
    assert_eq!(annotations["release.hypershift.io/approved-by"], BOB);
    assert_eq!(
        annotations["release.hypershift.io/request-id"],
        pending.approval.id
    );
    assert_eq!(
        annotations["release.hypershift.io/justification"],
        JUSTIFICATION
    );
    until_request_message_shows_the_outcome(&slack, &snapshot).await;
    wait_until("the channel is told it needs review", LIMIT, || async {
        top_level(&slack)
            .iter()
            .any(|m| m.text.contains("requires review"))
    })
    .await;
    let records = after.store.releases(GATE).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].kind, ReleaseKind::Emergency);
    after.kill().await;

    // Once released, a further start grants nothing more.
    let again = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(world.releases(NS).len(), 1);
    again.kill().await;
}

#[tokio::test]
async fn an_approval_racing_a_gate_pass_ends_with_one_release() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;

    retry_passes(&world, &snapshot, 1);
    click_approve(&slack, BOB, &message, &pending.approval.id);
    let release = wait_for_one_release(&world).await;
    until_request_message_shows_the_outcome(&slack, &snapshot).await;
    let records = bot.store.releases(GATE).await.unwrap();
    assert_eq!(records.len(), 1);
    let request = stored_request(&bot, &pending.approval.id).await;
    let is_emergency = annotations_of(&release).contains_key("release.hypershift.io/emergency");
    match request.approval.state {
        RequestState::Approved => {
            assert_eq!(records[0].kind, ReleaseKind::Emergency);
            assert!(is_emergency);
        }
        RequestState::Overtaken => {
            assert_eq!(records[0].kind, ReleaseKind::Gated);
            assert!(!is_emergency);
        }
        other => panic!("the request ended {other:?}"),
    }
    assert_eq!(
        request.release_name.as_deref(),
        Some(records[0].name.as_str())
    );
}

#[tokio::test]
async fn an_approval_after_the_gate_released_the_snapshot_creates_nothing_more() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;

    retry_passes(&world, &snapshot, 1);
    let gated = wait_for_one_release(&world).await;
    assert_eq!(
        gated["spec"]["releasePlan"],
        "hypershift-operator-progressive"
    );
    click_approve(&slack, BOB, &message, &pending.approval.id);
    wait_until(
        "the approver hears the snapshot was released",
        LIMIT,
        || async { ephemeral_for(&slack, BOB, "was released another way meanwhile") },
    )
    .await;
    wait_until("the request message says it is closed", LIMIT, || async {
        request_message_of(&slack, &snapshot)
            .is_some_and(|m| !has_buttons(&m) && everything_in(&m).contains("*Closed*"))
    })
    .await;
    assert_eq!(world.releases(NS).len(), 1);
    assert_eq!(
        stored_request(&bot, &pending.approval.id)
            .await
            .approval
            .state,
        RequestState::Overtaken
    );
}

#[tokio::test]
async fn requests_without_a_real_justification_or_snapshot_are_refused_clearly() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let released = snapshot_name(1);
    world.publish_snapshot(&gate_of(&config), &released, &digest(1));
    report_all(&world, &released, 1, 1, &[]);
    wait_for_one_release(&world).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 2).await;

    let cases = [
        (
            format!("emergency {snapshot}"),
            "`emergency` needs its `justification`",
        ),
        (
            format!("emergency {snapshot} --justification \"\""),
            "`--justification` needs a value",
        ),
        (
            format!("emergency {snapshot} fix it"),
            "at least 20 characters in 3 words or more",
        ),
        (
            format!("emergency hotfix-42 {JUSTIFICATION_FROM_SLACK}"),
            "No snapshot is named `hotfix-42`",
        ),
        (
            format!("emergency {released} {JUSTIFICATION_FROM_SLACK}"),
            "is released already",
        ),
    ];
    for (line, expected) in &cases {
        slack.slash_command(RELEASER, CHANNEL, line);
        wait_until(&format!("`{line}` is refused"), LIMIT, || async {
            ephemeral_for(&slack, RELEASER, expected)
        })
        .await;
    }
    let store = &bot.store;
    assert_eq!(
        store
            .pending_emergency_request(&SnapshotKey::new(GATE, &snapshot))
            .await
            .unwrap(),
        None
    );
    assert!(request_message_of(&slack, &snapshot).is_none());

    let (pending, _) = request(&bot, &slack, RELEASER, &snapshot).await;
    slack.slash_command(
        ALICE,
        CHANNEL,
        &format!("emergency {snapshot} {JUSTIFICATION_FROM_SLACK}"),
    );
    wait_until(
        "a second request for the snapshot is refused",
        LIMIT,
        || async {
            ephemeral_for(&slack, ALICE, "has an emergency request waiting already")
                && ephemeral_for(&slack, ALICE, &pending.approval.id)
        },
    )
    .await;
    let refused = audit_actions(&bot)
        .await
        .into_iter()
        .filter(|(_, action, outcome)| action == "command.emergency" && outcome == "refused")
        .count();
    assert_eq!(refused, 4, "every handler refusal is audited");
}

#[tokio::test]
async fn two_approvals_are_needed_when_configured() {
    let config = config("approvals_needed = 2");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    let bot = Bot::start_with(&world, &slack, chat_setup(&config)).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;

    click_approve(&slack, BOB, &message, &pending.approval.id);
    wait_until("the first approval is counted", LIMIT, || async {
        ephemeral_for(&slack, BOB, "1 of 2")
            && request_message_of(&slack, &snapshot).is_some_and(|m| {
                has_buttons(&m) && everything_in(&m).contains(&format!("<@{BOB}> (1 of 2)"))
            })
    })
    .await;
    assert!(world.releases(NS).is_empty());
    click_approve(&slack, BOB, &message, &pending.approval.id);
    wait_until("the same approver counts once", LIMIT, || async {
        ephemeral_for(&slack, BOB, "You approved")
    })
    .await;
    assert!(world.releases(NS).is_empty());

    click_approve(&slack, CAROL, &message, &pending.approval.id);
    let release = wait_for_one_release(&world).await;
    assert_eq!(
        annotations_of(&release)["release.hypershift.io/approved-by"],
        format!("{BOB},{CAROL}")
    );
}

#[tokio::test]
async fn gatebot_run_with_the_console_chat_takes_an_emergency_from_two_people() {
    let config = config("");
    let (world, _slack) = setup(&config, Arc::new(SystemClock)).await;
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("gatebot.toml");
    let text = format!("{}{}", world_config(&world, free_port()), config_text(""));
    std::fs::write(&config_path, text).unwrap();
    // Migrated here first: two processes must not migrate one SQLite file at the same moment.
    let store = world.store().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatebot"))
        .args([
            "run",
            "--chat",
            "console",
            "--console-user",
            RELEASER,
            "--config",
        ])
        .arg(&config_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let printed = Arc::new(Mutex::new(String::new()));
    let stdout = child.stdout.take().unwrap();
    let collected = printed.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let mut all = collected.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let mut type_line = |line: String| {
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    };
    let shown = || printed.lock().unwrap().clone();

    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate_of(&config), &snapshot, &digest(1));
    let failing = job("4.20", "aws", "baseline");
    report_all(&world, &snapshot, 1, 1, &[(failing, BuildResult::Failure)]);
    wait_until(
        "the running gatebot sees the gate blocked",
        LIMIT,
        || async {
            store
                .latest_verdicts(GATE)
                .await
                .unwrap()
                .get(&snapshot)
                .is_some_and(|verdict| verdict.decision == "blocked")
        },
    )
    .await;

    type_line(format!("as {ALICE} emergency {snapshot} {JUSTIFICATION}"));
    wait_until("the request is printed", LIMIT, || async {
        shown().contains("approve em-")
    })
    .await;
    let output = shown();
    for expected in [
        "== Emergency release requested ==",
        "[Approve] [Deny]",
        JUSTIFICATION,
    ] {
        assert!(output.contains(expected), "{expected} in {output}");
    }
    let at = output.find("approve em-").unwrap() + "approve ".len();
    let id = output[at..at + "em-12345678".len()].to_string();

    type_line(format!("as {ALICE} approve {id}"));
    wait_until("self-approval is refused", LIMIT, || async {
        shown().contains("cannot approve it as well")
    })
    .await;
    type_line(format!("as {BOB} approve {id}"));
    let release = wait_for_one_release(&world).await;
    let annotations = annotations_of(&release);
    assert_eq!(annotations["release.hypershift.io/requested-by"], ALICE);
    assert_eq!(annotations["release.hypershift.io/approved-by"], BOB);
    assert_eq!(release["spec"]["releasePlan"], EMERGENCY_PLAN);
    wait_until(
        "the console shows the outcome and the alert",
        LIMIT,
        || async {
            let output = shown();
            output.contains("(updated) == Emergency release requested ==")
                && output.contains("== Emergency release created — requires review ==")
        },
    )
    .await;
    type_line("audit 5".to_string());
    wait_until("the audit log is printed", LIMIT, || async {
        shown().contains("command.approve")
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn an_approval_and_the_sweep_granting_it_at_once_end_approved_with_one_alert() {
    let config = config("");
    let (world, slack) = setup(&config, Arc::new(SystemClock)).await;
    // A sweep every few milliseconds finds the request approved before the approval has
    // decided its Release, so both grant it.
    let racing = ChatSetup {
        expiry_check: Duration::from_millis(2),
        ..chat_setup(&config)
    };
    let bot = Bot::start_with(&world, &slack, racing).await;
    let snapshot = blocked_snapshot(&world, &slack, &config, 1).await;
    let (pending, message) = request(&bot, &slack, RELEASER, &snapshot).await;

    click_approve(&slack, BOB, &message, &pending.approval.id);
    wait_for_one_release(&world).await;
    wait_until("the request message shows the approval", LIMIT, || async {
        request_message_of(&slack, &snapshot)
            .is_some_and(|m| !has_buttons(&m) && everything_in(&m).contains("*Approved* by"))
    })
    .await;
    assert_eq!(
        stored_request(&bot, &pending.approval.id)
            .await
            .approval
            .state,
        RequestState::Approved
    );
    wait_until("the approver is told it is approved", LIMIT, || async {
        ephemeral_for(&slack, BOB, "Approved.")
    })
    .await;
    let alerts = top_level(&slack)
        .into_iter()
        .filter(|m| everything_in(m).contains("Emergency release created"))
        .count();
    assert_eq!(alerts, 1, "one alert for one Release");
}
