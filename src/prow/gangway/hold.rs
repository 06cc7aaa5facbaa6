//! The rate-limit hold every request of one Gangway client obeys.
//!
//! A 429 is about gatebot, not about the request that got it: Gangway limits per client. So
//! its `Retry-After` sets one "not before" instant for the whole client, and every request —
//! retries, other jobs' triggers, reads from other loops — waits for it before it is sent,
//! instead of each caller discovering the limit on its own 429. The instant lives on the
//! injected clock, so tests move through a hold instead of sleeping through it.

use std::sync::Mutex;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::clock::Clock;

/// How often a waiting request looks at the clock again. A manual clock moves in jumps, so the
/// wait cannot be one sleep; a tenth of a second costs nothing and keeps the wake-up prompt.
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// The instant before which no request of the client is sent.
#[derive(Debug, Default)]
pub(super) struct RateHold {
    not_before: Mutex<Option<Timestamp>>,
}

impl RateHold {
    /// Holds every request until `now + wait`; a hold already longer stays.
    pub fn hold(&self, now: Timestamp, wait: Duration) {
        let wait = SignedDuration::try_from(wait).unwrap_or(SignedDuration::MAX);
        let until = now.checked_add(wait).unwrap_or(Timestamp::MAX);
        let mut not_before = self.not_before.lock().expect("rate hold lock poisoned");
        if not_before.is_none_or(|current| current < until) {
            *not_before = Some(until);
        }
    }

    /// The end of the hold, while it lasts at `now`.
    pub fn until(&self, now: Timestamp) -> Option<Timestamp> {
        let not_before = *self.not_before.lock().expect("rate hold lock poisoned");
        not_before.filter(|until| *until > now)
    }

    /// Waits until the hold is over. A hold ending more than `longest` from now is not waited
    /// for: its end comes back as the error.
    pub async fn wait(&self, clock: &dyn Clock, longest: Duration) -> Result<(), Timestamp> {
        let longest = SignedDuration::try_from(longest).unwrap_or(SignedDuration::MAX);
        let first = clock.now();
        while let Some(until) = self.until(clock.now()) {
            if until.duration_since(first) > longest {
                return Err(until);
            }
            let left = until.duration_since(clock.now()).unsigned_abs();
            tokio::time::sleep(left.min(LOOK_AGAIN)).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn noon() -> Timestamp {
        "2026-03-02T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_longest_hold_wins_and_it_ends_on_the_clock() {
        let hold = RateHold::default();
        assert_eq!(hold.until(noon()), None);
        hold.hold(noon(), Duration::from_secs(30));
        hold.hold(noon(), Duration::from_secs(5));
        let end = noon() + SignedDuration::from_secs(30);
        assert_eq!(hold.until(noon()), Some(end));
        assert_eq!(hold.until(end), None);
    }

    #[tokio::test]
    async fn a_waiter_goes_when_the_clock_passes_the_hold_and_refuses_one_too_long() {
        let clock = ManualClock::new(noon());
        let hold = RateHold::default();
        hold.hold(noon(), Duration::from_secs(30));
        assert_eq!(
            hold.wait(&clock, Duration::from_secs(10)).await,
            Err(noon() + SignedDuration::from_secs(30))
        );
        let waiting = hold.wait(&clock, Duration::from_secs(60));
        let mover = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            clock.advance(SignedDuration::from_secs(30));
        };
        let (waited, ()) = tokio::join!(waiting, mover);
        assert_eq!(waited, Ok(()));
    }
}
