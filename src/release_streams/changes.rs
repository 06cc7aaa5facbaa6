//! What is worth saying once: a version whose maturity changed between two catalogs (the
//! engine announces "4.21 is now GA" once, not at every refresh), and the release-controller
//! going away or coming back (logged when it happens, not at every failed refresh).

use std::fmt;

use jiff::Timestamp;

use super::catalog::{GaCatalog, Source};
use crate::gate::{Maturity, OcpVersion};

/// A version whose maturity differs between two catalogs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaturityChange {
    pub version: OcpVersion,
    pub from: Maturity,
    pub to: Maturity,
    /// Where the new maturity came from.
    pub source: Source,
}

impl MaturityChange {
    pub fn became_ga(&self) -> bool {
        self.to == Maturity::GenerallyAvailable
    }
}

impl fmt::Display for MaturityChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let consequence = if self.became_ga() {
            "generally available: its required cells must now pass"
        } else {
            "a pre-release again: failures of its cells no longer block"
        };
        write!(f, "OCP {} is {consequence} ({})", self.version, self.source)
    }
}

/// The versions whose maturity changed from `before` to `after`, in version order. A version
/// in only one of them (the configuration changed) is not a change of maturity.
pub fn maturity_changes(before: &GaCatalog, after: &GaCatalog) -> Vec<MaturityChange> {
    after
        .iter()
        .filter_map(|(version, to, source)| {
            let (from, _) = before.get(version)?;
            (from != to).then_some(MaturityChange {
                version,
                from,
                to,
                source,
            })
        })
        .collect()
}

/// Whether the release-controller answered the refreshes so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ApiHealth {
    /// Not asked yet.
    #[default]
    Unasked,
    Answering,
    /// Failing since `since`; `reason` is the first failure's.
    Unreachable {
        since: Timestamp,
        reason: String,
    },
}

impl ApiHealth {
    /// The health after a refresh at `now` that succeeded or failed with `failure`: an outage
    /// that goes on keeps the time and reason of its start.
    pub fn after(&self, now: Timestamp, failure: Option<&str>) -> ApiHealth {
        match (self, failure) {
            (_, None) => ApiHealth::Answering,
            (ApiHealth::Unreachable { .. }, Some(_)) => self.clone(),
            (_, Some(reason)) => ApiHealth::Unreachable {
                since: now,
                reason: reason.to_string(),
            },
        }
    }
}

/// A change of the release-controller's health, to be logged once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthChange {
    /// It stopped answering; the catalog now rests on the last answer or the configuration.
    Lost { reason: String, fallback: Fallback },
    /// It answers again after an outage that began at `since`.
    Recovered { since: Timestamp },
}

/// What GA status rests on while the release-controller cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    LastAnswer { read_at: Timestamp },
    Configuration,
}

impl fmt::Display for HealthChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthChange::Lost { reason, fallback } => {
                let uses = match fallback {
                    Fallback::LastAnswer { read_at } => format!(
                        "its last answer (read at {read_at}), and the configuration's `ga` where that says GA"
                    ),
                    Fallback::Configuration => "the configuration's `ga`".to_string(),
                };
                write!(
                    f,
                    "GA status cannot be read from the release-controller ({reason}); until it \
                     answers, gatebot uses {uses}"
                )
            }
            HealthChange::Recovered { since } => write!(
                f,
                "the release-controller answers again (it had not since {since}); GA status \
                 comes from it once more"
            ),
        }
    }
}

/// The change from `before` to `after`, if it is one worth logging. The first answer is not:
/// nothing was said about the release-controller before it.
pub fn health_change(
    before: &ApiHealth,
    after: &ApiHealth,
    fallback: Fallback,
) -> Option<HealthChange> {
    match (before, after) {
        (ApiHealth::Unreachable { since, .. }, ApiHealth::Answering) => {
            Some(HealthChange::Recovered { since: *since })
        }
        (ApiHealth::Unasked | ApiHealth::Answering, ApiHealth::Unreachable { reason, .. }) => {
            Some(HealthChange::Lost {
                reason: reason.clone(),
                fallback,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::release_streams::catalog::ConfiguredVersions;

    const V420: OcpVersion = OcpVersion::new(4, 20);
    const V421: OcpVersion = OcpVersion::new(4, 21);

    fn catalog(versions: &[(OcpVersion, Maturity)]) -> GaCatalog {
        let configured = ConfiguredVersions {
            fallback: versions.iter().copied().collect(),
            pins: BTreeMap::new(),
        };
        GaCatalog::decide(&configured, None, false)
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap()
    }

    #[test]
    fn only_versions_in_both_catalogs_whose_maturity_differs_are_changes() {
        let before = catalog(&[(V420, Maturity::PreRelease), (V421, Maturity::PreRelease)]);
        let after = catalog(&[
            (V420, Maturity::GenerallyAvailable),
            (V421, Maturity::PreRelease),
            (OcpVersion::new(4, 22), Maturity::GenerallyAvailable),
        ]);
        let changes = maturity_changes(&before, &after);
        assert_eq!(
            changes,
            [MaturityChange {
                version: V420,
                from: Maturity::PreRelease,
                to: Maturity::GenerallyAvailable,
                source: Source::Configuration,
            }]
        );
        assert!(changes[0].became_ga());
        assert_eq!(
            changes[0].to_string(),
            "OCP 4.20 is generally available: its required cells must now pass (from the configuration's `ga`)"
        );
        assert!(maturity_changes(&after, &after).is_empty());
    }

    #[test]
    fn an_outage_keeps_its_start_and_is_reported_once_each_way() {
        let answering = ApiHealth::Unasked.after(at(0), None);
        assert_eq!(answering, ApiHealth::Answering);
        let down = answering.after(at(60), Some("connection refused"));
        let still_down = down.after(at(120), Some("HTTP 503"));
        assert_eq!(still_down, down);

        let fallback = Fallback::LastAnswer { read_at: at(0) };
        let lost = health_change(&answering, &down, fallback).unwrap();
        assert_eq!(
            lost,
            HealthChange::Lost {
                reason: "connection refused".into(),
                fallback
            }
        );
        assert!(
            lost.to_string()
                .contains("until it answers, gatebot uses its last answer")
        );
        assert_eq!(health_change(&down, &still_down, fallback), None);
        let back = still_down.after(at(180), None);
        assert_eq!(
            health_change(&still_down, &back, fallback),
            Some(HealthChange::Recovered { since: at(60) })
        );
        assert_eq!(health_change(&back, &back, fallback), None);
        assert_eq!(health_change(&ApiHealth::Unasked, &back, fallback), None);
    }

    #[test]
    fn an_outage_before_any_answer_says_the_configuration_decides() {
        let down = ApiHealth::Unasked.after(at(0), Some("connection refused"));
        let lost = health_change(&ApiHealth::Unasked, &down, Fallback::Configuration).unwrap();
        assert_eq!(
            lost.to_string(),
            "GA status cannot be read from the release-controller (connection refused); until it \
             answers, gatebot uses the configuration's `ga`"
        );
    }
}
