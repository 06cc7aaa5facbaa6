//! Where chance comes in: every random draw of a simulation goes through a [`Chance`], a
//! seeded generator, so the same seed always plays the same month.
//!
//! A simulation keeps separate streams for separate things (the merges, the jobs' fortunes,
//! the periodic schedule), so that the merges of a seed are the same whichever way the jobs
//! are run, and two columns of a report face the same week of work.

use jiff::SignedDuration;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::scenario::Span;

/// Which stream of draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Merge times and build delays.
    Merges = 1,
    /// Job histories, run durations and results.
    Jobs = 2,
    /// Periodic jobs' periods and first runs.
    Schedule = 3,
}

/// A seeded source of draws. `StdRng` reproduces a seed exactly for a given `rand` release
/// (pinned by `Cargo.lock`); a different `rand` release may play a seed differently.
#[derive(Debug)]
pub struct Chance(StdRng);

impl Chance {
    pub fn new(seed: u64, stream: Stream) -> Self {
        // Streams of one seed must not overlap; seed_from_u64 scrambles nearby numbers well.
        let stream = (stream as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Self(StdRng::seed_from_u64(seed ^ stream))
    }

    /// A duration uniform over `span`, in whole seconds.
    pub fn duration(&mut self, span: Span) -> SignedDuration {
        let (min, max) = (span.min.as_secs(), span.max.as_secs());
        if max <= min {
            return SignedDuration::from_secs(min);
        }
        SignedDuration::from_secs(self.0.random_range(min..=max))
    }

    /// Whether an event of probability `p` (0.0 to 1.0) happens.
    pub fn happens(&mut self, p: f64) -> bool {
        self.0.random_bool(p.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_seed_one_stream_gives_the_same_draws_and_streams_differ() {
        let span = Span::hours(1.5, 3.0);
        let draws = |stream| {
            let mut chance = Chance::new(7, stream);
            (0..20).map(|_| chance.duration(span)).collect::<Vec<_>>()
        };
        assert_eq!(draws(Stream::Jobs), draws(Stream::Jobs));
        assert_ne!(draws(Stream::Jobs), draws(Stream::Merges));
        assert!(
            draws(Stream::Jobs)
                .iter()
                .all(|d| (span.min..=span.max).contains(d))
        );
    }
}
