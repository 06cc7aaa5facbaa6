//! `gatebot simulate` for a month: four weeks of merges (8 per weekday) against the production
//! gate (36 cells, 34 jobs), jobs passing 90 % of the time and running 1.5–3 h, once with
//! rounds triggered by gatebot and once with periodic jobs alone. Target: a simulated month in
//! under 30 s of wall time.
//!
//! Before measuring, it prints the simulated figures of both modes for the fixed seed, the
//! numbers `docs/benchmarks.md` records beside the time.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use gatebot::simulate::{GateUnderTest, Runs, Scenario, World, compare, render_text, simulate};

fn scenario(runs: Runs) -> Scenario {
    Scenario {
        world: World {
            weeks: 4,
            seed: 1,
            ..World::default()
        },
        gate: GateUnderTest::production(),
        runs,
    }
}

fn simulate_month(c: &mut Criterion) {
    let report = compare(
        &scenario(Runs::triggered()).world,
        &[GateUnderTest::production()],
        &[Runs::triggered(), Runs::periodic()],
    );
    println!("{}", render_text(&report));
    let mut group = c.benchmark_group("simulate_month");
    group.sample_size(20);
    for (name, runs) in [
        ("triggered", Runs::triggered()),
        ("periodic", Runs::periodic()),
    ] {
        let scenario = scenario(runs);
        group.bench_function(name, |b| b.iter(|| simulate(black_box(&scenario))));
    }
    group.finish();
}

criterion_group!(benches, simulate_month);
criterion_main!(benches);
