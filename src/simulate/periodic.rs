//! Periodic-only mode, today's behaviour: each job runs on its own period in Prow, and each run
//! tests whatever snapshot is newest when it starts. A snapshot is released when the gate says
//! Passed over the runs that happened to test it; nothing is retried.
//!
//! Each job's period is drawn once (uniform over the scenario's span) and its first run falls
//! anywhere within one period of the start, so the jobs drift apart as Prow's periodics do.

use jiff::SignedDuration;

use super::chance::Chance;
use super::scenario::Span;
use super::simulation::{Event, Shared, Step};

/// The periodic schedule of every job.
#[derive(Debug)]
pub struct Periodic {
    periods: Vec<SignedDuration>,
}

impl Periodic {
    /// Draws each job's period and first start, and puts the first starts on the agenda.
    pub fn new(shared: &mut Shared<'_>, period: Span, chance: &mut Chance) -> Self {
        assert!(
            period.min > SignedDuration::ZERO,
            "a periodic job needs a period longer than zero"
        );
        let mut periods = Vec::with_capacity(shared.record.jobs.len());
        for job in 0..shared.record.jobs.len() {
            let every = chance.duration(period);
            let first = chance.duration(Span::new(SignedDuration::ZERO, every));
            shared
                .agenda
                .add(shared.now + first, Event::PeriodicStart(job));
            periods.push(every);
        }
        Self { periods }
    }

    /// A job's period came: its run tests the newest snapshot (or none yet), and the next run
    /// is due one period later.
    pub fn on_start(&mut self, shared: &mut Shared<'_>, job: usize, steps: &mut Vec<Step>) {
        let newest = shared.record.newest();
        shared.start_run(job, newest, None, steps);
        let next = shared.now + self.periods[job];
        shared.agenda.add(next, Event::PeriodicStart(job));
    }
}
