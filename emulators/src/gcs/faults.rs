//! Faults the GCS emulator can be told to inject, so tests can show that gatebot survives what
//! the real service does on a bad day: server errors, rate limits, slow answers and broken
//! bodies.

use std::time::Duration;

/// What happens to a request that a fault catches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultEffect {
    /// Answer with this HTTP status and a GCS error body instead of the real answer.
    Status(u16),
    /// Answer `429 Too Many Requests` with `Retry-After: <seconds>`.
    RateLimited { retry_after_secs: u64 },
    /// Give the real answer, but only after this long.
    Delay(Duration),
    /// Send the first half of the real body, then break the connection.
    TruncatedBody,
    /// Send bytes other than the stored ones, with the headers of the real answer.
    GarbageBody,
}

/// A fault that catches the next `times` requests whose percent-decoded path starts with
/// `path_prefix` (for example `/storage/v1/b/bucket/o/logs/job/` catches the listing of that
/// job's folder as well as the downloads of its files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    effect: FaultEffect,
    path_prefix: String,
    remaining: usize,
}

impl Fault {
    /// A fault with `effect` on the next request to any path; narrow it with [`Fault::on`] and
    /// repeat it with [`Fault::times`].
    pub fn new(effect: FaultEffect) -> Self {
        Self {
            effect,
            path_prefix: "/".to_string(),
            remaining: 1,
        }
    }

    pub fn status(code: u16) -> Self {
        Self::new(FaultEffect::Status(code))
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(FaultEffect::RateLimited { retry_after_secs })
    }

    pub fn delay(by: Duration) -> Self {
        Self::new(FaultEffect::Delay(by))
    }

    pub fn truncated_body() -> Self {
        Self::new(FaultEffect::TruncatedBody)
    }

    pub fn garbage_body() -> Self {
        Self::new(FaultEffect::GarbageBody)
    }

    /// Only requests whose decoded path starts with this prefix are caught.
    pub fn on(mut self, path_prefix: impl Into<String>) -> Self {
        self.path_prefix = path_prefix.into();
        self
    }

    /// Catch this many requests before the fault wears off.
    pub fn times(mut self, count: usize) -> Self {
        self.remaining = count;
        self
    }
}

/// The faults waiting to fire, oldest first.
#[derive(Debug, Default)]
pub struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    /// Queues a fault; one that should catch no request at all is not kept.
    pub fn add(&mut self, fault: Fault) {
        if fault.remaining > 0 {
            self.faults.push(fault);
        }
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// The effect for a request to `decoded_path`, using up one shot of the oldest matching
    /// fault.
    pub fn take(&mut self, decoded_path: &str) -> Option<FaultEffect> {
        let index = self
            .faults
            .iter()
            .position(|fault| decoded_path.starts_with(&fault.path_prefix))?;
        let fault = &mut self.faults[index];
        fault.remaining -= 1;
        let effect = fault.effect.clone();
        if fault.remaining == 0 {
            self.faults.remove(index);
        }
        Some(effect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_catches_only_matching_paths_and_wears_off_after_its_count() {
        let mut plan = FaultPlan::default();
        plan.add(Fault::status(503).on("/storage/v1/b/x/o/logs/a/").times(2));
        plan.add(Fault::rate_limited(3));
        let a = "/storage/v1/b/x/o/logs/a/1/finished.json";
        assert_eq!(plan.take(a), Some(FaultEffect::Status(503)));
        assert_eq!(
            plan.take("/storage/v1/b/x/o/logs/b/1/finished.json"),
            Some(FaultEffect::RateLimited {
                retry_after_secs: 3
            })
        );
        assert_eq!(plan.take(a), Some(FaultEffect::Status(503)));
        assert_eq!(plan.take(a), None);
    }

    #[test]
    fn a_fault_with_zero_times_never_fires() {
        let mut plan = FaultPlan::default();
        plan.add(Fault::garbage_body().times(0));
        assert_eq!(plan.take("/anything"), None);
    }
}
