//! The release gate end to end: the real engine, Konflux adapter (kube) and Prow adapter
//! (reqwest) against the emulated Kubernetes API and GCS, with a SQLite store.

mod support;

use std::time::Duration;

use gatebot::gate::explain::explain;
use gatebot::gate::{Decision, ReleaseStatus, SnapshotKey};
use gatebot::sandbox::world::{World, digest, snapshot_object};
use gatebot_emulators::kube::{Fault, Verb};
use gatebot_emulators::prow::BuildResult;
use serde_json::Value;
use support::chat::{build_id, report_all, snapshot_name};
use support::{Running, all_jobs, gate, job, wait_until, world};

const NS: &str = "crt-redhat-acm-tenant";
const LIMIT: Duration = Duration::from_secs(20);

async fn released(world: &World) -> Vec<Value> {
    world.releases(NS)
}

async fn decision_of(running: &Running, snapshot: &str) -> Option<Decision> {
    running
        .engine
        .verdict(&SnapshotKey::new("hypershift-operator", snapshot))
        .map(|(_, verdict)| verdict.decision)
}

/// The store's record of a snapshot's Release, if one was decided.
async fn release_status(running: &Running, snapshot: &str) -> Option<ReleaseStatus> {
    running
        .store
        .release_for_snapshot("hypershift-operator", snapshot)
        .await
        .unwrap()
        .map(|record| record.status)
}

/// Waits until the engine has recorded a Release it did not create.
async fn wait_for_unexpected_release(running: &Running) {
    wait_until("the unexpected Release is recorded", LIMIT, || async {
        !running
            .store
            .unexpected_releases()
            .await
            .unwrap()
            .is_empty()
    })
    .await;
}

async fn recorded_decision(running: &Running, snapshot: &str) -> Option<String> {
    running
        .store
        .latest_verdicts("hypershift-operator")
        .await
        .unwrap()
        .get(snapshot)
        .map(|v| v.decision.clone())
}

#[tokio::test]
async fn all_required_cells_passing_creates_exactly_one_release_with_the_right_spec() {
    let world = world().await;
    let running = Running::start(&world).await;
    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    report_all(&world, &snapshot, 1, 1, &[]);

    wait_until("the Release exists", LIMIT, || async {
        !released(&world).await.is_empty()
    })
    .await;
    // Further passes must not add anything.
    running.engine.reconcile_once().await.unwrap();
    running.engine.poll_once().await;
    running.engine.reconcile_once().await.unwrap();

    let releases = released(&world).await;
    assert_eq!(releases.len(), 1, "{releases:#?}");
    let release = &releases[0];
    assert_eq!(release["spec"]["snapshot"], snapshot.as_str());
    assert_eq!(
        release["spec"]["releasePlan"],
        "hypershift-operator-progressive"
    );
    assert_eq!(release["spec"]["gracePeriodDays"], 7);
    assert_eq!(
        release["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "gatebot"
    );
    assert_eq!(
        release["metadata"]["labels"]["gatebot.hypershift.io/gate"],
        "hypershift-operator"
    );
    assert_eq!(
        release["metadata"]["annotations"]["gatebot.hypershift.io/kind"],
        "gated"
    );
    assert_eq!(world.kube.count_requests(Verb::Create, "releases"), 1);

    // Konflux finishes the Release; gatebot records it.
    let name = release["metadata"]["name"].as_str().unwrap().to_string();
    world.set_released(NS, &name, "Succeeded", "");
    wait_until("the success is recorded", LIMIT, || async {
        release_status(&running, &snapshot).await == Some(ReleaseStatus::Succeeded)
    })
    .await;
}

#[tokio::test]
async fn a_failed_required_cell_blocks_and_explain_names_job_run_and_time() {
    let world = world().await;
    let running = Running::start(&world).await;
    let snapshot = snapshot_name(2);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    let failing = job("4.20", "azure", "baseline");
    report_all(
        &world,
        &snapshot,
        1,
        2,
        &[(failing.clone(), BuildResult::Failure)],
    );

    wait_until("the verdict is recorded as blocked", LIMIT, || async {
        recorded_decision(&running, &snapshot).await.as_deref() == Some("blocked")
    })
    .await;
    assert!(released(&world).await.is_empty());

    let (snap, verdict) = running
        .engine
        .verdict(&SnapshotKey::new("hypershift-operator", &snapshot))
        .unwrap();
    let spec = gate();
    let text = explain(
        &spec.policy,
        &spec.catalog,
        &snap,
        &verdict,
        (&[], &Default::default()),
    );
    let failing_cell = verdict.blocking_cells().next().expect("one blocking cell");
    let run = failing_cell.run.as_ref().unwrap();
    assert!(text.contains(&failing), "{text}");
    assert!(
        text.contains(&format!("/logs/{failing}/{}", run.build_id)),
        "{text}"
    );
    assert!(
        text.contains(&run.finished_at.unwrap().to_string()),
        "{text}"
    );
    assert!(text.contains("Verdict: BLOCKED"), "{text}");
}

#[tokio::test]
async fn a_failure_on_a_version_that_is_not_ga_still_releases_and_says_why() {
    let world = world().await;
    let running = Running::start(&world).await;
    let snapshot = snapshot_name(3);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    let prerelease = job("4.21", "aws", "upgrade-from-zero");
    report_all(
        &world,
        &snapshot,
        1,
        3,
        &[(prerelease.clone(), BuildResult::Failure)],
    );

    wait_until("the Release exists", LIMIT, || async {
        released(&world).await.len() == 1
    })
    .await;
    let (snap, verdict) = running
        .engine
        .verdict(&SnapshotKey::new("hypershift-operator", &snapshot))
        .unwrap();
    let spec = gate();
    let text = explain(
        &spec.policy,
        &spec.catalog,
        &snap,
        &verdict,
        (&[], &Default::default()),
    );
    assert_eq!(verdict.decision, Decision::Passed);
    assert!(
        text.contains("allowed because 4.21 is not generally available"),
        "{text}"
    );
}

#[tokio::test]
async fn killed_between_deciding_and_creating_then_restarted_creates_exactly_one_release() {
    let world = world().await;
    // The API server takes the Release but the answer never arrives, and then the bot dies.
    world.kube.inject(
        Fault::on(Verb::Create, "releases")
            .commit_then_hang()
            .always(),
    );
    let first = Running::start(&world).await;
    let snapshot = snapshot_name(4);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    report_all(&world, &snapshot, 1, 4, &[]);
    wait_until("the release is decided", LIMIT, || async {
        release_status(&first, &snapshot).await.is_some()
    })
    .await;
    first.kill().await;
    world.kube.clear_faults();

    let second = Running::start(&world).await;
    wait_until("the restarted bot confirms the Release", LIMIT, || async {
        release_status(&second, &snapshot).await == Some(ReleaseStatus::Progressing)
    })
    .await;
    assert_eq!(released(&world).await.len(), 1);
}

#[tokio::test]
async fn killed_after_deciding_before_any_create_then_restarted_creates_exactly_one_release() {
    let world = world().await;
    world
        .kube
        .inject(Fault::on(Verb::Create, "releases").hang().always());
    let first = Running::start(&world).await;
    let snapshot = snapshot_name(5);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    report_all(&world, &snapshot, 1, 5, &[]);
    wait_until("the release is decided", LIMIT, || async {
        release_status(&first, &snapshot).await.is_some()
    })
    .await;
    first.kill().await;
    assert!(released(&world).await.is_empty());
    world.kube.clear_faults();

    let _second = Running::start(&world).await;
    wait_until("the restarted bot creates the Release", LIMIT, || async {
        !released(&world).await.is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await; // a few more passes of the restarted bot
    assert_eq!(released(&world).await.len(), 1);
}

#[tokio::test]
async fn two_bots_on_the_same_cluster_and_store_create_exactly_one_release() {
    let world = world().await;
    let a = Running::start(&world).await;
    let b = Running::start(&world).await;
    for n in 10..15 {
        world.publish_snapshot(&gate(), &snapshot_name(n), &digest(n));
    }
    for n in 10..15 {
        for (i, job) in all_jobs().iter().enumerate() {
            let build = build_id(600 + n, i);
            world.start_run(job, &build, &digest(n));
            world.finish_run(job, &build, &snapshot_name(n), BuildResult::Success);
        }
    }
    wait_until("the newest snapshot is released", LIMIT, || async {
        released(&world)
            .await
            .iter()
            .any(|r| r["spec"]["snapshot"] == snapshot_name(14).as_str())
    })
    .await;
    a.engine.reconcile_once().await.unwrap();
    b.engine.reconcile_once().await.unwrap();
    let releases = released(&world).await;
    let mut snapshots: Vec<&str> = releases
        .iter()
        .map(|r| r["spec"]["snapshot"].as_str().unwrap())
        .collect();
    snapshots.sort();
    let before = snapshots.len();
    snapshots.dedup();
    assert_eq!(
        before,
        snapshots.len(),
        "a snapshot was released twice: {releases:#?}"
    );
}

#[tokio::test]
async fn server_errors_and_time_outs_during_create_are_retried_into_exactly_one_release() {
    let world = world().await;
    world
        .kube
        .inject(Fault::on(Verb::Create, "releases").status(500).times(2));
    world.kube.inject(
        Fault::on(Verb::Create, "releases")
            .commit_then_status(503)
            .times(1),
    );
    world
        .kube
        .inject(Fault::on(Verb::Get, "releases").hang().times(1));
    let running = Running::start(&world).await;
    let snapshot = snapshot_name(6);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    report_all(&world, &snapshot, 1, 7, &[]);
    wait_until("the create is audited as done", LIMIT, || async {
        let audit = running.store.recent_audit(20).await.unwrap();
        audit
            .iter()
            .any(|e| e.action == "release.create" && e.outcome == "ok")
    })
    .await;
    assert_eq!(released(&world).await.len(), 1);
    let creates: Vec<Option<u16>> = world
        .kube
        .requests()
        .into_iter()
        .filter(|r| r.verb == Some(Verb::Create) && r.plural.as_deref() == Some("releases"))
        .map(|r| r.status)
        .collect();
    // Two 500s, a 503 after the object was stored, then the retry learns it exists.
    assert_eq!(creates, [Some(500), Some(500), Some(503), Some(409)]);
}

#[tokio::test]
async fn bad_outside_data_is_recorded_never_counted_and_never_crashes() {
    let world = world().await;
    let running = Running::start(&world).await;
    let spec = gate();
    let snapshot = snapshot_name(7);
    world.publish_snapshot(&spec, &snapshot, &digest(1));
    // A Snapshot of another component, and one whose image is empty (the CRD allows that).
    let mut other = snapshot_object(
        &spec,
        "control-plane-operator-20261121-000000-000",
        &digest(9),
    );
    other["spec"]["components"][0]["name"] = "control-plane-operator".into();
    world.kube.insert(other).unwrap();
    let mut broken = snapshot_object(&spec, "hypershift-operator-main-broken", &digest(8));
    broken["spec"]["components"][0]["containerImage"] = "".into();
    world.kube.insert(broken).unwrap();

    let jobs = all_jobs();
    // Every job passes, but for another snapshot; one job's finished.json is not JSON.
    for (i, job) in jobs.iter().enumerate() {
        let build = build_id(8, i);
        world.start_run(job, &build, &digest(5));
        world.finish_run(job, &build, "some-other-snapshot", BuildResult::Success);
    }
    let garbled = build_id(8, 999);
    world.start_run(&jobs[0], &garbled, &digest(1));
    world
        .prow()
        .write_raw(&jobs[0], &garbled, "finished.json", b"{not json".to_vec());

    wait_until(
        "the bad finished.json is recorded as a problem",
        LIMIT,
        || async {
            let problems = running.store.recent_problems(50).await.unwrap();
            problems
                .iter()
                .any(|p| p.source.ends_with(&format!("/{garbled}/finished.json")))
        },
    )
    .await;
    wait_until(
        "the snapshot of another component is recorded as a problem",
        LIMIT,
        || async {
            let problems = running.store.recent_problems(50).await.unwrap();
            problems.iter().any(|p| {
                p.detail
                    .contains("has no component `hypershift-operator-main`")
            })
        },
    )
    .await;
    wait_until(
        "the snapshot without an image is recorded as a problem",
        LIMIT,
        || async {
            let problems = running.store.recent_problems(50).await.unwrap();
            problems
                .iter()
                .any(|p| p.detail.contains("has no containerImage"))
        },
    )
    .await;
    running.engine.reconcile_once().await.unwrap();
    assert_eq!(
        decision_of(&running, &snapshot).await,
        Some(Decision::Pending)
    );
    assert!(
        running
            .engine
            .verdict(&SnapshotKey::new(
                "hypershift-operator",
                "control-plane-operator-20261121-000000-000"
            ))
            .is_none()
    );
    assert!(released(&world).await.is_empty());
}

#[tokio::test]
async fn a_newer_snapshot_supersedes_an_older_unpassed_one() {
    let world = world().await;
    let running = Running::start(&world).await;
    let (older, newer) = (snapshot_name(20), snapshot_name(21));
    world.publish_snapshot(&gate(), &older, &digest(20));
    wait_until("the older snapshot is tracked", LIMIT, || async {
        running
            .engine
            .verdict(&SnapshotKey::new("hypershift-operator", &older))
            .is_some()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_100)).await; // creation timestamps have second precision
    world.publish_snapshot(&gate(), &newer, &digest(21));
    wait_until("the older one is recorded as superseded", LIMIT, || async {
        recorded_decision(&running, &older).await.as_deref() == Some("superseded")
    })
    .await;
    assert_eq!(
        decision_of(&running, &older).await,
        Some(Decision::Superseded { by: newer.clone() })
    );
    assert_eq!(decision_of(&running, &newer).await, Some(Decision::Pending));
}

#[tokio::test]
async fn a_release_plan_that_lets_konflux_release_by_itself_is_reported() {
    let world = world().await;
    let spec = gate();
    world.put_release_plan(&spec, None);
    let running = Running::start(&world).await;
    wait_until(
        "the missing label is recorded as a bypass",
        LIMIT,
        || async {
            let check = running
                .store
                .release_plan_check("hypershift-operator")
                .await
                .unwrap();
            check.is_some_and(|c| c.bypassed && c.auto_release.is_none())
        },
    )
    .await;
    world.put_release_plan(&spec, Some("true"));
    wait_until(
        "the \"true\" label is recorded as a bypass",
        LIMIT,
        || async {
            let check = running
                .store
                .release_plan_check("hypershift-operator")
                .await
                .unwrap();
            check.is_some_and(|c| c.bypassed && c.auto_release.as_deref() == Some("true"))
        },
    )
    .await;
    world.put_release_plan(&spec, Some("false"));
    wait_until("the fixed plan is recorded", LIMIT, || async {
        let check = running
            .store
            .release_plan_check("hypershift-operator")
            .await
            .unwrap();
        check.is_some_and(|c| !c.bypassed)
    })
    .await;
}

#[tokio::test]
async fn a_release_gatebot_did_not_create_is_recorded_as_unexpected() {
    let world = world().await;
    let running = Running::start(&world).await;
    world
        .kube
        .insert(serde_json::json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1",
            "kind": "Release",
            "metadata": {"name": "by-hand", "namespace": NS,
                         "labels": {"release.appstudio.openshift.io/author": "someone"}},
            "spec": {"snapshot": snapshot_name(30), "releasePlan": "hypershift-operator-progressive"}
        }))
        .unwrap();
    // A Release for another plan is none of the gate's business.
    world
        .kube
        .insert(serde_json::json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1",
            "kind": "Release",
            "metadata": {"name": "other-plan", "namespace": NS},
            "spec": {"snapshot": snapshot_name(31), "releasePlan": "control-plane-operator-progressive"}
        }))
        .unwrap();
    wait_for_unexpected_release(&running).await;
    let unexpected = running.store.unexpected_releases().await.unwrap();
    assert_eq!(unexpected.len(), 1);
    assert_eq!(unexpected[0].name, "by-hand");
    assert_eq!(unexpected[0].author.as_deref(), Some("someone"));
}

#[tokio::test]
async fn a_snapshot_already_released_outside_gatebot_gets_no_second_release() {
    let world = world().await;
    let running = Running::start(&world).await;
    let snapshot = snapshot_name(40);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    world
        .kube
        .insert(serde_json::json!({
            "apiVersion": "appstudio.redhat.com/v1alpha1",
            "kind": "Release",
            "metadata": {"name": "by-hand", "namespace": NS},
            "spec": {"snapshot": snapshot, "releasePlan": "hypershift-operator-progressive"}
        }))
        .unwrap();
    wait_for_unexpected_release(&running).await;
    report_all(&world, &snapshot, 1, 40, &[]);
    wait_until("the gate passes", LIMIT, || async {
        recorded_decision(&running, &snapshot).await.as_deref() == Some("passed")
    })
    .await;
    running.engine.reconcile_once().await.unwrap();
    let releases = released(&world).await;
    assert_eq!(releases.len(), 1, "{releases:#?}");
    assert_eq!(releases[0]["metadata"]["name"], "by-hand");
}
