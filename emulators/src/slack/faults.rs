//! Faults queued per Web API method, so tests can show gatebot copes with what Slack does on a
//! bad day: HTTP 429 with `Retry-After`, `{"ok":false}` errors such as `fatal_error`, and calls
//! carried out whose answer is lost.

/// What a caught request gets instead of its real answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429, `Retry-After: <secs>`, body `{"ok":false,"error":"ratelimited"}`.
    RateLimited { retry_after_secs: u64 },
    /// HTTP 200 with `{"ok":false,"error":<code>}`.
    Error(String),
    /// The call is carried out, but its answer never reaches the client: HTTP 504 from the
    /// edge. A client cannot tell this from a call that failed, so a blind retry repeats it.
    AnswerLost,
}

#[derive(Debug)]
struct Queued {
    method: String,
    fault: Fault,
    remaining: usize,
}

/// Faults waiting to fire, oldest first.
#[derive(Debug, Default)]
pub(super) struct FaultPlan {
    queued: Vec<Queued>,
}

impl FaultPlan {
    /// Catches the next `count` calls of `method` with `fault`, after those queued before.
    pub fn add(&mut self, method: &str, fault: Fault, count: usize) {
        if count > 0 {
            self.queued.push(Queued {
                method: method.into(),
                fault,
                remaining: count,
            });
        }
    }

    /// Drops every fault still queued for `method`: the bad day is over.
    pub fn clear(&mut self, method: &str) {
        self.queued.retain(|queued| queued.method != method);
    }

    /// The fault for a call of `method`, using up one shot of the oldest one for it.
    pub fn take(&mut self, method: &str) -> Option<Fault> {
        let index = self
            .queued
            .iter()
            .position(|queued| queued.method == method)?;
        let queued = &mut self.queued[index];
        queued.remaining -= 1;
        let fault = queued.fault.clone();
        if queued.remaining == 0 {
            self.queued.remove(index);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_per_method_in_order_and_wear_off() {
        let mut plan = FaultPlan::default();
        let limited = Fault::RateLimited {
            retry_after_secs: 2,
        };
        plan.add("chat.postMessage", limited.clone(), 1);
        plan.add("chat.postMessage", Fault::Error("fatal_error".into()), 2);
        plan.add("users.info", Fault::Error("user_not_visible".into()), 0);
        assert_eq!(plan.take("users.info"), None);
        assert_eq!(plan.take("chat.postMessage"), Some(limited));
        assert_eq!(plan.take("chat.update"), None);
        for _ in 0..2 {
            assert_eq!(
                plan.take("chat.postMessage"),
                Some(Fault::Error("fatal_error".into()))
            );
        }
        assert_eq!(plan.take("chat.postMessage"), None);
    }
}
