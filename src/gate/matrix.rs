//! The gate matrix as a grid: rows are OCP versions, columns are platform × check.
//!
//! Every rendering (the `explain` text, the console chat, Slack blocks) lays cells out the same
//! way, so the grid is computed once here.

use super::cell::CellVerdict;
use super::model::{Check, OcpVersion, Platform};
use super::policy::Policy;
use super::verdict::Verdict;

/// A column of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub platform: Platform,
    pub check: Check,
}

/// A row of the matrix: one version and its cells, `None` where the policy has no such cell.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub version: OcpVersion,
    pub cells: Vec<Option<&'a CellVerdict>>,
}

/// The grid for one verdict.
#[derive(Debug, Clone)]
pub struct Matrix<'a> {
    pub columns: Vec<Column>,
    pub rows: Vec<Row<'a>>,
}

impl<'a> Matrix<'a> {
    pub fn new(policy: &Policy, verdict: &'a Verdict) -> Self {
        let columns: Vec<Column> = policy
            .platforms
            .iter()
            .flat_map(|platform| {
                policy.checks.iter().map(|&check| Column {
                    platform: platform.clone(),
                    check,
                })
            })
            .collect();
        let rows = policy
            .versions
            .iter()
            .map(|&version| Row {
                version,
                cells: columns
                    .iter()
                    .map(|column| {
                        verdict.cells.iter().find(|cell| {
                            cell.key.version == version
                                && cell.key.platform == column.platform
                                && cell.key.check == column.check
                        })
                    })
                    .collect(),
            })
            .collect();
        Self { columns, rows }
    }
}
