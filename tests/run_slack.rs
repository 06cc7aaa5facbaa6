//! `gatebot run` on Slack, as deployed: the real binary with a `[chat]` section, its tokens in
//! the environment, Socket Mode against the emulated Slack, and the emulated cluster and GCS.

mod support;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gatebot::sandbox::world::{World, digest};
use gatebot_emulators::slack::{EmulatedUser, SlackEmulator, Workspace};
use support::{GATE_TOML, free_port, gate, wait_until, world, world_config};

const LIMIT: Duration = Duration::from_secs(30);
const CHANNEL: &str = "C0RELEASES";

fn config(world: &World, slack: &SlackEmulator, listen_port: u16) -> String {
    format!(
        r#"{engine}
[chat]
channel = "{CHANNEL}"

[chat.slack]
app_token_env = "TEST_SLACK_APP_TOKEN"
bot_token_env = "TEST_SLACK_BOT_TOKEN"
api_url = "{api}"

[chat.roles]
releasers = ["U0RELEASER"]
{GATE_TOML}"#,
        engine = world_config(world, listen_port),
        api = slack.api_url(),
    )
}

/// The binary, its standard error drained as it runs so a chatty log never blocks it.
struct Bot {
    child: Child,
    logs: Arc<Mutex<String>>,
}

impl Bot {
    fn start(config: &std::path::Path, slack: &SlackEmulator, log_filter: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatebot"))
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", log_filter)
            .env("TEST_SLACK_APP_TOKEN", &slack.workspace().app_token)
            .env("TEST_SLACK_BOT_TOKEN", &slack.workspace().bot_token)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let logs = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read) = stderr.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });
        Self { child, logs }
    }

    async fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        tokio::time::timeout(LIMIT, async {
            loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    return status;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("gatebot stops after SIGTERM")
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

async fn status_of(url: &str) -> Option<u16> {
    reqwest::get(url).await.ok().map(|r| r.status().as_u16())
}

#[tokio::test]
async fn run_posts_status_threads_answers_commands_and_never_logs_its_tokens() {
    let world = world().await;
    let workspace = Workspace::default()
        .with_channel(CHANNEL, "hyperfleet-releases")
        .with_user(EmulatedUser::new("U0PERSON", "pat"));
    let slack = SlackEmulator::start(workspace).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config_path = dir.path().join("gatebot.toml");
    std::fs::write(&config_path, config(&world, &slack, port)).unwrap();

    let mut bot = Bot::start(&config_path, &slack, "trace");
    wait_until(
        "/readyz says ready once Slack said hello",
        LIMIT,
        || async { status_of(&format!("http://127.0.0.1:{port}/readyz")).await == Some(200) },
    )
    .await;
    assert!(slack.connections_opened() >= 1);

    let snapshot = "hypershift-operator-main-20261121-101500-000";
    world.publish_snapshot(&gate(), snapshot, &digest(1));
    wait_until("the status message is posted", LIMIT, || async {
        slack
            .messages(CHANNEL)
            .iter()
            .any(|m| m.from_bot && m.text.contains(snapshot))
    })
    .await;
    slack.slash_command("U0PERSON", CHANNEL, "status");
    wait_until("status is answered", LIMIT, || async {
        slack
            .ephemerals(CHANNEL)
            .iter()
            .any(|e| e.user == "U0PERSON" && format!("{:?}", e.blocks).contains(snapshot))
    })
    .await;

    let exited = bot.terminate().await;
    assert!(exited.success(), "{exited:?}");
    let logs = bot.logs.lock().unwrap().clone();
    assert!(
        logs.len() > 10_000,
        "trace logging was on: {} bytes",
        logs.len()
    );
    for token in [&slack.workspace().app_token, &slack.workspace().bot_token] {
        assert!(
            !logs.contains(token.as_str()),
            "a Slack token reached the log"
        );
    }
}
