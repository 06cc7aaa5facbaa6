//! The store against a real database: a SQLite file always, and Postgres as well when
//! `GATEBOT_TEST_POSTGRES_URL` names a server (CI sets it when one answers on 127.0.0.1:5432).
//! Each Postgres test gets a database of its own.

use jiff::Timestamp;
use sqlx::Executor;

use gatebot::gate::{JobRun, RunState, RunTarget, Snapshot};
use gatebot::store::{
    AuditEntry, ReleaseKind, ReleasePlanCheck, ReleaseRecord, ReleaseStatus, RunChange, Store,
    UnexpectedRelease,
};

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

/// A place for one test's data, removed when dropped (SQLite) or at the next run (Postgres).
struct Database {
    url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Database {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("gatebot.db").display()
        );
        Self {
            url,
            _dir: Some(dir),
        }
    }

    async fn postgres(test: &str) -> Option<Self> {
        let server = std::env::var("GATEBOT_TEST_POSTGRES_URL").ok()?;
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&server)
            .await
            .expect("Postgres answers");
        let name = format!("gatebot_{test}");
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .await
            .unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base);
        Some(Self {
            url: format!("{base}/{name}"),
            _dir: None,
        })
    }

    /// SQLite, then Postgres when available.
    async fn all(test: &str) -> Vec<Self> {
        let mut databases = vec![Self::sqlite().await];
        databases.extend(Self::postgres(test).await);
        databases
    }
}

fn snapshot(name: &str) -> Snapshot {
    Snapshot {
        gate: "ho".into(),
        namespace: "crt-redhat-acm-tenant".into(),
        name: name.into(),
        component: "hypershift-operator-main".into(),
        image: format!("quay.io/ho@sha256:{}", "a".repeat(64)),
        digest: Some(format!("sha256:{}", "a".repeat(64))),
        git_url: Some("https://github.com/openshift/hypershift".into()),
        git_revision: Some("abc".into()),
        created_at: at(0),
    }
}

fn run(build: &str, state: RunState) -> JobRun {
    JobRun {
        job: "periodic-e2e".into(),
        build_id: build.into(),
        state,
        started_at: Some(at(10)),
        finished_at: state.is_finished().then(|| at(20)),
        url: format!("https://prow/view/{build}"),
        target: RunTarget::Snapshot("snap-1".into()),
    }
}

fn decision(name: &str, snapshot: &str, kind: ReleaseKind) -> ReleaseRecord {
    ReleaseRecord {
        name: name.into(),
        namespace: "crt-redhat-acm-tenant".into(),
        gate: "ho".into(),
        snapshot: snapshot.into(),
        release_plan: "plan".into(),
        kind,
        status: ReleaseStatus::Decided,
        status_message: None,
        decided_at: at(30),
        created_at: None,
        updated_at: at(30),
    }
}

#[tokio::test]
async fn everything_recorded_survives_a_restart() {
    for db in Database::all("restart").await {
        {
            let store = Store::open(&db.url).await.unwrap();
            assert!(
                store
                    .record_snapshot(&snapshot("snap-1"), at(1))
                    .await
                    .unwrap()
            );
            store
                .record_run(&run("100", RunState::Running), at(2))
                .await
                .unwrap();
            store
                .save_job_cursor("periodic-e2e", r#"{"latest":"100"}"#, at(2))
                .await
                .unwrap();
            store
                .record_verdict("ho", "snap-1", "pending", "0 of 1 required passed", at(3))
                .await
                .unwrap();
            store
                .decide_release(&decision("rel-1", "snap-1", ReleaseKind::Gated))
                .await
                .unwrap();
        }
        let store = Store::open(&db.url).await.unwrap();
        assert_eq!(
            store.snapshots("ho").await.unwrap(),
            vec![snapshot("snap-1")]
        );
        assert_eq!(
            store.runs().await.unwrap(),
            vec![run("100", RunState::Running)]
        );
        assert_eq!(
            store.job_cursor("periodic-e2e").await.unwrap().as_deref(),
            Some(r#"{"latest":"100"}"#)
        );
        assert_eq!(
            store.latest_verdicts("ho").await.unwrap()["snap-1"].decision,
            "pending"
        );
        let open = store.open_releases().await.unwrap();
        assert_eq!(open.len(), 1, "{}", db.url);
        assert_eq!(open[0].status, ReleaseStatus::Decided);
    }
}

#[tokio::test]
async fn runs_report_whether_they_are_new_changed_or_the_same() {
    for db in Database::all("runs").await {
        let store = Store::open(&db.url).await.unwrap();
        assert_eq!(
            store
                .record_run(&run("1", RunState::Running), at(1))
                .await
                .unwrap(),
            RunChange::New
        );
        assert_eq!(
            store
                .record_run(&run("1", RunState::Running), at(2))
                .await
                .unwrap(),
            RunChange::Unchanged
        );
        assert_eq!(
            store
                .record_run(&run("1", RunState::Failure), at(3))
                .await
                .unwrap(),
            RunChange::Updated
        );
        assert_eq!(store.runs().await.unwrap()[0].state, RunState::Failure);
    }
}

#[tokio::test]
async fn one_release_per_snapshot_whichever_path_decides_first() {
    for db in Database::all("one_release").await {
        let store = Store::open(&db.url).await.unwrap();
        let first = store
            .decide_release(&decision("rel-gated", "snap-1", ReleaseKind::Gated))
            .await
            .unwrap();
        let second = store
            .decide_release(&decision("rel-emergency", "snap-1", ReleaseKind::Emergency))
            .await
            .unwrap();
        assert!(first.won && !second.won);
        assert_eq!(first.record.name, "rel-gated");
        assert_eq!(
            second.record.name, "rel-gated",
            "the earlier decision holds"
        );
        assert_eq!(store.releases("ho").await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn two_replicas_deciding_at_once_record_one_release() {
    for db in Database::all("replicas").await {
        let a = Store::open(&db.url).await.unwrap();
        let b = Store::open(&db.url).await.unwrap();
        let record = decision("rel-1", "snap-1", ReleaseKind::Gated);
        let (left, right) = tokio::join!(a.decide_release(&record), b.decide_release(&record));
        let (left, right) = (left.unwrap(), right.unwrap());
        assert_eq!(left.record.name, right.record.name);
        assert!(left.won != right.won, "exactly one decision wins");
        assert_eq!(a.releases("ho").await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_final_release_status_is_never_left() {
    for db in Database::all("final_status").await {
        let store = Store::open(&db.url).await.unwrap();
        store
            .decide_release(&decision("rel-1", "snap-1", ReleaseKind::Gated))
            .await
            .unwrap();
        assert!(
            store
                .update_release_status("rel-1", ReleaseStatus::Progressing, None, at(40))
                .await
                .unwrap()
        );
        assert!(
            !store
                .update_release_status("rel-1", ReleaseStatus::Progressing, None, at(41))
                .await
                .unwrap()
        );
        assert!(
            store
                .update_release_status(
                    "rel-1",
                    ReleaseStatus::Failed,
                    Some("pipeline failed"),
                    at(50)
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .update_release_status("rel-1", ReleaseStatus::Progressing, None, at(60))
                .await
                .unwrap()
        );
        let release = store
            .release_for_snapshot("ho", "snap-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(release.status, ReleaseStatus::Failed);
        assert_eq!(release.status_message.as_deref(), Some("pipeline failed"));
        assert_eq!(release.created_at, Some(at(40)));
        assert!(store.open_releases().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn repeated_facts_are_recorded_once() {
    for db in Database::all("dedupe").await {
        let store = Store::open(&db.url).await.unwrap();
        assert!(
            store
                .record_verdict("ho", "s", "pending", "0 of 2", at(1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_verdict("ho", "s", "pending", "0 of 2", at(2))
                .await
                .unwrap()
        );
        assert!(
            store
                .record_verdict("ho", "s", "blocked", "0 of 2, 1 failed", at(3))
                .await
                .unwrap()
        );
        assert_eq!(
            store.latest_verdicts("ho").await.unwrap()["s"].decision,
            "blocked"
        );

        assert!(
            store
                .record_problem("gs://b/logs/j/1/finished.json", "not JSON", at(1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_problem("gs://b/logs/j/1/finished.json", "not JSON", at(2))
                .await
                .unwrap()
        );
        assert_eq!(store.recent_problems(10).await.unwrap().len(), 1);

        let unexpected = UnexpectedRelease {
            namespace: "ns".into(),
            name: "manual-1".into(),
            release_plan: "plan".into(),
            snapshot: "s".into(),
            author: Some("someone".into()),
            first_seen_at: at(5),
        };
        assert!(store.record_unexpected_release(&unexpected).await.unwrap());
        assert!(!store.record_unexpected_release(&unexpected).await.unwrap());
        assert_eq!(store.unexpected_releases().await.unwrap(), vec![unexpected]);

        let check = |bypassed, label: Option<&str>, t| ReleasePlanCheck {
            gate: "ho".into(),
            release_plan: "plan".into(),
            auto_release: label.map(str::to_string),
            bypassed,
            checked_at: at(t),
        };
        assert!(
            store
                .record_release_plan_check(&check(true, None, 1))
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_release_plan_check(&check(true, None, 2))
                .await
                .unwrap()
        );
        assert!(
            store
                .record_release_plan_check(&check(false, Some("false"), 3))
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .release_plan_check("ho")
                .await
                .unwrap()
                .unwrap()
                .checked_at,
            at(3)
        );
    }
}

#[tokio::test]
async fn the_audit_log_reads_newest_first() {
    for db in Database::all("audit").await {
        let store = Store::open(&db.url).await.unwrap();
        for (n, action) in ["release.decide", "release.create"].iter().enumerate() {
            store
                .audit(&AuditEntry {
                    at: at(n as i64),
                    actor: "gatebot".into(),
                    action: action.to_string(),
                    target: "snap-1".into(),
                    outcome: "ok".into(),
                    detail: "gate passed".into(),
                    channel: Some("C1".into()),
                    thread: None,
                })
                .await
                .unwrap();
        }
        let entries = store.recent_audit(10).await.unwrap();
        assert_eq!(
            entries
                .iter()
                .map(|e| e.action.as_str())
                .collect::<Vec<_>>(),
            ["release.create", "release.decide"]
        );
        assert_eq!(entries[0].channel.as_deref(), Some("C1"));
    }
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error_without_the_password() {
    let error = Store::open("postgres://gate:s3cret@127.0.0.1:1/gatebot")
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("cannot open the store at postgres://gate:***@127.0.0.1:1/gatebot"),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
}
