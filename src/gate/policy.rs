//! What a gate requires: the matrix of versions × platforms × checks, which Prow job answers each
//! cell, which cells are required, and how long a cell may wait for a result.
//!
//! A `Policy` is built from configuration once and then only read. The `VersionCatalog` says which
//! versions are generally available; it is separate because GA status changes on its own schedule
//! (a version goes GA without anyone touching the gate's job list).

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::model::{CellKey, Check, OcpVersion, Platform};

/// One cell of the matrix as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellPolicy {
    pub key: CellKey,
    /// The Prow job whose results decide this cell; `None` marks the cell not applicable
    /// (for example an upgrade check on a version that has no earlier z-stream yet).
    pub job: Option<String>,
    /// A required cell must pass (or fail on a pre-release version) before the gate passes;
    /// an advisory cell is shown but never blocks nor holds the gate.
    pub required: bool,
    /// When set, the cell is decided by several runs of its job for the snapshot instead of
    /// one: it passes once enough of them passed, as OpenShift's aggregated jobs do.
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
}

/// "At least `passes` of `runs` runs pass": the cell passes once `passes` runs of its job for
/// the snapshot passed, and fails once so many failed that `passes` can no longer be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aggregate {
    pub passes: u32,
    pub runs: u32,
}

impl Aggregate {
    /// How many failed runs the cell can take and still pass.
    pub fn failures_allowed(self) -> u32 {
        self.runs - self.passes
    }
}

/// "2 of 3"
impl std::fmt::Display for Aggregate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {}", self.passes, self.runs)
    }
}

/// The full rule set of one gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub gate: String,
    /// Row order of the matrix.
    pub versions: Vec<OcpVersion>,
    /// Column order of the matrix (platform-major, then check).
    pub platforms: Vec<Platform>,
    pub checks: Vec<Check>,
    pub cells: Vec<CellPolicy>,
    /// How long after the snapshot was created a cell may go without a finished result.
    pub result_timeout: SignedDuration,
}

impl Policy {
    /// The matrix of `versions` × `platforms` × `checks`, one cell per key in that nesting and
    /// order, each made by `cell`.
    pub fn matrix(
        gate: &str,
        versions: Vec<OcpVersion>,
        platforms: Vec<Platform>,
        checks: Vec<Check>,
        result_timeout: SignedDuration,
        mut cell: impl FnMut(CellKey) -> CellPolicy,
    ) -> Policy {
        let mut cells = Vec::with_capacity(versions.len() * platforms.len() * checks.len());
        for &version in &versions {
            for platform in &platforms {
                for &check in &checks {
                    cells.push(cell(CellKey {
                        version,
                        platform: platform.clone(),
                        check,
                    }));
                }
            }
        }
        Policy {
            gate: gate.to_string(),
            versions,
            platforms,
            checks,
            cells,
            result_timeout,
        }
    }

    /// The cell for a key, if the matrix has one.
    pub fn cell(&self, key: &CellKey) -> Option<&CellPolicy> {
        self.cells.iter().find(|cell| &cell.key == key)
    }

    /// Every distinct job the policy reads, in first-use order.
    pub fn jobs(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for job in self.cells.iter().filter_map(|cell| cell.job.as_deref()) {
            if !seen.contains(&job) {
                seen.push(job);
            }
        }
        seen
    }

    /// Number of cells that must pass.
    pub fn required_count(&self) -> usize {
        self.cells
            .iter()
            .filter(|c| c.required && c.job.is_some())
            .count()
    }
}

/// Whether an OCP version has shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Maturity {
    GenerallyAvailable,
    /// Engineering candidates, release candidates: failures here are allowed.
    PreRelease,
}

/// GA status per version. A version the catalog does not know is treated as GA, so that a gap in
/// the data can only make the gate stricter, never more lenient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionCatalog {
    versions: BTreeMap<OcpVersion, Maturity>,
}

impl VersionCatalog {
    pub fn new(versions: impl IntoIterator<Item = (OcpVersion, Maturity)>) -> Self {
        Self {
            versions: versions.into_iter().collect(),
        }
    }

    pub fn maturity(&self, version: OcpVersion) -> Maturity {
        self.versions
            .get(&version)
            .copied()
            .unwrap_or(Maturity::GenerallyAvailable)
    }

    pub fn is_ga(&self, version: OcpVersion) -> bool {
        self.maturity(version) == Maturity::GenerallyAvailable
    }
}
