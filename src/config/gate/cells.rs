//! `[[gates.cells]]`: exceptions to the matrix for single cells — a different job, a cell that
//! does not apply (an upgrade check before a version's first z-stream), or a cell that only
//! advises.

use std::fmt::Display;

use crate::gate::{CellKey, Check, OcpVersion, Platform};

use super::super::document::{Table, Value};
use super::super::problems::Invalid;
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
}

/// The gate's matrix axes, each `None` when it could not be read (its problem is already
/// reported, so overrides are not checked against it).
pub(super) struct Axes<'g> {
    pub versions: Option<&'g [OcpVersion]>,
    pub platforms: Option<&'g [Platform]>,
    pub checks: Option<&'g [Check]>,
}

pub(super) fn read_overrides(value: Value<'_>, axes: &Axes<'_>) -> Option<Vec<CellOverride>> {
    let mut overrides: Vec<CellOverride> = Vec::new();
    let mut complete = true;
    for table in value.tables()? {
        match read_override(table, axes, &overrides) {
            Some(cell) => overrides.push(cell),
            None => complete = false,
        }
    }
    complete.then_some(overrides)
}

fn read_override(
    mut table: Table<'_>,
    axes: &Axes<'_>,
    earlier: &[CellOverride],
) -> Option<CellOverride> {
    let version = table
        .required("version", "version = \"4.22\"")
        .and_then(|value| {
            let version = value.parse(parse_version)?;
            on_axis(
                &value,
                version,
                axes.versions,
                "versions",
                "add a `[[gates.versions]]` entry for it",
            )
        });
    let platform = table
        .required("platform", "platform = \"aws\"")
        .and_then(|value| {
            let platform = Platform::new(value.string()?);
            on_axis(
                &value,
                platform,
                axes.platforms,
                "platforms",
                "add it to the gate's `platforms`",
            )
        });
    let check = table
        .required("check", "check = \"upgrade-from-previous\"")
        .and_then(|value| {
            let check = value.parse(parse_check)?;
            on_axis(
                &value,
                check,
                axes.checks,
                "checks",
                "add a `[gates.checks.…]` table for it",
            )
        });
    let job_value = table.optional("job");
    let job = match &job_value {
        None => Some(None),
        Some(value) => value.parse(JobTemplate::parse).map(Some),
    };
    let applicable = table.optional_with("applicable", Value::boolean);
    let required = table.optional_with("required", Value::boolean);
    let changes_nothing =
        job_value.is_none() && matches!(applicable, Some(None)) && matches!(required, Some(None));
    if changes_nothing {
        table.problem(Invalid::new(
            "changes nothing about the cell",
            "set `job`, `applicable` or `required`, or remove this override",
        ));
    }
    let contradictory = matches!((&job_value, applicable), (Some(_), Some(Some(false))));
    if let (true, Some(job_value)) = (contradictory, &job_value) {
        job_value.problem(Invalid::new(
            "is set, but the cell is marked `applicable = false`, so no job is read for it",
            "remove `job`, or remove `applicable = false`",
        ));
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
        table.problem(Invalid::new(
            format!("overrides the cell {key} a second time"),
            "merge the two overrides of this cell into one",
        ));
    }
    table.finish();
    if changes_nothing || contradictory || duplicate {
        return None;
    }
    Some(CellOverride {
        key: key?,
        job: job?,
        applicable: applicable?.unwrap_or(true),
        required: required?,
    })
}

/// `item` when the gate's axis has it (or the axis is unknown); otherwise reports it.
fn on_axis<T: PartialEq + Display>(
    value: &Value<'_>,
    item: T,
    axis: Option<&[T]>,
    axis_name: &str,
    fix: &str,
) -> Option<T> {
    let Some(axis) = axis else {
        return Some(item);
    };
    if axis.contains(&item) {
        return Some(item);
    }
    let listed: Vec<String> = axis.iter().map(ToString::to_string).collect();
    value.problem(Invalid::new(
        format!(
            "`{item}` is not one of the gate's {axis_name} ({})",
            listed.join(", ")
        ),
        format!("{fix}, or correct this override"),
    ));
    None
}

fn parse_check(text: &str) -> Result<Check, Invalid> {
    text.parse().map_err(|_| {
        Invalid::new(
            format!("`{text}` is not a check"),
            "use `baseline`, `upgrade-from-zero` or `upgrade-from-previous`",
        )
    })
}
