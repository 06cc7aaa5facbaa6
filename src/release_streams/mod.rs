//! GA status as data: which of a gate's OCP versions are generally available, read from the
//! OpenShift release-controller instead of written by hand in each gate's configuration.
//!
//! OCP X.Y is GA once the `{major}-stable` release stream holds an Accepted tag `X.Y.Z` without
//! a pre-release suffix ([`maturity_from_tags`]). The [`ReleaseControllerClient`] reads the
//! Accepted tags of the stable streams the gate's versions need; the [`CatalogRefresher`] keeps
//! a [`GaCatalog`] current from them, decided purely by [`GaCatalog::decide`]:
//! a pin (`ga_pinned`) overrules the data, the release-controller's answer decides while it
//! answers, its last answer stands while it cannot be reached, and the configuration's `ga` is
//! the fallback when nothing was ever read. Each refresh reports the versions whose maturity
//! changed ([`MaturityChange`]) and, once, the release-controller going away or coming back
//! ([`HealthChange`]).
//!
//! With `[release_streams]` configured, `gatebot run` keeps one refresher per gate, and each
//! refresh hands [`GaCatalog::version_catalog`] to the engine (`Engine::follow_ga_catalog`),
//! which evaluates the gate with it from then on and announces each version that became GA.

mod answer;
mod catalog;
mod changes;
mod client;
mod error;
mod refresh;
mod settings;
mod tags;
mod wire;

pub use answer::StreamsAnswer;
pub use catalog::{ConfiguredVersions, GaCatalog, Source};
pub use changes::{
    ApiHealth, Fallback, HealthChange, MaturityChange, health_change, maturity_changes,
};
pub use client::ReleaseControllerClient;
pub use error::StreamsError;
pub use refresh::{CatalogRefresher, Refresh, RefreshState};
pub use settings::ReleaseStreamsSettings;
pub use tags::{ReleaseTag, TagPhase, maturity_from_tags, tag_version};
