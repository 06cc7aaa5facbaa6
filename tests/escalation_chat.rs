//! The ON_QA escalation in chat, against the emulated Jira and Slack on a manual clock: the
//! digest each scheduled scan posts in the configured thread, including why a scan stopped
//! early, in its own digest and in the next; and the `escalations` command's answer.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gatebot::chat::{ChatFront, ChatSurface, Incoming, Roles, Via};
use gatebot::clock::{Clock, ManualClock};
use gatebot::config::RolesConfig;
use gatebot::escalation::{
    DigestConfig, EscalationConfig, EscalationSchedule, Step, TeamConfig, post_digests,
};
use gatebot::jira::{Deployment, JiraAuth, JiraClient, JiraSettings, Secret};
use gatebot::slack::{ChannelPacing, SlackSurface};
use gatebot::store::{EscalationScan, SentStep, Store, WatchedIssue};
use gatebot_emulators::jira::{
    self as emulated, Credentials, EmulatedIssue, EmulatedUser, EmulatorOptions, Fault,
    JiraEmulator,
};
use gatebot_emulators::slack::{
    EmulatedUser as SlackUser, Message as SlackMessage, SlackEmulator, Workspace,
};
use jiff::Timestamp;
use support::{Running, wait_until};

const TOKEN: &str = "pat-escalation-chat-7Qw2";
const RELEASES: &str = "C0RELEASES";
const DIGESTS: &str = "C0DIGESTS";
const LEAD: &str = "U0LEAD";
const LIMIT: Duration = Duration::from_secs(30);

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn workspace() -> Workspace {
    Workspace::default()
        .with_channel(RELEASES, "hyperfleet-releases")
        .with_channel(DIGESTS, "on-qa-escalations")
        .with_user(SlackUser::new(LEAD, "lena"))
}

/// A surface of `slack` posting into `channel`, as `gatebot run` makes one per channel.
fn slack_surface(slack: &SlackEmulator, channel: &str) -> Arc<dyn ChatSurface> {
    let client = gatebot::slack::client(&slack.api_url().parse().unwrap()).unwrap();
    let bot_token = Secret::new(slack.workspace().bot_token.clone());
    Arc::new(SlackSurface::new(
        client,
        &bot_token,
        channel,
        Arc::new(ChannelPacing::default()),
    ))
}

/// Someone writes `text` in `channel`; returns the `ts` of that (the latest such) message.
fn written(slack: &SlackEmulator, channel: &str, text: &str) -> String {
    slack.message_event(LEAD, channel, text, None);
    slack
        .messages(channel)
        .into_iter()
        .rfind(|message| message.text == text)
        .expect("the message is in the channel")
        .ts
}

fn replies_under(slack: &SlackEmulator, channel: &str, ts: &str) -> Vec<SlackMessage> {
    slack
        .messages(channel)
        .into_iter()
        .find(|message| message.ts == ts)
        .map(|message| message.replies)
        .unwrap_or_default()
}

/// Everything a message shows: its fallback and its blocks.
fn shown(message: &SlackMessage) -> String {
    format!(
        "{} {}",
        message.text,
        serde_json::to_string(&message.blocks).unwrap()
    )
}

fn escalation_config(jira_url: &str, digest: Option<DigestConfig>) -> EscalationConfig {
    EscalationConfig {
        schedule: "0 9 * * MON-FRI".into(),
        target_versions: vec!["4.20.0".into()],
        jira: JiraSettings {
            url: jira_url.to_string(),
            ..JiraSettings::default()
        },
        teams: [(
            "hcp".to_string(),
            TeamConfig {
                components: vec!["HyperShift".into()],
                lead: Some("hcp-lead".into()),
                manager: None,
            },
        )]
        .into(),
        digest,
        ..EscalationConfig::default()
    }
}

#[tokio::test]
async fn each_scheduled_scan_posts_its_digest_in_the_thread_and_says_why_a_scan_stopped() {
    let clock = ManualClock::new(at("2025-01-06T08:00:00Z"));
    let jira = JiraEmulator::start(EmulatorOptions {
        auth: Credentials::Bearer(TOKEN.into()),
        deployment: emulated::Deployment::Server,
        bot_user: "gatebot".into(),
        max_results: 50,
        clock: {
            let clock = clock.clone();
            Arc::new(move || clock.now())
        },
    })
    .await
    .unwrap();
    jira.add_user(EmulatedUser::new("qa"));
    jira.add_user(EmulatedUser::new("hcp-lead"));
    jira.add_issue(
        EmulatedIssue::on_qa_since("OCPBUGS-5", at("2024-12-30T09:00:00Z")).qa_contact("qa"),
    );
    let slack = SlackEmulator::start(workspace()).await.unwrap();
    let thread = written(
        &slack,
        DIGESTS,
        "ON_QA escalation digests go in this thread",
    );
    let config = escalation_config(
        jira.base_url(),
        Some(DigestConfig {
            channel: DIGESTS.into(),
            thread_ts: Some(thread.clone()),
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let store_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("gatebot.db").display()
    );
    let store = Store::open(&store_url).await.unwrap();
    let client = JiraClient::new(
        jira.base_url(),
        Deployment::Server,
        JiraAuth::Bearer(Secret::new(TOKEN)),
    )
    .unwrap();
    let schedule = EscalationSchedule::new(config.clone(), client, store, Arc::new(clock.clone()))
        .recheck_every(Duration::from_millis(5));
    let poster = post_digests(
        schedule.feed(),
        slack_surface(&slack, DIGESTS),
        Some(thread.clone()),
        &config,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = schedule.run_until(async {
        let _ = stopped.await;
    });

    let digest_number = |n: usize| {
        let (slack, thread) = (&slack, &thread);
        async move {
            wait_until(&format!("digest {n} is posted"), LIMIT, || async {
                replies_under(slack, DIGESTS, thread).len() >= n
            })
            .await;
            shown(&replies_under(slack, DIGESTS, thread)[n - 1])
        }
    };
    let checks = async {
        clock.set(at("2025-01-06T09:00:00Z"));
        let first = digest_number(1).await;
        assert!(
            first.contains(
                "*ON_QA escalation scan* at Mon 2025-01-06 09:00 UTC: 1 issues in ON_QA, 1 person asked."
            ),
            "{first}"
        );
        assert!(
            first
                .contains("step 1 (QA contact): asked qa, the QA contact, after 120 weekday hours"),
            "{first}"
        );
        assert!(!first.contains("stopped early"), "{first}");

        // Jira answers 503 to the search and both retries: the scan stops.
        jira.fail_next(Fault::ServerError(503), 3);
        clock.set(at("2025-01-07T09:00:00Z"));
        let stopped_one = digest_number(2).await;
        assert!(
            stopped_one.contains(":warning: This scan stopped early: ")
                && stopped_one.contains("503"),
            "{stopped_one}"
        );

        clock.set(at("2025-01-08T09:00:00Z"));
        let caught_up = digest_number(3).await;
        assert!(
            caught_up.contains("step 2 (team lead): asked hcp-lead"),
            "{caught_up}"
        );
        assert!(
            caught_up
                .contains("The previous scan, at Tue 2025-01-07 09:00 UTC, had stopped early (")
                && caught_up.contains("503")
                && caught_up.contains("this scan caught up."),
            "{caught_up}"
        );
        stop.send(()).unwrap();
    };
    tokio::time::timeout(LIMIT, async { tokio::join!(running, poster, checks) })
        .await
        .expect("the digest poster stops with the schedule");

    let replies = replies_under(&slack, DIGESTS, &thread);
    assert_eq!(replies.len(), 3, "one digest per scan");
    assert!(replies.iter().all(|reply| reply.from_bot));
    let top_level = slack.messages(DIGESTS);
    assert_eq!(top_level.len(), 1, "digests are replies, never top-level");
    assert!(slack.orphan_replies(DIGESTS).is_empty());
    assert!(slack.messages(RELEASES).is_empty());
}

/// A chat front on the releases channel whose clock reads `now`.
async fn front(
    running: &Running,
    slack: &SlackEmulator,
    now: Timestamp,
    escalation: Option<EscalationConfig>,
) -> ChatFront {
    let surface = slack_surface(slack, RELEASES);
    let roles = RolesConfig {
        releasers: Vec::new(),
        approvers: Vec::new(),
        admins: Vec::new(),
    };
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now));
    ChatFront::new(
        running.engine.clone(),
        running.store.clone(),
        surface.clone(),
        Roles::new(roles, surface),
        clock,
    )
    .with_escalation(escalation)
}

/// `LEAD` mentions gatebot with `text`; returns what gatebot answered in the mention's thread.
async fn ask(front: &ChatFront, slack: &SlackEmulator, text: &str) -> String {
    let mention = written(slack, RELEASES, &format!("<@gatebot> {text}"));
    front
        .handle(Incoming {
            delivery_id: format!("delivery-{mention}"),
            user: LEAD.into(),
            channel: RELEASES.into(),
            thread_ts: None,
            text: text.into(),
            via: Via::Mention {
                message_ts: mention.clone(),
            },
        })
        .await;
    let replies = replies_under(slack, RELEASES, &mention);
    assert_eq!(replies.len(), 1, "one answer in the mention's thread");
    shown(&replies[0])
}

async fn seed_escalations(store: &Store) {
    let watched = |key: &str, summary: &str, since: &str| WatchedIssue {
        key: key.into(),
        summary: summary.into(),
        on_qa_since: at(since),
    };
    let seen_at = at("2025-01-08T10:00:00Z");
    let stuck = watched(
        "OCPBUGS-2",
        "NodePool rollout stalls",
        "2025-01-06T06:00:00Z",
    );
    store
        .watch_escalation_issues(
            &[
                watched("OCPBUGS-1", "fresh fix", "2025-01-08T09:00:00Z"),
                watched("OCPBUGS-3", "day-old fix", "2025-01-07T11:00:00Z"),
                stuck.clone(),
            ],
            seen_at,
        )
        .await
        .unwrap();
    store
        .record_escalation_step(&SentStep {
            issue_key: stuck.key.clone(),
            on_qa_since: stuck.on_qa_since,
            step: Step::QaContact,
            person: "qa".into(),
            comment_id: "10001".into(),
            sent_at: at("2025-01-07T08:00:00Z"),
        })
        .await
        .unwrap();
    store
        .record_escalation_scan(&EscalationScan {
            started_at: seen_at,
            finished_at: seen_at,
            complete: true,
            issues_seen: 3,
            comments_sent: 1,
            stopped_because: None,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn escalations_lists_the_issues_past_a_step_with_level_age_and_the_last_scan() {
    let world = support::world().await;
    let running = Running::start(&world).await;
    seed_escalations(&running.store).await;
    let slack = SlackEmulator::start(workspace()).await.unwrap();
    let now = at("2025-01-08T12:00:00Z");
    let config = escalation_config("https://issues.redhat.com", None);

    let configured = front(&running, &slack, now, Some(config)).await;
    let answer = ask(&configured, &slack, "escalations").await;
    assert!(
        answer.contains(
            "*Issues in ON_QA past an escalation step* (2, as of Wed 2025-01-08 12:00 UTC)\\n\
             _Last scan at Wed 2025-01-08 10:00 UTC: complete, 3 issues in ON_QA, 1 comment posted._\\n\
             • <https://issues.redhat.com/browse/OCPBUGS-2|OCPBUGS-2> NodePool rollout stalls — step 2 (team lead), 54 weekday hours in ON_QA; asked: QA contact qa\\n\
             • <https://issues.redhat.com/browse/OCPBUGS-3|OCPBUGS-3> day-old fix — step 1 (QA contact), 25 weekday hours in ON_QA; nobody asked yet"
        ),
        "{answer}"
    );
    assert!(!answer.contains("OCPBUGS-1"), "not past a step: {answer}");

    let unconfigured = front(&running, &slack, now, None).await;
    let answer = ask(&unconfigured, &slack, "escalations").await;
    assert!(
        answer.contains("ON_QA escalation is not configured")
            && answer.contains("add an [escalation] section"),
        "{answer}"
    );
}
