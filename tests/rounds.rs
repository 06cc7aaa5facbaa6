//! Rounds end to end: the engine follows a snapshot, the round runner triggers every cell's job
//! for it through the real Gangway client against the Gangway emulator, the runs land in the
//! emulated GCS where the engine's Prow poll reads them, and the gate releases — exactly once,
//! each cell triggered once with the snapshot's image, staggered, within the cap.

mod support;

use std::sync::Arc;
use std::time::Duration;

use gatebot::clock::SystemClock;
use gatebot::commands::answers::blocked_why;
use gatebot::engine::{GateEvent, GateSpec};
use gatebot::gate::{Aggregate, Decision, Maturity, OcpVersion, SnapshotKey, VersionCatalog};
use gatebot::jira::Secret;
use gatebot::prow::gangway::{GangwayClient, GangwaySettings};
use gatebot::prow::{OPERATOR_IMAGE_ENV, RetryPolicy};
use gatebot::rounds::{Pace, RoundRunner, RoundSettings, Runs, SNAPSHOT_ENV};
use gatebot::sandbox::world::{World, digest, emulator_clock};
use gatebot_emulators::gangway::{Fault, GangwayEmulator, JobBehaviour, Outcome, Route};
use gatebot_emulators::prow::BuildResult;
use gatebot_emulators::slack::SlackEmulator;
use jiff::SignedDuration;
use tokio::task::JoinHandle;

use gatebot::rounds::AttemptState;
use gatebot::store::Store;
use support::chat::{self, snapshot_name};
use support::database::Database;
use support::{Running, all_jobs, gate, wait_until};

const LIMIT: Duration = Duration::from_secs(30);
const STAGGER: Duration = Duration::from_millis(60);
const NS: &str = "crt-redhat-acm-tenant";

/// The test gate, running its own tests: staggered by [`STAGGER`], at most 3 in flight.
fn triggered_gate() -> GateSpec {
    let mut gate = gate();
    gate.runs = Runs::Triggered;
    gate.rounds.pace = Pace {
        stagger: SignedDuration::try_from(STAGGER).unwrap(),
        max_in_flight: 3,
        find_for: SignedDuration::from_secs(10),
    };
    gate
}

/// An emulated world whose gate runs its own tests.
async fn world() -> World {
    World::start(vec![triggered_gate()], Arc::new(SystemClock))
        .await
        .expect("emulators start")
}

/// Gangway for the world's GCS; every job of the gate is schedulable, quick, and passes unless
/// `outcomes` scripts it.
async fn gangway(world: &World, outcomes: &[(String, Vec<Outcome>)]) -> GangwayEmulator {
    let mut builder = GangwayEmulator::builder(world.gcs.objects())
        .clock(emulator_clock(&world.clock))
        .seed(7)
        .settle_every(Some(Duration::from_millis(20)));
    for job in all_jobs() {
        let mut behaviour = JobBehaviour::default()
            .scheduled_after(Duration::from_millis(20))
            .running_between(Duration::from_millis(50), Duration::from_millis(100))
            .passing(1.0);
        if let Some((_, scripted)) = outcomes.iter().find(|(name, _)| name == &job) {
            behaviour = behaviour.then(scripted.clone());
        }
        builder = builder.job(job, behaviour);
    }
    builder.start().await.expect("the Gangway emulator starts")
}

/// The round runner of `running`'s gatebot, against `gangway`.
fn runner(world: &World, running: &Running, gangway: &GangwayEmulator) -> JoinHandle<()> {
    let settings = GangwaySettings {
        url: gangway.url().to_string(),
        token: Secret::new(gangway.token()),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(5),
        },
    };
    let client = GangwayClient::new(settings, reqwest::Client::new(), world.clock.clone())
        .expect("settings pointing at the emulator are valid");
    let runner = RoundRunner::new(
        running.engine.clone(),
        running.store.clone(),
        client,
        world.prow_client(),
        world.clock.clone(),
        RoundSettings {
            every: Duration::from_millis(20),
            follow_every: Duration::from_millis(20),
        },
    );
    tokio::spawn(runner.run(std::future::pending()))
}

/// Asserts that Gangway ran every job of the gate exactly once.
fn assert_each_job_triggered_once(gangway: &GangwayEmulator, why: &str) {
    let mut triggered: Vec<String> = gangway.executions().into_iter().map(|e| e.job).collect();
    triggered.sort();
    let mut expected = all_jobs();
    expected.sort();
    assert_eq!(triggered, expected, "{why}");
}

/// Runs gatebot with its round runner against `gangway` until the gate released snapshot 1,
/// and a little longer, so that a second Release or trigger, if anything made one, shows up.
async fn released_through_rounds(world: &World, gangway: &GangwayEmulator) {
    let running = Running::start(world).await;
    let rounds = runner(world, &running, gangway);
    world.publish_snapshot(&gate(), &snapshot_name(1), &digest(1));
    wait_until("the gate releases the snapshot", LIMIT, || async {
        !world.releases(NS).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rounds.abort();
}

#[tokio::test]
async fn a_new_snapshot_gets_one_round_every_cell_triggered_once_then_exactly_one_release() {
    let world = world().await;
    let gangway = gangway(&world, &[]).await;
    released_through_rounds(&world, &gangway).await;
    assert_eq!(world.releases(NS).len(), 1, "exactly one Release");
    let snapshot = snapshot_name(1);

    assert_each_job_triggered_once(&gangway, "every cell's job once");
    let executions = gangway.executions();
    for execution in &executions {
        let envs = &execution.options.envs;
        assert!(envs[OPERATOR_IMAGE_ENV].ends_with(&digest(1)), "{envs:?}");
        assert_eq!(envs[SNAPSHOT_ENV], snapshot);
        assert_eq!(
            execution.options.annotations["gatebot.hypershift.io/snapshot"],
            snapshot
        );
    }
    let stagger = jiff::SignedDuration::try_from(STAGGER).unwrap();
    for pair in executions.windows(2) {
        assert!(
            pair[1].created_at.duration_since(pair[0].created_at) >= stagger,
            "triggers {} and {} are closer than the stagger",
            pair[0].job,
            pair[1].job
        );
    }
    let most_in_flight = executions
        .iter()
        .map(|e| {
            executions
                .iter()
                .filter(|o| o.created_at <= e.created_at && o.completes_at > e.created_at)
                .count()
        })
        .max()
        .unwrap();
    assert!(
        most_in_flight <= 3,
        "at most 3 in flight, saw {most_in_flight}"
    );
}

/// Ten finished runs of `job` for other snapshots, older than anything the round runs.
fn history(world: &World, job: &str, result: BuildResult) {
    for n in 0..10 {
        let build = format!("10000000000000000{n:02}");
        world.start_run(job, &build, &digest(99));
        world.finish_run(job, &build, &snapshot_name(99), result);
    }
}

/// What `blocked-why` says about snapshot 1 now.
async fn blocked_why_now(running: &Running) -> String {
    let key = SnapshotKey::new(&gate().name, snapshot_name(1));
    let facts = running.engine.facts(&key).await.unwrap().expect("tracked");
    let catalog = running.engine.catalog(&gate().name).unwrap();
    blocked_why(&facts, &catalog)
}

#[tokio::test]
async fn a_flake_of_a_job_that_usually_passes_is_retried_never_blocks_and_every_surface_lists_both_attempts()
 {
    let world = world().await;
    let slack = SlackEmulator::start(chat::workspace(&[(chat::VISITOR, "victor")]))
        .await
        .unwrap();
    let flaky = support::job("4.20", "aws", "baseline");
    history(&world, &flaky, BuildResult::Success);
    let gangway = gangway(&world, &[(flaky.clone(), vec![Outcome::Failure])]).await;
    let bot = chat::Bot::start(&world, &slack).await;
    let mut events = bot.running.engine.subscribe();
    let rounds = runner(&world, &bot.running, &gangway);
    let snapshot = snapshot_name(1);
    world.publish_snapshot(&gate(), &snapshot, &digest(1));
    wait_until("the gate releases the snapshot", LIMIT, || async {
        !world.releases(NS).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rounds.abort();

    let runs_of_flaky: Vec<_> = gangway
        .executions()
        .into_iter()
        .filter(|e| e.job == flaky)
        .collect();
    assert_eq!(runs_of_flaky.len(), 2, "the failure was retried once");
    assert_eq!(world.releases(NS).len(), 1);

    let mut retried = Vec::new();
    while let Ok(event) = events.try_recv() {
        match event {
            GateEvent::VerdictChanged { decision, .. } => assert_ne!(
                decision,
                Decision::Blocked,
                "a failure with a retry coming never blocks the snapshot"
            ),
            GateEvent::CellBlocked { cell, .. } => panic!("{} blocked", cell.key),
            GateEvent::AttemptFinished {
                number: 1,
                retry,
                reason,
                run_url,
                ..
            } => retried.push((retry, reason.unwrap_or_default(), run_url)),
            _ => {}
        }
    }
    let [(true, reason, Some(_))] = retried.as_slice() else {
        panic!("one retried attempt with its link, got {retried:?}");
    };
    assert!(reason.contains("passed 10 of its last 10 runs"), "{reason}");

    let thread = || chat::status_message_of(&slack, &snapshot).map(|m| chat::replies_text(&m));
    wait_until("the thread tells of the retry", LIMIT, || async {
        thread().is_some_and(|text| text.contains("gatebot runs it again"))
    })
    .await;
    let thread = thread().unwrap();
    assert!(
        thread.contains(":arrows_counterclockwise: Round started"),
        "{thread}"
    );
    assert!(
        thread.contains("|attempt 1>"),
        "the attempt links its run: {thread}"
    );
    assert!(
        thread.contains("passed on <"),
        "the retry that passed, linked: {thread}"
    );
    let status = chat::everything_in(&chat::status_message_of(&slack, &snapshot).unwrap());
    assert!(
        status.contains("|attempt 1> failure, retried") && status.contains("|attempt 2> passed"),
        "{status}"
    );

    let answer = blocked_why_now(&bot.running).await;
    assert!(answer.contains("Nothing blocks it"), "{answer}");
    let attempt_lines: Vec<&str> = answer
        .lines()
        .filter(|line| line.trim_start().starts_with("attempt "))
        .collect();
    assert_eq!(attempt_lines.len(), 2, "{answer}");
    assert!(
        attempt_lines.iter().all(|line| line.contains("https://")),
        "each with its link: {answer}"
    );
    assert!(
        answer.contains("the job passed 10 of its last 10 runs"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_trigger_whose_answer_was_lost_is_found_in_gcs_not_triggered_again() {
    let world = world().await;
    let gangway = gangway(&world, &[]).await;
    // The first trigger is carried out, but its answer never comes back.
    gangway.inject(Fault::answer_lost(502).on(Route::Trigger).times(1));
    released_through_rounds(&world, &gangway).await;
    assert_each_job_triggered_once(&gangway, "the lost trigger was found, not repeated");
}

#[tokio::test]
async fn gangway_rate_limits_hold_the_round_and_it_resumes() {
    let world = world().await;
    let gangway = gangway(&world, &[]).await;
    gangway.inject(Fault::rate_limited(1).on(Route::Trigger).times(3));
    released_through_rounds(&world, &gangway).await;
    let refused: Vec<_> = gangway
        .requests()
        .into_iter()
        .filter(|request| request.status == Some(429))
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert_eq!(gangway.executions().len(), all_jobs().len());
}

/// Runs gatebot with its round runner against `gangway` until `job` ran `runs` times for
/// snapshot 1 and the last run ended, and a little longer, checks it ran no more, and returns
/// what `blocked-why` says then.
async fn round_of_failures(
    world: &World,
    gangway: &GangwayEmulator,
    job: &str,
    runs: usize,
) -> String {
    let running = Running::start(world).await;
    let rounds = runner(world, &running, gangway);
    world.publish_snapshot(&gate(), &snapshot_name(1), &digest(1));
    let runs_of_job = || {
        gangway
            .executions()
            .into_iter()
            .filter(|e| e.job == job)
            .collect::<Vec<_>>()
    };
    wait_until("the job ran and ended", LIMIT, || async {
        let runs_so_far = runs_of_job();
        runs_so_far.len() == runs && runs_so_far.iter().all(|e| e.status.is_final())
    })
    .await;
    // Long enough for another retry or a Release, if anything would make one.
    tokio::time::sleep(Duration::from_millis(800)).await;
    rounds.abort();
    assert_eq!(runs_of_job().len(), runs, "no further attempt");
    blocked_why_now(&running).await
}

#[tokio::test]
async fn a_failure_of_a_job_failing_chronically_blocks_at_once_without_a_retry() {
    let world = world().await;
    let chronic = support::job("4.20", "aws", "baseline");
    history(&world, &chronic, BuildResult::Failure);
    let gangway = gangway(&world, &[(chronic.clone(), vec![Outcome::Failure])]).await;
    let answer = round_of_failures(&world, &gangway, &chronic, 1).await;
    assert!(
        world.releases(NS).is_empty(),
        "a blocking failure releases nothing"
    );
    assert!(answer.contains("BLOCKED"), "{answer}");
    assert!(
        answer.contains("attempt 1: failure, not retried") && answer.contains("chronically"),
        "the reason says the job fails chronically: {answer}"
    );
    assert!(
        answer.contains("the job passed 0 of its last 11 runs; no passing run is known"),
        "{answer}"
    );
}

#[tokio::test]
async fn retries_run_out_and_the_snapshot_stays_blocked() {
    let world = world().await;
    let failing = support::job("4.20", "azure", "baseline");
    let gangway = gangway(&world, &[(failing.clone(), vec![Outcome::Failure; 3])]).await;
    let answer = round_of_failures(&world, &gangway, &failing, 3).await;
    assert!(
        world.releases(NS).is_empty(),
        "three failures release nothing"
    );
    assert!(answer.contains("BLOCKED"), "{answer}");
    for attempt in [
        "attempt 1: failure, retried",
        "attempt 2: failure, retried",
        "attempt 3: failure, not retried",
    ] {
        assert!(answer.contains(attempt), "{attempt} in {answer}");
    }
    assert!(answer.contains("no retry is left"), "{answer}");
}

#[tokio::test]
async fn killed_between_a_trigger_and_its_record_the_restarted_gatebot_finds_the_run_and_triggers_it_once()
 {
    let world = world().await;
    let gangway = gangway(&world, &[]).await;
    // The first trigger is carried out but its answer never arrives, and Prow takes a while to
    // schedule it, so the first process cannot find it before it is killed.
    for job in all_jobs() {
        gangway.set_job(
            job,
            JobBehaviour::default()
                .scheduled_after(Duration::from_millis(400))
                .running_between(Duration::from_millis(50), Duration::from_millis(100))
                .passing(1.0),
        );
    }
    gangway.inject(Fault::answer_dropped().on(Route::Trigger).times(1));
    let first = Running::start(&world).await;
    let rounds = runner(&world, &first, &gangway);
    world.publish_snapshot(&gate(), &snapshot_name(1), &digest(1));
    wait_until("the first trigger reached Gangway", LIMIT, || async {
        !gangway.executions().is_empty()
    })
    .await;
    rounds.abort();
    first.kill().await;
    let key = SnapshotKey::new(&gate().name, snapshot_name(1));
    let store = world.store().await;
    let attempts = store.attempts(&key).await.unwrap();
    assert!(
        matches!(attempts.as_slice(), [only] if matches!(only.state, AttemptState::Intended { .. })),
        "killed with the trigger carried out but not recorded: {attempts:?}"
    );

    let second = Running::start_on(&world, store).await;
    let rounds = runner(&world, &second, &gangway);
    wait_until(
        "the restarted gatebot releases the snapshot",
        LIMIT,
        || async { !world.releases(NS).is_empty() },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rounds.abort();
    assert_each_job_triggered_once(&gangway, "the lost trigger was found, not repeated");
    assert_eq!(world.releases(NS).len(), 1);
}

#[tokio::test]
async fn two_replicas_on_one_store_trigger_every_cell_once_and_make_one_release() {
    for database in Database::all("rounds_two_replicas").await {
        let world = world().await;
        let gangway = gangway(&world, &[]).await;
        let one = Running::start_on(&world, Store::open(&database.url).await.unwrap()).await;
        let other = Running::start_on(&world, Store::open(&database.url).await.unwrap()).await;
        let runners = [
            runner(&world, &one, &gangway),
            runner(&world, &other, &gangway),
        ];
        world.publish_snapshot(&gate(), &snapshot_name(1), &digest(1));
        wait_until("the gate releases the snapshot", LIMIT, || async {
            !world.releases(NS).is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        for runner in runners {
            runner.abort();
        }
        let why = format!("{}: each cell once", database.url);
        assert_each_job_triggered_once(&gangway, &why);
        assert_eq!(world.releases(NS).len(), 1, "{}", database.url);
    }
}

#[tokio::test]
async fn a_snapshot_superseded_during_a_round_may_still_release_and_the_next_round_tests_the_newest()
 {
    let world = world().await;
    let gangway = gangway(&world, &[]).await;
    let running = Running::start(&world).await;
    let rounds = runner(&world, &running, &gangway);
    let (first, second, third) = (snapshot_name(1), snapshot_name(2), snapshot_name(3));
    world.publish_snapshot(&gate(), &first, &digest(1));
    wait_until("the first round started", LIMIT, || async {
        !gangway.executions().is_empty()
    })
    .await;
    world.publish_snapshot(&gate(), &second, &digest(2));
    world.publish_snapshot(&gate(), &third, &digest(3));
    wait_until("two releases", LIMIT, || async {
        world.releases(NS).len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rounds.abort();

    let released: Vec<String> = world
        .releases(NS)
        .iter()
        .map(|release| release["spec"]["snapshot"].as_str().unwrap().to_string())
        .collect();
    assert!(
        released.contains(&first) && released.contains(&third),
        "the round in flight released its snapshot, the next round the newest: {released:?}"
    );
    let executions = gangway.executions();
    let of = |snapshot: &str| -> Vec<_> {
        executions
            .iter()
            .filter(|e| e.options.envs[SNAPSHOT_ENV] == snapshot)
            .collect()
    };
    assert_eq!(of(&first).len(), all_jobs().len());
    assert!(
        of(&second).is_empty(),
        "no round for a snapshot superseded before it started"
    );
    assert_eq!(of(&third).len(), all_jobs().len());
    let first_round_ended = of(&first).iter().map(|e| e.completes_at).max().unwrap();
    let next_round_began = of(&third).iter().map(|e| e.created_at).min().unwrap();
    assert!(
        next_round_began >= first_round_ended,
        "one round at a time: the next began {next_round_began}, the first ended {first_round_ended}"
    );
}

#[tokio::test]
async fn gangway_down_says_so_in_status_and_the_channel_loses_nothing_and_the_round_resumes() {
    let world = world().await;
    let slack = SlackEmulator::start(chat::workspace(&[(chat::VISITOR, "victor")]))
        .await
        .unwrap();
    let gangway = gangway(&world, &[]).await;
    // Every call fails until the faults are cleared.
    gangway.inject(Fault::status(503).until(jiff::Timestamp::MAX));
    let bot = chat::Bot::start(&world, &slack).await;
    let mut events = bot.running.engine.subscribe();
    let rounds = runner(&world, &bot.running, &gangway);
    world.publish_snapshot(&gate(), &snapshot_name(1), &digest(1));
    wait_until("gatebot notices Gangway is down", LIMIT, || async {
        bot.running.engine.gangway_trouble().is_some()
    })
    .await;
    slack.slash_command(chat::VISITOR, chat::CHANNEL, "status");
    wait_until(
        "status says the rounds cannot use Gangway",
        LIMIT,
        || async {
            slack.ephemerals(chat::CHANNEL).iter().any(|answer| {
                chat::everything_in_ephemeral(answer)
                    .contains("gatebot's rounds cannot use it since")
            })
        },
    )
    .await;
    assert!(gangway.executions().is_empty());
    assert!(world.releases(NS).is_empty());

    gangway.clear_faults();
    wait_until("the round resumes and releases", LIMIT, || async {
        !world.releases(NS).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rounds.abort();
    assert!(bot.running.engine.gangway_trouble().is_none());
    assert_each_job_triggered_once(&gangway, "nothing lost, nothing doubled");
    let mut told = (0, 0);
    while let Ok(event) = events.try_recv() {
        match event {
            GateEvent::GangwayTrouble { .. } => told.0 += 1,
            GateEvent::GangwayRecovered { .. } => told.1 += 1,
            _ => {}
        }
    }
    assert_eq!(told, (1, 1), "the trouble and its end, each told once");
    wait_until("the channel heard of both", LIMIT, || async {
        let channel: Vec<String> = chat::top_level(&slack)
            .iter()
            .map(chat::everything_in)
            .collect();
        channel
            .iter()
            .any(|text| text.contains("cannot use Gangway"))
            && channel
                .iter()
                .any(|text| text.contains("Gangway answers again"))
    })
    .await;
}

#[tokio::test]
async fn an_aggregated_cell_runs_its_three_runs_at_once_and_two_passes_release_it() {
    let mut aggregated = triggered_gate();
    let job = support::job("4.20", "aws", "baseline");
    let cell = aggregated
        .policy
        .cells
        .iter_mut()
        .find(|cell| cell.job.as_deref() == Some(job.as_str()))
        .unwrap();
    cell.aggregate = Some(Aggregate { passes: 2, runs: 3 });
    let world = World::start(vec![aggregated], Arc::new(SystemClock))
        .await
        .unwrap();
    let gangway = gangway(
        &world,
        &[(
            job.clone(),
            vec![Outcome::Failure, Outcome::Success, Outcome::Success],
        )],
    )
    .await;
    let running = Running::start(&world).await;
    let rounds = runner(&world, &running, &gangway);
    world.publish_snapshot(&gate(), &snapshot_name(1), &digest(1));
    wait_until("the gate releases the snapshot", LIMIT, || async {
        !world.releases(NS).is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rounds.abort();
    let runs_of_job = gangway
        .executions()
        .into_iter()
        .filter(|e| e.job == job)
        .count();
    assert_eq!(runs_of_job, 3, "three runs, none of them a retry");
    assert_eq!(world.releases(NS).len(), 1);
    let answer = blocked_why_now(&running).await;
    assert!(answer.contains("Nothing blocks it"), "{answer}");
}

#[tokio::test]
async fn the_newest_snapshots_round_starts_while_the_round_in_flight_only_waits_for_a_retry() {
    let world = world().await;
    let slow = support::job("4.20", "aws", "baseline");
    history(&world, &slow, BuildResult::Success);
    let gangway = gangway(&world, &[]).await;
    gangway.set_job(
        slow.clone(),
        JobBehaviour::default()
            .scheduled_after(Duration::from_millis(20))
            .running_between(Duration::from_millis(500), Duration::from_millis(600))
            .passing(1.0)
            .then(vec![Outcome::Failure]),
    );
    let running = Running::start(&world).await;
    let rounds = runner(&world, &running, &gangway);
    let (first, second) = (snapshot_name(1), snapshot_name(2));
    world.publish_snapshot(&gate(), &first, &digest(1));
    wait_until("the first round started", LIMIT, || async {
        !gangway.executions().is_empty()
    })
    .await;
    world.publish_snapshot(&gate(), &second, &digest(2));
    wait_until("both snapshots are released", LIMIT, || async {
        world.releases(NS).len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rounds.abort();

    let executions = gangway.executions();
    let of = |snapshot: &str| -> Vec<_> {
        executions
            .iter()
            .filter(|e| e.options.envs[SNAPSHOT_ENV] == snapshot)
            .collect()
    };
    let retry = of(&first)
        .into_iter()
        .filter(|e| e.job == slow)
        .max_by_key(|e| e.created_at)
        .unwrap();
    let first_runs_back = of(&first)
        .iter()
        .filter(|e| e.created_at < retry.created_at)
        .map(|e| e.completes_at)
        .max()
        .unwrap();
    let second_began = of(&second).iter().map(|e| e.created_at).min().unwrap();
    assert!(
        second_began >= first_runs_back,
        "the second round waited for the first one's first runs: began {second_began}, they were back {first_runs_back}"
    );
    assert!(
        second_began < retry.completes_at,
        "the second round began {second_began}, before the first one's retry ended {}",
        retry.completes_at
    );
    assert_eq!(of(&second).len(), all_jobs().len());
}

#[tokio::test]
async fn a_version_that_goes_ga_during_a_round_counts_from_the_next_round_on() {
    let world = world().await;
    let prerelease = support::job("4.21", "aws", "baseline");
    let slow = support::job("4.20", "azure", "baseline");
    let gangway = gangway(
        &world,
        &[(
            prerelease.clone(),
            vec![Outcome::Failure, Outcome::Failure, Outcome::Success],
        )],
    )
    .await;
    gangway.set_job(
        slow.clone(),
        JobBehaviour::default()
            .scheduled_after(Duration::from_millis(20))
            .running_between(Duration::from_millis(1500), Duration::from_millis(1600))
            .passing(1.0),
    );
    let running = Running::start(&world).await;
    let rounds = runner(&world, &running, &gangway);
    let (first, second) = (snapshot_name(1), snapshot_name(2));
    world.publish_snapshot(&gate(), &first, &digest(1));
    let key = SnapshotKey::new(&gate().name, &first);
    wait_until("4.21's failure is judged, not retried", LIMIT, || async {
        running
            .store
            .attempts(&key)
            .await
            .unwrap()
            .iter()
            .any(|attempt| attempt.cell.version.to_string() == "4.21" && attempt.failed_for_good())
    })
    .await;
    assert!(world.releases(NS).is_empty(), "the slow cell still runs");
    let all_ga = VersionCatalog::new([
        (OcpVersion::new(4, 20), Maturity::GenerallyAvailable),
        (OcpVersion::new(4, 21), Maturity::GenerallyAvailable),
    ]);
    assert!(running.engine.set_catalog(&gate().name, all_ga));
    wait_until(
        "the first snapshot is released all the same",
        LIMIT,
        || async { world.releases(NS).len() == 1 },
    )
    .await;

    world.publish_snapshot(&gate(), &second, &digest(2));
    wait_until("the second snapshot is released", LIMIT, || async {
        world.releases(NS).len() == 2
    })
    .await;
    rounds.abort();
    let runs_of = |snapshot: &str| {
        gangway
            .executions()
            .into_iter()
            .filter(|e| e.job == prerelease && e.options.envs[SNAPSHOT_ENV] == snapshot)
            .count()
    };
    assert_eq!(
        runs_of(&first),
        1,
        "not GA when the first round started: no retry"
    );
    assert_eq!(
        runs_of(&second),
        2,
        "GA for the next round: its failure counts, so it was retried"
    );
}
