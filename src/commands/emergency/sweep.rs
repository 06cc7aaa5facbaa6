//! The periodic sweep over emergency requests, run by the notifier now and then and once at
//! start: pending requests whose time ran out are closed as expired, audited, and their messages
//! lose their buttons; approved requests that have no Release yet (gatebot stopped between the
//! approval and the Release) are granted. `emergency` also expires overdue requests before
//! looking for a snapshot's open one.

use jiff::Timestamp;

use super::close::expire;
use super::grant::{Grant, Granted};
use super::settings::EmergencySettings;
use crate::chat::ChatSurface;
use crate::engine::Engine;
use crate::store::StoreError;

/// Expires every overdue request; returns how many this call expired.
pub async fn expire_overdue(
    engine: &Engine,
    surface: &dyn ChatSurface,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut expired = 0;
    for request in engine.store().overdue_emergency_requests(now).await? {
        if expire(engine, surface, &request, now).await? {
            tracing::info!(request = %request.id, snapshot = %request.snapshot, "emergency request expired");
            expired += 1;
        }
    }
    Ok(expired)
}

/// Grants every approved request that has no Release; returns how many Releases it decided.
/// The Release is decided in the name of whoever closed the request, at the time they did.
pub async fn grant_interrupted_approvals(
    engine: &Engine,
    surface: &dyn ChatSurface,
    settings: &EmergencySettings,
) -> Result<usize, StoreError> {
    let store = engine.store();
    let mut released = 0;
    for request in store.approved_emergency_requests_without_release().await? {
        let (Some(approver), Some(approved_at)) = (&request.closed_by, request.closed_at) else {
            tracing::error!(request = %request.id, "an approved emergency request records no approver; not released");
            continue;
        };
        let Some(gate) = engine.gates().iter().find(|gate| gate.name == request.gate) else {
            tracing::error!(request = %request.id, gate = %request.gate, "the gate of an approved emergency request is no longer configured; not released");
            continue;
        };
        let approvals = store.emergency_approvals(&request.id).await?;
        let grant = Grant {
            engine,
            surface,
            settings,
            gate,
            request: &request,
            approvals: &approvals,
            approver,
            approved_at,
            channel: &request.channel,
            thread: request.thread_ts.as_deref(),
        };
        if let Granted::Released(release) = grant.release().await? {
            tracing::warn!(request = %request.id, release = %release.name, "an emergency approval interrupted by a stop is released now");
            released += 1;
        }
    }
    Ok(released)
}
