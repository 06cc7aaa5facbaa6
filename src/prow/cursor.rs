//! What the adapter remembers about a job between polls, so that an idle poll costs one
//! conditional request plus one check per unfinished build, and no finished build is ever
//! downloaded twice.
//!
//! The engine stores the cursor as JSON next to the runs it produced; every field defaults, so
//! a cursor written by an older gatebot still loads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::results::{ProwJobFacts, StartedFacts};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobCursor {
    /// The generation of `logs/<job>/latest-build.txt` when the job's folder was last listed;
    /// while it stays the same, no build has started since.
    pub(super) latest_build_generation: Option<String>,
    /// The newest build id seen in a listing; the next listing starts there.
    pub(super) newest_listed_build: Option<String>,
    /// Builds without a `finished.json` yet, with what has been read of them so far.
    pub(super) unfinished: BTreeMap<String, UnfinishedBuild>,
}

impl JobCursor {
    /// The newest build id listed so far, if the job has been polled successfully.
    pub fn newest_listed_build(&self) -> Option<&str> {
        self.newest_listed_build.as_deref()
    }

    /// Builds still waiting for `finished.json`, in no particular order.
    pub fn unfinished_builds(&self) -> impl Iterator<Item = &str> {
        self.unfinished.keys().map(String::as_str)
    }
}

/// What has been read of a build that has not finished, so the next poll only asks for what is
/// still missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct UnfinishedBuild {
    pub started: FileState<StartedFacts>,
    pub prowjob: FileState<ProwJobFacts>,
}

/// Where one of a build's files stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "facts")]
pub(super) enum FileState<T> {
    /// Not there yet; ask again next poll.
    #[default]
    NotWritten,
    /// There, but not what Prow writes; already reported, never asked for again.
    Unreadable,
    Read(T),
}

impl<T> FileState<T> {
    pub fn read(&self) -> Option<&T> {
        match self {
            FileState::Read(facts) => Some(facts),
            FileState::NotWritten | FileState::Unreadable => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    #[test]
    fn a_cursor_survives_a_json_round_trip() {
        let mut cursor = JobCursor {
            latest_build_generation: Some("1700000000000001".to_string()),
            newest_listed_build: Some("1900000000000000042".to_string()),
            unfinished: BTreeMap::new(),
        };
        cursor.unfinished.insert(
            "1900000000000000042".to_string(),
            UnfinishedBuild {
                started: FileState::Read(StartedFacts {
                    started_at: Some(Timestamp::from_second(1_700_000_000).unwrap()),
                }),
                prowjob: FileState::Unreadable,
            },
        );
        let json = serde_json::to_string(&cursor).unwrap();
        assert_eq!(serde_json::from_str::<JobCursor>(&json).unwrap(), cursor);
    }

    #[test]
    fn an_empty_object_is_a_fresh_cursor() {
        assert_eq!(
            serde_json::from_str::<JobCursor>("{}").unwrap(),
            JobCursor::default()
        );
    }
}
