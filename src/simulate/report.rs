//! The figures of a simulation, read from its record: releases per week, the wait from a merge
//! to the first Release of a snapshot that contains it, and what the jobs cost.
//!
//! A merge that no Release contained by the end of the horizon is not dropped: it counts as
//! waiting longer than any merge that was released, so it pushes the percentiles up, and the
//! report says how many there were. A percentile that falls on such a merge has no value
//! (shown as "not released").

use jiff::Timestamp;
use serde::Serialize;

use super::record::Record;
use super::triggered::RoundTally;

/// What a simulation came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub weeks: u32,
    pub releases: usize,
    pub releases_per_week: f64,
    pub merges: usize,
    /// Merges that no Release contained by the end of the horizon.
    pub merges_unreleased: usize,
    /// Hours from a merge to the first Release of a snapshot containing it: the median over
    /// every merge (nearest rank), `None` when it falls on an unreleased merge.
    pub merge_to_release_median_hours: Option<f64>,
    /// The same, 90th percentile.
    pub merge_to_release_p90_hours: Option<f64>,
    /// Every run started within the horizon (retries, aborted runs and runs that tested no
    /// snapshot included).
    pub job_runs: usize,
    pub job_runs_per_release: Option<f64>,
    /// How the rounds went, in triggered mode.
    pub rounds: Option<RoundTally>,
    /// Where a released merge's wait went, in triggered mode: hours from the merge to the
    /// start of the round that released it (the build, then the wait behind the round in
    /// flight), median over released merges …
    pub merge_to_round_start_median_hours: Option<f64>,
    /// … and from that round's start to the Release.
    pub round_start_to_release_median_hours: Option<f64>,
    /// Hours from a round's start until every cell was settled (`rounds::round_done`), median
    /// over the rounds that ended so.
    pub round_length_median_hours: Option<f64>,
}

impl Figures {
    pub fn of(record: &Record, weeks: u32, rounds: Option<RoundTally>) -> Self {
        let released = first_releases(record);
        let waits: Vec<Option<f64>> = record
            .merges
            .iter()
            .zip(&released)
            .map(|(merged, release)| release.map(|(at, _)| hours_between(*merged, at)))
            .collect();
        let round_start = |snapshot: usize| {
            record
                .rounds
                .iter()
                .find(|round| round.snapshot == snapshot)
                .map(|round| round.started_at)
        };
        let (mut to_round, mut in_round) = (Vec::new(), Vec::new());
        for (merged, release) in record.merges.iter().zip(&released) {
            if let Some((released_at, snapshot)) = release
                && let Some(started_at) = round_start(*snapshot)
            {
                to_round.push(Some(hours_between(*merged, started_at)));
                in_round.push(Some(hours_between(started_at, *released_at)));
            }
        }
        let lengths: Vec<Option<f64>> = record
            .rounds
            .iter()
            .filter(|round| !round.cancelled)
            .filter_map(|round| Some(Some(hours_between(round.started_at, round.ended_at?))))
            .collect();
        let releases = record
            .snapshots
            .iter()
            .filter(|snapshot| snapshot.released_at.is_some())
            .count();
        let job_runs = record.runs.len();
        Self {
            weeks,
            releases,
            releases_per_week: releases as f64 / f64::from(weeks.max(1)),
            merges: waits.len(),
            merges_unreleased: waits.iter().filter(|wait| wait.is_none()).count(),
            merge_to_release_median_hours: percentile(&waits, 0.5),
            merge_to_release_p90_hours: percentile(&waits, 0.9),
            job_runs,
            job_runs_per_release: (releases > 0).then(|| job_runs as f64 / releases as f64),
            rounds,
            merge_to_round_start_median_hours: percentile(&to_round, 0.5),
            round_start_to_release_median_hours: percentile(&in_round, 0.5),
            round_length_median_hours: percentile(&lengths, 0.5),
        }
    }
}

fn hours_between(from: Timestamp, to: Timestamp) -> f64 {
    to.duration_since(from).as_secs_f64() / 3600.0
}

/// For each merge, the first Release of a snapshot that contains it: when, and which snapshot.
fn first_releases(record: &Record) -> Vec<Option<(Timestamp, usize)>> {
    let mut first: Vec<Option<(Timestamp, usize)>> = vec![None; record.merges.len()];
    for (index, snapshot) in record.snapshots.iter().enumerate() {
        let Some(released) = snapshot.released_at else {
            continue;
        };
        for merge in &mut first[..snapshot.contains] {
            if merge.is_none_or(|(at, _)| released < at) {
                *merge = Some((released, index));
            }
        }
    }
    first
}

/// The `q` quantile (0 to 1, nearest rank) of waits where `None` is longer than any wait.
pub fn percentile(waits: &[Option<f64>], q: f64) -> Option<f64> {
    if waits.is_empty() {
        return None;
    }
    let mut sorted = waits.to_vec();
    sorted.sort_by(|a, b| match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank_and_unreleased_merges_count_as_longest() {
        let waits = [Some(3.0), Some(1.0), None, Some(2.0)];
        assert_eq!(percentile(&waits, 0.5), Some(2.0));
        assert_eq!(percentile(&waits, 0.75), Some(3.0));
        assert_eq!(
            percentile(&waits, 0.9),
            None,
            "falls on the unreleased merge"
        );
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[Some(5.0)], 0.9), Some(5.0));
    }
}
