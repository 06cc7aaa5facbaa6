//! `gatebot simulate` on the production gate (36 cells, 34 jobs) in the world the issue
//! describes: 8 merges per weekday, jobs passing 90 % of the time and running 1.5–3 h, four
//! weeks, seed 1. The figures are deterministic for the seed, so these tests are not timed; how
//! long a month takes to simulate is measured by `benches/simulate_month.rs`.
//!
//! The issue's targets: median merge → Release ≤ 8 h, p90 ≤ 12 h, ≥ 12 releases a week,
//! ≤ 45 job runs per release. gatebot's rounds as they are meet the last two and miss the
//! first two; the test of those is ignored with the reason, and the next test pins down why
//! (docs/simulate.md, "What the figures say").

use gatebot::simulate::{Figures, GateUnderTest, RoundOverrides, Runs, Span, World, compare};

fn issue_world() -> World {
    World {
        weeks: 4,
        seed: 1,
        merges_per_weekday: 8,
        pass_rate: 0.9,
        job_duration: Span::hours(1.5, 3.0),
        ..World::default()
    }
}

/// The figures of the production gate in `world` for each way of running its jobs.
fn figures(world: &World, runs: &[Runs]) -> Vec<Figures> {
    let report = compare(world, &[GateUnderTest::production()], runs);
    report
        .columns
        .into_iter()
        .map(|column| column.figures)
        .collect()
}

fn triggered(world: &World) -> Figures {
    figures(world, &[Runs::triggered()]).remove(0)
}

#[test]
fn triggered_rounds_release_at_least_12_snapshots_a_week_for_at_most_45_runs_each() {
    let figures = triggered(&issue_world());
    assert!(figures.releases_per_week >= 12.0, "{figures:#?}");
    assert!(
        figures.job_runs_per_release.unwrap() <= 45.0,
        "{figures:#?}"
    );
}

#[test]
#[ignore = "missed by gatebot's rounds as they are: the median is 8.9 h and the p90 12.8 h, \
            because a merge first waits for the round in flight to end (docs/simulate.md)"]
fn triggered_rounds_bring_a_merge_to_release_within_8_h_median_and_12_h_p90() {
    let figures = triggered(&issue_world());
    assert!(
        figures.merge_to_release_median_hours.unwrap() <= 8.0,
        "{figures:#?}"
    );
    assert!(
        figures.merge_to_release_p90_hours.unwrap() <= 12.0,
        "{figures:#?}"
    );
}

#[test]
fn a_merge_waits_for_the_round_in_flight_and_then_for_a_whole_round_of_its_own() {
    let figures = triggered(&issue_world());
    let median = figures.merge_to_release_median_hours.unwrap();
    let before_its_round = figures.merge_to_round_start_median_hours.unwrap();
    let in_its_round = figures.round_start_to_release_median_hours.unwrap();
    // Half a round or more is spent waiting behind the round in flight (and the build) …
    assert!(before_its_round >= 2.5, "{figures:#?}");
    // … and its own round takes longer than a job, because most rounds retry some cell.
    assert!(in_its_round >= 4.5, "{figures:#?}");
    assert!(median > 8.0, "the target is missed: {figures:#?}");

    // With every job passing, a round is one job long and the same queue meets the target:
    // what costs the hours is the retry stacked on a round that others wait behind.
    let lucky = triggered(&World {
        pass_rate: 1.0,
        ..issue_world()
    });
    assert!(
        lucky.merge_to_release_median_hours.unwrap() <= 8.0,
        "{lucky:#?}"
    );
    assert!(lucky.round_length_median_hours.unwrap() < 3.5, "{lucky:#?}");
}

#[test]
fn the_knobs_gatebot_has_do_not_bring_the_median_to_8_h() {
    let world = issue_world();
    let knobs = [
        // Retry every FAILURE (no "chronic" refusals), never wait between triggers.
        Runs::Triggered {
            overrides: RoundOverrides {
                retries: Some(3),
                pass_rate_threshold: Some(0.0),
                stagger: Some(jiff::SignedDuration::ZERO),
                max_in_flight: None,
            },
            cancel_superseded: false,
        },
        // A newer snapshot cancels the round in flight.
        Runs::Triggered {
            overrides: RoundOverrides::default(),
            cancel_superseded: true,
        },
    ];
    let [fastest, cancelling] = figures(&world, &knobs).try_into().unwrap();
    assert!(
        fastest.merge_to_release_median_hours.unwrap() > 8.0,
        "{fastest:#?}"
    );
    assert!(
        fastest.merge_to_release_p90_hours.unwrap() <= 12.0,
        "{fastest:#?}"
    );
    // Snapshots come every 75 minutes on average and a round takes hours: cancelling leaves
    // almost no round to finish on a weekday.
    assert!(cancelling.releases_per_week < 2.0, "{cancelling:#?}");
}

#[test]
fn periodic_jobs_alone_release_about_once_a_week_and_merges_wait_days() {
    let periodic = figures(&issue_world(), &[Runs::periodic()]).remove(0);
    assert!(
        (0.5..=2.0).contains(&periodic.releases_per_week),
        "{periodic:#?}"
    );
    assert!(
        periodic
            .merge_to_release_median_hours
            .is_none_or(|h| h >= 48.0),
        "{periodic:#?}"
    );
    assert!(
        periodic
            .job_runs_per_release
            .is_none_or(|runs| runs > 200.0)
    );
}

#[test]
fn a_second_configuration_is_simulated_with_its_own_retry_rule() {
    let production = include_str!("../deploy/config/gatebot.toml");
    let lenient_text = production.replace("pass_rate_threshold = 0.8", "pass_rate_threshold = 0.7");
    assert_ne!(lenient_text, production, "the example sets the threshold");
    let lenient = GateUnderTest::from_config(&lenient_text, "lenient.toml").unwrap();
    assert_eq!(lenient.rounds.retry.pass_rate_threshold, 0.7);
    let report = compare(
        &issue_world(),
        &[GateUnderTest::production(), lenient],
        &[Runs::triggered()],
    );
    let [strict, lenient] = [&report.columns[0].figures, &report.columns[1].figures];
    let blocked = |figures: &Figures| figures.rounds.unwrap().ended_blocked;
    assert!(
        blocked(lenient) < blocked(strict),
        "a lower threshold retries more and blocks fewer rounds: {strict:#?} {lenient:#?}"
    );
}
