//! What one complete read of the release-controller said: the maturity of every minor version
//! of the majors it read, and when.
//!
//! A version the answer does not mention, in a major it read, has no GA tag yet: it is a
//! pre-release. GA status is never taken back: once an answer saw a version GA, a later answer
//! that does not (a pruned or re-judged tag) keeps it GA, because a false GA only makes the gate
//! stricter while a false pre-release would let failures through. A pin in the configuration is
//! the way to overrule it.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::tags::{ReleaseTag, maturity_from_tags};
use crate::gate::{Maturity, OcpVersion};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsAnswer {
    pub read_at: Timestamp,
    /// The majors whose `{major}-stable` stream was read.
    pub majors: BTreeSet<u32>,
    maturities: BTreeMap<OcpVersion, Maturity>,
}

impl StreamsAnswer {
    /// The answer the Accepted tags of the `majors`' stable streams give.
    pub fn from_tags<'a>(
        read_at: Timestamp,
        majors: BTreeSet<u32>,
        tags: impl IntoIterator<Item = &'a ReleaseTag>,
    ) -> Self {
        let mut maturities = maturity_from_tags(tags);
        maturities.retain(|version, _| majors.contains(&version.major));
        Self {
            read_at,
            majors,
            maturities,
        }
    }

    /// The version's maturity, or `None` if its major was not read.
    pub fn maturity(&self, version: OcpVersion) -> Option<Maturity> {
        self.majors.contains(&version.major).then(|| {
            self.maturities
                .get(&version)
                .copied()
                .unwrap_or(Maturity::PreRelease)
        })
    }

    /// This answer, with every version an earlier answer saw GA kept GA.
    pub fn keeping_ga_of(mut self, earlier: Option<&StreamsAnswer>) -> Self {
        let Some(earlier) = earlier else {
            return self;
        };
        for (version, maturity) in &earlier.maturities {
            if *maturity == Maturity::GenerallyAvailable {
                self.maturities.insert(*version, *maturity);
            }
        }
        self.majors.extend(&earlier.majors);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release_streams::tags::TagPhase;

    fn answer(at: i64, names: &[&str]) -> StreamsAnswer {
        let tags: Vec<_> = names
            .iter()
            .map(|name| ReleaseTag::new(*name, TagPhase::Accepted))
            .collect();
        StreamsAnswer::from_tags(
            Timestamp::from_second(at).unwrap(),
            BTreeSet::from([4]),
            &tags,
        )
    }

    #[test]
    fn versions_of_a_read_major_without_tags_are_pre_releases_and_other_majors_unknown() {
        let read = answer(0, &["4.19.3", "5.0.0"]);
        assert_eq!(
            read.maturity(OcpVersion::new(4, 19)),
            Some(Maturity::GenerallyAvailable)
        );
        assert_eq!(
            read.maturity(OcpVersion::new(4, 22)),
            Some(Maturity::PreRelease)
        );
        assert_eq!(read.maturity(OcpVersion::new(5, 0)), None);
    }

    #[test]
    fn a_later_answer_never_takes_ga_back() {
        let earlier = answer(0, &["4.19.3", "4.20.0"]);
        let later = answer(60, &["4.19.3", "4.21.0-rc.0"]).keeping_ga_of(Some(&earlier));
        assert_eq!(later.read_at, Timestamp::from_second(60).unwrap());
        assert_eq!(
            later.maturity(OcpVersion::new(4, 20)),
            Some(Maturity::GenerallyAvailable)
        );
        assert_eq!(
            later.maturity(OcpVersion::new(4, 21)),
            Some(Maturity::PreRelease)
        );
    }
}
