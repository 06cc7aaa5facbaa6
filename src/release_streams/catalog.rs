//! Which maturity each of a gate's versions has, decided from everything gatebot knows: explicit
//! pins, the last good answer of the release-controller and whether that answer is current, and
//! the configuration's `ga` as the fallback.
//!
//! The order, per version:
//! 1. a pin (`ga_pinned`) wins: it is how a person overrules the data;
//! 2. while the release-controller answers, its answer decides;
//! 3. while it does not, the last answer still stands, except that a version the configuration
//!    calls GA is GA (the stricter of the two, since either may be the staler);
//! 4. with no answer about the version's major at all, the configuration's `ga` decides.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::answer::StreamsAnswer;
use crate::gate::{Maturity, OcpVersion, VersionCatalog};

/// Where a version's maturity came from, for logs and explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A pin in the configuration.
    Pinned,
    /// The release-controller's current answer.
    ReleaseController,
    /// The release-controller's last answer, while it cannot be reached.
    LastAnswer,
    /// The configuration's `ga`, for want of any answer.
    Configuration,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Pinned => "pinned in the configuration",
            Source::ReleaseController => "from the release-controller",
            Source::LastAnswer => "from the release-controller's last answer",
            Source::Configuration => "from the configuration's `ga`",
        })
    }
}

/// What the gate's configuration says about its versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfiguredVersions {
    /// Every version of the gate with its configured `ga`: the rows, and the fallback.
    pub fallback: BTreeMap<OcpVersion, Maturity>,
    /// Versions with an explicit `ga_pinned`, which overrules the release-controller; pins of
    /// versions the gate does not have are ignored.
    pub pins: BTreeMap<OcpVersion, Maturity>,
}

impl ConfiguredVersions {
    /// The majors whose stable stream must be read: those of versions no pin decides.
    pub fn majors_to_read(&self) -> BTreeSet<u32> {
        self.fallback
            .keys()
            .filter(|version| !self.pins.contains_key(version))
            .map(|version| version.major)
            .collect()
    }
}

/// The maturity of each configured version and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GaCatalog {
    entries: BTreeMap<OcpVersion, (Maturity, Source)>,
}

impl GaCatalog {
    /// The catalog from the configuration and `last_answer`, which `answered` says is what the
    /// release-controller said just now (or the last it said before it stopped answering).
    pub fn decide(
        configured: &ConfiguredVersions,
        last_answer: Option<&StreamsAnswer>,
        answered: bool,
    ) -> Self {
        let entries = configured
            .fallback
            .iter()
            .map(|(&version, &fallback)| {
                let pin = configured.pins.get(&version).copied();
                let answer = last_answer.and_then(|answer| answer.maturity(version));
                (version, decide_one(pin, answer, answered, fallback))
            })
            .collect();
        Self { entries }
    }

    pub fn get(&self, version: OcpVersion) -> Option<(Maturity, Source)> {
        self.entries.get(&version).copied()
    }

    /// Versions in order with their maturity and its source.
    pub fn iter(&self) -> impl Iterator<Item = (OcpVersion, Maturity, Source)> + '_ {
        self.entries
            .iter()
            .map(|(&version, &(maturity, source))| (version, maturity, source))
    }

    /// What the gate's evaluation reads.
    pub fn version_catalog(&self) -> VersionCatalog {
        VersionCatalog::new(
            self.iter()
                .map(|(version, maturity, _)| (version, maturity)),
        )
    }
}

fn decide_one(
    pin: Option<Maturity>,
    answer: Option<Maturity>,
    answered: bool,
    fallback: Maturity,
) -> (Maturity, Source) {
    match (pin, answer) {
        (Some(pinned), _) => (pinned, Source::Pinned),
        (None, Some(current)) if answered => (current, Source::ReleaseController),
        (None, Some(Maturity::PreRelease)) if fallback == Maturity::GenerallyAvailable => {
            (fallback, Source::Configuration)
        }
        (None, Some(last)) => (last, Source::LastAnswer),
        (None, None) => (fallback, Source::Configuration),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use jiff::Timestamp;

    use super::*;
    use crate::release_streams::tags::{ReleaseTag, TagPhase};

    const GA: Maturity = Maturity::GenerallyAvailable;
    const PRE: Maturity = Maturity::PreRelease;
    const V419: OcpVersion = OcpVersion::new(4, 19);
    const V420: OcpVersion = OcpVersion::new(4, 20);
    const V421: OcpVersion = OcpVersion::new(4, 21);
    const V50: OcpVersion = OcpVersion::new(5, 0);

    /// The configuration: 4.19 GA, 4.20 and 4.21 pre-release, 5.0 pre-release.
    fn configured() -> ConfiguredVersions {
        ConfiguredVersions {
            fallback: BTreeMap::from([(V419, GA), (V420, PRE), (V421, PRE), (V50, PRE)]),
            pins: BTreeMap::new(),
        }
    }

    /// The 4-stable stream with 4.19 and 4.20 GA, 4.21 at a release candidate.
    fn answer() -> StreamsAnswer {
        let tags = ["4.19.12", "4.20.0", "4.21.0-rc.1"]
            .map(|name| ReleaseTag::new(name, TagPhase::Accepted));
        StreamsAnswer::from_tags(Timestamp::UNIX_EPOCH, BTreeSet::from([4]), &tags)
    }

    #[test]
    fn a_current_answer_decides_the_versions_of_the_majors_it_read() {
        let catalog = GaCatalog::decide(&configured(), Some(&answer()), true);
        assert_eq!(catalog.get(V420), Some((GA, Source::ReleaseController)));
        assert_eq!(catalog.get(V421), Some((PRE, Source::ReleaseController)));
        assert_eq!(catalog.get(V50), Some((PRE, Source::Configuration)));
        assert!(catalog.version_catalog().is_ga(V420));
    }

    #[test]
    fn the_answer_overrules_a_configuration_that_says_ga_too_early() {
        let mut configured = configured();
        configured.fallback.insert(V421, GA);
        let catalog = GaCatalog::decide(&configured, Some(&answer()), true);
        assert_eq!(catalog.get(V421), Some((PRE, Source::ReleaseController)));
    }

    #[test]
    fn without_any_answer_the_configuration_decides() {
        let catalog = GaCatalog::decide(&configured(), None, false);
        let all: Vec<_> = catalog.iter().collect();
        assert_eq!(
            all,
            [
                (V419, GA, Source::Configuration),
                (V420, PRE, Source::Configuration),
                (V421, PRE, Source::Configuration),
                (V50, PRE, Source::Configuration),
            ]
        );
    }

    #[test]
    fn while_unreachable_the_last_answer_stands_unless_the_configuration_says_ga() {
        let mut configured = configured();
        configured.fallback.insert(V421, GA);
        let catalog = GaCatalog::decide(&configured, Some(&answer()), false);
        assert_eq!(catalog.get(V420), Some((GA, Source::LastAnswer)));
        assert_eq!(catalog.get(V421), Some((GA, Source::Configuration)));
        assert_eq!(catalog.get(V419), Some((GA, Source::LastAnswer)));
    }

    #[test]
    fn pins_overrule_everything_and_pins_of_unconfigured_versions_are_ignored() {
        let mut configured = configured();
        configured.pins = BTreeMap::from([(V420, PRE), (V421, GA), (OcpVersion::new(4, 9), GA)]);
        for answered in [true, false] {
            let catalog = GaCatalog::decide(&configured, Some(&answer()), answered);
            assert_eq!(catalog.get(V420), Some((PRE, Source::Pinned)));
            assert_eq!(catalog.get(V421), Some((GA, Source::Pinned)));
            assert_eq!(catalog.get(OcpVersion::new(4, 9)), None);
        }
    }

    #[test]
    fn sources_read_as_part_of_a_sentence() {
        assert_eq!(
            format!("4.20 is GA ({})", Source::LastAnswer),
            "4.20 is GA (from the release-controller's last answer)"
        );
    }
}
