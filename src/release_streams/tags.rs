//! The GA rule, decided from release tags alone: OCP X.Y is generally available once its stable
//! stream holds an Accepted tag `X.Y.Z` without a pre-release suffix.
//!
//! Engineering candidates (`4.20.0-ec.3`), feature and release candidates (`-fc.N`, `-rc.N`) and
//! nightlies (`4.21.0-0.nightly-…`) are pre-release builds; only the verification phase
//! `Accepted` counts, so a Rejected `4.20.0` does not make 4.20 GA.

use std::collections::BTreeMap;

use crate::gate::{Maturity, OcpVersion};

/// A tag's phase as the release-controller names it (`ReleasePhase*` in its
/// `pkg/release-controller/types.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagPhase {
    Pending,
    Failed,
    Ready,
    Accepted,
    Rejected,
    /// Anything else, such as `Unknown` for a tag whose payload the controller lost.
    Other,
}

impl TagPhase {
    pub fn parse(text: &str) -> Self {
        match text {
            "Pending" => TagPhase::Pending,
            "Failed" => TagPhase::Failed,
            "Ready" => TagPhase::Ready,
            "Accepted" => TagPhase::Accepted,
            "Rejected" => TagPhase::Rejected,
            _ => TagPhase::Other,
        }
    }
}

/// One tag of a release stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseTag {
    pub name: String,
    pub phase: TagPhase,
}

impl ReleaseTag {
    pub fn new(name: impl Into<String>, phase: TagPhase) -> Self {
        Self {
            name: name.into(),
            phase,
        }
    }
}

/// The minor version a tag name belongs to, and whether the name is a release (`X.Y.Z`, build
/// metadata allowed) rather than a pre-release (`X.Y.Z-anything`). `None` for names that are
/// not semantic versions.
pub fn tag_version(name: &str) -> Option<(OcpVersion, Maturity)> {
    let without_build = name.split_once('+').map_or(name, |(version, _)| version);
    let (core, pre_release) = match without_build.split_once('-') {
        Some((core, suffix)) if !suffix.is_empty() => (core, true),
        Some(_) => return None,
        None => (without_build, false),
    };
    let numbers: Vec<u32> = core
        .split('.')
        .map(|part| {
            let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| part.parse().ok()).flatten()
        })
        .collect::<Option<_>>()?;
    let [major, minor, _patch] = numbers[..] else {
        return None;
    };
    let maturity = if pre_release {
        Maturity::PreRelease
    } else {
        Maturity::GenerallyAvailable
    };
    Some((OcpVersion::new(major, minor), maturity))
}

/// Every minor version with an Accepted tag, `GenerallyAvailable` when one of its Accepted tags
/// is a release, `PreRelease` otherwise. Tags in any other phase, and names that are not
/// versions, say nothing.
pub fn maturity_from_tags<'a>(
    tags: impl IntoIterator<Item = &'a ReleaseTag>,
) -> BTreeMap<OcpVersion, Maturity> {
    let mut maturities = BTreeMap::new();
    let accepted = tags
        .into_iter()
        .filter(|tag| tag.phase == TagPhase::Accepted)
        .filter_map(|tag| tag_version(&tag.name));
    for (version, maturity) in accepted {
        let known = maturities.entry(version).or_insert(maturity);
        if maturity == Maturity::GenerallyAvailable {
            *known = maturity;
        }
    }
    maturities
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(name: &str) -> ReleaseTag {
        ReleaseTag::new(name, TagPhase::Accepted)
    }

    const GA: Maturity = Maturity::GenerallyAvailable;
    const PRE: Maturity = Maturity::PreRelease;

    #[test]
    fn tag_names_give_their_minor_version_and_whether_they_are_a_release() {
        let v420 = OcpVersion::new(4, 20);
        assert_eq!(tag_version("4.20.0"), Some((v420, GA)));
        assert_eq!(tag_version("4.20.0+amd64"), Some((v420, GA)));
        for pre in ["4.20.0-ec.3", "4.20.0-rc.1", "4.20.0-fc.0"] {
            assert_eq!(tag_version(pre), Some((v420, PRE)), "{pre}");
        }
        assert_eq!(
            tag_version("4.21.0-0.nightly-2025-07-01-093514"),
            Some((OcpVersion::new(4, 21), PRE))
        );
        assert_eq!(tag_version("5.0.1"), Some((OcpVersion::new(5, 0), GA)));
        for malformed in [
            "4.20", "4.20.0.1", "v4.20.0", "4.20.0-", "4..0", "latest", "",
        ] {
            assert_eq!(tag_version(malformed), None, "{malformed}");
        }
    }

    #[test]
    fn a_version_is_ga_once_an_accepted_release_tag_exists() {
        let tags = [
            accepted("4.19.12"),
            accepted("4.20.0-ec.3"),
            accepted("4.20.0-rc.1"),
            accepted("4.21.0-0.nightly-2025-07-01-093514"),
            accepted("4.21.0-ec.0"),
        ];
        let maturities = maturity_from_tags(&tags);
        assert_eq!(
            maturities.into_iter().collect::<Vec<_>>(),
            [
                (OcpVersion::new(4, 19), GA),
                (OcpVersion::new(4, 20), PRE),
                (OcpVersion::new(4, 21), PRE),
            ]
        );

        let with_ga = [
            accepted("4.20.0-rc.1"),
            accepted("4.20.0"),
            accepted("4.20.0-rc.2"),
        ];
        assert_eq!(maturity_from_tags(&with_ga)[&OcpVersion::new(4, 20)], GA);
    }

    #[test]
    fn only_accepted_tags_count_and_malformed_names_are_ignored() {
        let tags = [
            ReleaseTag::new("4.20.0", TagPhase::Rejected),
            ReleaseTag::new("4.20.1", TagPhase::Failed),
            ReleaseTag::new("4.20.2", TagPhase::Pending),
            ReleaseTag::new("4.20.3", TagPhase::Ready),
            ReleaseTag::new("4.20.4", TagPhase::Other),
            accepted("4.20.0-rc.3"),
            accepted("not-a-version"),
            accepted("4.22"),
        ];
        assert_eq!(
            maturity_from_tags(&tags).into_iter().collect::<Vec<_>>(),
            [(OcpVersion::new(4, 20), PRE)]
        );
        assert!(maturity_from_tags(&[]).is_empty());
    }

    #[test]
    fn phases_are_read_as_the_release_controller_spells_them() {
        assert_eq!(TagPhase::parse("Accepted"), TagPhase::Accepted);
        assert_eq!(TagPhase::parse("Rejected"), TagPhase::Rejected);
        assert_eq!(TagPhase::parse("accepted"), TagPhase::Other);
        assert_eq!(TagPhase::parse("Unknown"), TagPhase::Other);
    }
}
