//! The real Gangway client (reqwest) against the Gangway emulator, whose runs land in the GCS
//! emulator where the real Prow adapter reads them back; one manual clock drives gatebot and
//! both emulators. Covered: a trigger followed through its lifecycle, Gangway's refusals as
//! sentences, a 429 storm holding every caller, lost and dropped answers (uncertain triggers,
//! found again in GCS), retried reads, and a token that never reaches a log.

#[path = "support/logs.rs"]
mod logs;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gatebot::clock::{Clock, ManualClock};
use gatebot::gate::model::{RunState, RunTarget};
use gatebot::jira::Secret;
use gatebot::prow::gangway::{
    Execution, ExecutionStatus, GangwayClient, GangwayError, GangwaySettings, TriggerMarks,
};
use gatebot::prow::{OPERATOR_IMAGE_ENV, ProwClient, ProwSettings, RetryPolicy};
use gatebot::sandbox::world::emulator_clock;
use gatebot_emulators::gangway::{Fault, GangwayEmulator, JobBehaviour, RecordedRequest, Route};
use gatebot_emulators::gcs::GcsEmulator;
use jiff::{SignedDuration, Timestamp};

const LIMIT: Duration = Duration::from_secs(20);
const SHORT: &str = "periodic-ci-openshift-hypershift-release-5.0-periodics-e2e-aks";
const LONG: &str =
    "periodic-ci-openshift-hypershift-release-4.22-periodics-hcm-azure-e2e-aks-upgrade-from-zero";
const IMAGE: &str = "quay.io/acm-d/rhtap-hypershift-operator@sha256:0123";
const BUCKET: &str = "test-platform-results";
const FOREIGN_JOB: &str = "periodic-ci-openshift-release-master-nightly-4.22-e2e-aws";

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn marks(attempt: u32) -> TriggerMarks {
    TriggerMarks {
        gate: "hypershift-operator".into(),
        snapshot: "hypershift-operator-20260302-1".into(),
        cell: "4.22/azure/upgrade-from-zero".into(),
        attempt,
    }
}

fn image_env() -> BTreeMap<String, String> {
    BTreeMap::from([(OPERATOR_IMAGE_ENV.to_string(), IMAGE.to_string())])
}

/// Quick retries, and a rate-limit hold of up to a minute waited for.
fn retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(60),
    }
}

struct Setup {
    clock: ManualClock,
    started: Timestamp,
    /// Kept running: the emulated Prow writes its runs there.
    _gcs: GcsEmulator,
    gangway: GangwayEmulator,
    client: GangwayClient,
    prow: ProwClient,
}

impl Setup {
    /// Gangway knows SHORT and LONG: scheduled after a minute, running an hour, passing.
    async fn new() -> Self {
        let started: Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
        let clock = ManualClock::new(started);
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        let gcs = GcsEmulator::start_with_clock(emulator_clock(&shared))
            .await
            .unwrap();
        // The real bucket always holds other jobs' results; the emulated one exists once it
        // holds an object.
        gcs.put_object(BUCKET, "logs/periodic-other/latest-build.txt", "1");
        let job = JobBehaviour::default()
            .scheduled_after(Duration::from_secs(60))
            .running_between(Duration::from_secs(3600), Duration::from_secs(3600));
        let gangway = GangwayEmulator::builder(gcs.objects())
            .clock(emulator_clock(&shared))
            .settle_every(None)
            .job(SHORT, job.clone())
            .job(LONG, job)
            .start()
            .await
            .unwrap();
        let prow = ProwClient::new(
            ProwSettings {
                gcs_url: gcs.url().to_string(),
                request_timeout: Duration::from_secs(5),
                retry: retry(),
                ..ProwSettings::default()
            },
            reqwest::Client::new(),
        )
        .unwrap();
        let client = client_for(gangway.url(), gangway.token(), &shared);
        Self {
            clock,
            started,
            _gcs: gcs,
            gangway,
            client,
            prow,
        }
    }

    fn client_with_token(&self, token: &str) -> GangwayClient {
        client_for(
            self.gangway.url(),
            token,
            &(Arc::new(self.clock.clone()) as _),
        )
    }

    async fn trigger(&self, job: &str, attempt: u32) -> Result<Execution, GangwayError> {
        let labels = BTreeMap::from([("gatebot.hypershift.io/managed".into(), "true".into())]);
        bounded(
            self.client
                .trigger(job, &image_env(), &labels, &marks(attempt).annotations()),
        )
        .await
    }

    /// The requests the emulator received since `from`.
    fn requests_since(&self, from: usize) -> Vec<RecordedRequest> {
        self.gangway.requests()[from..].to_vec()
    }
}

fn client_for(url: &str, token: &str, clock: &Arc<dyn Clock>) -> GangwayClient {
    let settings = GangwaySettings {
        url: url.to_string(),
        request_timeout: Duration::from_secs(5),
        retry: retry(),
        ..GangwaySettings::new(Secret::new(token))
    };
    GangwayClient::new(settings, reqwest::Client::new(), clock.clone()).unwrap()
}

async fn bounded<T>(call: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, call)
        .await
        .expect("the call ends in time")
}

fn statuses(requests: &[RecordedRequest]) -> Vec<Option<u16>> {
    requests.iter().map(|request| request.status).collect()
}

#[tokio::test]
async fn a_trigger_is_followed_through_its_lifecycle_and_its_run_read_from_gcs() {
    let setup = Setup::new().await;
    let triggered = setup.trigger(SHORT, 1).await.unwrap();
    assert_eq!(triggered.status, ExecutionStatus::Triggered);
    assert_eq!(triggered.job_name.as_deref(), Some(SHORT));
    assert_eq!(
        (triggered.job_url.as_ref(), triggered.location()),
        (None, None)
    );
    let emulated = &setup.gangway.executions()[0];
    assert_eq!(emulated.id, triggered.id);
    assert_eq!(emulated.options.envs, image_env());
    assert_eq!(
        emulated.options.labels["gatebot.hypershift.io/managed"],
        "true"
    );
    assert_eq!(emulated.options.annotations, marks(1).annotations());

    let waiting = bounded(setup.client.execution(&triggered.id))
        .await
        .unwrap();
    assert_eq!(waiting.status, ExecutionStatus::Triggered);
    assert_eq!(waiting.created, Some(setup.started));
    assert_eq!(waiting.completed, None);

    setup.clock.advance(minutes(1));
    let running = bounded(setup.client.execution(&triggered.id))
        .await
        .unwrap();
    assert_eq!(running.status, ExecutionStatus::Pending);
    let location = running.location().expect("a scheduled run has a job_url");
    let build_id = setup.gangway.executions()[0].build_id.clone().unwrap();
    assert_eq!(location.prefix(), format!("logs/{SHORT}/{build_id}/"));
    let read = bounded(setup.prow.read_run(&location)).await.unwrap();
    let run = read.run.unwrap();
    assert_eq!(run.state, RunState::Running);
    assert_eq!(run.target, RunTarget::Image(IMAGE.into()));
    assert_eq!(Some(run.url), running.job_url);

    setup.clock.advance(minutes(60));
    let done = bounded(setup.client.execution(&triggered.id))
        .await
        .unwrap();
    assert_eq!(done.status, ExecutionStatus::Success);
    assert_eq!(done.completed, Some(setup.started + minutes(61)));
    let read = bounded(setup.prow.read_run(&location)).await.unwrap();
    assert_eq!(read.run.unwrap().state, RunState::Success);
    assert!(read.problems.is_empty(), "{:?}", read.problems);

    let passed = bounded(setup.client.list(SHORT, Some(ExecutionStatus::Success)))
        .await
        .unwrap();
    assert_eq!(passed.len(), 1);
    assert_eq!(passed[0].id, triggered.id);
    let failed = bounded(setup.client.list(SHORT, Some(ExecutionStatus::Failure)))
        .await
        .unwrap();
    assert!(failed.is_empty());
}

#[tokio::test]
async fn refusals_are_sentences_that_name_the_cause_and_are_not_retried() {
    let setup = Setup::new().await;
    setup.gangway.set_job(
        FOREIGN_JOB,
        JobBehaviour::default().tenant("openshift-release"),
    );
    let denied = setup.trigger(FOREIGN_JOB, 1).await.unwrap_err();
    assert_eq!(
        denied,
        GangwayError::NotAuthorised {
            job: FOREIGN_JOB.into()
        }
    );
    let text = denied.to_string();
    assert!(
        text.contains(FOREIGN_JOB) && text.contains("gangway.allowed_api_clients"),
        "{text}"
    );

    let stranger = setup.client_with_token("sha256~not-a-known-token");
    let refused = bounded(stranger.execution("anything")).await.unwrap_err();
    assert!(
        matches!(refused, GangwayError::BadToken { .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("token may have expired"),
        "{refused}"
    );
    assert!(!refused.to_string().contains("sha256~"), "{refused}");

    let unknown = setup.trigger("periodic-nope", 1).await.unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "Prow has no periodic job named `periodic-nope` (Gangway: failed to find associated \
         periodic job \"periodic-nope\"); check the job name in the gate's configuration. \
         Nothing was triggered."
    );

    let missing = bounded(
        setup
            .client
            .execution("00000000-0000-4000-8000-000000000000"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(missing, GangwayError::UnknownExecution { .. }),
        "{missing}"
    );

    let empty = BTreeMap::from([(OPERATOR_IMAGE_ENV.to_string(), String::new())]);
    let invalid = bounded(
        setup
            .client
            .trigger(SHORT, &empty, &BTreeMap::new(), &BTreeMap::new()),
    )
    .await
    .unwrap_err();
    assert!(matches!(invalid, GangwayError::Refused { .. }), "{invalid}");
    assert!(
        invalid
            .to_string()
            .contains("invalid environment variable key/value pair"),
        "{invalid}"
    );

    for error in [&denied, &refused, &unknown, &missing, &invalid] {
        assert!(!error.may_have_triggered(), "{error}");
    }
    assert!(setup.gangway.executions().is_empty());
    assert_eq!(
        setup.gangway.requests().len(),
        5,
        "each refusal came from one request"
    );
}

#[tokio::test]
async fn a_429_storm_holds_every_caller_until_retry_after_has_passed() {
    let setup = Setup::new().await;
    let id = setup.trigger(SHORT, 1).await.unwrap().id;
    let before = setup.gangway.requests().len();
    // Every request before the storm ends is refused, so a request sent too early would show
    // up as a second 429 in the log.
    let end = setup.clock.now() + SignedDuration::from_secs(30);
    setup.gangway.inject(Fault::rate_limited(30).until(end));

    let read = |client: GangwayClient, id: String| {
        tokio::spawn(async move { client.execution(&id).await.map(|_| ()) })
    };
    let mut callers = vec![read(setup.client.clone(), id.clone())];
    bounded(async {
        while setup.requests_since(before).is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(statuses(&setup.requests_since(before)), [Some(429)]);

    // Other callers of the same client, reads and triggers alike, arrive during the hold.
    for _ in 0..3 {
        callers.push(read(setup.client.clone(), id.clone()));
    }
    for attempt in 2..4 {
        let client = setup.client.clone();
        callers.push(tokio::spawn(async move {
            let marks = marks(attempt).annotations();
            client
                .trigger(SHORT, &image_env(), &BTreeMap::new(), &marks)
                .await
                .map(|_| ())
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        setup.requests_since(before).len(),
        1,
        "nobody asks while the hold lasts"
    );

    setup.clock.advance(SignedDuration::from_secs(30));
    for caller in callers {
        bounded(caller).await.unwrap().unwrap();
    }
    let after = setup.requests_since(before);
    assert_eq!(after.len(), 7, "{after:?}");
    assert_eq!(after[0].status, Some(429));
    assert!(
        after[1..].iter().all(|r| r.status == Some(200)),
        "{after:?}"
    );
    assert_eq!(setup.gangway.executions().len(), 3);
}

#[tokio::test]
async fn a_hold_longer_than_a_call_may_wait_fails_at_once_as_rate_limited() {
    let setup = Setup::new().await;
    setup
        .gangway
        .inject(Fault::rate_limited(600).on(Route::Trigger));
    let limited = setup.trigger(SHORT, 1).await.unwrap_err();
    let until = setup.clock.now() + SignedDuration::from_secs(600);
    assert_eq!(
        limited,
        GangwayError::RateLimited {
            what: format!("the trigger of `{SHORT}`"),
            until,
        }
    );
    assert!(!limited.may_have_triggered());
    let before = setup.gangway.requests().len();
    let held = bounded(setup.client.list(SHORT, None)).await.unwrap_err();
    assert!(matches!(held, GangwayError::RateLimited { .. }), "{held}");
    assert_eq!(setup.gangway.requests().len(), before, "nothing was sent");
    setup.clock.advance(SignedDuration::from_secs(600));
    bounded(setup.client.list(SHORT, None)).await.unwrap();
}

#[tokio::test]
async fn a_lost_answer_is_uncertain_and_the_execution_is_found_in_gcs_not_in_gangways_list() {
    let setup = Setup::new().await;
    let first = setup.trigger(LONG, 1).await.unwrap();
    setup
        .gangway
        .inject(Fault::answer_lost(502).on(Route::Trigger));
    let before = setup.gangway.requests().len();
    let lost = setup.trigger(LONG, 2).await.unwrap_err();
    assert!(lost.may_have_triggered(), "{lost}");
    assert!(
        lost.to_string()
            .contains("look for it before triggering it again"),
        "{lost}"
    );
    assert_eq!(
        statuses(&setup.requests_since(before)),
        [Some(502)],
        "an uncertain trigger is not repeated"
    );
    let second = setup.gangway.executions()[1].id.clone();

    // Not scheduled yet: nothing in GCS.
    let since = setup.started;
    let search = |attempt| {
        let annotations = marks(attempt).annotations();
        let prow = setup.prow.clone();
        async move { prow.find_execution(LONG, &annotations, since).await }
    };
    assert_eq!(bounded(search(2)).await.unwrap(), None);

    setup.clock.advance(minutes(1));
    setup.gangway.settle();
    let found = bounded(search(2)).await.unwrap().expect("found in GCS");
    assert_eq!(found.id, second);
    assert_eq!(Some(found.build_id), setup.gangway.executions()[1].build_id);
    assert_eq!(bounded(search(1)).await.unwrap().unwrap().id, first.id);
    assert_eq!(bounded(search(3)).await.unwrap(), None);
    let later = setup.clock.now() + minutes(5);
    let too_old = marks(2).annotations();
    assert_eq!(
        bounded(setup.prow.find_execution(LONG, &too_old, later))
            .await
            .unwrap(),
        None,
        "builds created before the search window are not looked at"
    );

    // Gangway's own list selects on the 63-character label and finds neither.
    let listed = bounded(setup.client.list(LONG, None)).await.unwrap();
    assert!(listed.is_empty(), "{listed:?}");
    let found = bounded(setup.client.execution(&second)).await.unwrap();
    assert_eq!(found.status, ExecutionStatus::Pending);
}

#[tokio::test]
async fn a_dropped_connection_leaves_a_trigger_uncertain_and_a_read_is_retried() {
    let setup = Setup::new().await;
    setup
        .gangway
        .inject(Fault::answer_dropped().on(Route::Trigger));
    let dropped = setup.trigger(SHORT, 1).await.unwrap_err();
    assert!(
        matches!(dropped, GangwayError::Uncertain { .. }),
        "{dropped}"
    );
    assert_eq!(setup.gangway.executions().len(), 1, "it did run");

    // A connection closed before anything was done looks the same to gatebot: uncertain.
    setup.gangway.inject(Fault::disconnect().on(Route::Trigger));
    assert!(
        setup
            .trigger(SHORT, 2)
            .await
            .unwrap_err()
            .may_have_triggered()
    );
    assert_eq!(setup.gangway.executions().len(), 1);

    let id = setup.gangway.executions()[0].id.clone();
    setup
        .gangway
        .inject(Fault::disconnect().on(Route::Get).times(2));
    let before = setup.gangway.requests().len();
    let read = bounded(setup.client.execution(&id)).await.unwrap();
    assert_eq!(read.id, id);
    assert_eq!(
        statuses(&setup.requests_since(before)),
        [None, None, Some(200)]
    );

    setup
        .gangway
        .inject(Fault::status(503).on(Route::Get).times(10));
    let unavailable = bounded(setup.client.execution(&id)).await.unwrap_err();
    assert!(
        matches!(unavailable, GangwayError::Unavailable { attempts: 4, .. }),
        "{unavailable}"
    );
}

#[tokio::test]
async fn a_trigger_that_could_not_connect_is_retried_and_certainly_did_nothing() {
    let setup = Setup::new().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let client = client_for(
        &closed,
        setup.gangway.token(),
        &(Arc::new(setup.clock.clone()) as _),
    );
    let error = bounded(client.trigger(SHORT, &image_env(), &BTreeMap::new(), &BTreeMap::new()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, GangwayError::Unavailable { attempts: 4, .. }),
        "{error}"
    );
    assert!(!error.may_have_triggered());
}

#[tokio::test]
async fn the_token_never_appears_in_trace_level_logs() {
    let captured = logs::capture_trace_logs();
    let setup = Setup::new().await;
    setup.gangway.inject(Fault::status(503).on(Route::Get));
    let id = setup.trigger(SHORT, 1).await.unwrap().id;
    bounded(setup.client.execution(&id)).await.unwrap();
    setup
        .gangway
        .inject(Fault::answer_lost(502).on(Route::Trigger));
    let lost = setup.trigger(SHORT, 2).await.unwrap_err();
    let stolen = "sha256~another-secret-token";
    let refused = bounded(setup.client_with_token(stolen).list(SHORT, None))
        .await
        .unwrap_err();
    let settings = GangwaySettings::new(Secret::new(setup.gangway.token()));
    tracing::info!(?settings, %lost, %refused, "Gangway client in use");

    let logs = captured.text();
    assert!(
        logs.contains("retrying a Gangway request") && logs.contains("triggered a Prow job"),
        "the capture works"
    );
    assert!(logs.contains("TRACE"), "trace records were captured");
    for secret in [setup.gangway.token(), stolen, "Bearer sha256"] {
        assert!(!logs.contains(secret), "`{secret}` leaked into the logs");
    }
}
