//! What each emulated periodic does when it is triggered: how long until its pod is scheduled,
//! how long it runs, and how it ends — by chance (seeded), or by script ("the next run fails,
//! then one passes"). A run is planned in full when it is triggered, so the order in which tests
//! poll cannot change how it goes.

use std::collections::VecDeque;
use std::time::Duration;

use super::rng::SplitMix64;

/// How a run ends, in Gangway's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Aborted,
    /// Prow gave up on the pod: crier marks the ProwJob `error` and writes `finished.json`.
    Error,
}

/// The tenant Prow gives jobs that name none (`prowjob_default_entries` on OpenShift CI).
pub const DEFAULT_TENANT: &str = "GlobalDefaultID";

/// The behaviour of one periodic job the emulated Prow knows.
#[derive(Debug, Clone, PartialEq)]
pub struct JobBehaviour {
    pass_probability: f64,
    scheduling_delay: Duration,
    shortest_run: Duration,
    longest_run: Duration,
    script: VecDeque<Outcome>,
    pub(super) tenant_id: String,
    pub(super) metadata_from_env: Vec<(String, String)>,
}

impl Default for JobBehaviour {
    /// Always passes; scheduled after 30 s; runs for exactly an hour; default tenant.
    fn default() -> Self {
        Self {
            pass_probability: 1.0,
            scheduling_delay: Duration::from_secs(30),
            shortest_run: Duration::from_secs(3600),
            longest_run: Duration::from_secs(3600),
            script: VecDeque::new(),
            tenant_id: DEFAULT_TENANT.to_string(),
            metadata_from_env: Vec::new(),
        }
    }
}

/// How one run will go, on the emulator's clock, counted from its trigger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RunPlan {
    pub outcome: Outcome,
    pub pending_after: Duration,
    pub runs_for: Duration,
}

impl JobBehaviour {
    /// Runs not scripted pass with this probability (0 to 1) and fail otherwise.
    pub fn passing(mut self, probability: f64) -> Self {
        self.pass_probability = probability.clamp(0.0, 1.0);
        self
    }

    /// How long a triggered run waits for its pod (TRIGGERED → PENDING, `job_url` appears).
    pub fn scheduled_after(mut self, delay: Duration) -> Self {
        self.scheduling_delay = delay;
        self
    }

    /// How long a pod runs, drawn evenly between the two (PENDING → done).
    pub fn running_between(mut self, shortest: Duration, longest: Duration) -> Self {
        self.shortest_run = shortest.min(longest);
        self.longest_run = longest.max(shortest);
        self
    }

    /// The next runs end like this, in order, before chance takes over again.
    pub fn then(mut self, outcomes: impl IntoIterator<Item = Outcome>) -> Self {
        self.script.extend(outcomes);
        self
    }

    /// The tenant of the job (`prowjob_defaults.tenant_id`), which Gangway's client allowlist
    /// filters on.
    pub fn tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = tenant_id.into();
        self
    }

    /// The job writes the value of env `env` (e.g. the image a Gangway trigger set) under `key`
    /// in `$ARTIFACTS/metadata.json`, so it lands in `finished.json`'s `metadata`.
    pub fn reporting_env(mut self, env: impl Into<String>, key: impl Into<String>) -> Self {
        self.metadata_from_env.push((env.into(), key.into()));
        self
    }

    /// Plans the next run. Chance is drawn even for scripted runs, so scripting one run does not
    /// change how the unscripted ones after it go.
    pub(super) fn plan(&mut self, rng: &mut SplitMix64) -> RunPlan {
        let chance = rng.unit();
        let spread = rng.unit();
        let by_chance = if chance < self.pass_probability {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let extra = (self.longest_run - self.shortest_run).mul_f64(spread);
        RunPlan {
            outcome: self.script.pop_front().unwrap_or(by_chance),
            pending_after: self.scheduling_delay,
            runs_for: self.shortest_run + extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_outcomes_come_first_then_chance_with_durations_in_range() {
        let mut job = JobBehaviour::default()
            .passing(0.0)
            .running_between(Duration::from_secs(60), Duration::from_secs(120))
            .then([Outcome::Error, Outcome::Success]);
        let mut rng = SplitMix64::new(1);
        let outcomes: Vec<Outcome> = (0..3).map(|_| job.plan(&mut rng).outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Error, Outcome::Success, Outcome::Failure]
        );
        let plan = job.plan(&mut rng);
        assert!((60..=120).contains(&plan.runs_for.as_secs()), "{plan:?}");
        assert_eq!(plan.pending_after, Duration::from_secs(30));
    }
}
