//! Turns a gate's validated axes, checks and overrides into the pure core's `Policy`.

use jiff::SignedDuration;

use crate::gate::{CellKey, CellPolicy, Platform, Policy};

use super::cells::CellOverride;
use super::checks::CheckRule;
use super::versions::VersionEntry;

/// Everything the matrix is made of, all validated.
pub(super) struct Matrix<'g> {
    pub gate: &'g str,
    pub versions: &'g [VersionEntry],
    pub platforms: &'g [Platform],
    pub checks: &'g [CheckRule],
    pub overrides: &'g [CellOverride],
    pub result_timeout: SignedDuration,
}

impl Matrix<'_> {
    /// One cell per version, platform and check — in that nesting, each in configuration order.
    pub fn policy(&self) -> Policy {
        Policy::matrix(
            self.gate,
            self.versions.iter().map(|entry| entry.version).collect(),
            self.platforms.to_vec(),
            self.checks.iter().map(|rule| rule.check).collect(),
            self.result_timeout,
            |key| {
                let rule = self
                    .checks
                    .iter()
                    .find(|rule| rule.check == key.check)
                    .expect("every check of the matrix has its rule");
                self.cell(key, rule)
            },
        )
    }

    fn cell(&self, key: CellKey, rule: &CheckRule) -> CellPolicy {
        let exception = self.overrides.iter().find(|cell| cell.key == key);
        let template = exception
            .and_then(|cell| cell.job.as_ref())
            .or_else(|| rule.job(&key.platform));
        let applicable = exception.is_none_or(|cell| cell.applicable);
        let job = template
            .filter(|_| applicable)
            .map(|template| template.render(key.version));
        let required = exception
            .and_then(|cell| cell.required)
            .unwrap_or(rule.required);
        let aggregate = exception.and_then(|cell| cell.aggregate);
        CellPolicy {
            key,
            job,
            required,
            aggregate,
        }
    }
}
