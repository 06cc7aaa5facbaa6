//! The GA catalog of one gate, kept current: a refresh reads the release-controller, decides the
//! catalog anew, and says what changed, so the engine can announce a version going GA once and
//! the logs say once that the release-controller went away (and once that it came back).
//!
//! What a refresh does with what it read is [`RefreshState::next`], a pure function; the
//! refresher around it only does the reading, keeps the state and logs.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use super::answer::StreamsAnswer;
use super::catalog::{ConfiguredVersions, GaCatalog};
use super::changes::{
    ApiHealth, Fallback, HealthChange, MaturityChange, health_change, maturity_changes,
};
use super::client::ReleaseControllerClient;
use super::error::StreamsError;
use super::tags::ReleaseTag;
use crate::clock::Clock;
use crate::repeat::repeat_until;

/// What one refresh found.
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    pub catalog: GaCatalog,
    /// Versions whose maturity changed with this refresh, to be announced.
    pub changes: Vec<MaturityChange>,
    /// The release-controller went away or came back with this refresh.
    pub health_change: Option<HealthChange>,
    /// Why the release-controller could not be read this time; the catalog then rests on the
    /// last answer and the configuration, and nothing known before is lost.
    pub error: Option<StreamsError>,
}

/// What a refresh remembers for the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshState {
    pub catalog: GaCatalog,
    pub last_answer: Option<StreamsAnswer>,
    pub health: ApiHealth,
}

impl RefreshState {
    /// Before any refresh: the configuration and its pins decide.
    pub fn initial(configured: &ConfiguredVersions) -> Self {
        Self {
            catalog: GaCatalog::decide(configured, None, false),
            last_answer: None,
            health: ApiHealth::Unasked,
        }
    }

    /// The state after a read at `now` of the `majors`' stable streams that gave `read`.
    pub fn next(
        &self,
        configured: &ConfiguredVersions,
        majors: BTreeSet<u32>,
        read: Result<Vec<ReleaseTag>, StreamsError>,
        now: Timestamp,
    ) -> (RefreshState, Refresh) {
        let (last_answer, error) = match read {
            Ok(tags) => (
                Some(
                    StreamsAnswer::from_tags(now, majors, &tags)
                        .keeping_ga_of(self.last_answer.as_ref()),
                ),
                None,
            ),
            Err(error) => (self.last_answer.clone(), Some(error)),
        };
        let answered = error.is_none();
        let catalog = GaCatalog::decide(configured, last_answer.as_ref(), answered);
        let health = self
            .health
            .after(now, error.as_ref().map(ToString::to_string).as_deref());
        let fallback = match &last_answer {
            Some(answer) => Fallback::LastAnswer {
                read_at: answer.read_at,
            },
            None => Fallback::Configuration,
        };
        let refresh = Refresh {
            changes: maturity_changes(&self.catalog, &catalog),
            health_change: health_change(&self.health, &health, fallback),
            catalog: catalog.clone(),
            error,
        };
        let state = RefreshState {
            catalog,
            last_answer,
            health,
        };
        (state, refresh)
    }
}

/// Keeps one gate's GA catalog current; share it behind an `Arc`.
pub struct CatalogRefresher {
    client: ReleaseControllerClient,
    configured: ConfiguredVersions,
    clock: Arc<dyn Clock>,
    state: Mutex<RefreshState>,
}

impl CatalogRefresher {
    pub fn new(
        client: ReleaseControllerClient,
        configured: ConfiguredVersions,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let state = Mutex::new(RefreshState::initial(&configured));
        Self {
            client,
            configured,
            clock,
            state,
        }
    }

    /// The catalog as of the last refresh (the configuration's before the first).
    pub fn catalog(&self) -> GaCatalog {
        self.state().catalog.clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, RefreshState> {
        self.state.lock().expect("GA catalog state poisoned")
    }

    /// Reads the release-controller once and moves the catalog on.
    pub async fn refresh(&self) -> Refresh {
        let majors = self.configured.majors_to_read();
        let read = if majors.is_empty() {
            Ok(Vec::new())
        } else {
            self.client.accepted_tags(&majors).await
        };
        let now = self.clock.now();
        let mut state = self.state();
        let (next, refresh) = state.next(&self.configured, majors, read, now);
        *state = next;
        drop(state);
        match &refresh.health_change {
            Some(change @ HealthChange::Lost { .. }) => tracing::warn!("{change}"),
            Some(change @ HealthChange::Recovered { .. }) => tracing::info!("{change}"),
            None => {}
        }
        if let Some(error) = &refresh.error {
            tracing::debug!(%error, "the GA catalog was not refreshed");
        }
        for change in &refresh.changes {
            tracing::info!("{change}");
        }
        refresh
    }

    /// Refreshes at once and then every `every` until `shutdown`, handing each refresh to
    /// `on_refresh` (where the engine announces the changes).
    pub async fn run(
        &self,
        every: Duration,
        mut on_refresh: impl FnMut(Refresh),
        shutdown: impl Future<Output = ()>,
    ) {
        let on_refresh = Mutex::new(&mut on_refresh);
        repeat_until(every, shutdown, || async {
            let refresh = self.refresh().await;
            (on_refresh.lock().expect("refresh callback lock poisoned"))(refresh);
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::gate::{Maturity, OcpVersion};
    use crate::release_streams::catalog::Source;
    use crate::release_streams::tags::TagPhase;

    const GA: Maturity = Maturity::GenerallyAvailable;
    const PRE: Maturity = Maturity::PreRelease;
    const V420: OcpVersion = OcpVersion::new(4, 20);
    const V421: OcpVersion = OcpVersion::new(4, 21);

    fn configured() -> ConfiguredVersions {
        ConfiguredVersions {
            fallback: BTreeMap::from([(V420, GA), (V421, PRE)]),
            pins: BTreeMap::new(),
        }
    }

    fn tags(names: &[&str]) -> Result<Vec<ReleaseTag>, StreamsError> {
        Ok(names
            .iter()
            .map(|name| ReleaseTag::new(*name, TagPhase::Accepted))
            .collect())
    }

    fn down() -> Result<Vec<ReleaseTag>, StreamsError> {
        Err(StreamsError::Unavailable {
            url: "http://rc/api".into(),
            attempts: 4,
            detail: "connection refused".into(),
        })
    }

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(minute * 60).unwrap()
    }

    fn step(
        state: &RefreshState,
        read: Result<Vec<ReleaseTag>, StreamsError>,
        minute: i64,
    ) -> (RefreshState, Refresh) {
        state.next(&configured(), BTreeSet::from([4]), read, at(minute))
    }

    #[test]
    fn a_version_going_ga_is_a_change_once() {
        let start = RefreshState::initial(&configured());
        let (first, refresh) = step(&start, tags(&["4.20.1", "4.21.0-rc.0"]), 0);
        assert!(
            refresh.changes.is_empty(),
            "the answer agrees with the configuration"
        );
        assert_eq!(refresh.health_change, None);

        let (second, refresh) = step(&first, tags(&["4.20.1", "4.21.0"]), 1);
        assert_eq!(refresh.changes.len(), 1);
        assert_eq!(refresh.changes[0].version, V421);
        assert!(refresh.changes[0].became_ga());

        let (_, refresh) = step(&second, tags(&["4.20.1", "4.21.0"]), 2);
        assert!(refresh.changes.is_empty());
    }

    #[test]
    fn an_outage_is_said_once_and_keeps_what_the_last_answer_knew() {
        let start = RefreshState::initial(&configured());
        let (answered, _) = step(&start, tags(&["4.20.1", "4.21.0"]), 0);
        let (outage, refresh) = step(&answered, down(), 1);
        assert!(refresh.error.is_some());
        assert!(refresh.changes.is_empty(), "nothing known is lost");
        assert_eq!(refresh.catalog.get(V421), Some((GA, Source::LastAnswer)));
        assert_eq!(
            refresh.health_change,
            Some(HealthChange::Lost {
                reason: down().unwrap_err().to_string(),
                fallback: Fallback::LastAnswer { read_at: at(0) },
            })
        );

        let (still, refresh) = step(&outage, down(), 2);
        assert_eq!(refresh.health_change, None);

        let (_, refresh) = step(&still, tags(&["4.20.1", "4.21.0"]), 3);
        assert_eq!(
            refresh.health_change,
            Some(HealthChange::Recovered { since: at(1) })
        );
        assert_eq!(
            refresh.catalog.get(V421),
            Some((GA, Source::ReleaseController))
        );
    }

    #[test]
    fn pinned_versions_need_no_stream_read() {
        let mut configured = configured();
        configured.pins = BTreeMap::from([(V420, GA), (V421, PRE)]);
        assert!(configured.majors_to_read().is_empty());
        configured.fallback.insert(OcpVersion::new(5, 0), PRE);
        assert_eq!(configured.majors_to_read(), BTreeSet::from([5]));
    }
}
