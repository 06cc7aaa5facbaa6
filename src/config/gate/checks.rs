//! `[gates.checks.<check>]`: which checks a gate requires, and the Prow job that answers each
//! check on each platform, as a template over the OCP version.

use crate::gate::{Check, Platform};

use super::super::document::Value;
use super::super::problems::Invalid;
use super::super::template::JobTemplate;

/// One configured check, a group of columns of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CheckRule {
    pub check: Check,
    pub required: bool,
    /// One template per platform of the gate, in the gate's platform order.
    pub jobs: Vec<(Platform, JobTemplate)>,
}

impl CheckRule {
    pub fn job(&self, platform: &Platform) -> Option<&JobTemplate> {
        self.jobs
            .iter()
            .find(|(candidate, _)| candidate == platform)
            .map(|(_, template)| template)
    }
}

/// Reads `checks`, in the order the file lists them. `platforms` is `None` when the gate's
/// platform list is itself unusable; the templates are then still checked, but not matched.
pub(super) fn read_checks(
    value: Value<'_>,
    platforms: Option<&[Platform]>,
) -> Option<Vec<CheckRule>> {
    let mut table = value.table()?;
    let mut present: Vec<(Check, Value<'_>)> = Check::ALL
        .into_iter()
        .filter_map(|check| Some((check, table.optional(check.config_name())?)))
        .collect();
    table.finish();
    if present.is_empty() {
        value.problem(Invalid::new(
            "lists no check, so the gate would pass every snapshot",
            "add at least one of `[gates.checks.baseline]`, `[gates.checks.upgrade-from-zero]` and \
             `[gates.checks.upgrade-from-previous]`",
        ));
        return None;
    }
    present.sort_by_key(|(_, value)| value.position());
    let rules: Vec<Option<CheckRule>> = present
        .into_iter()
        .map(|(check, value)| read_check(check, value, platforms))
        .collect();
    rules.into_iter().collect()
}

fn read_check(check: Check, value: Value<'_>, platforms: Option<&[Platform]>) -> Option<CheckRule> {
    let mut table = value.table()?;
    let required = table
        .optional("required")
        .map_or(Some(true), |value| value.boolean());
    let jobs = table
        .required(
            "jobs",
            "jobs = { aws = \"periodic-ci-openshift-hypershift-release-{version}-periodics-…\" }",
        )
        .and_then(|value| read_jobs(value, platforms));
    table.finish();
    Some(CheckRule {
        check,
        required: required?,
        jobs: jobs?,
    })
}

/// `jobs`: exactly one template per platform of the gate.
fn read_jobs(
    value: Value<'_>,
    platforms: Option<&[Platform]>,
) -> Option<Vec<(Platform, JobTemplate)>> {
    let mut table = value.table()?;
    let Some(platforms) = platforms else {
        for (_, template) in table.entries() {
            template.parse(JobTemplate::parse);
        }
        return None;
    };
    let mut jobs = Vec::new();
    for platform in platforms {
        match table.optional(platform.as_str()) {
            Some(template) => {
                if let Some(template) = template.parse(JobTemplate::parse) {
                    jobs.push((platform.clone(), template));
                }
            }
            None => table.missing(
                platform.as_str(),
                Invalid::new(
                    format!(
                        "is missing; the gate runs on `{platform}`, so this check needs a job there"
                    ),
                    format!(
                        "add `{platform} = \"periodic-ci-…-{{version}}-…\"` to {}",
                        table.path()
                    ),
                ),
            ),
        }
    }
    table.finish();
    (jobs.len() == platforms.len()).then_some(jobs)
}
