//! The expiry sweep: pending requests whose time ran out are closed as expired, audited, and
//! their messages lose their buttons. The notifier runs it now and then; `emergency` runs it
//! before looking for a snapshot's open request.

use jiff::Timestamp;

use super::close::expire;
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
