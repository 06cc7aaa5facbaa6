//! The emergency rate `status` reports: how many Releases of the last 30 days skipped the gate.
//! An emergency now and then is what the flow is for; a steady share of them means the gate is
//! being worked around, so above 5% `status` says so.

use jiff::{SignedDuration, Timestamp};

use crate::engine::Engine;
use crate::gate::ReleaseKind;
use crate::store::StoreError;

const WINDOW_DAYS: i64 = 30;
/// Above this share of emergencies among all Releases, `status` warns.
const WARN_ABOVE_PERCENT: u64 = 5;

/// The rate over the last 30 days, as a line or two of text.
pub async fn emergency_rate(engine: &Engine, now: Timestamp) -> Result<String, StoreError> {
    let since = now
        .checked_sub(SignedDuration::from_hours(24 * WINDOW_DAYS))
        .unwrap_or(Timestamp::MIN);
    let kinds = engine.release_kinds_since(since).await?;
    Ok(rate_text(&kinds))
}

fn rate_text(kinds: &[(ReleaseKind, u64)]) -> String {
    let emergency: u64 = kinds
        .iter()
        .filter(|(kind, _)| *kind == ReleaseKind::Emergency)
        .map(|(_, count)| count)
        .sum();
    let total: u64 = kinds.iter().map(|(_, count)| count).sum();
    if total == 0 {
        return format!("Emergency rate: no Release in the last {WINDOW_DAYS} days.\n");
    }
    let gated = total - emergency;
    let percent = format!("{:.1}%", emergency as f64 * 100.0 / total as f64);
    let mut text = format!(
        "Emergency rate: {emergency} emergency and {gated} gated of {total} Releases in the last \
         {WINDOW_DAYS} days ({percent}).\n"
    );
    if emergency * 100 > WARN_ABOVE_PERCENT * total {
        text.push_str(&format!(
            ":warning: Emergencies are {percent} of the Releases, more than {WARN_ABOVE_PERCENT}%: \
             the gate is being skipped too often. Review why these snapshots could not pass it.\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_emergencies_against_every_release_and_warns_above_five_percent() {
        assert_eq!(
            rate_text(&[]),
            "Emergency rate: no Release in the last 30 days.\n"
        );
        let calm = rate_text(&[
            (ReleaseKind::Gated, 15),
            (ReleaseKind::Manual, 4),
            (ReleaseKind::Emergency, 1),
        ]);
        assert_eq!(
            calm,
            "Emergency rate: 1 emergency and 19 gated of 20 Releases in the last 30 days (5.0%).\n"
        );
        let busy = rate_text(&[(ReleaseKind::Gated, 10), (ReleaseKind::Emergency, 2)]);
        assert!(busy.contains("(16.7%)"), "{busy}");
        assert!(
            busy.contains(":warning: Emergencies are 16.7% of the Releases, more than 5%"),
            "{busy}"
        );
    }
}
