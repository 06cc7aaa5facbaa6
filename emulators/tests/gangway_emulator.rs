//! The Gangway emulator on the wire, spoken to with plain reqwest and driven by a manual clock:
//! triggers, the lifecycle of runs with Prow's files appearing in GCS at the right moments,
//! listing through the cut `prow.k8s.io/job` label, authentication and authorization, and the
//! faults a Gangway client has to survive.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gatebot_emulators::Clock;
use gatebot_emulators::gangway::{
    ExecutionStatus, Fault, GangwayEmulator, JobBehaviour, Outcome, Route,
};
use gatebot_emulators::gcs::GcsEmulator;
use gatebot_emulators::prow::job_label;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(10);
const BUCKET: &str = "test-platform-results";
const SHORT: &str = "periodic-ci-openshift-hypershift-release-5.0-periodics-e2e-aks";
const LONG: &str =
    "periodic-ci-openshift-hypershift-release-4.22-periodics-hcm-azure-e2e-aks-upgrade-from-zero";
const IMAGE_ENV: &str = "MULTISTAGE_PARAM_OVERRIDE_OVERRIDE_HYPERSHIFT_OPERATOR_IMAGE";
const IMAGE: &str = "quay.io/acm-d/rhtap-hypershift-operator@sha256:0123";

/// A clock the test moves by hand.
#[derive(Clone)]
struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(
            "2026-03-02T09:00:00Z".parse().unwrap(),
        )))
    }

    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }

    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += SignedDuration::try_from(by).unwrap();
    }
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

struct World {
    clock: ManualClock,
    gcs: GcsEmulator,
    gangway: GangwayEmulator,
    http: reqwest::Client,
}

impl World {
    /// Jobs: SHORT and LONG are scheduled after 1 minute and run 60 minutes; no background tick.
    async fn new() -> Self {
        Self::with(|builder| builder.settle_every(None)).await
    }

    async fn with(
        configure: impl FnOnce(
            gatebot_emulators::gangway::GangwayBuilder,
        ) -> gatebot_emulators::gangway::GangwayBuilder,
    ) -> Self {
        let clock = ManualClock::new();
        let shared: Arc<dyn Clock> = Arc::new({
            let clock = clock.clone();
            move || clock.now()
        });
        let gcs = GcsEmulator::start_with_clock(shared.clone()).await.unwrap();
        let job = JobBehaviour::default()
            .scheduled_after(minutes(1))
            .running_between(minutes(60), minutes(60));
        let builder = GangwayEmulator::builder(gcs.objects())
            .clock(shared)
            .job(SHORT, job.clone())
            .job(LONG, job);
        let gangway = configure(builder).start().await.unwrap();
        Self {
            clock,
            gcs,
            gangway,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gangway.url())
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = tokio::time::timeout(LIMIT, request.send())
            .await
            .expect("the emulator answers in time")
            .expect("the emulator answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A bare trigger whose answer may never come.
    async fn try_trigger(&self, job: &str) -> reqwest::Result<reqwest::Response> {
        let request = self
            .http
            .post(self.url("/v1/executions"))
            .bearer_auth(self.gangway.token())
            .json(&json!({ "job_name": job, "job_execution_type": "1" }));
        tokio::time::timeout(LIMIT, request.send())
            .await
            .expect("the emulator answers or hangs up in time")
    }

    async fn trigger_as(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let request = self
            .http
            .post(self.url("/v1/executions"))
            .bearer_auth(token)
            .json(&body);
        self.send(request).await
    }

    async fn trigger(&self, body: Value) -> (StatusCode, Value) {
        self.trigger_as(self.gangway.token(), body).await
    }

    /// Triggers a job with the operator image override, the way the HyperShift gate does.
    async fn trigger_job(&self, job: &str) -> String {
        let (status, answer) = self
            .trigger(json!({
                "job_name": job,
                "job_execution_type": "1",
                "pod_spec_options": { "envs": { IMAGE_ENV: IMAGE } },
            }))
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer["id"].as_str().unwrap().to_string()
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let request = self
            .http
            .get(self.url(path))
            .bearer_auth(self.gangway.token());
        self.send(request).await
    }

    fn object(&self, job: &str, build_id: &str, file: &str) -> Option<Value> {
        let bytes = self
            .gcs
            .object_bytes(BUCKET, &format!("logs/{job}/{build_id}/{file}"))?;
        Some(serde_json::from_slice(&bytes).unwrap())
    }
}

#[tokio::test]
async fn a_trigger_runs_through_its_lifecycle_and_leaves_prows_files_in_gcs() {
    let world = World::new().await;
    let (status, answer) = world
        .trigger(json!({
            "job_name": SHORT,
            "job_execution_type": "1",
            "pod_spec_options": {
                "envs": { IMAGE_ENV: IMAGE },
                "labels": { "gatebot.io/snapshot": "hypershift-operator-20260302-1" },
                "annotations": { "gatebot.io/round": "snapshot hypershift-operator-20260302-1, round 1" },
            },
        }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = answer["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(answer["job_name"], SHORT);
    assert_eq!(answer["job_type"], "PERIODIC");
    assert_eq!(answer["job_status"], "TRIGGERED");
    assert_eq!(answer["gcs_path"], "");
    assert_eq!(answer["job_url"], "");
    assert_eq!(answer["pod_spec_options"]["envs"][IMAGE_ENV], IMAGE);
    assert!(answer.get("create_time").is_none(), "{answer}");

    let (_, triggered) = world.get(&format!("/v1/executions/{id}")).await;
    assert_eq!(triggered["job_status"], "TRIGGERED");
    assert_eq!(triggered["job_url"], "");
    assert_eq!(triggered["create_time"], "2026-03-02T09:00:00Z");
    assert!(triggered.get("pod_spec_options").is_none(), "{triggered}");
    assert!(
        world
            .gcs
            .object_bytes(BUCKET, &format!("logs/{SHORT}/latest-build.txt"))
            .is_none()
    );

    // The pod is scheduled after a minute: the build gets its id, its URL and its first files,
    // even though nobody asks Gangway.
    world.clock.advance(minutes(1));
    world.gangway.settle();
    let run = &world.gangway.executions()[0];
    assert_eq!(run.status, ExecutionStatus::Pending);
    let build_id = run.build_id.clone().unwrap();
    assert_eq!(build_id.len(), 19, "{build_id}");
    let latest = world
        .gcs
        .object_bytes(BUCKET, &format!("logs/{SHORT}/latest-build.txt"));
    assert_eq!(latest.unwrap(), build_id.as_bytes());
    let started = world.object(SHORT, &build_id, "started.json").unwrap();
    assert_eq!(started["timestamp"], world.clock.now().as_second());
    assert!(world.object(SHORT, &build_id, "finished.json").is_none());
    let prowjob = world.object(SHORT, &build_id, "prowjob.json").unwrap();
    assert_eq!(prowjob["metadata"]["name"], id);
    assert_eq!(
        prowjob["metadata"]["creationTimestamp"],
        "2026-03-02T09:00:00Z"
    );
    assert_eq!(prowjob["status"]["state"], "pending");
    let labels = &prowjob["metadata"]["labels"];
    assert_eq!(
        labels["gatebot.io/snapshot"],
        "hypershift-operator-20260302-1"
    );
    assert_eq!(labels["prow.k8s.io/job"], SHORT);
    assert_eq!(labels["prow.k8s.io/id"], id);
    assert_eq!(labels["created-by-prow"], "true");
    let annotations = &prowjob["metadata"]["annotations"];
    assert_eq!(
        annotations["gatebot.io/round"],
        "snapshot hypershift-operator-20260302-1, round 1"
    );
    assert_eq!(annotations["prow.k8s.io/job"], SHORT);
    assert_eq!(
        prowjob["spec"]["pod_spec"]["containers"][0]["env"],
        json!([{ "name": IMAGE_ENV, "value": IMAGE }])
    );

    let deck = format!("https://prow.ci.openshift.org/view/gs/{BUCKET}/logs/{SHORT}/{build_id}");
    let (_, pending) = world.get(&format!("/v1/executions/{id}")).await;
    assert_eq!(pending["job_status"], "PENDING");
    assert_eq!(pending["job_url"], deck);
    assert_eq!(prowjob["status"]["url"], deck);

    world.clock.advance(minutes(59));
    let (_, still) = world.get(&format!("/v1/executions/{id}")).await;
    assert_eq!(still["job_status"], "PENDING");
    assert!(still.get("completion_time").is_none());

    world.clock.advance(minutes(1));
    let (_, done) = world.get(&format!("/v1/executions/{id}")).await;
    assert_eq!(done["job_status"], "SUCCESS");
    assert_eq!(done["completion_time"], "2026-03-02T10:01:00Z");
    let finished = world.object(SHORT, &build_id, "finished.json").unwrap();
    assert_eq!(finished["passed"], true);
    assert_eq!(finished["result"], "SUCCESS");
    let prowjob = world.object(SHORT, &build_id, "prowjob.json").unwrap();
    assert_eq!(prowjob["status"]["state"], "success");
}

#[tokio::test]
async fn the_background_tick_writes_results_when_nobody_asks() {
    let world = World::with(|builder| builder.settle_every(Some(Duration::from_millis(20)))).await;
    world.trigger_job(SHORT).await;
    world.clock.advance(minutes(61));
    let finished = tokio::time::timeout(LIMIT, async {
        loop {
            let run = world.gangway.executions().remove(0);
            if let Some(found) = run
                .build_id
                .as_deref()
                .and_then(|build_id| world.object(SHORT, build_id, "finished.json"))
            {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the tick settles the run");
    assert_eq!(finished["passed"], true);
}

#[tokio::test]
async fn listing_matches_the_job_label_so_names_over_63_characters_find_nothing() {
    let world = World::new().await;
    let short = world.trigger_job(SHORT).await;
    let long = world.trigger_job(LONG).await;

    let (status, by_short) = world.get(&format!("/v1/executions?job_name={SHORT}")).await;
    assert_eq!(status, StatusCode::OK);
    let items = by_short["job_execution"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], short);
    assert_eq!(items[0]["job_name"], SHORT);
    assert_eq!(items[0]["job_status"], "TRIGGERED");
    assert_eq!(items[0]["job_url"], "", "a listing carries no URL");

    let (status, by_long) = world.get(&format!("/v1/executions?job_name={LONG}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_long, json!({ "job_execution": [] }));

    let cut = job_label(LONG);
    let (_, by_label) = world.get(&format!("/v1/executions?job_name={cut}")).await;
    assert_eq!(by_label["job_execution"][0]["id"], long);
    assert_eq!(by_label["job_execution"][0]["job_name"], LONG);

    let (_, none_yet) = world.get("/v1/executions?status=SUCCESS").await;
    assert_eq!(none_yet["job_execution"], json!([]));
    world.clock.advance(minutes(61));
    let (_, passed) = world.get("/v1/executions?status=SUCCESS").await;
    assert_eq!(passed["job_execution"].as_array().unwrap().len(), 2);

    let build_id = world.gangway.executions()[1].build_id.clone().unwrap();
    let prowjob = world.object(LONG, &build_id, "prowjob.json").unwrap();
    assert_eq!(prowjob["metadata"]["labels"]["prow.k8s.io/job"], cut);
    assert_eq!(prowjob["metadata"]["annotations"]["prow.k8s.io/job"], LONG);

    let (status, refused) = world.get("/v1/executions?job=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["code"], 3);
}

#[tokio::test]
async fn build_ids_have_19_digits_and_grow() {
    let world = World::new().await;
    for _ in 0..3 {
        world.trigger_job(SHORT).await;
    }
    world.clock.advance(minutes(1));
    world.trigger_job(SHORT).await;
    world.clock.advance(minutes(1));
    world.gangway.settle();
    let ids: Vec<u64> = world
        .gangway
        .executions()
        .iter()
        .map(|run| run.build_id.as_deref().unwrap().parse().unwrap())
        .collect();
    assert!(ids.iter().all(|id| id.to_string().len() == 19), "{ids:?}");
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
}

#[tokio::test]
async fn only_a_known_bearer_token_gets_through_and_it_is_never_logged() {
    let world = World::new().await;
    let body = json!({ "job_name": SHORT, "job_execution_type": "1" });
    let anonymous = world.http.post(world.url("/v1/executions")).json(&body);
    let (status, refused) = world.send(anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused["code"], 16);
    let (status, _) = world.trigger_as("sha256~stolen", body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = world.trigger(body).await;
    assert_eq!(status, StatusCode::OK);

    assert_eq!(world.gangway.executions().len(), 1);
    let log = format!("{:?}", world.gangway.requests());
    assert!(!log.contains(world.gangway.token()), "{log}");
    let statuses: Vec<Option<u16>> = world.gangway.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(401), Some(401), Some(200)]);
    assert!(
        world
            .gangway
            .requests()
            .iter()
            .all(|r| r.job_name.as_deref() == Some(SHORT))
    );
}

#[tokio::test]
async fn a_client_may_run_only_the_jobs_of_its_tenants() {
    let world = World::new().await;
    world.gangway.set_job(
        "periodic-ci-openshift-release-master-nightly-4.22-e2e-aws",
        JobBehaviour::default().tenant("openshift-release"),
    );
    let body = json!({
        "job_name": "periodic-ci-openshift-release-master-nightly-4.22-e2e-aws",
        "job_execution_type": "1",
    });
    let (status, refused) = world.trigger(body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused,
        json!({
            "code": 7,
            "message": "client is not authorized to execute the given job",
            "details": [],
        })
    );
    world
        .gangway
        .add_client("sha256~release-team", &["openshift-release"]);
    let (status, _) = world.trigger_as("sha256~release-team", body).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bad_requests_get_gangways_own_refusals() {
    let world = World::new().await;
    let (status, unknown) = world
        .trigger(json!({ "job_name": "periodic-nope", "job_execution_type": "1" }))
        .await;
    // Gangway passes the lookup error on without a gRPC code: Unknown, HTTP 500.
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(unknown["code"], 2);
    assert_eq!(
        unknown["message"],
        "failed to find associated periodic job \"periodic-nope\""
    );

    let (status, empty_env) = world
        .trigger(json!({
            "job_name": SHORT,
            "job_execution_type": "1",
            "pod_spec_options": { "envs": { IMAGE_ENV: "" } },
        }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(empty_env["code"], 3);
    assert_eq!(
        empty_env["message"],
        format!("invalid environment variable key/value pair: \"{IMAGE_ENV}\", \"\"")
    );

    let (status, postsubmit) = world
        .trigger(json!({ "job_name": SHORT, "job_execution_type": "2" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        postsubmit["message"],
        "gitRefs must be defined for \"POSTSUBMIT\""
    );

    let (status, batch) = world
        .trigger(json!({ "job_name": SHORT, "job_execution_type": "BATCH",
            "refs": { "org": "o", "repo": "r", "base_ref": "main", "base_sha": "abc" } }))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(batch["message"], "unsupported JobExecutionType type: BATCH");

    let (status, missing) = world
        .get("/v1/executions/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        missing["message"],
        "prowjobs.prow.k8s.io \"00000000-0000-4000-8000-000000000000\" not found"
    );
    assert!(world.gangway.executions().is_empty());
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_trigger_nothing() {
    let world = World::new().await;
    world
        .gangway
        .inject(Fault::rate_limited(7).on(Route::Trigger).times(2));
    for _ in 0..2 {
        let response = world.try_trigger(SHORT).await.unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "7");
        assert_eq!(response.json::<Value>().await.unwrap()["code"], 8);
    }
    assert!(world.gangway.executions().is_empty());
    world.trigger_job(SHORT).await;
    let triggers: Vec<Option<u16>> = world
        .gangway
        .requests()
        .iter()
        .filter(|request| request.is_trigger())
        .map(|request| request.status)
        .collect();
    assert_eq!(triggers, [Some(429), Some(429), Some(200)]);

    // A storm catches every call until it ends on the emulator's clock.
    let end = world.clock.now() + SignedDuration::from_mins(5);
    world.gangway.inject(Fault::rate_limited(30).until(end));
    assert_eq!(
        world.get("/v1/executions").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        world.get("/v1/executions").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    world.clock.advance(minutes(5));
    assert_eq!(world.get("/v1/executions").await.0, StatusCode::OK);
}

#[tokio::test]
async fn server_errors_and_closed_connections_trigger_nothing() {
    let world = World::new().await;
    world.gangway.inject(Fault::status(503));
    let (status, body) = world
        .trigger(json!({ "job_name": SHORT, "job_execution_type": "1" }))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["code"], 14);

    world.gangway.inject(Fault::disconnect().on(Route::Trigger));
    let dropped = world.try_trigger(SHORT).await;
    assert!(dropped.is_err(), "the connection closes without an answer");
    assert!(world.gangway.executions().is_empty());
    assert_eq!(world.gangway.requests().last().unwrap().status, None);
}

#[tokio::test]
async fn a_lost_answer_hides_a_trigger_that_happened() {
    let world = World::new().await;
    world
        .gangway
        .inject(Fault::answer_lost(502).on(Route::Trigger));
    let (status, _) = world
        .trigger(json!({ "job_name": SHORT, "job_execution_type": "1" }))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        world.gangway.executions().len(),
        1,
        "the run exists all the same"
    );

    world
        .gangway
        .inject(Fault::answer_dropped().on(Route::Trigger));
    let dropped = world.try_trigger(SHORT).await;
    assert!(dropped.is_err());
    assert_eq!(world.gangway.executions().len(), 2);

    // The runs can be found again by listing the job.
    let (_, listed) = world.get(&format!("/v1/executions?job_name={SHORT}")).await;
    assert_eq!(listed["job_execution"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_delayed_answer_still_comes() {
    let world = World::new().await;
    world
        .gangway
        .inject(Fault::delay(Duration::from_millis(50)).on(Route::List));
    let started = std::time::Instant::now();
    let (status, _) = world.get("/v1/executions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn scripted_outcomes_play_in_order_then_chance_resumes() {
    let world = World::new().await;
    world
        .gangway
        .script(SHORT, [Outcome::Failure, Outcome::Error, Outcome::Success]);
    for _ in 0..4 {
        world.trigger_job(SHORT).await;
    }
    world.clock.advance(minutes(61));
    world.gangway.settle();
    let runs = world.gangway.executions();
    let statuses: Vec<ExecutionStatus> = runs.iter().map(|run| run.status).collect();
    assert_eq!(
        statuses,
        [
            ExecutionStatus::Failure,
            ExecutionStatus::Error,
            ExecutionStatus::Success,
            ExecutionStatus::Success,
        ]
    );
    let file = |n: usize, name: &str| {
        world
            .object(SHORT, runs[n].build_id.as_deref().unwrap(), name)
            .unwrap()
    };
    assert_eq!(file(0, "finished.json")["passed"], false);
    assert_eq!(file(0, "finished.json")["result"], "FAILURE");
    assert_eq!(file(1, "finished.json")["result"], "error");
    assert_eq!(file(1, "prowjob.json")["status"]["state"], "error");
    let (_, errored) = world.get(&format!("/v1/executions/{}", runs[1].id)).await;
    assert_eq!(errored["job_status"], "ERROR");
}

#[tokio::test]
async fn a_job_is_read_back_with_its_unused_script_so_it_can_be_changed_without_losing_it() {
    let world = World::new().await;
    world
        .gangway
        .script(SHORT, [Outcome::Failure, Outcome::Error]);
    world.trigger_job(SHORT).await;
    let behaviour = world.gangway.job(SHORT).expect("a known job");
    assert_eq!(
        world.gangway.job(SHORT),
        Some(behaviour.clone()),
        "reading does not change the job"
    );
    assert!(world.gangway.job("periodic-unknown").is_none());
    world
        .gangway
        .set_job(SHORT, behaviour.then([Outcome::Aborted]));
    for _ in 0..2 {
        world.trigger_job(SHORT).await;
    }
    world.clock.advance(minutes(61));
    world.gangway.settle();
    let statuses: Vec<ExecutionStatus> = world
        .gangway
        .executions()
        .iter()
        .map(|run| run.status)
        .collect();
    assert_eq!(
        statuses,
        [
            ExecutionStatus::Failure,
            ExecutionStatus::Error,
            ExecutionStatus::Aborted
        ]
    );
}

#[tokio::test]
async fn chance_is_deterministic_for_a_seed() {
    async fn outcomes(seed: u64) -> Vec<Outcome> {
        let world = World::with(|builder| {
            builder.settle_every(None).seed(seed).job(
                SHORT,
                JobBehaviour::default()
                    .passing(0.5)
                    .running_between(minutes(30), minutes(90))
                    .reporting_env(IMAGE_ENV, "operator_image"),
            )
        })
        .await;
        for _ in 0..16 {
            world.trigger_job(SHORT).await;
        }
        world.clock.advance(minutes(100));
        world.gangway.settle();
        let runs = world.gangway.executions();
        let first = runs[0].build_id.as_deref().unwrap();
        let finished = world.object(SHORT, first, "finished.json").unwrap();
        assert_eq!(finished["metadata"]["operator_image"], IMAGE);
        runs.iter().map(|run| run.outcome).collect()
    }
    let first = outcomes(42).await;
    assert_eq!(first, outcomes(42).await);
    assert_ne!(first, outcomes(43).await);
    assert!(first.contains(&Outcome::Success) && first.contains(&Outcome::Failure));
}
