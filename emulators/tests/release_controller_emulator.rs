//! The release-controller emulator on the wire, spoken to with plain reqwest: the JSON shapes,
//! orderings, status codes and faults of `cmd/release-controller-api/http.go` that a client of
//! `/tags` and `/latest` depends on.

use std::time::Duration;

use gatebot_emulators::release_controller::{Fault, Phase, ReleaseControllerEmulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(10);

async fn get(url: String) -> reqwest::Result<reqwest::Response> {
    tokio::time::timeout(LIMIT, reqwest::get(url))
        .await
        .expect("the emulator answers in time")
}

async fn get_json(url: String) -> (StatusCode, Value) {
    let response = get(url).await.expect("the emulator is reachable");
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn get_text(url: String) -> (StatusCode, String) {
    let response = get(url).await.expect("the emulator is reachable");
    (response.status(), response.text().await.unwrap())
}

/// A `4-stable` stream as it looks while 4.20 is between its release candidates and GA.
async fn stable_stream() -> ReleaseControllerEmulator {
    let rc = ReleaseControllerEmulator::start().await.unwrap();
    rc.add_stream("4-stable");
    rc.add_tag("4-stable", "4.19.12", Phase::Accepted);
    rc.add_tag("4-stable", "4.19.13", Phase::Rejected);
    rc.add_tag("4-stable", "4.20.0-rc.1", Phase::Accepted);
    rc.add_tag("4-stable", "4.20.0-rc.2", Phase::Ready);
    rc
}

fn tags_url(rc: &ReleaseControllerEmulator, stream: &str, query: &str) -> String {
    format!(
        "{}/api/v1/releasestream/{stream}/tags{query}",
        rc.base_url()
    )
}

fn latest_url(rc: &ReleaseControllerEmulator, stream: &str, query: &str) -> String {
    format!(
        "{}/api/v1/releasestream/{stream}/latest{query}",
        rc.base_url()
    )
}

#[tokio::test]
async fn tags_come_as_an_api_release_newest_first_with_every_field() {
    let rc = stable_stream().await;
    let (status, body) = get_json(tags_url(&rc, "4-stable", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "4-stable");
    let names: Vec<&str> = body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["4.20.0-rc.2", "4.20.0-rc.1", "4.19.13", "4.19.12"]);
    assert_eq!(
        body["tags"][1],
        json!({
            "name": "4.20.0-rc.1",
            "phase": "Accepted",
            "pullSpec": "quay.io/openshift-release-dev/ocp-release:4.20.0-rc.1-x86_64",
            "downloadURL": "https://openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com/4.20.0-rc.1",
        })
    );
}

#[tokio::test]
async fn the_phase_filter_keeps_the_phases_asked_for_and_no_match_is_null() {
    let rc = stable_stream().await;
    let (_, accepted) = get_json(tags_url(&rc, "4-stable", "?phase=Accepted")).await;
    let phases: Vec<&str> = accepted["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["Accepted", "Accepted"]);

    let (_, two) = get_json(tags_url(&rc, "4-stable", "?phase=Ready&phase=Rejected")).await;
    assert_eq!(two["tags"].as_array().unwrap().len(), 2);

    let (status, none) = get_json(tags_url(&rc, "4-stable", "?phase=Failed")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none, json!({"name": "4-stable", "tags": null}));
}

#[tokio::test]
async fn a_tag_that_turns_accepted_shows_at_once() {
    let rc = stable_stream().await;
    rc.add_tag("4-stable", "4.20.0", Phase::Pending);
    let (_, before) = get_json(latest_url(&rc, "4-stable", "?prefix=4.20")).await;
    assert_eq!(before["name"], "4.20.0-rc.1");

    rc.set_phase("4-stable", "4.20.0", Phase::Accepted);
    let (_, after) = get_json(latest_url(&rc, "4-stable", "?prefix=4.20")).await;
    assert_eq!(after["name"], "4.20.0");
    assert_eq!(after["phase"], "Accepted");
}

#[tokio::test]
async fn latest_answers_the_newest_accepted_tag_in_prefix_and_range_or_404() {
    let rc = stable_stream().await;
    let (_, newest) = get_json(latest_url(&rc, "4-stable", "")).await;
    assert_eq!(newest["name"], "4.20.0-rc.1");

    // HyperShift's query: `+` is a space once decoded.
    let (_, in_range) = get_json(latest_url(&rc, "4-stable", "?in=>4.14.0+<4.20.0-a")).await;
    assert_eq!(in_range["name"], "4.19.12");

    let (status, text) = get_text(latest_url(&rc, "4-stable", "?prefix=4.21")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        text,
        "no tags exist within the release that satisfy the request\n"
    );

    let (status, text) = get_text(latest_url(&rc, "5-stable", "")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        text,
        "no release configuration exists with the requested name\n"
    );

    let (status, text) = get_text(latest_url(&rc, "4-stable", "?in=>=4.x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.starts_with("error: ?in must be a valid semantic version range: "),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_streams_and_paths_are_404_in_plain_text() {
    let rc = stable_stream().await;
    let response = get(tags_url(&rc, "9-stable", "")).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        response.text().await.unwrap(),
        "Unable to find release 9-stable\n"
    );

    let (status, text) = get_text(format!("{}/api/v2/nothing", rc.base_url())).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "404 page not found\n")
    );
}

#[tokio::test]
async fn faults_fire_in_order_and_then_the_api_answers_again() {
    let rc = stable_stream().await;
    rc.fail_next(Fault::ServerError(503), 1);
    rc.fail_next(
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
        1,
    );
    rc.fail_next(Fault::MalformedBody, 1);
    rc.fail_next(Fault::DropConnection, 1);
    let url = tags_url(&rc, "4-stable", "?phase=Accepted");

    let (status, _) = get_text(url.clone()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    let limited = get(url.clone()).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "7");

    let malformed = get(url.clone()).await.unwrap();
    assert_eq!(malformed.status(), StatusCode::OK);
    assert!(malformed.json::<Value>().await.is_err());

    let dropped = match get(url.clone()).await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(dropped.is_err(), "a dropped connection is an error");

    let (status, _) = get_json(url.clone()).await;
    assert_eq!(status, StatusCode::OK);

    let statuses: Vec<Option<u16>> = rc.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(429), Some(200), None, Some(200)]);
    assert_eq!(rc.requests()[0].query, "phase=Accepted");
    assert_eq!(rc.requests()[0].path, "/api/v1/releasestream/4-stable/tags");
}

#[tokio::test]
async fn cleared_faults_never_fire() {
    let rc = stable_stream().await;
    rc.fail_next(Fault::ServerError(500), 3);
    rc.clear_faults();
    let (status, _) = get_json(tags_url(&rc, "4-stable", "")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_stopped_server_refuses_connections_and_comes_back_on_the_same_port_with_its_streams() {
    let mut rc = stable_stream().await;
    let url = tags_url(&rc, "4-stable", "");
    rc.stop().await;
    let refused = get(url.clone()).await.unwrap_err();
    assert!(refused.is_connect(), "{refused}");

    rc.restart().await.unwrap();
    let (status, body) = get_json(url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tags"].as_array().unwrap().len(), 4);
}
