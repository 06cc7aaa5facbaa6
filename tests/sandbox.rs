//! `gatebot sandbox` as people run it: the real binary plays the built-in release day against
//! its emulated Konflux, Prow, Gangway and release-controller, and the transcript must tell the
//! story right — the gate's round triggering every cell through Gangway, a flake retried and
//! cleared with its reason, the morning build released exactly once, 4.22 going GA announced
//! once, the afternoon build blocked, and `blocked-why` pointing at the failing job and its run.
//! Bad scenarios and scripts are refused before anything starts, and Ctrl-C or the end of input
//! leave cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const MORNING: &str = "hypershift-operator-main-20260512-070000-000";
const AFTERNOON: &str = "hypershift-operator-main-20260512-130000-000";
const FAILING_JOB: &str = "periodic-ci-openshift-hypershift-release-4.20-periodics-e2e-aws-ovn";
/// Fast enough for a test, slow enough that the engine's loops take part.
const TEST_SPEED: &str = "20000";
const LIMIT: Duration = Duration::from_secs(90);

struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn sandbox() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatebot"));
    command.arg("sandbox").env("NO_COLOR", "1");
    command
}

/// Runs the command to its end, failing the test if it takes longer than `limit`.
fn run(mut command: Command, limit: Duration) -> Finished {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the gatebot binary starts");
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let status = wait(child, limit);
    Finished {
        status,
        stdout: stdout.recv().unwrap(),
        stderr: stderr.recv().unwrap(),
    }
}

fn read_all(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        let _ = sender.send(text);
    });
    receiver
}

/// Waits for the child to exit; kills it and fails the test after `limit`.
fn wait(child: Child, limit: Duration) -> ExitStatus {
    let pid = child.id();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut child = child;
        let _ = sender.send(child.wait());
    });
    match receiver.recv_timeout(limit) {
        Ok(status) => status.expect("waiting for gatebot"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("gatebot sandbox did not exit within {limit:?}");
        }
    }
}

fn write_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .expect("a temporary file");
    path
}

/// The last status block printed for a snapshot in a transcript, without its frame.
fn last_block(transcript: &str, snapshot: &str) -> Vec<String> {
    let lines: Vec<&str> = transcript.lines().collect();
    let start = lines
        .iter()
        .rposition(|line| *line == format!("│ {snapshot}"))
        .unwrap_or_else(|| panic!("no status block of {snapshot} in:\n{transcript}"));
    lines[start..]
        .iter()
        .take_while(|line| line.starts_with("│ "))
        .map(|line| line["│ ".len()..].to_string())
        .collect()
}

/// The answer printed after a command line of the transcript.
fn answer_to<'t>(transcript: &'t str, command: &str) -> Vec<&'t str> {
    let lines: Vec<&str> = transcript.lines().collect();
    let asked = lines
        .iter()
        .position(|line| line.starts_with('+') && line.ends_with(&format!("  you      {command}")))
        .unwrap_or_else(|| panic!("`{command}` was not run in:\n{transcript}"));
    lines[asked + 1..]
        .iter()
        .take_while(|line| !line.starts_with('+') && !line.starts_with('┌'))
        .copied()
        .collect()
}

#[test]
fn the_release_day_releases_the_morning_build_once_blocks_the_afternoon_build_and_ships_it_by_emergency()
 {
    let dir = tempfile::tempdir().unwrap();
    let script = write_file(
        dir.path(),
        "day.txt",
        "@end blocked-why latest\n@end status\n\
         @end emergency latest the 4.20 AWS e2e failure is a known CI flake and customers wait\n\
         @end approve\n@end as alice approve\n",
    );
    let mut command = sandbox();
    command
        .arg("--script")
        .arg(&script)
        .args(["--speed", TEST_SPEED]);
    let done = run(command, LIMIT);
    let transcript = &done.stdout;
    assert!(done.status.success(), "{}\n{transcript}", done.stderr);

    // The morning build: every required cell passed (4.22 among them, GA by the end of the
    // day), the advisory 4.19 AKS upgrade failure marked, and the Release finished.
    let release = format!("{MORNING}-");
    let morning = last_block(transcript, MORNING);
    let release_line = morning.last().unwrap().clone();
    assert!(
        release_line.starts_with(&format!("  Release {release}"))
            && release_line.ends_with(" succeeded"),
        "{morning:#?}"
    );
    assert_eq!(
        morning,
        [
            MORNING.to_string(),
            "  image sha256:7b729c4fee7e  revision 1515f66  created 07:00 UTC".into(),
            "        aws e2e  aws .0→latest  azure e2e  azure .0→latest".into(),
            "  4.19  ✓        ✓              ✓          ✗*".into(),
            "  4.20  ✓        ✓              ✓          ✓".into(),
            "  4.21  ✓        ✓              ✓          ✓".into(),
            "  4.22  ✓        –              ✓          –".into(),
            "  PASSED — 13 of 13 required passed".into(),
            release_line.clone(),
        ]
    );
    let release_name = release_line
        .trim()
        .trim_start_matches("Release ")
        .trim_end_matches(" succeeded");

    // Created by the engine exactly once, and Konflux's success recorded.
    let created: Vec<&str> = transcript
        .lines()
        .filter(|line| line.contains(&format!(" created for snapshot {MORNING}")))
        .collect();
    assert_eq!(created.len(), 1, "{created:#?}");
    assert!(
        created[0].ends_with(&format!(
            "gatebot  Release {release_name} created for snapshot {MORNING}"
        )),
        "{created:#?}"
    );
    assert!(
        transcript.contains(&format!(
            "gatebot  Konflux reports Release {release_name} succeeded"
        )),
        "{transcript}"
    );

    // The afternoon build is blocked by the failed 4.20 AWS e2e run, and only the emergency
    // Release ships it.
    let afternoon = last_block(transcript, AFTERNOON);
    let verdict = afternoon
        .iter()
        .find(|line| line.starts_with("  BLOCKED — "))
        .cloned();
    assert!(verdict.is_some(), "{afternoon:#?}");
    assert!(
        afternoon
            .iter()
            .any(|line| line.starts_with("  4.20  ") && line.contains('✗')),
        "{afternoon:#?}"
    );
    let approve = transcript
        .find("  you      as alice approve")
        .expect("alice approved");
    assert!(
        !transcript[..approve].contains(&format!(" created for snapshot {AFTERNOON}")),
        "the blocked build has no Release before the emergency is approved"
    );

    // blocked-why names the failing job, its run link and what would unblock it.
    let why = answer_to(transcript, "blocked-why latest");
    assert!(
        why[0].starts_with(&format!("{AFTERNOON}: BLOCKED — ")),
        "{why:#?}"
    );
    assert!(
        why.contains(&"✗ 4.20 aws baseline — failed on 4.20, which is GA"),
        "{why:#?}"
    );
    assert!(
        why.contains(&format!("    job      {FAILING_JOB}").as_str()),
        "{why:#?}"
    );
    let link =
        format!("https://prow.ci.openshift.org/view/gs/test-platform-results/logs/{FAILING_JOB}/");
    assert!(
        why.iter()
            .any(|line| line.starts_with("    run      build ") && line.contains(&link)),
        "{why:#?}"
    );
    assert!(
        why.iter()
            .any(|line| line.starts_with("    unblock  a passing run")),
        "{why:#?}"
    );

    // status lists both, newest first.
    let status = answer_to(transcript, "status");
    let position = |name: &str| status.iter().position(|line| line.starts_with(name));
    assert!(position(AFTERNOON) < position(MORNING), "{status:#?}");
    assert!(position(MORNING).is_some(), "{status:#?}");

    // The emergency needs a second person: `you` asked and cannot approve; alice can.
    let request = answer_to(
        transcript,
        "emergency latest the 4.20 AWS e2e failure is a known CI flake and customers wait",
    );
    assert!(
        request
            .iter()
            .any(|line| line.contains("== Emergency release requested ==")),
        "{request:#?}"
    );
    let self_approval = answer_to(transcript, "approve");
    assert!(
        self_approval
            .iter()
            .any(|line| line.contains("cannot approve it as well")),
        "{self_approval:#?}"
    );
    let approved = answer_to(transcript, "as alice approve");
    assert!(
        approved
            .iter()
            .any(|line| line.contains("Emergency release created — requires review")),
        "{approved:#?}"
    );
    let emergency_created: Vec<&str> = transcript
        .lines()
        .filter(|line| line.contains(&format!(" created for snapshot {AFTERNOON}")))
        .collect();
    assert_eq!(emergency_created.len(), 1, "{emergency_created:#?}");
    assert!(
        afternoon
            .iter()
            .any(|line| line.contains(&format!("Release {AFTERNOON}-"))),
        "{afternoon:#?}"
    );
}

/// The cells of the sandbox gate that run a job: every cell but 4.22's upgrades.
const CELLS_WITH_JOBS: [&str; 14] = [
    "4.19 aws baseline",
    "4.19 aws upgrade-from-zero",
    "4.19 azure baseline",
    "4.19 azure upgrade-from-zero",
    "4.20 aws baseline",
    "4.20 aws upgrade-from-zero",
    "4.20 azure baseline",
    "4.20 azure upgrade-from-zero",
    "4.21 aws baseline",
    "4.21 aws upgrade-from-zero",
    "4.21 azure baseline",
    "4.21 azure upgrade-from-zero",
    "4.22 aws baseline",
    "4.22 azure baseline",
];

/// The scenario minute of a log line (`+2h 07m  who  text` → 127).
fn minute(line: &str) -> u32 {
    let time = line.split("  ").next().unwrap_or_default();
    let (hours, minutes) = time
        .trim_start_matches('+')
        .split_once("h ")
        .unwrap_or_else(|| panic!("not a log line: {line}"));
    hours.parse::<u32>().unwrap() * 60 + minutes.trim_end_matches('m').parse::<u32>().unwrap()
}

/// The log lines of `who` whose text is `text` or, with `prefix`, starts with it.
fn said<'t>(transcript: &'t str, who: &str, text: &str, prefix: bool) -> Vec<&'t str> {
    let marker = format!("  {who:<8} {text}");
    transcript
        .lines()
        .filter(|line| line.starts_with('+'))
        .filter(|line| match prefix {
            true => line.contains(&marker),
            false => line.ends_with(&marker),
        })
        .collect()
}

#[test]
fn the_release_day_runs_its_own_tests_through_gangway_clears_a_flake_and_announces_4_22_once() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_file(dir.path(), "end.txt", "@end status\n");
    let mut command = sandbox();
    command
        .arg("--script")
        .arg(&script)
        .args(["--speed", TEST_SPEED]);
    let done = run(command, LIMIT);
    let transcript = &done.stdout;
    assert!(done.status.success(), "{}\n{transcript}", done.stderr);

    // A round for the morning snapshot, its every cell triggered through Gangway once, the
    // stagger (3 minutes) apart.
    let started = said(
        transcript,
        "gatebot",
        &format!("{MORNING}: round started, 14 jobs to trigger through Gangway"),
        false,
    );
    assert_eq!(started.len(), 1, "{transcript}");
    let mut triggered_at = Vec::new();
    for cell in CELLS_WITH_JOBS {
        let lines = said(
            transcript,
            "gangway",
            &format!("{cell} triggered for {MORNING}"),
            false,
        );
        assert_eq!(lines.len(), 1, "{cell} triggered once: {lines:#?}");
        triggered_at.push(minute(lines[0]));
    }
    triggered_at.sort();
    assert!(
        triggered_at.windows(2).all(|pair| pair[1] >= pair[0] + 3),
        "staggered by 3 minutes: {triggered_at:?}"
    );

    // The flake: 4.21's AWS e2e run fails once, is retried with the job's record as the reason,
    // and passes; the morning build is never shown as blocked.
    let flake = said(
        transcript,
        "gatebot",
        &format!(
            "{MORNING}: 4.21 aws baseline attempt 1 ended failure; running it again: the job passed 19 of its last 20 runs (at least 80 %), so this failure is likely a flake; attempt 2 of 3"
        ),
        false,
    );
    assert_eq!(flake.len(), 1, "{transcript}");
    let retry = said(
        transcript,
        "gangway",
        &format!("4.21 aws baseline triggered again for {MORNING} (attempt 2)"),
        false,
    );
    assert_eq!(retry.len(), 1, "{transcript}");
    let cleared = said(
        transcript,
        "gatebot",
        &format!("{MORNING}: 4.21 aws baseline attempt 2 passed"),
        false,
    );
    assert_eq!(cleared.len(), 1, "{transcript}");
    // gatebot's lines carry the moment the console showed them, at or after the event; the
    // lines of Gangway, Prow and the release-controller carry the moment it happened.
    assert!(
        minute(cleared[0]) > minute(retry[0]),
        "{retry:?} {cleared:?}"
    );
    assert!(
        said(transcript, "gatebot", &format!("{MORNING}: BLOCKED"), true).is_empty()
            && !transcript.contains(&format!("{MORNING}: 4.21 aws baseline blocks the release")),
        "the flake never blocks the morning build: {transcript}"
    );

    // Exactly one Release for the morning snapshot, created after the retry.
    let created = said(transcript, "gatebot", "Release ", true)
        .into_iter()
        .filter(|line| line.ends_with(&format!(" created for snapshot {MORNING}")))
        .collect::<Vec<_>>();
    assert_eq!(created.len(), 1, "{created:#?}");
    assert!(minute(created[0]) > minute(retry[0]), "{created:?}");

    // 4.22 goes GA once; its cells are required from the next round on, so the afternoon's
    // 4.22 failure, judged before (and not retried, as it could not block then), stays allowed.
    let announced = said(
        transcript,
        "gatebot",
        "OCP 4.22 is generally available (from the release-controller); from the next round on its failures block",
        false,
    );
    assert_eq!(announced.len(), 1, "{transcript}");
    let accepted = said(
        transcript,
        "ocp",
        "4.22.0 is Accepted in the 4-stable release stream: OCP 4.22 is out",
        false,
    );
    assert_eq!(accepted.len(), 1, "{transcript}");
    let blocks = said(
        transcript,
        "gatebot",
        &format!("{AFTERNOON}: 4.22 aws baseline blocks the release"),
        true,
    );
    assert!(blocks.is_empty(), "{blocks:?}");
    let afternoon = last_block(transcript, AFTERNOON);
    assert!(
        afternoon.iter().any(|line| line.starts_with("  4.22  ⚠")),
        "{afternoon:#?}"
    );
}

#[test]
fn a_scenario_with_mistakes_is_refused_before_anything_starts_naming_each_step() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(
        dir.path(),
        "broken.yaml",
        r#"
steps:
  - at: "+0m"
    snapshot: { name: nightly, build: 1 }
  - at: "+1h"
    run: { cell: "4.16 aws baseline", snapshot: nightly, result: success, duration: "1h" }
  - at: "+30m"
    say: "too early"
"#,
    );
    let mut command = sandbox();
    command.arg("--scenario").arg(&scenario);
    let done = run(command, LIMIT);
    assert_eq!(done.status.code(), Some(2), "{}", done.stderr);
    assert!(done.stdout.is_empty(), "nothing may start: {}", done.stdout);
    assert!(
        done.stderr.contains("step 2: the gate has no cell `4.16 aws baseline`; its versions are 4.19, 4.20, 4.21, 4.22"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .contains("step 3: it is at +30m, before step 2 at +1h; steps must be in time order"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_script_with_an_unknown_command_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_file(dir.path(), "typo.txt", "status\n@+1h statsu\n");
    let mut command = sandbox();
    command.arg("--script").arg(&script);
    let done = run(command, LIMIT);
    assert_eq!(done.status.code(), Some(2), "{}", done.stderr);
    assert!(
        done.stderr
            .contains("line 2: `statsu` is not a command; did you mean `status`?"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_release_status_for_a_snapshot_that_never_passed_stops_the_play_naming_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_file(
        dir.path(),
        "premature.yaml",
        r#"
steps:
  - at: 0
    snapshot: { name: nightly, build: 1 }
  - at: "+1h"
    release-status: { snapshot: nightly, status: Succeeded }
"#,
    );
    let script = write_file(dir.path(), "none.txt", "");
    let mut command = sandbox();
    command
        .arg("--scenario")
        .arg(&scenario)
        .arg("--script")
        .arg(&script)
        .args(["--speed", TEST_SPEED]);
    let done = run(command, LIMIT);
    assert_eq!(done.status.code(), Some(1), "{}", done.stderr);
    assert!(
        done.stderr.contains(
            "step 2: there is no Release of snapshot `nightly` to report on, because gatebot has not created one (its verdict is PENDING — 0 of 13 required passed, 13 running)"
        ),
        "{}",
        done.stderr
    );
}

#[test]
fn the_end_of_input_leaves_at_once_with_exit_code_0() {
    let done = run(sandbox(), LIMIT);
    assert!(done.status.success(), "{}", done.stderr);
    assert!(
        done.stdout.starts_with("gatebot sandbox — Release day"),
        "{}",
        done.stdout
    );
}

#[test]
fn ctrl_c_leaves_cleanly_with_exit_code_0() {
    let mut child = sandbox()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the gatebot binary starts");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().unwrap();
    let (first_status, shown) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut sent = false;
        for line in lines.by_ref().map_while(Result::ok) {
            if !sent && line.starts_with("┌─ status at") {
                let _ = first_status.send(());
                sent = true;
            }
        }
    });
    shown
        .recv_timeout(LIMIT)
        .expect("a first status block within the limit");
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = wait(child, Duration::from_secs(10));
    drop(stdin);
    assert!(status.success(), "Ctrl-C must exit with 0, got {status:?}");
}

#[test]
fn with_slack_the_release_day_is_posted_to_the_channel_and_commands_there_are_answered() {
    use gatebot_emulators::slack::{EmulatedUser, SlackEmulator, Workspace};

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let workspace = Workspace::default()
        .with_channel("C0SANDBOX", "sandbox")
        .with_user(EmulatedUser::new("U0PERSON", "pat"));
    let slack = std::sync::Arc::new(runtime.block_on(SlackEmulator::start(workspace)).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let script = write_file(dir.path(), "quiet.txt", "@end status\n");
    let mut command = sandbox();
    command
        .arg("--slack")
        .arg("--script")
        .arg(&script)
        .args(["--speed", "3000"])
        .env("GATEBOT_SLACK_APP_TOKEN", &slack.workspace().app_token)
        .env("GATEBOT_SLACK_BOT_TOKEN", &slack.workspace().bot_token)
        .env("GATEBOT_SLACK_CHANNEL", "C0SANDBOX")
        .env("GATEBOT_SLACK_API_URL", slack.api_url());
    let asking = std::thread::spawn({
        let slack_requests = slack.clone();
        let handle = runtime.handle().clone();
        move || {
            let _inside = handle.enter();
            // Once the first status message is up, someone in the channel asks.
            let deadline = std::time::Instant::now() + LIMIT;
            while slack_requests.messages("C0SANDBOX").is_empty() {
                assert!(std::time::Instant::now() < deadline, "nothing was posted");
                std::thread::sleep(Duration::from_millis(20));
            }
            slack_requests.slash_command("U0PERSON", "C0SANDBOX", "blocked-why latest");
        }
    });
    let done = run(command, LIMIT);
    asking.join().unwrap();
    assert!(done.status.success(), "{}\n{}", done.stderr, done.stdout);
    let posted = slack.messages("C0SANDBOX");
    let morning = posted
        .iter()
        .find(|m| m.from_bot && m.text.contains(MORNING))
        .unwrap_or_else(|| panic!("no status message for the morning build: {posted:#?}"));
    // A reply carries every event of a burst in its blocks; its text is only the first line.
    assert!(
        morning.replies.iter().any(|r| {
            let blocks = serde_json::to_string(&r.blocks).unwrap();
            r.text.contains("Gate passed — Release") || blocks.contains("Gate passed — Release")
        }),
        "the Release is announced in the thread: {:#?}",
        morning.replies
    );
    assert!(
        slack
            .ephemerals("C0SANDBOX")
            .iter()
            .any(|e| e.user == "U0PERSON"),
        "the question in Slack is answered"
    );
}
