//! Polling Prow results: every poll interval, each job the gates read is asked for what changed
//! since its cursor; new and changed runs are recorded, then the evaluation is woken.

use super::Engine;

/// Polls Prow for as long as the engine runs.
pub(super) async fn poll_prow(engine: Engine) {
    let mut ticks = tokio::time::interval(engine.inner.pace.poll_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        engine.poll_once().await;
        engine.inner.ready.send_if_modified(|r| {
            let first = !r.first_poll_done;
            r.first_poll_done = true;
            first
        });
    }
}

impl Engine {
    /// One pass over every job; returns how many runs were new or changed.
    pub async fn poll_once(&self) -> usize {
        let mut jobs: Vec<String> = self
            .inner
            .gates
            .iter()
            .flat_map(|gate| gate.policy.jobs())
            .map(str::to_string)
            .collect();
        jobs.sort();
        jobs.dedup();
        let mut changed = 0;
        for job in &jobs {
            match self.poll_job(job).await {
                Ok(count) => changed += count,
                Err(error) => {
                    tracing::warn!(%job, %error, "polling Prow results failed; the next poll catches up")
                }
            }
        }
        if changed > 0 {
            self.mark_dirty();
        }
        changed
    }

    async fn poll_job(&self, job: &str) -> anyhow::Result<usize> {
        let store = &self.inner.store;
        // Each engine polls from its own cursor: a cursor says what *this* engine has read, and
        // another replica's cursor would make it skip runs it never saw.
        let cursor = self
            .inner
            .cursors
            .get(job)
            .map(|cursor| cursor.clone())
            .unwrap_or_default();
        let poll = self.inner.prow.poll_job(job, &cursor).await?;
        let now = self.inner.clock.now();
        for problem in &poll.problems {
            if store
                .record_problem(&problem.source, &problem.detail, now)
                .await?
            {
                tracing::warn!(source = %problem.source, "ignoring a Prow result: {}", problem.detail);
            }
        }
        let mut changed = 0;
        for run in poll.runs {
            // Recorded by every replica (the store tells whether it was news to the store), and
            // learnt by this engine's tracker whether or not another replica recorded it first.
            store.record_run(&run, now).await?;
            let learnt = self
                .inner
                .tracker
                .lock()
                .expect("tracker lock poisoned")
                .add_run(run);
            changed += usize::from(learnt);
        }
        // The cursor is saved only after its runs are recorded, so a restart that resumes from
        // it never skips a run.
        store
            .save_job_cursor(job, &serde_json::to_string(&poll.cursor)?, now)
            .await?;
        self.inner.cursors.insert(job.to_string(), poll.cursor);
        Ok(changed)
    }
}
