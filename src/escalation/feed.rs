//! The latest report of the scheduled escalation scans, for whoever shows it: the chat
//! `escalations` command reads the latest, a digest poster waits for each new one.

use std::sync::Arc;

use tokio::sync::watch;

use super::report::ScanReport;

/// Where the schedule publishes each report.
pub(super) type FeedSender = watch::Sender<Option<Arc<ScanReport>>>;

/// A view of the scheduled scans' reports. Cheap to clone; each clone waits on its own.
#[derive(Debug, Clone)]
pub struct EscalationFeed {
    reports: watch::Receiver<Option<Arc<ScanReport>>>,
}

impl EscalationFeed {
    pub(super) fn new(reports: watch::Receiver<Option<Arc<ScanReport>>>) -> Self {
        Self { reports }
    }

    /// The last scheduled scan's report; `None` until the first one has finished.
    pub fn latest(&self) -> Option<Arc<ScanReport>> {
        self.reports.borrow().clone()
    }

    /// Waits for a report this handle has not seen yet; `None` once the schedule has stopped.
    pub async fn next_report(&mut self) -> Option<Arc<ScanReport>> {
        self.reports.changed().await.ok()?;
        self.reports.borrow_and_update().clone()
    }
}
