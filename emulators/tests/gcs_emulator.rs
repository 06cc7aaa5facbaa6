//! The GCS emulator on the wire, spoken to with plain reqwest: the JSON shapes, status codes,
//! headers and faults that the real JSON API has and that gatebot's reader depends on.

use std::time::Duration;

use gatebot_emulators::gcs::{Fault, GcsEmulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(10);

async fn get(url: String) -> reqwest::Response {
    tokio::time::timeout(LIMIT, reqwest::get(url))
        .await
        .expect("the emulator answers in time")
        .expect("the emulator is reachable")
}

async fn get_json(url: String) -> (StatusCode, Value) {
    let response = get(url).await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn object_url(gcs: &GcsEmulator, bucket: &str, encoded_name: &str, query: &str) -> String {
    format!(
        "{}/storage/v1/b/{bucket}/o/{encoded_name}{query}",
        gcs.url()
    )
}

#[tokio::test]
async fn metadata_and_media_come_back_with_the_real_fields_and_headers() {
    let gcs = GcsEmulator::start().await.unwrap();
    let generation = gcs.put_object(
        "bkt",
        "logs/j/1/started.json",
        br#"{"timestamp":1}"#.to_vec(),
    );

    let (status, metadata) =
        get_json(object_url(&gcs, "bkt", "logs%2Fj%2F1%2Fstarted.json", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(metadata["kind"], "storage#object");
    assert_eq!(metadata["name"], "logs/j/1/started.json");
    assert_eq!(metadata["bucket"], "bkt");
    assert_eq!(metadata["generation"], generation.to_string());
    assert_eq!(metadata["metageneration"], "1");
    assert_eq!(metadata["size"], "15");
    assert_eq!(metadata["contentType"], "application/json");
    for field in ["id", "md5Hash", "etag", "updated", "timeCreated"] {
        assert!(
            metadata[field].is_string(),
            "{field} should be a string: {metadata}"
        );
    }

    let media = get(object_url(
        &gcs,
        "bkt",
        "logs%2Fj%2F1%2Fstarted.json",
        "?alt=media",
    ))
    .await;
    assert_eq!(media.status(), StatusCode::OK);
    let hash = media.headers()["x-goog-hash"].to_str().unwrap().to_string();
    assert_eq!(
        hash,
        format!("md5={}", metadata["md5Hash"].as_str().unwrap())
    );
    assert_eq!(
        media.headers()["x-goog-generation"],
        generation.to_string().as_str()
    );
    assert_eq!(media.bytes().await.unwrap().as_ref(), br#"{"timestamp":1}"#);
}

#[tokio::test]
async fn a_missing_object_or_bucket_is_a_404_with_the_gcs_error_body() {
    let gcs = GcsEmulator::start().await.unwrap();
    gcs.put_object("bkt", "present", b"x".to_vec());

    let (status, body) = get_json(object_url(
        &gcs,
        "bkt",
        "logs%2Fj%2Fnope.json",
        "?alt=media",
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let message = "No such object: bkt/logs/j/nope.json";
    assert_eq!(
        body,
        json!({"error": {"code": 404, "message": message,
            "errors": [{"message": message, "domain": "global", "reason": "notFound"}]}})
    );

    let (status, body) = get_json(format!("{}/storage/v1/b/other/o", gcs.url())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["error"]["message"],
        "The specified bucket does not exist."
    );
}

#[tokio::test]
async fn generation_preconditions_answer_304_and_412() {
    let gcs = GcsEmulator::start().await.unwrap();
    let first = gcs.put_object("bkt", "latest-build.txt", b"1".to_vec());
    let url = |query: String| object_url(&gcs, "bkt", "latest-build.txt", &query);

    let unchanged = get(url(format!("?ifGenerationNotMatch={first}"))).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert!(unchanged.bytes().await.unwrap().is_empty());

    let second = gcs.put_object("bkt", "latest-build.txt", b"2".to_vec());
    assert!(second > first, "every write is a new generation");
    let (status, metadata) = get_json(url(format!("?ifGenerationNotMatch={first}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(metadata["generation"], second.to_string());

    let (status, body) = get_json(url(format!("?ifGenerationMatch={first}"))).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(body["error"]["errors"][0]["reason"], "conditionNotMet");
    let matching = get(url(format!("?ifGenerationMatch={second}&alt=media"))).await;
    assert_eq!(matching.bytes().await.unwrap().as_ref(), b"2");

    assert!(gcs.delete_object("bkt", "latest-build.txt"));
    let gone = get(url(String::new())).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listings_fold_folders_page_in_order_and_leave_out_empty_arrays() {
    let gcs = GcsEmulator::start().await.unwrap();
    for name in [
        "logs/j/3/started.json",
        "logs/j/1/started.json",
        "logs/j/1/finished.json",
        "logs/j/2/started.json",
        "logs/j/latest-build.txt",
        "logs/k/1/started.json",
    ] {
        gcs.put_object("bkt", name, b"{}".to_vec());
    }
    let list = |query: &str| {
        format!(
            "{}/storage/v1/b/bkt/o?prefix=logs%2Fj%2F&delimiter=%2F{query}",
            gcs.url()
        )
    };

    let (_, first) = get_json(list("&maxResults=2")).await;
    assert_eq!(first["kind"], "storage#objects");
    assert_eq!(first["prefixes"], json!(["logs/j/1/", "logs/j/2/"]));
    assert!(
        first.get("items").is_none(),
        "empty arrays are left out: {first}"
    );
    let token = first["nextPageToken"].as_str().unwrap();

    let (_, second) = get_json(list(&format!("&maxResults=2&pageToken={token}"))).await;
    assert_eq!(second["prefixes"], json!(["logs/j/3/"]));
    assert_eq!(second["items"][0]["name"], "logs/j/latest-build.txt");
    assert!(second.get("nextPageToken").is_none());

    let (_, offset) = get_json(list("&startOffset=logs%2Fj%2F2%2F&endOffset=logs%2Fj%2F3")).await;
    assert_eq!(offset["prefixes"], json!(["logs/j/2/"]));

    let (status, _) = get_json(list("&maxResults=0")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn faults_fire_on_matching_paths_the_given_number_of_times_and_are_logged() {
    let gcs = GcsEmulator::start().await.unwrap();
    gcs.put_object("bkt", "a/file", b"x".to_vec());
    gcs.inject(Fault::rate_limited(7).on("/storage/v1/b/bkt/o/a/").times(2));
    let url = object_url(&gcs, "bkt", "a%2Ffile", "?alt=media");

    let limited = get(url.clone()).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "7");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["errors"][0]["reason"], "rateLimitExceeded");
    assert_eq!(
        get(url.clone()).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(get(url.clone()).await.status(), StatusCode::OK);

    gcs.inject(Fault::status(503));
    gcs.clear_faults();
    assert_eq!(get(url).await.status(), StatusCode::OK);

    let log = gcs.requests();
    assert_eq!(gcs.request_count(), 4);
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200, 200]);
    assert_eq!(log[0].method, "GET");
    assert_eq!(
        log[0].path_and_query,
        "/storage/v1/b/bkt/o/a%2Ffile?alt=media"
    );
    assert_eq!(log[0].path, "/storage/v1/b/bkt/o/a/file");
    assert!(log[0].is_download());
}

#[tokio::test]
async fn broken_bodies_fail_the_transfer_or_fail_the_checksum() {
    let gcs = GcsEmulator::start().await.unwrap();
    gcs.put_object("bkt", "f.json", br#"{"a": "a long enough body"}"#.to_vec());
    let url = object_url(&gcs, "bkt", "f.json", "?alt=media");

    gcs.inject(Fault::truncated_body());
    let truncated = get(url.clone()).await;
    assert_eq!(truncated.status(), StatusCode::OK);
    assert!(
        truncated.bytes().await.is_err(),
        "the connection breaks mid-body"
    );

    gcs.inject(Fault::garbage_body());
    let garbage = get(url.clone()).await;
    let hash = garbage.headers()["x-goog-hash"].clone();
    let bytes = garbage.bytes().await.unwrap();
    assert_ne!(bytes.as_ref(), br#"{"a": "a long enough body"}"#);
    let honest = get(url).await;
    assert_eq!(
        honest.headers()["x-goog-hash"],
        hash,
        "the checksum is the real one"
    );
}

#[tokio::test]
async fn a_shut_down_emulator_refuses_connections() {
    let gcs = GcsEmulator::start().await.unwrap();
    let url = format!("{}/storage/v1/b/bkt/o", gcs.url());
    assert_eq!(get(url.clone()).await.status(), StatusCode::NOT_FOUND);

    gcs.shutdown().await;

    let after = tokio::time::timeout(LIMIT, reqwest::get(url))
        .await
        .unwrap();
    assert!(after.unwrap_err().is_connect());
}
