//! Fault injection: rules that make the next N requests matching (verb, resource) fail, slow
//! down, hang, or — the nasty case — commit their write and then fail, so the client never learns
//! that the object exists.
//!
//! ```
//! use std::time::Duration;
//! use gatebot_emulators::kube::{Fault, Verb};
//! let two_500s = Fault::on(Verb::Create, "releases").times(2).status(500);
//! let throttled = Fault::on(Verb::List, "snapshots").status(429).retry_after(1);
//! let slow = Fault::on(Verb::Get, "releases").always().delay(Duration::from_millis(300));
//! let lost_reply = Fault::on(Verb::Create, "releases").commit_then_status(500);
//! # let _ = (two_500s, throttled, slow, lost_reply);
//! ```

use std::time::Duration;

/// What a request does, as the API server's authorizer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    List,
    Watch,
    Get,
    Create,
    Update,
    Patch,
    Delete,
    DeleteCollection,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Watch => "watch",
            Self::Get => "get",
            Self::Create => "create",
            Self::Update => "update",
            Self::Patch => "patch",
            Self::Delete => "delete",
            Self::DeleteCollection => "deletecollection",
        }
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a matching request gets instead of a normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer this HTTP status with a matching `Status` body (reason `InternalError` for 500,
    /// `ServiceUnavailable` for 503, `TooManyRequests` for 429, …); nothing is done.
    Status { code: u16, retry_after: Option<u32> },
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Never answer (until the emulator stops); nothing is done.
    Hang,
    /// Handle the request (a write is committed and its watch events sent), then answer this
    /// status instead of the result.
    CommitThenStatus(u16),
    /// Handle the request (a write is committed), then never answer.
    CommitThenHang,
}

/// One fault-injection rule. Built with [`Fault::on`] / [`Fault::any`] and chained setters; by
/// default it fires once and answers 500.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub(crate) verb: Option<Verb>,
    pub(crate) plural: Option<String>,
    pub(crate) name: Option<String>,
    /// `None`: every matching request, until [`super::KubeEmulator::clear_faults`].
    pub(crate) times: Option<u32>,
    pub(crate) action: FaultAction,
}

impl Fault {
    /// Requests with this verb on this resource (plural, e.g. `"releases"`).
    pub fn on(verb: Verb, plural: &str) -> Self {
        Self {
            verb: Some(verb),
            plural: Some(plural.to_string()),
            name: None,
            times: Some(1),
            action: FaultAction::Status {
                code: 500,
                retry_after: None,
            },
        }
    }

    /// Requests with this verb on any resource.
    pub fn verb(verb: Verb) -> Self {
        Self {
            plural: None,
            ..Self::on(verb, "")
        }
    }

    /// Every request to a resource path.
    pub fn any() -> Self {
        Self {
            verb: None,
            ..Self::verb(Verb::Get)
        }
    }

    /// Only requests naming this object.
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Fire for the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Fire for every matching request.
    pub fn always(mut self) -> Self {
        self.times = None;
        self
    }

    pub fn status(mut self, code: u16) -> Self {
        self.action = FaultAction::Status {
            code,
            retry_after: None,
        };
        self
    }

    /// Add `Retry-After: secs` (and `details.retryAfterSeconds`) to a status answer.
    pub fn retry_after(mut self, secs: u32) -> Self {
        if let FaultAction::Status { retry_after, .. } = &mut self.action {
            *retry_after = Some(secs);
        }
        self
    }

    pub fn delay(mut self, by: Duration) -> Self {
        self.action = FaultAction::Delay(by);
        self
    }

    pub fn hang(mut self) -> Self {
        self.action = FaultAction::Hang;
        self
    }

    pub fn commit_then_status(mut self, code: u16) -> Self {
        self.action = FaultAction::CommitThenStatus(code);
        self
    }

    pub fn commit_then_hang(mut self) -> Self {
        self.action = FaultAction::CommitThenHang;
        self
    }

    fn matches(&self, verb: Verb, plural: &str, name: Option<&str>) -> bool {
        self.verb.is_none_or(|v| v == verb)
            && self.plural.as_deref().is_none_or(|p| p == plural)
            && self.name.as_deref().is_none_or(|n| Some(n) == name)
    }
}

/// The active rules, first match wins.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<Fault>,
}

impl Faults {
    pub fn add(&mut self, f: Fault) {
        if f.times != Some(0) {
            self.rules.push(f);
        }
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Rules that have not used up their count.
    pub fn pending(&self) -> Vec<Fault> {
        self.rules.clone()
    }

    /// The action for this request, using up one firing of the first matching rule.
    pub fn take(&mut self, verb: Verb, plural: &str, name: Option<&str>) -> Option<FaultAction> {
        let i = self
            .rules
            .iter()
            .position(|f| f.matches(verb, plural, name))?;
        let action = self.rules[i].action.clone();
        if let Some(n) = &mut self.rules[i].times {
            *n -= 1;
            if *n == 0 {
                self.rules.remove(i);
            }
        }
        Some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_fire_their_count_then_disappear() {
        let mut f = Faults::default();
        f.add(Fault::on(Verb::Create, "releases").times(2).status(503));
        f.add(
            Fault::verb(Verb::Get)
                .always()
                .delay(Duration::from_millis(5)),
        );
        assert_eq!(f.take(Verb::List, "releases", None), None);
        let want = Some(FaultAction::Status {
            code: 503,
            retry_after: None,
        });
        assert_eq!(f.take(Verb::Create, "releases", None), want);
        assert_eq!(f.take(Verb::Create, "releases", None), want);
        assert_eq!(f.take(Verb::Create, "releases", None), None);
        for _ in 0..3 {
            assert!(matches!(
                f.take(Verb::Get, "snapshots", Some("x")),
                Some(FaultAction::Delay(_))
            ));
        }
        assert_eq!(f.pending().len(), 1);
    }

    #[test]
    fn named_rules_only_hit_that_object() {
        let mut f = Faults::default();
        f.add(Fault::any().named("a").hang());
        assert_eq!(f.take(Verb::Get, "releases", Some("b")), None);
        assert_eq!(
            f.take(Verb::Delete, "releases", Some("a")),
            Some(FaultAction::Hang)
        );
    }
}
