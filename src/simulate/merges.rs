//! The work that reaches the gate: merges to the operator's main branch on weekdays, within
//! working hours, each followed by a Konflux Snapshot after a build delay.
//!
//! Drawn once, before anything runs, from their own stream of chance, so that every way of
//! running the jobs faces the same merges.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::chance::Chance;
use super::scenario::World;

/// One merge and the Snapshot built from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub at: Timestamp,
    /// When Konflux created the Snapshot of main as of this merge.
    pub built_at: Timestamp,
}

/// Every merge of the horizon, in the order they reach main. A merge's Snapshot contains it and
/// every merge before it.
pub fn schedule(world: &World, chance: &mut Chance) -> Vec<Merge> {
    let mut times = Vec::new();
    for day in 0..i64::from(world.weeks) * 7 {
        let midnight = world.start + SignedDuration::from_hours(24 * day);
        let weekday = midnight.to_zoned(TimeZone::UTC).weekday();
        if matches!(weekday, Weekday::Saturday | Weekday::Sunday) {
            continue;
        }
        let mut today: Vec<Timestamp> = (0..world.merges_per_weekday)
            .map(|_| midnight + chance.duration(world.working_hours))
            .collect();
        today.sort();
        times.extend(today);
    }
    times
        .into_iter()
        .map(|at| Merge {
            at,
            built_at: at + chance.duration(world.build_delay),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::chance::Stream;

    #[test]
    fn merges_fall_on_weekdays_within_working_hours_in_order() {
        let world = World {
            weeks: 2,
            ..World::default()
        };
        let merges = schedule(&world, &mut Chance::new(3, Stream::Merges));
        assert_eq!(merges.len(), 2 * 5 * 8);
        assert!(merges.windows(2).all(|pair| pair[0].at <= pair[1].at));
        for merge in &merges {
            let zoned = merge.at.to_zoned(TimeZone::UTC);
            assert!(!matches!(
                zoned.weekday(),
                Weekday::Saturday | Weekday::Sunday
            ));
            assert!(
                (8..18).contains(&zoned.hour()) || zoned.time() == jiff::civil::time(18, 0, 0, 0)
            );
            let delay = merge.built_at.duration_since(merge.at);
            assert!(
                (SignedDuration::from_mins(20)..=SignedDuration::from_mins(40)).contains(&delay)
            );
        }
    }
}
