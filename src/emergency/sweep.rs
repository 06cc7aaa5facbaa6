//! The periodic sweep over emergency requests, run once at start and then every
//! `every`: pending requests whose time ran out are closed as expired, audited, and their
//! messages lose their buttons; approved requests that have no Release yet (gatebot stopped
//! between the approval and the Release, or the store failed in between) are granted.
//! [`Emergencies::ask`] also expires overdue requests before looking for a snapshot's open one.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::grant::{Grant, Granted};
use super::{Emergencies, EmergencyRequest, EmergencySettings};
use crate::approvals::ApprovalKind;
use crate::chat::ChatSurface;
use crate::clock::Clock;
use crate::engine::Engine;
use crate::repeat::repeat_until;
use crate::store::{Store, StoreError};

impl Emergencies<'_> {
    /// Expires every overdue request; returns how many this call expired.
    pub async fn expire_overdue(&self, now: Timestamp) -> Result<usize, StoreError> {
        let mut expired = 0;
        for overdue in self.store.overdue_approval_requests(now).await? {
            let request = match overdue.kind {
                ApprovalKind::EmergencyRelease => self.store.emergency_request(&overdue.id).await?,
            };
            let Some(request) = request else {
                continue;
            };
            if self.expire(&request, now).await? {
                tracing::info!(request = %overdue.id, snapshot = %request.key.snapshot, "emergency request expired");
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// Grants every approved request that has no Release; returns how many Releases it
    /// decided. The Release is decided in the name of whoever closed the request, at the time
    /// they did.
    pub async fn grant_interrupted_approvals(&self) -> Result<usize, StoreError> {
        let mut released = 0;
        for request in self
            .store
            .approved_emergency_requests_without_release()
            .await?
        {
            if self.grant_interrupted(&request).await? {
                released += 1;
            }
        }
        Ok(released)
    }

    async fn grant_interrupted(&self, request: &EmergencyRequest) -> Result<bool, StoreError> {
        let id = &request.approval.id;
        let (Some(approver), Some(approved_at)) =
            (&request.approval.closed_by, request.approval.closed_at)
        else {
            tracing::error!(request = %id, "an approved emergency request records no approver; not released");
            return Ok(false);
        };
        let Some(gate) = self.engine.gate(&request.key.gate) else {
            tracing::error!(request = %id, gate = %request.key.gate, "the gate of an approved emergency request is no longer configured; not released");
            return Ok(false);
        };
        let approvals = self.store.approvals(id).await?;
        let grant = Grant {
            room: *self,
            gate,
            request,
            approvals: &approvals,
            approver,
            approved_at,
            channel: &request.approval.channel,
            thread: request.approval.thread_ts.as_deref(),
        };
        let Granted::Released(release) = grant.release().await? else {
            return Ok(false);
        };
        tracing::warn!(request = %id, release = %release.name, "an emergency approval interrupted by a stop is released now");
        Ok(true)
    }

    /// One sweep; a failure is logged and the next sweep tries again.
    async fn sweep(&self, now: Timestamp) {
        if let Err(error) = self.expire_overdue(now).await {
            tracing::warn!(%error, "cannot expire overdue emergency requests; trying again later");
        }
        if let Err(error) = self.grant_interrupted_approvals().await {
            tracing::warn!(%error, "cannot grant interrupted emergency approvals; trying again later");
        }
    }
}

/// How often requests are swept by default.
pub const DEFAULT_SWEEP_EVERY: Duration = Duration::from_secs(30);

/// The sweep as a loop of its own, beside the chat it posts in.
pub struct Sweeper {
    engine: Engine,
    store: Store,
    surface: Arc<dyn ChatSurface>,
    settings: EmergencySettings,
    clock: Arc<dyn Clock>,
    every: Duration,
}

impl Sweeper {
    /// A sweep every [`DEFAULT_SWEEP_EVERY`].
    pub fn new(
        engine: Engine,
        store: Store,
        surface: Arc<dyn ChatSurface>,
        settings: EmergencySettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            engine,
            store,
            surface,
            settings,
            clock,
            every: DEFAULT_SWEEP_EVERY,
        }
    }

    /// How often to sweep. An expired request is refused when clicked in between sweeps, so
    /// this only decides how soon its buttons disappear.
    pub fn every(mut self, every: Duration) -> Self {
        self.every = every;
        self
    }

    /// Sweeps at once and then every `every` until `shutdown`.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let room = Emergencies {
            engine: &self.engine,
            store: &self.store,
            surface: self.surface.as_ref(),
            settings: &self.settings,
        };
        repeat_until(self.every, shutdown, || room.sweep(self.clock.now())).await;
    }
}
