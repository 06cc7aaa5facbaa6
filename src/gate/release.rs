//! The gate's outcome: a Release of a snapshot, which path decided it, and where it stands.
//!
//! This is domain vocabulary, not storage: the engine decides Releases with it, chat renders
//! it, and the store only keeps it. The names are the ones stored and shown (`gated`,
//! `succeeded`, …), derived once from the variants.

use jiff::Timestamp;

use super::SnapshotKey;

/// Which path decided the release.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ReleaseKind {
    /// The gate passed and the gate releases automatically.
    Gated,
    /// The gate passed and a person ran `release`.
    Manual,
    /// Released without a passed gate, with a justification and a second person's approval.
    Emergency,
}

/// Where a Release stands, from gatebot's decision to Konflux's `Released` condition.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ReleaseStatus {
    /// Decided; the Release object may not exist in the cluster yet.
    Decided,
    /// The Release exists; Konflux has not finished it.
    Progressing,
    Succeeded,
    Failed,
}

impl ReleaseStatus {
    pub fn is_final(self) -> bool {
        matches!(self, ReleaseStatus::Succeeded | ReleaseStatus::Failed)
    }
}

/// A Release gatebot decided to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub name: String,
    pub namespace: String,
    pub gate: String,
    pub snapshot: String,
    pub release_plan: String,
    pub kind: ReleaseKind,
    pub status: ReleaseStatus,
    pub status_message: Option<String>,
    pub decided_at: Timestamp,
    pub created_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

impl ReleaseRecord {
    /// The snapshot this Release releases.
    pub fn key(&self) -> SnapshotKey {
        SnapshotKey::new(&self.gate, &self.snapshot)
    }
}

/// "Release hypershift-operator-main-…-1a2b3c4d succeeded"
pub fn release_line(release: &ReleaseRecord) -> String {
    let state = match release.status {
        ReleaseStatus::Decided => "is decided and being created".to_string(),
        ReleaseStatus::Progressing => "is created; Konflux is releasing it".to_string(),
        ReleaseStatus::Succeeded => "succeeded".to_string(),
        ReleaseStatus::Failed => match release.status_message.as_deref() {
            Some(message) if !message.is_empty() => format!("failed: {message}"),
            _ => "failed".to_string(),
        },
    };
    format!("Release {} {state}", release.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_read_back_what_they_write() {
        for kind in [
            ReleaseKind::Gated,
            ReleaseKind::Manual,
            ReleaseKind::Emergency,
        ] {
            let name: &str = kind.into();
            assert_eq!(name.parse::<ReleaseKind>().unwrap(), kind);
        }
        let name: &str = ReleaseStatus::Progressing.into();
        assert_eq!(name, "progressing");
        assert!("released".parse::<ReleaseStatus>().is_err());
    }
}
