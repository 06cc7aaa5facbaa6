//! The ON_QA escalation as it is started: `gatebot escalate` as a process against the emulated
//! Jira, `gatebot run` refusing to start without the Jira token, and the schedule `gatebot run`
//! drives, on a manual clock.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use gatebot::clock::{Clock, ManualClock};
use gatebot::escalation::{EscalationConfig, EscalationFeed, EscalationSchedule};
use gatebot::jira::{Deployment, JiraAuth, JiraClient, JiraSettings, Secret};
use gatebot::store::Store;
use gatebot_emulators::jira::{
    self as emulated, Credentials, EmulatedIssue, EmulatedUser, EmulatorOptions, Fault,
    JiraEmulator,
};
use jiff::{SignedDuration, Timestamp};
use support::GATE_TOML;

const TOKEN: &str = "pat-wiring-4Kd9-NEVER-PRINTED";
const TOKEN_ENV: &str = "GATEBOT_WIRING_TEST_JIRA_TOKEN";
const LIMIT: Duration = Duration::from_secs(30);

fn days(count: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * count)
}

async fn jira(clock: ManualClock) -> JiraEmulator {
    let jira = JiraEmulator::start(EmulatorOptions {
        auth: Credentials::Bearer(TOKEN.into()),
        deployment: emulated::Deployment::Server,
        bot_user: "gatebot".into(),
        max_results: 50,
        clock: Arc::new(move || clock.now()),
    })
    .await
    .expect("the emulated Jira starts");
    jira.add_user(EmulatedUser::new("qa"));
    jira
}

/// A file in `dir` with the test gate, a store in `dir`, and `escalation` (TOML, from the
/// `[escalation]` header on) appended.
fn config_file(dir: &Path, escalation: &str) -> PathBuf {
    let store = format!("sqlite://{}?mode=rwc", dir.join("gatebot.db").display());
    let path = dir.join("gatebot.toml");
    let text = format!("[store]\nurl = \"{store}\"\n\n{escalation}\n{GATE_TOML}");
    std::fs::write(&path, text).expect("the configuration is written");
    path
}

fn escalation_toml(jira: &JiraEmulator, extra: &str) -> String {
    format!(
        "[escalation]\ntarget_versions = [\"4.20.0\"]\n{extra}\n\n[escalation.jira]\nurl = \"{}\"\ntoken_env = \"{TOKEN_ENV}\"\n",
        jira.base_url()
    )
}

async fn gatebot(args: &[&str], config: &Path, token: Option<&str>) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatebot"));
    command.args(args).arg("--config").arg(config);
    match token {
        Some(token) => command.env(TOKEN_ENV, token),
        None => command.env_remove(TOKEN_ENV),
    };
    tokio::time::timeout(LIMIT, command.output())
        .await
        .expect("gatebot finishes in time")
        .expect("the gatebot binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn store_of(config: &Path) -> Store {
    let url = gatebot::config::Config::load(config).unwrap().store.url;
    Store::open(&url).await.expect("the store opens")
}

// `gatebot escalate`.

#[tokio::test]
async fn escalate_dry_run_prints_the_comments_and_changes_nothing() {
    let now = Timestamp::now();
    let jira = jira(ManualClock::new(now)).await;
    jira.add_issue(EmulatedIssue::on_qa_since("OCPBUGS-1", now - days(14)).qa_contact("qa"));
    jira.add_issue(EmulatedIssue::on_qa_since("OCPBUGS-2", now - days(60)).qa_contact("qa"));
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &escalation_toml(&jira, ""));
    let from = (now - days(30)).to_zoned(jiff::tz::TimeZone::UTC).date();

    let from_date = from.to_string();
    let args = ["escalate", "--dry-run", "--from-date", &from_date];
    let output = gatebot(&args, &config, Some(TOKEN)).await;

    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        stdout.contains("1 issue in ON_QA; 1 comment would be posted. Nothing was commented"),
        "{stdout}"
    );
    assert!(
        stdout.contains("step 1 of 3 (QA contact): would ask qa (the QA contact) after"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    | *gatebot escalation, step 1 of 3: QA contact*"),
        "the full comment is shown: {stdout}"
    );
    assert!(stdout.contains("[~qa]"), "{stdout}");
    assert!(
        !stdout.contains("OCPBUGS-2"),
        "left out by --from-date: {stdout}"
    );
    assert!(!stdout.contains(TOKEN) && !text(&output.stderr).contains(TOKEN));

    assert!(jira.comments("OCPBUGS-1").is_empty());
    let requests = jira.requests();
    assert!(
        requests.iter().all(|request| request.method == "GET"),
        "{requests:?}"
    );
    let search = requests
        .iter()
        .find(|request| request.path.ends_with("/search"))
        .expect("the scan searched");
    assert!(
        search
            .param("jql")
            .unwrap()
            .contains(&format!("AFTER \"{from}\"")),
        "{search:?}"
    );
    let store = store_of(&config).await;
    assert_eq!(store.last_escalation_scan().await.unwrap(), None);
    assert!(store.escalation_watchlist().await.unwrap().is_empty());
}

#[tokio::test]
async fn dry_run_in_the_configuration_is_a_dry_run_without_the_flag() {
    let now = Timestamp::now();
    let jira = jira(ManualClock::new(now)).await;
    jira.add_issue(EmulatedIssue::on_qa_since("OCPBUGS-3", now - days(14)).qa_contact("qa"));
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &escalation_toml(&jira, "dry_run = true"));

    let output = gatebot(&["escalate"], &config, Some(TOKEN)).await;

    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        text(&output.stdout).starts_with("Dry run at "),
        "{output:?}"
    );
    assert!(jira.comments("OCPBUGS-3").is_empty());
}

#[tokio::test]
async fn escalate_comments_once_and_exits_1_when_jira_refuses_the_token() {
    let now = Timestamp::now();
    let jira = jira(ManualClock::new(now)).await;
    jira.add_issue(EmulatedIssue::on_qa_since("OCPBUGS-4", now - days(14)).qa_contact("qa"));
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &escalation_toml(&jira, ""));

    let posted = gatebot(&["escalate"], &config, Some(TOKEN)).await;
    let stdout = text(&posted.stdout);
    assert_eq!(posted.status.code(), Some(0), "{posted:?}");
    assert!(stdout.contains("1 comment posted."), "{stdout}");
    assert!(
        stdout.contains("asked qa (the QA contact) after") && stdout.contains("in comment "),
        "{stdout}"
    );
    assert_eq!(jira.comments("OCPBUGS-4").len(), 1);

    jira.fail_next(Fault::Unauthorized, 1);
    let refused = gatebot(&["escalate"], &config, Some(TOKEN)).await;
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("the escalation scan stopped early") && stderr.contains("HTTP 401"),
        "{stderr}"
    );
    assert!(text(&refused.stdout).contains("The scan stopped early"));
    assert_eq!(jira.comments("OCPBUGS-4").len(), 1, "nobody is asked twice");
}

#[tokio::test]
async fn escalate_without_the_section_or_the_token_exits_2_and_says_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), "");
    let output = gatebot(&["escalate"], &config, Some(TOKEN)).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("has no [escalation] section") && stderr.contains("target_versions"),
        "{stderr}"
    );

    let jira = jira(ManualClock::new(Timestamp::now())).await;
    let config = config_file(dir.path(), &escalation_toml(&jira, ""));
    let output = gatebot(&["escalate"], &config, None).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(text(&output.stderr).contains(TOKEN_ENV), "{output:?}");
    assert!(jira.requests().is_empty());
}

#[tokio::test]
async fn run_refuses_to_start_without_the_jira_token() {
    let jira = jira(ManualClock::new(Timestamp::now())).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(dir.path(), &escalation_toml(&jira, ""));
    let output = gatebot(&["run"], &config, None).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot start the ON_QA escalation scans") && stderr.contains(TOKEN_ENV),
        "{stderr}"
    );
}

// The schedule of `gatebot run`.

/// Monday 2025-01-06, 08:00 UTC.
fn monday_8am() -> Timestamp {
    "2025-01-06T08:00:00Z".parse().unwrap()
}

async fn searches(jira: &JiraEmulator) -> usize {
    jira.requests()
        .iter()
        .filter(|request| request.path.ends_with("/search"))
        .count()
}

/// Lets the schedule look at the clock a few times.
async fn a_moment() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn next(feed: &mut EscalationFeed) -> Arc<gatebot::escalation::ScanReport> {
    tokio::time::timeout(LIMIT, feed.next_report())
        .await
        .expect("a scan finishes in time")
        .expect("the schedule is still running")
}

#[tokio::test]
async fn the_schedule_scans_when_due_and_not_before_and_feeds_each_report() {
    let clock = ManualClock::new(monday_8am());
    let jira = jira(clock.clone()).await;
    let entered: Timestamp = "2024-12-30T09:00:00Z".parse().unwrap();
    jira.add_issue(EmulatedIssue::on_qa_since("OCPBUGS-5", entered).qa_contact("qa"));
    jira.add_user(EmulatedUser::new("hcp-lead"));
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("gatebot.db").display()
    );
    let store = Store::open(&url).await.unwrap();
    let config = EscalationConfig {
        schedule: "0 9 * * MON-FRI".into(),
        target_versions: vec!["4.20.0".into()],
        jira: JiraSettings {
            url: jira.base_url().to_string(),
            ..JiraSettings::default()
        },
        teams: [(
            "hcp".to_string(),
            gatebot::escalation::TeamConfig {
                components: vec!["HyperShift".into()],
                lead: Some("hcp-lead".into()),
                manager: None,
            },
        )]
        .into(),
        ..EscalationConfig::default()
    };
    let client = JiraClient::new(
        jira.base_url(),
        Deployment::Server,
        JiraAuth::Bearer(Secret::new(TOKEN)),
    )
    .unwrap();
    let schedule = EscalationSchedule::new(config, client, store, Arc::new(clock.clone()))
        .recheck_every(Duration::from_millis(5));
    let mut feed = schedule.feed();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = schedule.run_until(async {
        let _ = stopped.await;
    });

    let checks = async {
        a_moment().await;
        assert_eq!(searches(&jira).await, 0, "nothing is due at 08:00");
        assert!(feed.latest().is_none());
        clock.set("2025-01-06T08:59:59Z".parse().unwrap());
        a_moment().await;
        assert_eq!(
            searches(&jira).await,
            0,
            "nothing is due a second before 09:00"
        );

        clock.set("2025-01-06T09:00:00Z".parse().unwrap());
        let first = next(&mut feed).await;
        assert_eq!(first.issues_seen, 1);
        assert!(!first.dry_run && first.complete());
        assert_eq!(first.escalated.len(), 1);
        assert_eq!(first.escalated[0].person, "qa");
        assert_eq!(jira.comments("OCPBUGS-5").len(), 1);
        assert_eq!(feed.latest().as_deref(), Some(&*first));

        clock.set("2025-01-06T23:00:00Z".parse().unwrap());
        a_moment().await;
        assert_eq!(
            searches(&jira).await,
            1,
            "the next scan is due on Tuesday at 09:00"
        );

        clock.set("2025-01-07T09:00:00Z".parse().unwrap());
        let second = next(&mut feed).await;
        assert_eq!(second.escalated.len(), 1);
        assert_eq!(
            second.escalated[0].person, "hcp-lead",
            "one step up per scan"
        );
        assert_eq!(second.previous.as_ref().map(|p| p.comments_sent), Some(1));
        assert_eq!(feed.latest().as_deref(), Some(&*second));
        stop.send(()).unwrap();
    };
    tokio::time::timeout(LIMIT, async { tokio::join!(running, checks) })
        .await
        .expect("the schedule stops on shutdown");
    assert!(
        feed.next_report().await.is_none(),
        "the feed ends with the schedule"
    );
    assert_eq!(jira.comments("OCPBUGS-5").len(), 2);
}
