//! `[[gates.versions]]`: the OCP versions a gate tests, the rows of its matrix, and whether each
//! is generally available: `ga` as the fallback, `ga_pinned` to overrule the release-controller.

use serde::Deserialize;
use toml::Spanned;

use crate::gate::{Maturity, OcpVersion};

use super::super::field_path::FieldPath;
use super::super::problems::Invalid;
use super::super::report::{Place, Report};

/// One `[[gates.versions]]` entry as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct VersionSection {
    version: Option<Spanned<String>>,
    ga: Option<bool>,
    ga_pinned: Option<bool>,
}

/// One configured row of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct VersionEntry {
    pub version: OcpVersion,
    /// The configured `ga`: the fallback while the release-controller has not answered.
    pub maturity: Maturity,
    /// `ga_pinned`, which overrules the release-controller.
    pub pin: Option<Maturity>,
}

/// The list is `None` only when a version is unusable; a repeated version is reported (which
/// fails the load) but the list still serves to check the overrides.
pub(super) fn validate(
    path: &FieldPath,
    versions: &Spanned<Vec<Spanned<VersionSection>>>,
    report: &mut Report<'_>,
) -> Option<Vec<VersionEntry>> {
    if versions.get_ref().is_empty() {
        report.add(
            path,
            Some(versions.span()),
            Invalid::new(
                "lists no version",
                "add a `[[gates.versions]]` entry with `version = \"4.21\"` for each OCP version to test",
            ),
        );
        return None;
    }
    let mut entries: Vec<VersionEntry> = Vec::new();
    let mut complete = true;
    for (index, section) in versions.get_ref().iter().enumerate() {
        let place = Place::table(path.index(index), section);
        let version = report.required_check(
            &place,
            "version",
            section.get_ref().version.as_ref(),
            "version = \"4.21\"",
            parse_version,
        );
        let Some(version) = version else {
            complete = false;
            continue;
        };
        if entries.iter().any(|entry| entry.version == version) {
            let span = section.get_ref().version.as_ref().map(Spanned::span);
            report.add(
                &place.key("version"),
                span,
                Invalid::new(
                    format!("lists {version} a second time"),
                    "keep one entry per version",
                ),
            );
            continue;
        }
        let section = section.get_ref();
        let maturity = match section.ga {
            Some(false) => Maturity::PreRelease,
            _ => Maturity::GenerallyAvailable,
        };
        entries.push(VersionEntry {
            version,
            maturity,
            pin: section.ga_pinned.map(maturity_of),
        });
    }
    complete.then_some(entries)
}

fn maturity_of(ga: bool) -> Maturity {
    if ga {
        Maturity::GenerallyAvailable
    } else {
        Maturity::PreRelease
    }
}

pub(super) fn parse_version(text: &str) -> Result<OcpVersion, Invalid> {
    text.parse().map_err(|_| {
        Invalid::new(
            format!("`{text}` is not an OCP minor version"),
            "write it as MAJOR.MINOR in quotes, for example `\"4.21\"`",
        )
    })
}
