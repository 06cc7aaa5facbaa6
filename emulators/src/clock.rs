//! Where the emulators read the time: the wall clock by default, or whatever clock the test or
//! sandbox drives (any `Fn() -> Timestamp`), so an emulated world and gatebot share one time.

use jiff::Timestamp;

/// Where the current time comes from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// A shared clock is a clock, so one `Arc<dyn Clock>` can drive several emulators.
impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// Any function that tells the time is a clock: `move || manual_clock.now()`.
impl<F: Fn() -> Timestamp + Send + Sync + 'static> Clock for F {
    fn now(&self) -> Timestamp {
        self()
    }
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
