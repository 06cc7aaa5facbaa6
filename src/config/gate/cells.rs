//! `[[gates.cells]]`: exceptions to the matrix for single cells — a different job, a cell that
//! does not apply (an upgrade check before a version's first z-stream), a cell that only
//! advises, a cell that retries a failure more or less often than the gate, or a cell decided
//! by several runs ("2 of 3").

use std::fmt::Display;

use serde::Deserialize;
use toml::Spanned;

use crate::gate::{Aggregate, CellKey, Check, OcpVersion, Platform};

use super::super::field_path::FieldPath;
use super::super::problems::Invalid;
use super::super::report::{Place, Report};
use super::super::template::JobTemplate;
use super::versions::parse_version;

/// One override, already known to name a cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CellOverride {
    pub key: CellKey,
    /// Replaces the check's templated job name for this cell.
    pub job: Option<JobTemplate>,
    /// `false` shows the cell as not applicable; it then needs no job.
    pub applicable: bool,
    /// Replaces the check's `required` for this cell.
    pub required: Option<bool>,
    /// Replaces the gate's `[gates.retries] count` for this cell.
    pub retries: Option<u32>,
    /// Decides the cell by several runs ("2 of 3") instead of one.
    pub aggregate: Option<Aggregate>,
}

/// The gate's matrix axes, each `None` when it could not be read (its problem is already
/// reported, so overrides are not checked against it).
pub(super) struct Axes<'g> {
    pub versions: Option<&'g [OcpVersion]>,
    pub platforms: Option<&'g [Platform]>,
    pub checks: Option<&'g [Check]>,
}

/// One `[[gates.cells]]` entry as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct CellSection {
    version: Option<Spanned<String>>,
    platform: Option<Spanned<String>>,
    check: Option<Spanned<String>>,
    job: Option<Spanned<String>>,
    applicable: Option<bool>,
    required: Option<bool>,
    retries: Option<Spanned<i64>>,
    aggregate: Option<Spanned<String>>,
}

pub(super) fn validate(
    path: &FieldPath,
    cells: &[Spanned<CellSection>],
    axes: &Axes<'_>,
    report: &mut Report<'_>,
) -> Option<Vec<CellOverride>> {
    let mut overrides: Vec<CellOverride> = Vec::new();
    let mut complete = true;
    for (index, cell) in cells.iter().enumerate() {
        let place = Place::table(path.index(index), cell);
        match validate_one(&place, cell.get_ref(), axes, &overrides, report) {
            Some(cell) => overrides.push(cell),
            None => complete = false,
        }
    }
    complete.then_some(overrides)
}

fn validate_one(
    place: &Place,
    cell: &CellSection,
    axes: &Axes<'_>,
    earlier: &[CellOverride],
    report: &mut Report<'_>,
) -> Option<CellOverride> {
    let versions = Axis {
        items: axes.versions,
        name: "versions",
        fix: "add a `[[gates.versions]]` entry for it",
    };
    let version = versions.member(
        place,
        ("version", cell.version.as_ref(), "version = \"4.22\""),
        parse_version,
        report,
    );
    let platforms = Axis {
        items: axes.platforms,
        name: "platforms",
        fix: "add it to the gate's `platforms`",
    };
    let platform = platforms.member(
        place,
        ("platform", cell.platform.as_ref(), "platform = \"aws\""),
        |text| Ok(Platform::new(text)),
        report,
    );
    let checks = Axis {
        items: axes.checks,
        name: "checks",
        fix: "add a `[gates.checks.…]` table for it",
    };
    let check = checks.member(
        place,
        (
            "check",
            cell.check.as_ref(),
            "check = \"upgrade-from-previous\"",
        ),
        parse_check,
        report,
    );
    let job = report.optional(&place.key("job"), cell.job.as_ref(), JobTemplate::parse);
    let retries = match &cell.retries {
        None => Some(None),
        Some(retries) => report.count(&place.key("retries"), retries, 0).map(Some),
    };
    let aggregate = report.optional(
        &place.key("aggregate"),
        cell.aggregate.as_ref(),
        parse_aggregate,
    );
    let changes_nothing = cell.job.is_none()
        && cell.applicable.is_none()
        && cell.required.is_none()
        && cell.retries.is_none()
        && cell.aggregate.is_none();
    if changes_nothing {
        report.add(
            &place.path,
            place.span.clone(),
            Invalid::new(
                "changes nothing about the cell",
                "set `job`, `applicable`, `required`, `retries` or `aggregate`, or remove this override",
            ),
        );
    }
    let contradictory = cell.applicable == Some(false) && cell.job.is_some();
    if let (true, Some(job)) = (contradictory, &cell.job) {
        report.add(
            &place.key("job"),
            Some(job.span()),
            Invalid::new(
                "is set, but the cell is marked `applicable = false`, so no job is read for it",
                "remove `job`, or remove `applicable = false`",
            ),
        );
    }
    let key = match (version, platform, check) {
        (Some(version), Some(platform), Some(check)) => Some(CellKey {
            version,
            platform,
            check,
        }),
        _ => None,
    };
    let duplicate = key
        .as_ref()
        .is_some_and(|key| earlier.iter().any(|cell| &cell.key == key));
    if let (true, Some(key)) = (duplicate, &key) {
        report.add(
            &place.path,
            place.span.clone(),
            Invalid::new(
                format!("overrides the cell {key} a second time"),
                "merge the two overrides of this cell into one",
            ),
        );
    }
    if changes_nothing || contradictory || duplicate {
        return None;
    }
    Some(CellOverride {
        key: key?,
        job: job?,
        applicable: cell.applicable.unwrap_or(true),
        required: cell.required,
        retries: retries?,
        aggregate: aggregate?,
    })
}

/// One axis of the gate's matrix, which an override must name a member of.
struct Axis<'a, T> {
    /// `None` when the axis could not be read (its problem is already reported).
    items: Option<&'a [T]>,
    name: &'a str,
    fix: &'a str,
}

impl<T: PartialEq + Display> Axis<'_, T> {
    /// The override's `(key, value, example)`: present, accepted by `parse`, and on this axis.
    fn member(
        &self,
        place: &Place,
        (key, value, example): (&str, Option<&Spanned<String>>, &str),
        parse: impl FnOnce(&str) -> Result<T, Invalid>,
        report: &mut Report<'_>,
    ) -> Option<T> {
        let value = report.required(place, key, value, example)?;
        let path = place.key(key);
        let item = report.check(&path, value, parse)?;
        self.holds(&path, value, item, report)
    }

    /// `item` when the axis has it (or the axis is unknown); otherwise reports it.
    fn holds(
        &self,
        path: &FieldPath,
        value: &Spanned<String>,
        item: T,
        report: &mut Report<'_>,
    ) -> Option<T> {
        let Some(axis) = self.items else {
            return Some(item);
        };
        if axis.contains(&item) {
            return Some(item);
        }
        let listed: Vec<String> = axis.iter().map(ToString::to_string).collect();
        report.add(
            path,
            Some(value.span()),
            Invalid::new(
                format!(
                    "`{item}` is not one of the gate's {} ({})",
                    self.name,
                    listed.join(", ")
                ),
                format!("{}, or correct this override", self.fix),
            ),
        );
        None
    }
}

/// The most runs one aggregated cell may ask for: each is a full job run.
const MOST_AGGREGATED_RUNS: u32 = 10;

/// "2 of 3": at least 2 of 3 runs must pass.
fn parse_aggregate(text: &str) -> Result<Aggregate, Invalid> {
    let fix = format!(
        "write how many runs must pass of how many, such as `2 of 3`, with at most \
         {MOST_AGGREGATED_RUNS} runs"
    );
    let numbers = text
        .split_once(" of ")
        .and_then(|(passes, runs)| Some((passes.trim().parse().ok()?, runs.trim().parse().ok()?)));
    match numbers {
        Some((passes, runs)) if 1 <= passes && passes <= runs && runs <= MOST_AGGREGATED_RUNS => {
            Ok(Aggregate { passes, runs })
        }
        Some(_) => Err(Invalid::new(
            format!("`{text}` cannot be met or asks for too many runs"),
            fix,
        )),
        None => Err(Invalid::new(format!("`{text}` is not an aggregate"), fix)),
    }
}

fn parse_check(text: &str) -> Result<Check, Invalid> {
    text.parse().map_err(|_| {
        Invalid::new(
            format!("`{text}` is not a check"),
            "use `baseline`, `upgrade-from-zero` or `upgrade-from-previous`",
        )
    })
}
