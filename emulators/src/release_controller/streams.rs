//! The release streams the emulator holds, and the two questions the API answers about them:
//! a stream's tags (optionally in some phases) and the newest Accepted tag that matches.
//!
//! Ordering follows `SemanticVersions.Less` in `pkg/release-controller/semver.go`: newest
//! version first, names that are not semantic versions last, ties by name, descending. (The
//! comment on `APIRelease.Tags` in `pkg/release-controller/types.go` says "oldest to newest";
//! the code sorts the other way, and clients see what the code does.) `latest` follows
//! `LatestForStream` in `pkg/release-controller/release.go`: Accepted tags only, first by that
//! order that starts with `prefix` (plain string prefix) and lies in the `in` range.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::Phase;
use super::semver::{Range, Version};

/// Where emulated release images live; real stable tags point at this repository with the
/// architecture appended to the tag name.
const PULL_REPOSITORY: &str = "quay.io/openshift-release-dev/ocp-release";
/// The artifacts host of the amd64 release-controller; `downloadURL` is `https://HOST/TAG`
/// (`urlForArtifacts` in `cmd/release-controller-api/http.go`).
const ARTIFACTS_HOST: &str = "openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com";

/// One tag as the API renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TagView {
    pub name: String,
    pub phase: Phase,
    pub pull_spec: String,
    pub download_url: String,
}

/// Why `latest` found nothing; the texts are `ErrStreamNotFound` and `ErrStreamTagNotFound`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missing {
    Stream,
    Tag,
}

impl Missing {
    pub fn message(self) -> &'static str {
        match self {
            Missing::Stream => "no release configuration exists with the requested name",
            Missing::Tag => "no tags exist within the release that satisfy the request",
        }
    }
}

/// Every stream by name, each with its tags by name.
#[derive(Debug, Default)]
pub(super) struct Streams {
    streams: BTreeMap<String, BTreeMap<String, Phase>>,
}

impl Streams {
    pub fn add_stream(&mut self, stream: &str) {
        self.streams.entry(stream.to_string()).or_default();
    }

    /// Adds a tag or changes its phase; says whether the stream exists.
    pub fn set_tag(&mut self, stream: &str, tag: &str, phase: Phase) -> bool {
        match self.streams.get_mut(stream) {
            Some(tags) => {
                tags.insert(tag.to_string(), phase);
                true
            }
            None => false,
        }
    }

    /// Says whether the tag existed.
    pub fn has_tag(&self, stream: &str, tag: &str) -> bool {
        self.streams
            .get(stream)
            .is_some_and(|tags| tags.contains_key(tag))
    }

    /// The stream's tags in the API's order, only those in `phases` unless it is empty; `None`
    /// when there is no such stream.
    pub fn tags(&self, stream: &str, phases: &[String]) -> Option<Vec<TagView>> {
        let tags = self.streams.get(stream)?;
        let mut views: Vec<TagView> = tags
            .iter()
            .filter(|(_, phase)| phases.is_empty() || phases.iter().any(|p| p == phase.as_str()))
            .map(|(name, phase)| TagView {
                name: name.clone(),
                phase: *phase,
                pull_spec: format!("{PULL_REPOSITORY}:{name}-x86_64"),
                download_url: format!("https://{ARTIFACTS_HOST}/{name}"),
            })
            .collect();
        views.sort_by(|a, b| newest_first(&a.name, &b.name));
        Some(views)
    }

    /// The newest Accepted tag starting with `prefix` and inside `range`.
    pub fn latest(
        &self,
        stream: &str,
        prefix: Option<&str>,
        range: Option<&Range>,
    ) -> Result<TagView, Missing> {
        let accepted = self
            .tags(stream, &[Phase::Accepted.as_str().to_string()])
            .ok_or(Missing::Stream)?;
        accepted
            .into_iter()
            .filter(|tag| prefix.is_none_or(|prefix| tag.name.starts_with(prefix)))
            .find(|tag| {
                range.is_none_or(|range| {
                    Version::parse(&tag.name).is_some_and(|version| range.contains(&version))
                })
            })
            .ok_or(Missing::Tag)
    }
}

fn newest_first(a: &str, b: &str) -> Ordering {
    match (Version::parse(a), Version::parse(b)) {
        (Some(x), Some(y)) => y.cmp(&x).then_with(|| b.cmp(a)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => b.cmp(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_newest_first_with_names_that_are_not_versions_last() {
        let mut streams = Streams::default();
        streams.add_stream("4-stable");
        for name in ["4.19.12", "weird", "4.20.0-rc.1", "4.20.0", "4.20.0-ec.3"] {
            assert!(streams.set_tag("4-stable", name, Phase::Accepted));
        }
        let names: Vec<_> = streams
            .tags("4-stable", &[])
            .unwrap()
            .into_iter()
            .map(|tag| tag.name)
            .collect();
        assert_eq!(
            names,
            ["4.20.0", "4.20.0-rc.1", "4.20.0-ec.3", "4.19.12", "weird"]
        );
    }

    #[test]
    fn latest_reads_only_accepted_tags_of_an_existing_stream() {
        let mut streams = Streams::default();
        assert_eq!(streams.latest("4-stable", None, None), Err(Missing::Stream));
        streams.add_stream("4-stable");
        streams.set_tag("4-stable", "4.20.1", Phase::Rejected);
        streams.set_tag("4-stable", "4.20.0", Phase::Accepted);
        streams.set_tag("4-stable", "4.19.9", Phase::Accepted);
        assert_eq!(
            streams.latest("4-stable", None, None).unwrap().name,
            "4.20.0"
        );
        assert_eq!(
            streams.latest("4-stable", Some("4.19"), None).unwrap().name,
            "4.19.9"
        );
        assert_eq!(
            streams.latest("4-stable", Some("4.21"), None),
            Err(Missing::Tag)
        );
        assert!(!streams.set_tag("5-stable", "5.0.0", Phase::Accepted));
    }
}
