//! The CI around the sandbox's gate, emulated in-process next to the [`World`]: Prow's Gangway,
//! which starts the gate's jobs when gatebot's rounds trigger them and writes their runs into
//! the emulated GCS as Prow does, and OpenShift's release-controller, which says which OCP
//! versions are generally available.
//!
//! Every job of the gate passes by default, after a run time that depends on its cell (an
//! upgrade takes longer than an e2e run); a scenario's `gangway` steps change that, its
//! `history` steps write how a job fared on the nights before, and its `ga` steps make the
//! release-controller accept a version's first release. gatebot reaches both emulators through
//! its real clients, exactly as it reaches the real services.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::scenario::{GangwayStep, HistoryStep};
use super::world::{World, operator_image};
use crate::clock::Clock;
use crate::engine::GateSpec;
use crate::gate::{CellKey, Maturity, OcpVersion};
use crate::jira::Secret;
use crate::prow::gangway::{GangwayClient, GangwaySettings};
use crate::prow::{OPERATOR_IMAGE_ENV, ProwSettings, RetryPolicy};
use crate::release_streams::{ReleaseControllerClient, ReleaseStreamsSettings};
use crate::rounds::SNAPSHOT_ENV;
use gatebot_emulators::gangway::{GangwayEmulator, JobBehaviour};
use gatebot_emulators::prow::{BuildFinish, BuildResult, BuildStart};
use gatebot_emulators::release_controller::{Phase, ReleaseControllerEmulator};

/// How long a triggered run waits for its pod before it starts.
const SCHEDULING_DELAY: Duration = Duration::from_secs(2 * 60);
/// Outcomes left to chance are drawn from this seed, so a scenario plays the same every time.
const SEED: u64 = 20_260_512;

/// Gangway and the release-controller of the sandbox.
pub struct Ci {
    pub gangway: GangwayEmulator,
    pub release_controller: ReleaseControllerEmulator,
    /// Each job of the gate and the cell it answers.
    cells: BTreeMap<String, CellKey>,
}

impl Ci {
    /// Starts both emulators: Gangway knowing every job of `gate` (each passing, see
    /// [`run_time`]), writing into the world's GCS on the world's clock; the release-controller
    /// with a release of every version of the gate — a GA release of the GA ones, a release
    /// candidate of the others — so that it agrees with the gate's configuration until a `ga`
    /// step says otherwise.
    pub async fn start(world: &World, gate: &GateSpec) -> std::io::Result<Ci> {
        let cells: BTreeMap<String, CellKey> = gate
            .policy
            .cells
            .iter()
            .filter_map(|cell| Some((cell.job.clone()?, cell.key.clone())))
            .collect();
        let mut builder = GangwayEmulator::builder(world.gcs.objects())
            .clock(super::world::emulator_clock(&world.clock))
            .seed(SEED)
            // The player settles the runs at every step of its clock.
            .settle_every(None);
        for (job, cell) in &cells {
            builder = builder.job(job, default_behaviour(cell));
        }
        let gangway = builder.start().await?;
        let release_controller =
            ReleaseControllerEmulator::start_with_clock(super::world::emulator_clock(&world.clock))
                .await?;
        for (version, maturity) in &gate.versions.fallback {
            let stream = stream(*version);
            release_controller.add_stream(&stream);
            let tag = match maturity {
                Maturity::GenerallyAvailable => format!("{version}.3"),
                Maturity::PreRelease => format!("{version}.0-rc.1"),
            };
            release_controller.add_tag(&stream, &tag, Phase::Accepted);
        }
        Ok(Ci {
            gangway,
            release_controller,
            cells,
        })
    }

    /// gatebot's Gangway client, pointed at the emulator with its token.
    pub fn gangway_client(&self, clock: Arc<dyn Clock>) -> GangwayClient {
        let settings = GangwaySettings {
            url: self.gangway.url().to_string(),
            token: Secret::new(self.gangway.token()),
            request_timeout: Duration::from_secs(5),
            retry: quick_retries(),
        };
        GangwayClient::new(settings, reqwest::Client::new(), clock)
            .expect("settings pointing at the emulator are valid")
    }

    /// gatebot's release-controller client, pointed at the emulator.
    pub fn release_controller_client(&self) -> ReleaseControllerClient {
        let settings = ReleaseStreamsSettings {
            url: self.release_controller.base_url().to_string(),
            request_timeout: Duration::from_secs(5),
            retry: quick_retries(),
        };
        ReleaseControllerClient::new(settings, reqwest::Client::new())
            .expect("settings pointing at the emulator are valid")
    }

    /// The cell a job of the gate answers.
    pub fn cell_of(&self, job: &str) -> Option<&CellKey> {
        self.cells.get(job)
    }

    /// Changes how the runs Gangway starts from now on go: a pass rate or run time replaces the
    /// job's, outcomes queue up after any an earlier step queued that are still unused. Runs
    /// already started keep their plan.
    pub fn behave(&self, step: &GangwayStep) {
        let mut behaviour = self
            .gangway
            .job(&step.job)
            .unwrap_or_else(|| default_behaviour(&step.cell));
        if let Some(rate) = step.pass_rate {
            behaviour = behaviour.passing(rate);
        }
        if let Some(run_time) = step.duration {
            let run_time = run_time.unsigned_abs();
            behaviour = behaviour.running_between(run_time, run_time);
        }
        self.gangway
            .set_job(&step.job, behaviour.then(step.outcomes.iter().copied()));
    }

    /// The release-controller accepts `version`'s first GA release (`4.22.0`), which makes the
    /// version generally available; returns the tag and its stream.
    pub fn accept_ga(&self, version: OcpVersion) -> (String, String) {
        let (stream, tag) = (stream(version), format!("{version}.0"));
        self.release_controller
            .add_tag(&stream, &tag, Phase::Accepted);
        (tag, stream)
    }
}

/// The stable stream a version's releases are in: `4-stable`.
fn stream(version: OcpVersion) -> String {
    format!("{}-stable", version.major)
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(2),
    }
}

/// A job of the gate as it behaves unless a scenario says otherwise: it always passes, is
/// scheduled after two minutes, runs for [`run_time`], and reports the snapshot it tested in
/// its metadata, as the HyperShift jobs do.
fn default_behaviour(cell: &CellKey) -> JobBehaviour {
    let run_time = run_time(cell).unsigned_abs();
    JobBehaviour::default()
        .passing(1.0)
        .scheduled_after(SCHEDULING_DELAY)
        .running_between(run_time, run_time)
        .reporting_env(SNAPSHOT_ENV, ProwSettings::default().snapshot_metadata_key)
}

/// How long a cell's job runs by default: an e2e run 1h 05m to 1h 25m, an upgrade 1h 40m to
/// 2h, depending on the version and platform, so that the results of a round arrive one by one.
pub fn run_time(cell: &CellKey) -> SignedDuration {
    let base = match cell.check {
        crate::gate::Check::Baseline => 65,
        _ => 100,
    };
    let platform: u32 = cell.platform.to_string().bytes().map(u32::from).sum();
    let spread = (cell.version.minor * 3 + platform) % 5;
    SignedDuration::from_mins(i64::from(base + 5 * spread))
}

/// Writes a job's runs of the nights before `start` into GCS, oldest first: one a night, at
/// 01:00 UTC, each testing that night's build of `main`, the failures spread among the passes.
pub fn write_history(world: &World, step: &HistoryStep, start: Timestamp) {
    let total = step.passed + step.failed;
    let run_time = SignedDuration::from_mins(80);
    for index in 0..total {
        let nights_ago = i64::from(total - index);
        let started = start - SignedDuration::from_hours(6 + 24 * (nights_ago - 1));
        let night = started.strftime("%Y%m%d").to_string();
        let snapshot = format!("hypershift-operator-main-{night}-010000-000");
        let digest = format!(
            "sha256:{}",
            super::player::hex_sha256(&format!("hypershift-operator-main nightly {night}"))
        );
        let failed_before = u64::from(index) * u64::from(step.failed) / u64::from(total);
        let failed_after = u64::from(index + 1) * u64::from(step.failed) / u64::from(total);
        let result = if failed_after > failed_before {
            BuildResult::Failure
        } else {
            BuildResult::Success
        };
        let build_id = build_id(started, u64::from(index));
        world.prow().start_build(
            &BuildStart::new(&step.job, &build_id, started)
                .with_env(OPERATOR_IMAGE_ENV, operator_image(&digest)),
        );
        world.prow().finish_build(
            &step.job,
            &build_id,
            &BuildFinish::new(result, started + run_time)
                .with_metadata(ProwSettings::default().snapshot_metadata_key, snapshot),
        );
    }
}

/// The milliseconds since this moment are in the upper bits of Prow's build ids (snowflake ids).
const BUILD_ID_EPOCH_MS: i64 = 1_288_834_974_657;

/// A build id as Prow gives one to a build that starts at `at`: 19 digits, growing with time,
/// so gatebot, which lists a job's builds from the newest it has seen, reads the runs of
/// scenario steps, of Gangway and of the nights before in the order they happened. `serial`
/// (below 2²¹) keeps the ids of builds started at the same moment apart; the ids Gangway gives
/// have it 0 and count up from there.
pub fn build_id(at: Timestamp, serial: u64) -> String {
    let millis = u64::try_from(at.as_millisecond() - BUILD_ID_EPOCH_MS).unwrap_or(0);
    ((millis << 22) | (1 << 21) | (serial & ((1 << 21) - 1))).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Check, Platform};

    #[test]
    fn build_ids_grow_with_time_and_keep_builds_of_one_moment_apart() {
        let morning = Timestamp::constant(1_778_569_200, 0);
        let first = build_id(morning, 3);
        let second = build_id(morning, 4);
        let later = build_id(morning + SignedDuration::from_secs(1), 0);
        assert_eq!(first.len(), 19);
        assert!(first < second && second < later, "{first} {second} {later}");
    }

    #[test]
    fn upgrades_run_longer_than_e2e_runs() {
        let cell = |check| CellKey {
            version: OcpVersion::new(4, 21),
            platform: Platform::new("aws"),
            check,
        };
        let e2e = run_time(&cell(Check::Baseline));
        let upgrade = run_time(&cell(Check::UpgradeFromZero));
        assert!((65..=85).contains(&e2e.as_mins()), "{e2e}");
        assert!((100..=120).contains(&upgrade.as_mins()), "{upgrade}");
    }
}
