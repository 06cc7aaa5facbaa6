//! Escalation scans on the configured schedule, for `gatebot run`: wait until the next scan is
//! due, scan, publish the report to the [`EscalationFeed`], and again, until shutdown.
//!
//! Time comes from the injected clock. The wait is a series of naps no longer than `recheck`,
//! each followed by a look at the clock, so the loop follows a clock that jumps: a host that was
//! suspended, or a manual clock in tests, which never wait real hours.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::watch;

use super::config::EscalationConfig;
use super::feed::{EscalationFeed, FeedSender};
use super::report::ScanReport;
use super::scan::{ScanOptions, scan};
use crate::clock::Clock;
use crate::jira::JiraClient;
use crate::store::Store;

/// How often a waiting schedule looks at the clock: a scan may start up to this late.
const DEFAULT_RECHECK: Duration = Duration::from_secs(60);

/// The scheduled scans of one `[escalation]` section.
pub struct EscalationSchedule {
    config: EscalationConfig,
    jira: JiraClient,
    store: Store,
    clock: Arc<dyn Clock>,
    recheck: Duration,
    reports: FeedSender,
}

impl EscalationSchedule {
    pub fn new(
        config: EscalationConfig,
        jira: JiraClient,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            config,
            jira,
            store,
            clock,
            recheck: DEFAULT_RECHECK,
            reports: watch::Sender::new(None),
        }
    }

    /// Looks at the clock at least this often while waiting for the next scan.
    pub fn recheck_every(mut self, recheck: Duration) -> Self {
        self.recheck = recheck;
        self
    }

    /// The reports of this schedule's scans, as they come.
    pub fn feed(&self) -> EscalationFeed {
        EscalationFeed::new(self.reports.subscribe())
    }

    /// Runs the scans until `shutdown` completes, then abandons a scan in progress: the next one
    /// reads each issue's comments again before posting, so nobody is asked twice. It runs on
    /// the caller's task, next to the engine, rather than spawned: rustc cannot prove the Jira
    /// client's futures `Send` (a higher-ranked lifetime limitation around its retry closures).
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        tokio::select! {
            () = shutdown => tracing::info!("escalation scans stopped"),
            () = self.run() => {}
        }
    }

    async fn run(self) {
        loop {
            let due = match self.config.next_scan_after(self.clock.now()) {
                Ok(due) => due,
                Err(problem) => {
                    tracing::error!(%problem, "no further escalation scan is scheduled");
                    return;
                }
            };
            tracing::info!(%due, "next escalation scan");
            self.wait_until(due).await;
            let scanned = scan(
                &self.jira,
                &self.store,
                self.clock.as_ref(),
                &self.config,
                ScanOptions::default(),
            )
            .await;
            match scanned {
                Ok(report) => {
                    log_summary(&report);
                    self.reports.send_replace(Some(Arc::new(report)));
                }
                Err(error) => tracing::error!(
                    %error,
                    "the escalation scan could not run; the next one is tried on schedule"
                ),
            }
        }
    }

    async fn wait_until(&self, due: Timestamp) {
        loop {
            let left = self.clock.now().duration_until(due);
            if !left.is_positive() {
                return;
            }
            let nap = Duration::try_from(left).map_or(self.recheck, |left| left.min(self.recheck));
            tokio::time::sleep(nap).await;
        }
    }
}

fn log_summary(report: &ScanReport) {
    let issues = report.issues_seen;
    let escalated = report.escalated.len();
    let problems = report.problems.len();
    match &report.stopped_because {
        None => tracing::info!(
            issues,
            escalated,
            problems,
            dry_run = report.dry_run,
            "scheduled escalation scan done"
        ),
        Some(reason) => tracing::warn!(
            issues,
            escalated,
            problems,
            dry_run = report.dry_run,
            %reason,
            "the scheduled escalation scan stopped early; the next one picks up the rest"
        ),
    }
}
