//! `[[gates.versions]]`: the OCP versions a gate tests, the rows of its matrix, and whether each
//! is generally available.

use crate::gate::{Maturity, OcpVersion};

use super::super::document::Value;
use super::super::problems::Invalid;

/// One configured row of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct VersionEntry {
    pub version: OcpVersion,
    pub maturity: Maturity,
}

/// Reads the list. It is `None` only when a version is unusable; a repeated version or a bad
/// `ga` is reported (which fails the load) but the list still serves to check the overrides.
pub(super) fn read_versions(value: Value<'_>) -> Option<Vec<VersionEntry>> {
    let tables = value.tables()?;
    if tables.is_empty() {
        value.problem(Invalid::new(
            "lists no version",
            "add a `[[gates.versions]]` entry with `version = \"4.21\"` for each OCP version to test",
        ));
        return None;
    }
    let mut entries: Vec<VersionEntry> = Vec::new();
    let mut complete = true;
    for mut table in tables {
        let version = table
            .required("version", "version = \"4.21\"")
            .and_then(|value| value.parse(parse_version).map(|version| (version, value)));
        let ga = table
            .optional("ga")
            .map_or(Some(true), |value| value.boolean());
        table.finish();
        let Some((version, value)) = version else {
            complete = false;
            continue;
        };
        if entries.iter().any(|entry| entry.version == version) {
            value.problem(Invalid::new(
                format!("lists {version} a second time"),
                "keep one entry per version",
            ));
            continue;
        }
        let maturity = match ga {
            Some(false) => Maturity::PreRelease,
            _ => Maturity::GenerallyAvailable,
        };
        entries.push(VersionEntry { version, maturity });
    }
    complete.then_some(entries)
}

pub(super) fn parse_version(text: &str) -> Result<OcpVersion, Invalid> {
    text.parse().map_err(|_| {
        Invalid::new(
            format!("`{text}` is not an OCP minor version"),
            "write it as MAJOR.MINOR in quotes, for example `\"4.21\"`",
        )
    })
}
