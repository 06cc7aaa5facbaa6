//! Reads one build of a job: whatever of `started.json` and `prowjob.json` is still unknown,
//! and `finished.json`, then says whether the build is running, finished or not to be trusted.
//!
//! An unfinished build carries what was read into the cursor, so the next poll asks only for
//! `finished.json` (and for files that were not written yet).

use crate::gate::model::{JobRun, RunState};

use super::Problem;
use super::cursor::{FileState, UnfinishedBuild};
use super::error::ProwError;
use super::gcs_client::GcsReader;
use super::results::{self, MetadataKeys};
use super::settings::ProwSettings;

/// Where a build stands after reading it.
#[derive(Debug)]
pub(super) enum BuildOutcome {
    /// No `finished.json` yet; `known` goes back into the cursor.
    Running {
        run: JobRun,
        known: UnfinishedBuild,
    },
    Finished(JobRun),
    /// `finished.json` is damaged; the build never counts and is not read again.
    Rejected,
}

#[derive(Debug)]
pub(super) struct BuildReport {
    pub outcome: BuildOutcome,
    pub problems: Vec<Problem>,
}

/// One build of one job, as the reader sees it.
pub(super) struct BuildReader<'a> {
    pub gcs: &'a GcsReader<'a>,
    pub settings: &'a ProwSettings,
    pub job: &'a str,
}

impl BuildReader<'_> {
    pub async fn read(
        &self,
        build_id: &str,
        known: UnfinishedBuild,
    ) -> Result<BuildReport, ProwError> {
        let mut problems = Vec::new();
        let started = match known.started {
            FileState::NotWritten => {
                self.read_file(
                    build_id,
                    "started.json",
                    &mut problems,
                    results::parse_started,
                )
                .await?
            }
            settled => settled,
        };
        let prowjob = match known.prowjob {
            FileState::NotWritten => {
                let parse = |bytes: &[u8]| {
                    results::parse_prowjob(bytes, self.job, &self.settings.image_env)
                };
                self.read_file(build_id, "prowjob.json", &mut problems, parse)
                    .await?
            }
            settled => settled,
        };
        let keys = MetadataKeys {
            snapshot: &self.settings.snapshot_metadata_key,
            image: &self.settings.image_metadata_key,
        };
        let finished = match self.download(build_id, "finished.json").await? {
            None => None,
            Some(bytes) => match results::parse_finished(&bytes, keys) {
                Ok(facts) => Some(facts),
                Err(detail) => {
                    problems.push(self.problem(build_id, "finished.json", detail));
                    return Ok(BuildReport {
                        outcome: BuildOutcome::Rejected,
                        problems,
                    });
                }
            },
        };

        let job_facts = prowjob.read();
        let mut run = JobRun {
            job: self.job.to_string(),
            build_id: build_id.to_string(),
            state: RunState::Running,
            started_at: started.read().and_then(|facts| facts.started_at),
            finished_at: None,
            url: match job_facts.and_then(|facts| facts.url.clone()) {
                Some(url) => url,
                None => self.deck_url(build_id),
            },
            target: results::target(finished.as_ref(), job_facts),
        };
        let outcome = match (finished, job_facts) {
            (Some(facts), _) => {
                run.state = facts.state;
                run.finished_at = facts.finished_at;
                BuildOutcome::Finished(run)
            }
            (None, Some(facts)) if facts.errored() => {
                run.state = RunState::Error;
                run.finished_at = facts.completed_at;
                BuildOutcome::Finished(run)
            }
            (None, _) => BuildOutcome::Running {
                run,
                known: UnfinishedBuild { started, prowjob },
            },
        };
        Ok(BuildReport { outcome, problems })
    }

    /// Reads and parses one file that may not be written yet. A file that does not parse is
    /// reported once and then treated as saying nothing.
    async fn read_file<T>(
        &self,
        build_id: &str,
        file: &str,
        problems: &mut Vec<Problem>,
        parse: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<FileState<T>, ProwError> {
        let Some(bytes) = self.download(build_id, file).await? else {
            return Ok(FileState::NotWritten);
        };
        Ok(match parse(&bytes) {
            Ok(facts) => FileState::Read(facts),
            Err(detail) => {
                problems.push(self.problem(build_id, file, detail));
                FileState::Unreadable
            }
        })
    }

    async fn download(&self, build_id: &str, file: &str) -> Result<Option<Vec<u8>>, ProwError> {
        self.gcs
            .download(&format!("logs/{}/{build_id}/{file}", self.job))
            .await
    }

    fn problem(&self, build_id: &str, file: &str, detail: String) -> Problem {
        Problem {
            source: format!(
                "gs://{}/logs/{}/{build_id}/{file}",
                self.settings.bucket, self.job
            ),
            detail,
        }
    }

    /// The run's page on Deck, for builds whose `prowjob.json` does not give one.
    fn deck_url(&self, build_id: &str) -> String {
        format!(
            "{}/view/gs/{}/logs/{}/{build_id}",
            self.settings.prow_url.trim_end_matches('/'),
            self.settings.bucket,
            self.job
        )
    }
}
