//! How long one escalation scan takes over 5,000 ON_QA issues in the emulated Jira (50 per
//! page), and how much memory it needs.
//!
//! Two cases: the first scan after deployment, where three quarters of the issues are due and
//! each gets its comments read and one comment posted (100 search pages, 3,750 reads, 3,750
//! posts, 3,750 store records); and a quiet scan, where everything due was already sent and only
//! the search pages and the store are read. Before criterion runs, one first scan is measured on
//! its own and its wall time and peak resident memory (`VmHWM` of /proc/self/status, reset through
//! /proc/self/clear_refs once the emulator is seeded) are printed. The emulator runs in the same
//! process, so the peak includes the emulated Jira's 5,000 issues; the baseline printed beside it
//! shows how much of it that is.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use gatebot::clock::{Clock, ManualClock};
use gatebot::escalation::{EscalationConfig, ScanOptions, ScanReport, scan};
use gatebot::jira::{Deployment, JiraAuth, JiraClient, JiraSettings, Secret};
use gatebot::store::Store;
use gatebot_emulators::jira::{
    self as emulated, Credentials, EmulatedIssue, EmulatorOptions, JiraEmulator,
};
use jiff::{SignedDuration, Timestamp};

const ISSUES: usize = 5_000;
const TOKEN: &str = "bench-token";

struct World {
    jira: JiraEmulator,
    client: JiraClient,
    store: Store,
    clock: ManualClock,
    config: EscalationConfig,
    _dir: tempfile::TempDir,
}

fn thursday() -> Timestamp {
    "2025-01-16T09:00:00Z".parse().expect("a valid timestamp")
}

/// 5,000 issues: a quarter entered ON_QA on Thursday 09:00 (nothing due an hour later), the rest
/// one, two or three weekdays earlier (25, 49 and 73 weekday hours in at the scan).
async fn world() -> World {
    let auth = JiraAuth::Bearer(Secret::new(TOKEN));
    let clock = ManualClock::new(thursday());
    let jira = JiraEmulator::start(EmulatorOptions {
        auth: Credentials::Bearer(TOKEN.into()),
        deployment: emulated::Deployment::Server,
        bot_user: "gatebot".into(),
        max_results: 50,
        clock: {
            let clock = clock.clone();
            Arc::new(move || clock.now())
        },
    })
    .await
    .expect("the emulated Jira starts");
    for number in 1..=ISSUES {
        let days_ago = [0, 1, 2, 3][number % 4];
        let entered = thursday() - SignedDuration::from_hours(24 * days_ago);
        jira.add_issue(
            EmulatedIssue::on_qa_since(&format!("OCPBUGS-{number}"), entered).qa_contact("qa"),
        );
    }
    let client = JiraClient::new(jira.base_url(), Deployment::Server, auth).expect("a valid URL");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let store = Store::open(&url).await.expect("the store opens");
    let config = EscalationConfig {
        jira: JiraSettings {
            url: jira.base_url().into(),
            ..JiraSettings::default()
        },
        target_versions: vec!["4.20.0".into()],
        page_size: 50,
        ..EscalationConfig::default()
    };
    World {
        jira,
        client,
        store,
        clock,
        config,
        _dir: dir,
    }
}

/// A scan on Thursday 10:00.
async fn scan_now(world: &World) -> ScanReport {
    world.clock.set(thursday() + SignedDuration::from_hours(1));
    scan(
        &world.client,
        &world.store,
        &world.clock,
        &world.config,
        ScanOptions::default(),
    )
    .await
    .expect("the scan can use its store")
}

/// A line of /proc/self/status in kB, e.g. `VmHWM`.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn measure_once(runtime: &tokio::runtime::Runtime) {
    let world = runtime.block_on(world());
    let baseline = status_kb("VmRSS:");
    // Writing 5 resets the peak (VmHWM) to the current resident size.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let start = Instant::now();
    let report = runtime.block_on(scan_now(&world));
    let wall = start.elapsed();
    let peak = status_kb("VmHWM:");
    let kib = |value: Option<u64>| {
        value.map_or("unknown".to_string(), |kb| {
            format!("{:.1} MiB", kb as f64 / 1024.0)
        })
    };
    eprintln!(
        "escalation scan of {ISSUES} issues: {} seen, {} comments posted, complete: {}; wall {:.2?}; \
         RSS before the scan {}; peak RSS during it {}{}",
        report.issues_seen,
        report.escalated.len(),
        report.complete(),
        wall,
        kib(baseline),
        kib(peak),
        if reset {
            ""
        } else {
            " (peak not reset: since process start)"
        }
    );
    assert_eq!(report.issues_seen as usize, ISSUES);
    assert_eq!(
        world
            .jira
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        report.escalated.len()
    );
}

fn scans(criterion: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    measure_once(&runtime);
    let mut group = criterion.benchmark_group("escalation_scan");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    group.bench_function("first_scan_5000_issues", |bench| {
        bench.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let world = runtime.block_on(world());
                let start = Instant::now();
                runtime.block_on(scan_now(&world));
                total += start.elapsed();
            }
            total
        });
    });
    let quiet = runtime.block_on(async {
        let world = world().await;
        scan_now(&world).await;
        world
    });
    group.bench_function("quiet_scan_5000_issues", |bench| {
        bench.iter(|| runtime.block_on(scan_now(&quiet)));
    });
    group.finish();
}

criterion_group!(benches, scans);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
