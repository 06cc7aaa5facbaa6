//! Resident memory of `gatebot run` (the real binary) following 1,000 snapshots of the example
//! gate (6 versions × 2 platforms × 3 checks) with 10 builds of every job in GCS, against the
//! emulators. Prints peak and current RSS once every snapshot is recorded and Prow was polled.
//!
//! Target: under 60 MB. Run with `cargo bench --bench run_memory`.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gatebot::clock::SystemClock;
use gatebot::config::Config;
use gatebot::engine::GateSpec;
use gatebot::sandbox::world::{World, digest};
use gatebot_emulators::prow::BuildResult;

const SNAPSHOTS: u32 = 1_000;
const BUILDS_PER_JOB: u32 = 10;

/// `VmHWM` (peak) and `VmRSS` (current) of a process, in kB.
fn memory_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("Linux /proc");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("the field is present")
    };
    (field("VmHWM:"), field("VmRSS:"))
}

#[tokio::main]
async fn main() {
    let example = include_str!("../deploy/config/gatebot.toml");
    let gate: GateSpec = Config::parse(example, "example").unwrap().gates[0].clone();
    let world = World::start(vec![gate.clone()], Arc::new(SystemClock))
        .await
        .unwrap();
    for n in 0..SNAPSHOTS {
        world.publish_snapshot(
            &gate,
            &format!("hypershift-operator-main-{n:06}"),
            &digest(n),
        );
    }
    for (j, job) in gate.policy.jobs().iter().enumerate() {
        for b in 0..BUILDS_PER_JOB {
            let build = format!("16{j:08}{b:09}");
            let snapshot = format!("hypershift-operator-main-{:06}", SNAPSHOTS - 1 - b);
            world.start_run(job, &build, &digest(SNAPSHOTS - 1 - b));
            world.finish_run(job, &build, &snapshot, BuildResult::Success);
        }
    }

    // The example config with the world's endpoints in place of the real ones.
    let dir = tempfile::tempdir().unwrap();
    let config = example
        .replace(
            "sqlite:///var/lib/gatebot/gatebot.db?mode=rwc",
            &world.store_url(),
        )
        .replace(
            "[kubernetes]",
            &format!("[kubernetes]\napi_url = \"{}\"", world.kube.url()),
        )
        .replace("https://storage.googleapis.com", world.gcs.url())
        .replace("0.0.0.0:8080", "127.0.0.1:0");
    let path = dir.path().join("gatebot.toml");
    std::fs::write(&path, config).unwrap();
    // Migrated before the bot starts: two processes must not migrate one SQLite file at once.
    let store = world.store().await;
    let mut bot = Command::new(env!("CARGO_BIN_EXE_gatebot"))
        .args(["run", "--config"])
        .arg(&path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();

    let started = Instant::now();
    loop {
        let recorded = store.snapshots(&gate.name).await.unwrap().len();
        let runs = store.runs().await.unwrap().len();
        if recorded == SNAPSHOTS as usize
            && runs == gate.policy.jobs().len() * BUILDS_PER_JOB as usize
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "gatebot did not catch up: {recorded} snapshots, {runs} runs"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A few evaluation passes over everything it follows.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (peak, current) = memory_of(bot.id());
    let _ = bot.kill();
    let _ = bot.wait();
    println!(
        "gatebot run following {SNAPSHOTS} snapshots, {} runs: peak RSS {:.1} MB, current RSS {:.1} MB",
        gate.policy.jobs().len() * BUILDS_PER_JOB as usize,
        peak as f64 / 1024.0,
        current as f64 / 1024.0
    );
}
