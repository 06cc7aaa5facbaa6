//! `[prow]`: where the results of OpenShift CI periodic jobs are read, and how a run says which
//! snapshot it tested.
//!
//! The defaults are OpenShift CI's: results in the `test-platform-results` GCS bucket, job pages
//! on `prow.ci.openshift.org`, and the HyperShift operator image override that the existing
//! HyperShift release-gate pipeline passes to Gangway.

use jiff::SignedDuration;
use reqwest::Url;

use serde::Deserialize;
use toml::Spanned;

use super::duration;
use super::environment;
use super::problems::Invalid;
use super::report::{Place, Report};
use super::url::http_url;
use crate::prow::OPERATOR_IMAGE_ENV;

pub const DEFAULT_GCS_URL: &str = "https://storage.googleapis.com";
pub const DEFAULT_BUCKET: &str = "test-platform-results";
pub const DEFAULT_PROW_URL: &str = "https://prow.ci.openshift.org";
pub const DEFAULT_POLL_INTERVAL: &str = "60s";
pub const DEFAULT_SNAPSHOT_METADATA_KEY: &str = "gatebot-snapshot";
pub const DEFAULT_IMAGE_METADATA_KEY: &str = "hypershift-operator-image";
pub const DEFAULT_BACKFILL_BUILDS: u32 = 20;

/// Polling faster than once a second only loads GCS; results take minutes to appear anyway.
const MINIMUM_POLL_INTERVAL: SignedDuration = SignedDuration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProwConfig {
    /// The Google Cloud Storage JSON API endpoint that serves the bucket.
    pub gcs_url: Url,
    /// The bucket holding `logs/<job>/<build>/`.
    pub bucket: String,
    /// Prow's front end (Deck), for links to a run's page.
    pub prow_url: Url,
    /// How often each job's latest build is looked up.
    pub poll_interval: SignedDuration,
    /// The key under `finished.json` `metadata` that names the Snapshot a run tested.
    pub snapshot_metadata_key: String,
    /// The key under `finished.json` `metadata` that names the operator image a run tested.
    pub image_metadata_key: String,
    /// The variable in a run's `prowjob.json` that carries the operator image Gangway overrode;
    /// it identifies runs that have not finished (and so have no metadata) yet.
    pub image_env: String,
    /// How many past builds of each job are read when gatebot meets the job for the first time.
    pub backfill_builds: u32,
}

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct ProwSection {
    gcs_url: Option<Spanned<String>>,
    bucket: Option<Spanned<String>>,
    prow_url: Option<Spanned<String>>,
    poll_interval: Option<Spanned<String>>,
    snapshot_metadata_key: Option<Spanned<String>>,
    image_metadata_key: Option<Spanned<String>>,
    image_env: Option<Spanned<String>>,
    backfill_builds: Option<Spanned<i64>>,
}

impl ProwSection {
    pub(super) fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<ProwConfig> {
        let gcs_url = report.setting(
            &place.key("gcs_url"),
            self.gcs_url.as_ref(),
            DEFAULT_GCS_URL,
            http_url,
        );
        let bucket = report.setting(
            &place.key("bucket"),
            self.bucket.as_ref(),
            DEFAULT_BUCKET,
            bucket_name,
        );
        let prow_url = report.setting(
            &place.key("prow_url"),
            self.prow_url.as_ref(),
            DEFAULT_PROW_URL,
            http_url,
        );
        let poll_interval = report.setting(
            &place.key("poll_interval"),
            self.poll_interval.as_ref(),
            DEFAULT_POLL_INTERVAL,
            |text| duration::at_least(text, MINIMUM_POLL_INTERVAL),
        );
        let snapshot_metadata_key = report.setting(
            &place.key("snapshot_metadata_key"),
            self.snapshot_metadata_key.as_ref(),
            DEFAULT_SNAPSHOT_METADATA_KEY,
            metadata_key,
        );
        let image_metadata_key = report.setting(
            &place.key("image_metadata_key"),
            self.image_metadata_key.as_ref(),
            DEFAULT_IMAGE_METADATA_KEY,
            metadata_key,
        );
        let image_env = report.setting(
            &place.key("image_env"),
            self.image_env.as_ref(),
            OPERATOR_IMAGE_ENV,
            |text| environment::variable_name(text, OPERATOR_IMAGE_ENV),
        );
        let backfill_builds = report.count_or(
            &place.key("backfill_builds"),
            self.backfill_builds.as_ref(),
            1,
            DEFAULT_BACKFILL_BUILDS,
        );
        Some(ProwConfig {
            gcs_url: gcs_url?,
            bucket: bucket?,
            prow_url: prow_url?,
            poll_interval: poll_interval?,
            snapshot_metadata_key: snapshot_metadata_key?,
            image_metadata_key: image_metadata_key?,
            image_env: image_env?,
            backfill_builds: backfill_builds?,
        })
    }
}

/// GCS bucket names: 3 to 63 lowercase letters, digits, `-`, `_` and `.`.
fn bucket_name(text: &str) -> Result<String, Invalid> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    if (3..=63).contains(&text.len()) && text.chars().all(allowed) {
        Ok(text.to_string())
    } else {
        Err(Invalid::new(
            format!("`{text}` is not a GCS bucket name"),
            format!(
                "use 3 to 63 lowercase letters, digits, `-`, `_` and `.`, such as `{DEFAULT_BUCKET}`"
            ),
        ))
    }
}

fn metadata_key(text: &str) -> Result<String, Invalid> {
    if text.trim().is_empty() {
        Err(Invalid::new(
            "is empty",
            "write the key the job writes into `$ARTIFACTS/metadata.json`",
        ))
    } else {
        Ok(text.to_string())
    }
}
