//! Faults the Gangway emulator can be told to inject, so tests can show gatebot survives what
//! the real service and its front do on a bad day: rate limits with `Retry-After` (OpenShift
//! CI's Gangway is rate limited), server errors, connections closed without an answer, slow
//! answers, and — the case that doubles triggers — a trigger carried out whose answer is lost.
//!
//! A fault catches the next N matching requests, or every matching request until a moment on
//! the emulator's clock (a storm).

use std::time::Duration;

use jiff::Timestamp;

/// Which call a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/executions`
    Trigger,
    /// `GET /v1/executions/{id}`
    Get,
    /// `GET /v1/executions`
    List,
}

/// What a caught request gets instead of its real answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultEffect {
    /// HTTP 429 `ResourceExhausted` with `Retry-After: <secs>`; nothing is done.
    RateLimited { retry_after_secs: u64 },
    /// This HTTP status with a `google.rpc.Status` body; nothing is done.
    Status(u16),
    /// The connection is closed without an answer; nothing is done.
    Disconnect,
    /// The real answer, after this long.
    Delay(Duration),
    /// The request is carried out (a trigger creates its execution), then this status is
    /// answered instead.
    CarriedOutThenStatus(u16),
    /// The request is carried out, then the connection is closed without an answer.
    CarriedOutThenDisconnect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Span {
    Requests(usize),
    Until(Timestamp),
}

/// One fault: an effect, the calls it catches, and for how long. By default it catches the next
/// request of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    effect: FaultEffect,
    route: Option<Route>,
    span: Span,
}

impl Fault {
    pub fn new(effect: FaultEffect) -> Self {
        Self {
            effect,
            route: None,
            span: Span::Requests(1),
        }
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(FaultEffect::RateLimited { retry_after_secs })
    }

    pub fn status(code: u16) -> Self {
        Self::new(FaultEffect::Status(code))
    }

    pub fn disconnect() -> Self {
        Self::new(FaultEffect::Disconnect)
    }

    pub fn delay(by: Duration) -> Self {
        Self::new(FaultEffect::Delay(by))
    }

    /// The trigger happens, the client gets this status (e.g. 502 from the front).
    pub fn answer_lost(code: u16) -> Self {
        Self::new(FaultEffect::CarriedOutThenStatus(code))
    }

    /// The trigger happens, the client sees its connection closed.
    pub fn answer_dropped() -> Self {
        Self::new(FaultEffect::CarriedOutThenDisconnect)
    }

    /// Only requests of this call are caught.
    pub fn on(mut self, route: Route) -> Self {
        self.route = Some(route);
        self
    }

    /// Catch this many requests before the fault wears off.
    pub fn times(mut self, count: usize) -> Self {
        self.span = Span::Requests(count);
        self
    }

    /// Catch every request until this moment on the emulator's clock.
    pub fn until(mut self, end: Timestamp) -> Self {
        self.span = Span::Until(end);
        self
    }
}

/// Faults waiting to fire, oldest first.
#[derive(Debug, Default)]
pub(super) struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    pub fn add(&mut self, fault: Fault) {
        if fault.span != Span::Requests(0) {
            self.faults.push(fault);
        }
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// The effect for a request, using up one shot of the oldest fault that catches it.
    pub fn take(&mut self, route: Option<Route>, now: Timestamp) -> Option<FaultEffect> {
        self.faults
            .retain(|fault| !matches!(fault.span, Span::Until(end) if end <= now));
        let index = self
            .faults
            .iter()
            .position(|fault| fault.route.is_none() || fault.route == route)?;
        let fault = &mut self.faults[index];
        let effect = fault.effect.clone();
        if let Span::Requests(remaining) = &mut fault.span {
            *remaining -= 1;
            if *remaining == 0 {
                self.faults.remove(index);
            }
        }
        Some(effect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_wear_off_and_storms_end_on_the_clock() {
        let noon: Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-03-01T12:05:00Z".parse().unwrap();
        let mut plan = FaultPlan::default();
        plan.add(Fault::status(503).on(Route::Trigger).times(2));
        plan.add(Fault::rate_limited(5).until(later));
        plan.add(Fault::disconnect().times(0));
        assert_eq!(
            plan.take(Some(Route::Get), noon),
            Some(FaultEffect::RateLimited {
                retry_after_secs: 5
            })
        );
        for _ in 0..2 {
            assert_eq!(
                plan.take(Some(Route::Trigger), noon),
                Some(FaultEffect::Status(503))
            );
        }
        assert_eq!(
            plan.take(Some(Route::Trigger), noon),
            Some(FaultEffect::RateLimited {
                retry_after_secs: 5
            })
        );
        assert_eq!(plan.take(Some(Route::Trigger), later), None);
    }
}
