//! The real Prow adapter (`ProwClient`, over reqwest) against the GCS emulator: what a poll
//! finds, what it costs, and how it survives damaged files and a misbehaving GCS.

use std::time::{Duration, Instant};

use gatebot::gate::model::{JobRun, RunState, RunTarget};
use gatebot::prow::{
    JobCursor, JobPoll, OPERATOR_IMAGE_ENV, ProwClient, ProwError, ProwSettings, RetryPolicy,
};
use gatebot_emulators::gcs::{Fault, GcsEmulator, RecordedRequest};
use gatebot_emulators::prow::{BuildFinish, BuildResult, BuildStart, ProwWriter};
use jiff::Timestamp;

const BUCKET: &str = "test-platform-results";
const JOB: &str = "periodic-ci-openshift-hypershift-release-4.20-periodics-e2e-aws-ovn";
const POLL_LIMIT: Duration = Duration::from_secs(20);

/// Prow build ids are 19-digit numbers; `build(7)` is the 7th build of the test job.
fn build(n: u64) -> String {
    (1_900_000_000_000_000_000 + n).to_string()
}

fn minute(n: i64) -> Timestamp {
    Timestamp::from_second(1_750_000_000 + n * 60).unwrap()
}

fn test_settings(gcs: &GcsEmulator) -> ProwSettings {
    ProwSettings {
        gcs_url: gcs.url().to_string(),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(5),
        },
        ..ProwSettings::default()
    }
}

struct Setup {
    gcs: GcsEmulator,
    client: ProwClient,
}

impl Setup {
    async fn new() -> Self {
        Self::with(|_| {}).await
    }

    async fn with(adjust: impl FnOnce(&mut ProwSettings)) -> Self {
        let gcs = GcsEmulator::start().await.unwrap();
        let mut settings = test_settings(&gcs);
        adjust(&mut settings);
        let client = ProwClient::new(settings, reqwest::Client::new()).unwrap();
        Self { gcs, client }
    }

    fn prow(&self) -> ProwWriter<'_> {
        ProwWriter::new(&self.gcs, BUCKET)
    }

    fn start(&self, n: u64) {
        self.prow()
            .start_build(&BuildStart::new(JOB, build(n), minute(n as i64)));
    }

    fn finish(&self, n: u64, result: BuildResult) {
        let finish = BuildFinish::new(result, minute(n as i64 + 90));
        self.prow().finish_build(JOB, &build(n), &finish);
    }

    fn passed_build(&self, n: u64) {
        self.start(n);
        self.finish(n, BuildResult::Success);
    }

    async fn poll(&self, cursor: &JobCursor) -> JobPoll {
        self.try_poll(cursor)
            .await
            .expect("the poll should succeed")
    }

    async fn try_poll(&self, cursor: &JobCursor) -> Result<JobPoll, ProwError> {
        tokio::time::timeout(POLL_LIMIT, self.client.poll_job(JOB, cursor))
            .await
            .expect("the poll should end in time")
    }

    /// Requests answered since `mark` (a value of `request_count()`).
    fn requests_since(&self, mark: usize) -> Vec<RecordedRequest> {
        self.gcs.requests()[mark..].to_vec()
    }
}

fn object_path(file: &str) -> String {
    format!("/storage/v1/b/{BUCKET}/o/logs/{JOB}/{file}")
}

fn build_ids(runs: &[JobRun]) -> Vec<String> {
    runs.iter().map(|run| run.build_id.clone()).collect()
}

fn touches_build(request: &RecordedRequest, n: u64) -> bool {
    request.path.contains(&format!("/{}/", build(n)))
}

#[tokio::test]
async fn a_first_poll_reads_only_the_newest_backfill_builds() {
    let setup = Setup::new().await;
    for n in 1..=30 {
        setup.passed_build(n);
    }

    let poll = setup.poll(&JobCursor::default()).await;

    assert_eq!(
        build_ids(&poll.runs),
        (11..=30).map(build).collect::<Vec<_>>()
    );
    assert!(poll.runs.iter().all(|run| run.state == RunState::Success));
    assert_eq!(poll.cursor.newest_listed_build(), Some(build(30).as_str()));
    let requests = setup.gcs.requests();
    assert!(
        !requests
            .iter()
            .any(|r| (1..=10).any(|n| touches_build(r, n)))
    );
    assert_eq!(poll.requests, requests.len());
    let run = &poll.runs[0];
    assert_eq!(run.started_at, Some(minute(11)));
    assert_eq!(run.finished_at, Some(minute(101)));
}

#[tokio::test]
async fn a_build_that_starts_later_is_found_by_the_next_poll() {
    let setup = Setup::new().await;
    setup.passed_build(1);
    setup.passed_build(2);
    let first = setup.poll(&JobCursor::default()).await;

    setup.passed_build(3);
    let mark = setup.gcs.request_count();
    let second = setup.poll(&first.cursor).await;

    assert_eq!(build_ids(&second.runs), [build(3)]);
    let listing = setup
        .requests_since(mark)
        .into_iter()
        .find(|r| r.path == format!("/storage/v1/b/{BUCKET}/o"))
        .expect("the folder is listed again");
    assert!(
        listing
            .path_and_query
            .contains(&format!("startOffset=logs%2F{JOB}%2F{}%2F", build(2))),
        "the listing starts at the newest known build: {}",
        listing.path_and_query
    );
    assert!(
        !setup
            .requests_since(mark)
            .iter()
            .any(|r| touches_build(r, 1))
    );
}

#[tokio::test]
async fn a_running_build_is_reported_and_then_its_result_once_it_finishes() {
    let setup = Setup::new().await;
    let image = "quay.io/acm-d/rhtap-hypershift-operator@sha256:".to_string() + &"a".repeat(64);
    setup.prow().start_build(
        &BuildStart::new(JOB, build(1), minute(0)).with_env(OPERATOR_IMAGE_ENV, &image),
    );

    let started = setup.poll(&JobCursor::default()).await;
    assert_eq!(started.runs.len(), 1);
    let running = &started.runs[0];
    assert_eq!(running.state, RunState::Running);
    assert_eq!(running.started_at, Some(minute(0)));
    assert_eq!(running.finished_at, None);
    assert_eq!(running.target, RunTarget::Image(image.clone()));
    assert_eq!(
        started.cursor.unfinished_builds().collect::<Vec<_>>(),
        [build(1)]
    );

    let still_running = setup.poll(&started.cursor).await;
    assert!(still_running.runs.is_empty());

    let finish = BuildFinish::new(BuildResult::Failure, minute(75))
        .with_metadata("gatebot-snapshot", "hypershift-operator-main-x7k2p");
    setup.prow().finish_build(JOB, &build(1), &finish);
    let finished = setup.poll(&still_running.cursor).await;
    assert_eq!(finished.runs.len(), 1);
    let run = &finished.runs[0];
    assert_eq!(run.state, RunState::Failure);
    assert_eq!(run.started_at, Some(minute(0)));
    assert_eq!(run.finished_at, Some(minute(75)));
    assert_eq!(
        run.target,
        RunTarget::Snapshot("hypershift-operator-main-x7k2p".to_string())
    );
    assert_eq!(finished.cursor.unfinished_builds().count(), 0);

    let idle = setup.poll(&finished.cursor).await;
    assert!(idle.runs.is_empty());
    assert_eq!(idle.requests, 1);
}

#[tokio::test]
async fn an_idle_poll_costs_one_conditional_request_plus_one_check_per_running_build() {
    let setup = Setup::new().await;
    for n in 1..=5 {
        setup.passed_build(n);
    }
    setup.start(6);
    setup.start(7);
    let first = setup.poll(&JobCursor::default()).await;
    assert_eq!(first.runs.len(), 7);

    let mark = setup.gcs.request_count();
    let idle = setup.poll(&first.cursor).await;

    assert!(idle.runs.is_empty());
    assert!(idle.problems.is_empty());
    assert_eq!(idle.cursor, first.cursor);
    assert_eq!(idle.requests, 3);
    let requests = setup.requests_since(mark);
    let seen: Vec<(&str, u16)> = requests
        .iter()
        .map(|r| (r.path.as_str(), r.status))
        .collect();
    let finished_6 = object_path(&format!("{}/finished.json", build(6)));
    let finished_7 = object_path(&format!("{}/finished.json", build(7)));
    assert_eq!(
        seen,
        [
            (object_path("latest-build.txt").as_str(), 304),
            (finished_6.as_str(), 404),
            (finished_7.as_str(), 404),
        ]
    );
    assert!(requests[0].path_and_query.contains("ifGenerationNotMatch="));
    assert!(
        !requests[0].is_download(),
        "only the generation is compared"
    );
    assert!(
        !requests
            .iter()
            .any(|r| (1..=5).any(|n| touches_build(r, n)))
    );
}

#[tokio::test]
async fn the_target_is_the_snapshot_then_the_metadata_image_then_the_env_image_else_unknown() {
    let setup = Setup::new().await;
    let prow = setup.prow();
    let start = |n: u64, env: Option<&str>| {
        let mut start = BuildStart::new(JOB, build(n), minute(n as i64));
        if let Some(image) = env {
            start = start.with_env(OPERATOR_IMAGE_ENV, image);
        }
        prow.start_build(&start);
    };
    let finish = |n: u64, metadata: &[(&str, &str)]| {
        let mut finish = BuildFinish::new(BuildResult::Success, minute(n as i64 + 60));
        for (key, value) in metadata {
            finish = finish.with_metadata(*key, *value);
        }
        prow.finish_build(JOB, &build(n), &finish);
    };
    start(1, Some("quay.io/hs/op:env-1"));
    finish(
        1,
        &[
            ("gatebot-snapshot", "hypershift-operator-main-aaaaa"),
            ("hypershift-operator-image", "quay.io/hs/op:meta-1"),
        ],
    );
    start(2, Some("quay.io/hs/op:env-2"));
    finish(2, &[("hypershift-operator-image", "quay.io/hs/op:meta-2")]);
    start(3, Some("quay.io/hs/op:env-3"));
    finish(3, &[("unrelated", "value")]);
    start(4, None);
    finish(4, &[]);

    let poll = setup.poll(&JobCursor::default()).await;

    let targets: Vec<RunTarget> = poll.runs.iter().map(|run| run.target.clone()).collect();
    assert_eq!(
        targets,
        [
            RunTarget::Snapshot("hypershift-operator-main-aaaaa".to_string()),
            RunTarget::Image("quay.io/hs/op:meta-2".to_string()),
            RunTarget::Image("quay.io/hs/op:env-3".to_string()),
            RunTarget::Unknown,
        ]
    );
}

#[tokio::test]
async fn a_malformed_finished_json_is_a_problem_not_a_run_and_is_never_downloaded_again() {
    let setup = Setup::new().await;
    setup.passed_build(1);
    setup.start(2);
    setup
        .prow()
        .write_raw(JOB, &build(2), "finished.json", "<html>oops</html>");
    setup.start(3);
    setup.prow().write_raw(
        JOB,
        &build(3),
        "finished.json",
        r#"{"timestamp": 1750000000, "passed": "yes"}"#,
    );
    setup.start(4);

    let first = setup.poll(&JobCursor::default()).await;

    assert_eq!(build_ids(&first.runs), [build(1), build(4)]);
    let sources: Vec<&str> = first.problems.iter().map(|p| p.source.as_str()).collect();
    let source = |n: u64| format!("gs://{BUCKET}/logs/{JOB}/{}/finished.json", build(n));
    assert_eq!(sources, [source(2), source(3)]);
    assert!(
        first.problems[0].detail.contains("not valid JSON"),
        "{}",
        first.problems[0]
    );
    assert!(
        first.problems[1].detail.contains("not in the shape"),
        "{}",
        first.problems[1]
    );

    // Build 4 was running; its finished.json arrives damaged.
    setup.prow().write_raw(JOB, &build(4), "finished.json", "{");
    let second = setup.poll(&first.cursor).await;
    assert!(second.runs.is_empty());
    assert_eq!(second.problems.len(), 1);
    assert_eq!(second.problems[0].source, source(4));
    assert_eq!(second.cursor.unfinished_builds().count(), 0);

    setup.passed_build(5);
    let mark = setup.gcs.request_count();
    let third = setup.poll(&second.cursor).await;
    assert_eq!(build_ids(&third.runs), [build(5)]);
    assert!(third.problems.is_empty());
    let requests = setup.requests_since(mark);
    assert!(
        !requests
            .iter()
            .any(|r| (2..=4).any(|n| touches_build(r, n)))
    );
}

#[tokio::test]
async fn a_damaged_started_or_prowjob_json_is_reported_once_and_the_run_keeps_what_is_sound() {
    let setup = Setup::new().await;
    setup.prow().start_build(
        &BuildStart::new(JOB, build(1), minute(0)).with_env(OPERATOR_IMAGE_ENV, "quay.io/hs/op:1"),
    );
    setup
        .prow()
        .write_raw(JOB, &build(1), "started.json", "not json");
    setup
        .prow()
        .write_raw(JOB, &build(1), "prowjob.json", r#"{"spec": {"job": 42}}"#);

    let first = setup.poll(&JobCursor::default()).await;
    assert_eq!(first.runs.len(), 1);
    let run = &first.runs[0];
    assert_eq!((run.state, run.started_at), (RunState::Running, None));
    assert_eq!(
        run.target,
        RunTarget::Unknown,
        "the env image was in the damaged prowjob.json"
    );
    let files: Vec<&str> = first
        .problems
        .iter()
        .map(|p| p.source.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(files, ["started.json", "prowjob.json"]);

    let second = setup.poll(&first.cursor).await;
    assert!(
        second.problems.is_empty(),
        "each damaged file is reported once"
    );
    assert_eq!(second.requests, 2, "and not downloaded again");
}

#[tokio::test]
async fn runs_link_to_their_page_on_prow() {
    let setup =
        Setup::with(|settings| settings.prow_url = "https://deck.example.test/".into()).await;
    setup.passed_build(1);
    setup.passed_build(2);
    setup
        .gcs
        .delete_object(BUCKET, &format!("logs/{JOB}/{}/prowjob.json", build(2)));

    let poll = setup.poll(&JobCursor::default()).await;

    let urls: Vec<&str> = poll.runs.iter().map(|run| run.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            format!(
                "https://prow.ci.openshift.org/view/gs/{BUCKET}/logs/{JOB}/{}",
                build(1)
            ),
            format!(
                "https://deck.example.test/view/gs/{BUCKET}/logs/{JOB}/{}",
                build(2)
            ),
        ],
        "status.url when prowjob.json has one, else built from the settings"
    );
}

#[tokio::test]
async fn a_build_prow_gave_up_on_is_an_error() {
    let setup = Setup::new().await;
    setup.start(1);
    setup.start(2);
    let first = setup.poll(&JobCursor::default()).await;
    assert!(first.runs.iter().all(|run| run.state == RunState::Running));

    // Build 1: crier writes finished.json and prowjob.json. Build 2: only prowjob.json made it.
    setup.prow().error_build(JOB, &build(1), minute(30));
    setup.start(3);
    setup.prow().error_build(JOB, &build(3), minute(31));
    setup
        .gcs
        .delete_object(BUCKET, &format!("logs/{JOB}/{}/finished.json", build(3)));

    let second = setup.poll(&first.cursor).await;
    let states: Vec<(String, RunState, Option<Timestamp>)> = second
        .runs
        .iter()
        .map(|run| (run.build_id.clone(), run.state, run.finished_at))
        .collect();
    assert_eq!(
        states,
        [
            (build(1), RunState::Error, Some(minute(30))),
            (build(3), RunState::Error, Some(minute(31))),
        ]
    );
    assert_eq!(
        second.cursor.unfinished_builds().collect::<Vec<_>>(),
        [build(2)]
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_the_answer_arrives() {
    let setup = Setup::new().await;
    setup.passed_build(1);
    setup.gcs.inject(
        Fault::status(500)
            .on(object_path("latest-build.txt"))
            .times(2),
    );
    setup
        .gcs
        .inject(Fault::status(503).on(object_path(&format!("{}/finished.json", build(1)))));

    let poll = setup.poll(&JobCursor::default()).await;

    assert_eq!(build_ids(&poll.runs), [build(1)]);
    assert_eq!(poll.runs[0].state, RunState::Success);
    let statuses: Vec<u16> = setup.gcs.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 200, 200, 200, 200, 503, 200]);
    assert_eq!(poll.requests, 8);
}

#[tokio::test]
async fn damaged_and_slow_answers_are_retried() {
    let setup = Setup::with(|settings| settings.request_timeout = Duration::from_millis(300)).await;
    setup.passed_build(1);
    let file = |name: &str| object_path(&format!("{}/{name}", build(1)));
    setup
        .gcs
        .inject(Fault::delay(Duration::from_secs(3)).on(object_path("latest-build.txt")));
    setup
        .gcs
        .inject(Fault::truncated_body().on(file("started.json")));
    setup
        .gcs
        .inject(Fault::garbage_body().on(file("finished.json")));

    let poll = setup.poll(&JobCursor::default()).await;

    assert_eq!(build_ids(&poll.runs), [build(1)]);
    let run = &poll.runs[0];
    assert_eq!(
        (run.state, run.started_at),
        (RunState::Success, Some(minute(1)))
    );
    assert!(
        poll.problems.is_empty(),
        "a damaged transfer is not a damaged file"
    );
    assert_eq!(poll.requests, 5 + 3, "one retry per fault");
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_retry_after_asks_for() {
    let setup = Setup::new().await;
    setup.passed_build(1);
    setup
        .gcs
        .inject(Fault::rate_limited(1).on(object_path("latest-build.txt")));

    let began = Instant::now();
    let poll = setup.poll(&JobCursor::default()).await;

    assert!(
        began.elapsed() >= Duration::from_secs(1),
        "the backoff alone is milliseconds; only Retry-After explains a one-second wait"
    );
    assert_eq!(build_ids(&poll.runs), [build(1)]);
    let statuses: Vec<u16> = setup
        .gcs
        .requests()
        .iter()
        .take(2)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [429, 200]);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_limit_ends_the_poll_at_once() {
    let setup = Setup::new().await;
    setup.passed_build(1);
    setup
        .gcs
        .inject(Fault::rate_limited(3600).on(object_path("latest-build.txt")));

    let error = setup.try_poll(&JobCursor::default()).await.unwrap_err();

    assert!(
        matches!(error, ProwError::Unavailable { attempts: 1, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("429 Too Many Requests"),
        "{error}"
    );
}

#[tokio::test]
async fn after_an_outage_the_old_cursor_catches_up_with_nothing_lost_or_repeated() {
    let setup = Setup::new().await;
    for n in 1..=3 {
        setup.passed_build(n);
    }
    let before = setup.poll(&JobCursor::default()).await;
    setup.passed_build(4);
    setup.passed_build(5);
    setup.start(6);
    let broken = format!("logs/{JOB}/{}/finished.json", build(5));
    setup.gcs.inject(
        Fault::status(503)
            .on(format!("/storage/v1/b/{BUCKET}/o/{broken}"))
            .times(100),
    );

    let error = setup.try_poll(&before.cursor).await.unwrap_err();

    let ProwError::Unavailable {
        job, url, attempts, ..
    } = &error
    else {
        panic!("expected GCS to be unavailable, got: {error}");
    };
    assert_eq!(job, JOB);
    assert!(url.contains(&broken.replace('/', "%2F")), "{url}");
    assert_eq!(*attempts, 4, "one attempt and three retries");
    let message = error.to_string();
    assert!(
        message.contains(JOB) && message.contains(url.as_str()),
        "{message}"
    );

    setup.gcs.clear_faults();
    let after = setup.poll(&before.cursor).await;
    assert_eq!(build_ids(&after.runs), [build(4), build(5), build(6)]);
    assert_eq!(after.runs[2].state, RunState::Running);
    let settled = setup.poll(&after.cursor).await;
    assert!(settled.runs.is_empty());
}

#[tokio::test]
async fn a_long_history_is_listed_page_by_page() {
    let setup = Setup::with(|settings| settings.list_page_size = 500).await;
    for n in 1..=1200 {
        setup.passed_build(n);
    }

    let first = setup.poll(&JobCursor::default()).await;

    assert_eq!(
        build_ids(&first.runs),
        (1181..=1200).map(build).collect::<Vec<_>>()
    );
    let listings: Vec<RecordedRequest> = setup
        .gcs
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/storage/v1/b/{BUCKET}/o"))
        .collect();
    assert_eq!(
        listings.len(),
        3,
        "1,200 builds and latest-build.txt make three pages of 500"
    );
    assert!(
        listings
            .iter()
            .all(|r| r.path_and_query.contains("maxResults=500"))
    );
    assert_eq!(
        listings
            .iter()
            .filter(|r| r.path_and_query.contains("pageToken="))
            .count(),
        2
    );

    setup.passed_build(1201);
    let mark = setup.gcs.request_count();
    let second = setup.poll(&first.cursor).await;
    assert_eq!(build_ids(&second.runs), [build(1201)]);
    let pages = setup
        .requests_since(mark)
        .iter()
        .filter(|r| r.path == format!("/storage/v1/b/{BUCKET}/o"))
        .count();
    assert_eq!(
        pages, 1,
        "the next listing starts at the newest known build"
    );
}
