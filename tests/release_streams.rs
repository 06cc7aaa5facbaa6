//! The real release-controller client (reqwest) and GA catalog refresher against the emulated
//! release-controller: versions going GA, outages and the fallback, rate limits and damaged
//! answers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use gatebot::clock::ManualClock;
use gatebot::gate::{Maturity, OcpVersion};
use gatebot::prow::RetryPolicy;
use gatebot::release_streams::{
    CatalogRefresher, ConfiguredVersions, Fallback, HealthChange, ReleaseControllerClient,
    ReleaseStreamsSettings, Source, StreamsError,
};
use gatebot_emulators::release_controller::{Fault, Phase, ReleaseControllerEmulator};
use jiff::{SignedDuration, Timestamp};

const GA: Maturity = Maturity::GenerallyAvailable;
const PRE: Maturity = Maturity::PreRelease;
const V420: OcpVersion = OcpVersion::new(4, 20);
const V421: OcpVersion = OcpVersion::new(4, 21);
const RETRIES: usize = 3;

fn settings(rc: &ReleaseControllerEmulator) -> ReleaseStreamsSettings {
    ReleaseStreamsSettings {
        url: rc.base_url().to_string(),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: RETRIES,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(5),
        },
    }
}

/// A gate over 4.20 (configured GA) and 4.21 (configured pre-release).
fn configured() -> ConfiguredVersions {
    ConfiguredVersions {
        fallback: BTreeMap::from([(V420, GA), (V421, PRE)]),
        pins: BTreeMap::new(),
    }
}

/// `4-stable` while 4.21 is at its release candidates.
async fn release_controller() -> ReleaseControllerEmulator {
    let rc = ReleaseControllerEmulator::start().await.unwrap();
    rc.add_stream("4-stable");
    for (tag, phase) in [
        ("4.20.0", Phase::Accepted),
        ("4.20.1", Phase::Accepted),
        ("4.21.0-rc.0", Phase::Accepted),
        ("4.21.0-rc.1", Phase::Rejected),
    ] {
        rc.add_tag("4-stable", tag, phase);
    }
    rc
}

struct Setup {
    rc: ReleaseControllerEmulator,
    clock: ManualClock,
    refresher: CatalogRefresher,
}

impl Setup {
    async fn new() -> Self {
        Self::with(configured(), |_| {}).await
    }

    async fn with(
        configured: ConfiguredVersions,
        adjust: impl FnOnce(&mut ReleaseStreamsSettings),
    ) -> Self {
        let rc = release_controller().await;
        let mut settings = settings(&rc);
        adjust(&mut settings);
        let client = ReleaseControllerClient::new(settings, reqwest::Client::new()).unwrap();
        let clock = ManualClock::new(Timestamp::from_second(1_750_000_000).unwrap());
        let refresher = CatalogRefresher::new(client, configured, Arc::new(clock.clone()));
        Self {
            rc,
            clock,
            refresher,
        }
    }
}

#[tokio::test]
async fn a_version_becomes_ga_when_its_release_tag_turns_accepted_and_is_announced_once() {
    let setup = Setup::new().await;
    let first = setup.refresher.refresh().await;
    assert_eq!(first.error, None);
    assert_eq!(
        first.catalog.get(V421),
        Some((PRE, Source::ReleaseController))
    );
    assert!(first.changes.is_empty());
    let request = &setup.rc.requests()[0];
    assert_eq!(request.path, "/api/v1/releasestream/4-stable/tags");
    assert_eq!(request.query, "phase=Accepted");

    setup.rc.add_tag("4-stable", "4.21.0", Phase::Ready);
    let verifying = setup.refresher.refresh().await;
    assert!(verifying.changes.is_empty(), "a Ready tag is not GA yet");

    setup.rc.set_phase("4-stable", "4.21.0", Phase::Accepted);
    let accepted = setup.refresher.refresh().await;
    assert_eq!(accepted.changes.len(), 1);
    assert_eq!(accepted.changes[0].version, V421);
    assert!(accepted.changes[0].became_ga());
    assert!(setup.refresher.catalog().version_catalog().is_ga(V421));

    let again = setup.refresher.refresh().await;
    assert!(again.changes.is_empty(), "announced once");
}

#[tokio::test]
async fn with_the_api_down_from_the_start_the_configuration_decides_and_that_is_said_once() {
    let mut setup = Setup::new().await;
    setup.rc.stop().await;

    let first = setup.refresher.refresh().await;
    assert_eq!(first.catalog.get(V420), Some((GA, Source::Configuration)));
    assert_eq!(first.catalog.get(V421), Some((PRE, Source::Configuration)));
    let Some(HealthChange::Lost { reason, fallback }) = &first.health_change else {
        panic!("the outage is reported: {:?}", first.health_change);
    };
    assert_eq!(*fallback, Fallback::Configuration);
    assert!(
        reason.starts_with(&format!(
            "could not read GA status from the release-controller: GET {}/api/v1/releasestream/4-stable/tags?phase=Accepted failed {} time(s) in a row",
            setup.rc.base_url(),
            RETRIES + 1
        )),
        "{reason}"
    );
    assert!(matches!(
        first.error,
        Some(StreamsError::Unavailable { .. })
    ));

    setup.clock.advance(SignedDuration::from_mins(5));
    let second = setup.refresher.refresh().await;
    assert_eq!(
        second.health_change, None,
        "said once, not at every refresh"
    );
    assert!(second.error.is_some());

    setup.rc.restart().await.unwrap();
    let back = setup.refresher.refresh().await;
    assert!(matches!(
        back.health_change,
        Some(HealthChange::Recovered { .. })
    ));
    assert_eq!(
        back.catalog.get(V421),
        Some((PRE, Source::ReleaseController))
    );
}

#[tokio::test]
async fn an_outage_after_an_answer_keeps_the_answer_and_says_so() {
    let mut setup = Setup::new().await;
    setup.rc.add_tag("4-stable", "4.21.0", Phase::Accepted);
    let answered = setup.refresher.refresh().await;
    assert_eq!(
        answered.catalog.get(V421),
        Some((GA, Source::ReleaseController))
    );
    let read_at = Timestamp::from_second(1_750_000_000).unwrap();

    setup.clock.advance(SignedDuration::from_mins(5));
    setup.rc.stop().await;
    let down = setup.refresher.refresh().await;
    assert_eq!(down.catalog.get(V421), Some((GA, Source::LastAnswer)));
    assert!(down.changes.is_empty(), "no GA status is lost to an outage");
    let Some(change @ HealthChange::Lost { fallback, .. }) = &down.health_change else {
        panic!("the outage is reported: {:?}", down.health_change);
    };
    assert_eq!(*fallback, Fallback::LastAnswer { read_at });
    assert!(
        change.to_string().contains(&format!(
            "until it answers, gatebot uses its last answer (read at {read_at})"
        )),
        "{change}"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_retry_after_asks_for() {
    let setup = Setup::new().await;
    setup.rc.fail_next(
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
        1,
    );
    let refresh = setup.refresher.refresh().await;
    assert_eq!(refresh.error, None);
    let requests = setup.rc.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].status, Some(429));
    let waited = requests[1].at.duration_since(requests[0].at);
    assert!(
        waited >= SignedDuration::from_millis(950),
        "the backoff alone is milliseconds; only Retry-After explains {waited:?}"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_a_refresh_waits_ends_the_refresh_at_once() {
    let setup = Setup::new().await;
    setup.rc.fail_next(
        Fault::TooManyRequests {
            retry_after_secs: 600,
        },
        1,
    );
    let refresh = setup.refresher.refresh().await;
    let Some(StreamsError::Unavailable {
        attempts, detail, ..
    }) = &refresh.error
    else {
        panic!("a rate limit is an outage: {:?}", refresh.error);
    };
    assert_eq!(*attempts, 1);
    assert_eq!(
        detail,
        "HTTP 429 Too Many Requests: Too Many Requests (asked to wait 600s)"
    );
    assert_eq!(setup.rc.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried() {
    let setup = Setup::new().await;
    setup.rc.fail_next(Fault::ServerError(503), 1);
    setup.rc.fail_next(Fault::DropConnection, 1);
    setup.rc.fail_next(Fault::ServerError(502), 1);
    let refresh = setup.refresher.refresh().await;
    assert_eq!(refresh.error, None);
    assert_eq!(
        refresh.catalog.get(V420),
        Some((GA, Source::ReleaseController))
    );
    let statuses: Vec<_> = setup.rc.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), None, Some(502), Some(200)]);
}

#[tokio::test]
async fn malformed_json_is_an_error_that_loses_nothing() {
    let setup = Setup::new().await;
    setup.rc.add_tag("4-stable", "4.21.0", Phase::Accepted);
    let answered = setup.refresher.refresh().await;
    assert!(answered.catalog.version_catalog().is_ga(V421));

    setup.rc.fail_next(Fault::MalformedBody, RETRIES + 1);
    let damaged = setup.refresher.refresh().await;
    let Some(StreamsError::Unavailable { detail, .. }) = &damaged.error else {
        panic!("a damaged answer is an error: {:?}", damaged.error);
    };
    assert!(
        detail.starts_with("the answer is not the release stream JSON the API promises"),
        "{detail}"
    );
    assert!(damaged.changes.is_empty());
    assert!(damaged.catalog.version_catalog().is_ga(V421));
    assert!(damaged.catalog.version_catalog().is_ga(V420));

    let recovered = setup.refresher.refresh().await;
    assert_eq!(recovered.error, None);
    assert!(recovered.changes.is_empty());
}

#[tokio::test]
async fn a_stream_that_does_not_exist_is_refused_without_retrying() {
    let mut configured = configured();
    configured.fallback.insert(OcpVersion::new(5, 0), PRE);
    let setup = Setup::with(configured, |_| {}).await;
    let refresh = setup.refresher.refresh().await;
    let Some(error @ StreamsError::Refused { .. }) = &refresh.error else {
        panic!("a missing stream is refused: {:?}", refresh.error);
    };
    assert!(
        error
            .to_string()
            .ends_with("5-stable/tags?phase=Accepted was refused: HTTP 404 Not Found: Unable to find release 5-stable; the release-controller has no such stream, so check its URL"),
        "{error}"
    );
    let paths: Vec<_> = setup.rc.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/releasestream/4-stable/tags",
            "/api/v1/releasestream/5-stable/tags"
        ]
    );
    assert_eq!(
        refresh.catalog.get(V421),
        Some((PRE, Source::Configuration))
    );
}

#[tokio::test]
async fn pins_overrule_the_release_controller() {
    let mut configured = configured();
    configured.pins.insert(V421, GA);
    let setup = Setup::with(configured, |_| {}).await;
    let refresh = setup.refresher.refresh().await;
    assert_eq!(refresh.catalog.get(V421), Some((GA, Source::Pinned)));
    assert_eq!(
        refresh.catalog.get(V420),
        Some((GA, Source::ReleaseController))
    );
}

#[tokio::test]
async fn the_scheduled_refresh_hands_over_each_change() {
    let setup = Setup::new().await;
    let (changes, mut received) = tokio::sync::mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = setup.refresher.run(
        Duration::from_millis(20),
        |refresh| {
            for change in refresh.changes {
                changes.send(change).unwrap();
            }
        },
        async {
            let _ = stopped.await;
        },
    );
    let flip_and_watch = async {
        tokio::time::sleep(Duration::from_millis(60)).await;
        setup.rc.add_tag("4-stable", "4.21.0", Phase::Accepted);
        let change = received.recv().await.unwrap();
        stop.send(()).unwrap();
        change
    };
    let (_, change) = tokio::time::timeout(Duration::from_secs(10), async {
        tokio::join!(run, flip_and_watch)
    })
    .await
    .expect("the change arrives and the loop stops");
    assert_eq!(change.version, V421);
    assert!(change.became_ga());
    assert!(received.try_recv().is_err(), "one change, handed over once");
}

#[tokio::test]
async fn a_url_that_cannot_work_is_refused_before_any_request() {
    let settings = ReleaseStreamsSettings {
        url: "amd64.ocp.releases.ci.openshift.org".to_string(),
        ..ReleaseStreamsSettings::default()
    };
    let error = ReleaseControllerClient::new(settings, reqwest::Client::new()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the release-controller URL `amd64.ocp.releases.ci.openshift.org` cannot be used \
         (relative URL without a base); give a base URL such as \
         `https://amd64.ocp.releases.ci.openshift.org`"
    );
}
