//! `[prow]`: where the results of OpenShift CI periodic jobs are read, and how a run says which
//! snapshot it tested.
//!
//! The defaults are OpenShift CI's: results in the `test-platform-results` GCS bucket, job pages
//! on `prow.ci.openshift.org`, and the HyperShift operator image override that the existing
//! HyperShift release-gate pipeline passes to Gangway.

use jiff::SignedDuration;
use reqwest::Url;

use super::document::Table;
use super::duration;
use super::environment;
use super::problems::Invalid;
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

impl ProwConfig {
    pub(super) fn read(mut table: Table<'_>) -> Option<Self> {
        let gcs_url = table.parse_or("gcs_url", DEFAULT_GCS_URL, http_url);
        let bucket = table.parse_or("bucket", DEFAULT_BUCKET, bucket_name);
        let prow_url = table.parse_or("prow_url", DEFAULT_PROW_URL, http_url);
        let poll_interval = table.parse_or("poll_interval", DEFAULT_POLL_INTERVAL, |text| {
            duration::at_least(text, MINIMUM_POLL_INTERVAL)
        });
        let snapshot_metadata_key = table.parse_or(
            "snapshot_metadata_key",
            DEFAULT_SNAPSHOT_METADATA_KEY,
            metadata_key,
        );
        let image_metadata_key = table.parse_or(
            "image_metadata_key",
            DEFAULT_IMAGE_METADATA_KEY,
            metadata_key,
        );
        let image_env = table.parse_or("image_env", OPERATOR_IMAGE_ENV, |text| {
            environment::variable_name(text, OPERATOR_IMAGE_ENV)
        });
        let backfill_builds = table
            .optional("backfill_builds")
            .map_or(Some(DEFAULT_BACKFILL_BUILDS), |value| value.count(1));
        table.finish();
        Some(Self {
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
