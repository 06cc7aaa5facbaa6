//! GA status at run time: the catalog each gate is evaluated with can change while gatebot runs,
//! when the release-controller accepts a version's first GA release. A new catalog wakes the
//! evaluation, so the failures of a version that went GA block the gate from the next round on
//! (a snapshot whose round started before keeps the catalog of its round's start; one tested
//! by periodics alone takes the new one at once), and each version that went GA is announced
//! once.

use std::future::Future;
use std::time::Duration;

use super::{Engine, GateEvent};
use crate::gate::{SnapshotKey, VersionCatalog};
use crate::release_streams::{CatalogRefresher, Refresh};

impl Engine {
    /// The catalog gate `gate` is evaluated with now; `None` when no such gate is configured.
    pub fn catalog(&self, gate: &str) -> Option<VersionCatalog> {
        let index = self.gate_index(gate)?;
        Some(self.catalogs()[index].clone())
    }

    /// The catalog a snapshot is judged with: the one of its round's start when a round ran
    /// for it (a version that went GA since counts from the next round on), else its gate's.
    pub fn catalog_of(&self, key: &SnapshotKey) -> Option<VersionCatalog> {
        let current = self.catalog(&key.gate)?;
        let tracker = self.inner.tracker.lock().expect("tracker lock poisoned");
        Some(tracker.catalog_for(&key.snapshot, &current).clone())
    }

    /// Every gate's catalog now, in the order of `gates()`.
    pub(super) fn catalogs(&self) -> std::sync::RwLockReadGuard<'_, Vec<VersionCatalog>> {
        self.inner
            .catalogs
            .read()
            .expect("GA catalogs lock poisoned")
    }

    /// Evaluates gate `gate` with `catalog` from now on, and re-evaluates at once if that
    /// changes anything. Returns whether it did; an unknown gate changes nothing.
    pub fn set_catalog(&self, gate: &str, catalog: VersionCatalog) -> bool {
        let Some(index) = self.gate_index(gate) else {
            return false;
        };
        let mut catalogs = self
            .inner
            .catalogs
            .write()
            .expect("GA catalogs lock poisoned");
        if catalogs[index] == catalog {
            return false;
        }
        catalogs[index] = catalog;
        drop(catalogs);
        self.mark_dirty();
        true
    }

    /// Keeps gate `gate`'s catalog current with `refresher` every `every` until `shutdown`,
    /// announcing each version that went GA.
    pub async fn follow_ga_catalog(
        &self,
        gate: &str,
        refresher: &CatalogRefresher,
        every: Duration,
        shutdown: impl Future<Output = ()>,
    ) {
        refresher
            .run(
                every,
                |refresh| self.apply_refresh(gate, &refresh),
                shutdown,
            )
            .await;
    }

    fn apply_refresh(&self, gate: &str, refresh: &Refresh) {
        self.set_catalog(gate, refresh.catalog.version_catalog());
        for event in became_ga(gate, refresh) {
            self.emit(event);
        }
    }

    fn gate_index(&self, gate: &str) -> Option<usize> {
        self.inner.gates.iter().position(|spec| spec.name == gate)
    }
}

/// The events a refresh deserves: one per version that went GA with it.
fn became_ga(gate: &str, refresh: &Refresh) -> Vec<GateEvent> {
    refresh
        .changes
        .iter()
        .filter(|change| change.became_ga())
        .map(|change| GateEvent::VersionBecameGa {
            gate: gate.to_string(),
            version: change.version,
            source: change.source.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Maturity, OcpVersion};
    use crate::release_streams::{GaCatalog, MaturityChange, Source};

    #[test]
    fn only_versions_that_went_ga_are_announced() {
        let change = |minor, to| MaturityChange {
            version: OcpVersion::new(4, minor),
            from: Maturity::PreRelease,
            to,
            source: Source::ReleaseController,
        };
        let refresh = Refresh {
            catalog: GaCatalog::default(),
            changes: vec![
                change(21, Maturity::GenerallyAvailable),
                MaturityChange {
                    from: Maturity::GenerallyAvailable,
                    ..change(22, Maturity::PreRelease)
                },
            ],
            health_change: None,
            error: None,
        };
        assert_eq!(
            became_ga("hypershift-operator", &refresh),
            [GateEvent::VersionBecameGa {
                gate: "hypershift-operator".into(),
                version: OcpVersion::new(4, 21),
                source: "from the release-controller".into(),
            }]
        );
    }
}
