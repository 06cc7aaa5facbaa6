//! Reading one Gangway execution's run back from GCS: the run at the place its `job_url`
//! points to, and — when a trigger's answer was lost — the execution itself, found among the
//! job's newest builds by the annotations gatebot put on it.
//!
//! Gangway's own listing cannot do the second: it selects on the `prow.k8s.io/job` label, which
//! holds the job name cut to 63 characters, so most HyperShift periodics are never listed, and
//! its items carry no annotations. `prowjob.json` carries both the execution's name
//! (`metadata.name`) and the trigger's annotations, and is written as soon as the run's pod is
//! scheduled. A trigger not yet scheduled is not in GCS at all, so "not found" means "not
//! visible yet", and the caller decides how long to wait before it believes the trigger failed.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::gate::model::JobRun;

use super::build_reader::{BuildOutcome, BuildReader};
use super::error::ProwError;
use super::gangway::RunLocation;
use super::gcs_client::GcsReader;
use super::{Problem, ProwClient, poll, results};

/// The most builds one search reads: a lost answer is searched for within minutes of the
/// trigger, when the execution is among the newest few builds; the bound keeps a search that
/// was asked too late from downloading a job's whole history.
const SEARCH_LIMIT: usize = 50;

/// An execution found in GCS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundExecution {
    /// The Gangway execution id (the ProwJob's name).
    pub id: String,
    pub build_id: String,
}

/// One run read from GCS, with anything in its files gatebot could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRead {
    /// `None` when the run's `finished.json` is damaged: it must not count.
    pub run: Option<JobRun>,
    pub problems: Vec<Problem>,
}

impl ProwClient {
    /// The newest build of `job` whose ProwJob carries every one of `annotations` with the same
    /// value, looking only at builds created at or after `created_since` (at most
    /// [`SEARCH_LIMIT`] of them). A damaged `prowjob.json` is logged and skipped.
    pub async fn find_execution(
        &self,
        job: &str,
        annotations: &BTreeMap<String, String>,
        created_since: Timestamp,
    ) -> Result<Option<FoundExecution>, ProwError> {
        let gcs = GcsReader::new(&self.http, &self.settings, &self.gcs_api, job);
        let folder = format!("logs/{job}/");
        let listed = gcs.list_folders(&folder, None).await?;
        let mut builds: Vec<(u128, String)> = poll::build_ids(&folder, &listed)
            .into_iter()
            .filter_map(|id| Some((id.parse().ok()?, id)))
            .collect();
        builds.sort_unstable_by(|a, b| b.cmp(a));
        for (_, build_id) in builds.into_iter().take(SEARCH_LIMIT) {
            let object = format!("{folder}{build_id}/prowjob.json");
            let Some(bytes) = gcs.download(&object).await? else {
                continue;
            };
            let identity = match results::parse_prowjob_identity(&bytes, job) {
                Ok(identity) => identity,
                Err(detail) => {
                    let source = format!("gs://{}/{object}", self.settings.bucket);
                    tracing::warn!(%source, %detail, "skipping a ProwJob that cannot be read");
                    continue;
                }
            };
            // Build ids grow with time, so everything after an older build is older still.
            if identity.created_at.is_some_and(|at| at < created_since) {
                break;
            }
            let carries_all = annotations
                .iter()
                .all(|(key, value)| identity.annotations.get(key) == Some(value));
            if carries_all {
                return Ok(Some(FoundExecution {
                    id: identity.name,
                    build_id,
                }));
            }
        }
        Ok(None)
    }

    /// Reads the run at `location` (see [`super::gangway::Execution::location`]), as a poll
    /// would read it.
    pub async fn read_run(&self, location: &RunLocation) -> Result<RunRead, ProwError> {
        let job = location.job.as_str();
        if location.bucket != self.settings.bucket {
            return Err(ProwError::Refused {
                job: job.to_string(),
                url: format!("gs://{}/{}", location.bucket, location.prefix()),
                detail: format!(
                    "the run is stored in bucket `{}`, but gatebot reads bucket `{}` (Prow setting `bucket`)",
                    location.bucket, self.settings.bucket
                ),
            });
        }
        let gcs = GcsReader::new(&self.http, &self.settings, &self.gcs_api, job);
        let reader = BuildReader {
            gcs: &gcs,
            settings: &self.settings,
            job,
        };
        let report = reader.read(&location.build_id, Default::default()).await?;
        let run = match report.outcome {
            BuildOutcome::Running { run, .. } | BuildOutcome::Finished(run) => Some(run),
            BuildOutcome::Rejected => None,
        };
        Ok(RunRead {
            run,
            problems: report.problems,
        })
    }
}
