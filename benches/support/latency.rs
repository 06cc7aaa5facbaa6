//! Percentiles of measured latencies, for the benchmarks that report p50 / p99 rather than a
//! criterion mean.

use std::time::Duration;

/// The `p`th percentile of sorted samples (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// "p50 …, p99 …, max …" of unsorted samples.
pub fn summary(samples: &mut [Duration]) -> String {
    samples.sort();
    format!(
        "p50 {:?}, p99 {:?}, max {:?}",
        percentile(samples, 50.0),
        percentile(samples, 99.0),
        samples.last().expect("samples were taken"),
    )
}
