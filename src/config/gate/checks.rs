//! `[gates.checks.<check>]`: which checks a gate requires, and the Prow job that answers each
//! check on each platform, as a template over the OCP version.

use std::collections::BTreeMap;

use serde::Deserialize;
use strum::VariantNames;
use toml::Spanned;

use crate::gate::{Check, Platform};

use super::super::field_path::FieldPath;
use super::super::problems::Invalid;
use super::super::report::{Place, Report};
use super::super::suggest::unknown_key;
use super::super::template::JobTemplate;

/// `checks` as written: a table per check, keyed by the check's name.
pub(super) type ChecksSection = Spanned<BTreeMap<Spanned<String>, Spanned<CheckSection>>>;

/// One `[gates.checks.<check>]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct CheckSection {
    required: Option<bool>,
    jobs: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
}

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

/// The checks, in the order the file lists them. `platforms` is `None` when the gate's platform
/// list is itself unusable; the templates are then still checked, but not matched.
pub(super) fn validate(
    path: &FieldPath,
    checks: &ChecksSection,
    platforms: Option<&[Platform]>,
    report: &mut Report<'_>,
) -> Option<Vec<CheckRule>> {
    let names: Vec<String> = Check::VARIANTS
        .iter()
        .map(|name| name.to_string())
        .collect();
    let mut present: Vec<(Check, &Spanned<String>, &Spanned<CheckSection>)> = Vec::new();
    for (name, section) in checks.get_ref() {
        match name.get_ref().parse::<Check>() {
            Ok(check) => present.push((check, name, section)),
            Err(_) => report.add(
                &path.key(name.get_ref()),
                Some(name.span()),
                unknown_key(name.get_ref(), &names),
            ),
        }
    }
    if present.is_empty() {
        report.add(
            path,
            Some(checks.span()),
            Invalid::new(
                "lists no check, so the gate would pass every snapshot",
                "add at least one of `[gates.checks.baseline]`, `[gates.checks.upgrade-from-zero]` \
                 and `[gates.checks.upgrade-from-previous]`",
            ),
        );
        return None;
    }
    present.sort_by_key(|(_, name, _)| name.span().start);
    let rules: Vec<Option<CheckRule>> = present
        .into_iter()
        .map(|(check, name, section)| {
            let place = Place::table(path.key(name.get_ref()), section);
            rule(check, &place, section.get_ref(), platforms, report)
        })
        .collect();
    rules.into_iter().collect()
}

fn rule(
    check: Check,
    place: &Place,
    section: &CheckSection,
    platforms: Option<&[Platform]>,
    report: &mut Report<'_>,
) -> Option<CheckRule> {
    let jobs = report.required(
        place,
        "jobs",
        section.jobs.as_ref(),
        "jobs = { aws = \"periodic-ci-openshift-hypershift-release-{version}-periodics-…\" }",
    )?;
    let jobs = validate_jobs(
        &Place::table(place.key("jobs"), jobs),
        jobs,
        platforms,
        report,
    )?;
    Some(CheckRule {
        check,
        required: section.required.unwrap_or(true),
        jobs,
    })
}

/// `jobs`: exactly one template per platform of the gate.
fn validate_jobs(
    place: &Place,
    jobs: &Spanned<BTreeMap<Spanned<String>, Spanned<String>>>,
    platforms: Option<&[Platform]>,
    report: &mut Report<'_>,
) -> Option<Vec<(Platform, JobTemplate)>> {
    let Some(platforms) = platforms else {
        for (platform, template) in jobs.get_ref() {
            report.check(&place.key(platform.get_ref()), template, JobTemplate::parse);
        }
        return None;
    };
    let names: Vec<String> = platforms.iter().map(|p| p.as_str().to_string()).collect();
    for platform in jobs.get_ref().keys() {
        if !names.contains(platform.get_ref()) {
            report.add(
                &place.key(platform.get_ref()),
                Some(platform.span()),
                unknown_key(platform.get_ref(), &names),
            );
        }
    }
    let mut templates = Vec::new();
    for platform in platforms {
        let path = place.key(platform.as_str());
        match jobs.get_ref().get(platform.as_str()) {
            Some(template) => {
                if let Some(template) = report.check(&path, template, JobTemplate::parse) {
                    templates.push((platform.clone(), template));
                }
            }
            None => report.add(
                &path,
                place.span.clone(),
                Invalid::new(
                    format!(
                        "is missing; the gate runs on `{platform}`, so this check needs a job there"
                    ),
                    format!(
                        "add `{platform} = \"periodic-ci-…-{{version}}-…\"` to {}",
                        place.path
                    ),
                ),
            ),
        }
    }
    (templates.len() == platforms.len()).then_some(templates)
}
