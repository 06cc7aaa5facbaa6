//! The two steps of a poll: find and read the builds that started since the cursor, then
//! check the builds that had not finished.
//!
//! Both write into the poll being built, and both stop at the first error, leaving the caller's
//! cursor as the one to retry with.

use super::JobPoll;
use super::build_reader::{BuildOutcome, BuildReader};
use super::cursor::{JobCursor, UnfinishedBuild};
use super::error::ProwError;
use super::gcs_client::Freshness;

/// Lists the job's folder if a build started since `cursor` (one conditional request says
/// whether one did) and reads the builds that are new.
pub(super) async fn read_new_builds(
    builds: &BuildReader<'_>,
    cursor: &JobCursor,
    poll: &mut JobPoll,
) -> Result<(), ProwError> {
    let job = builds.job;
    let latest_build = format!("logs/{job}/latest-build.txt");
    let known_generation = cursor.latest_build_generation.as_deref();
    let generation = match builds
        .gcs
        .generation_if_changed(&latest_build, known_generation)
        .await?
    {
        Freshness::Unchanged => return Ok(()),
        // No build of this job has started yet (or the marker was removed).
        Freshness::Missing => {
            poll.cursor.latest_build_generation = None;
            return Ok(());
        }
        Freshness::Changed { generation } => generation,
    };
    let folder = format!("logs/{job}/");
    let start_offset = cursor
        .newest_listed_build
        .as_ref()
        .map(|build_id| format!("{folder}{build_id}/"));
    let listed = builds
        .gcs
        .list_folders(&folder, start_offset.as_deref())
        .await?;
    let (fresh, newest) = builds_to_read(
        build_ids(&folder, &listed),
        cursor.newest_listed_build.as_deref(),
        builds.settings.backfill_builds,
    );
    for build_id in fresh {
        let report = builds.read(&build_id, UnfinishedBuild::default()).await?;
        poll.problems.extend(report.problems);
        match report.outcome {
            BuildOutcome::Running { run, known } => {
                poll.runs.push(run);
                poll.cursor.unfinished.insert(build_id, known);
            }
            BuildOutcome::Finished(run) => poll.runs.push(run),
            BuildOutcome::Rejected => {}
        }
    }
    poll.cursor.newest_listed_build = newest;
    poll.cursor.latest_build_generation = Some(generation);
    Ok(())
}

/// Checks every build that had not finished; a still-running one is reported again only when
/// something about it changed.
pub(super) async fn recheck_unfinished_builds(
    builds: &BuildReader<'_>,
    cursor: &JobCursor,
    poll: &mut JobPoll,
) -> Result<(), ProwError> {
    for (build_id, known) in &cursor.unfinished {
        let report = builds.read(build_id, known.clone()).await?;
        poll.problems.extend(report.problems);
        match report.outcome {
            BuildOutcome::Running {
                run,
                known: now_known,
            } => {
                if now_known != *known {
                    poll.runs.push(run);
                }
                poll.cursor.unfinished.insert(build_id.clone(), now_known);
            }
            BuildOutcome::Finished(run) => {
                poll.runs.push(run);
                poll.cursor.unfinished.remove(build_id);
            }
            BuildOutcome::Rejected => {
                poll.cursor.unfinished.remove(build_id);
            }
        }
    }
    Ok(())
}

/// Build ids from listed folders (`logs/<job>/<id>/`). Prow build ids are numbers; other
/// folders are not builds.
pub(super) fn build_ids(folder: &str, listed: &[String]) -> Vec<String> {
    listed
        .iter()
        .filter_map(|prefix| prefix.strip_prefix(folder)?.strip_suffix('/'))
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// Which listed builds to read, oldest first, and the newest build id known afterwards: those
/// newer than `newest_known`, or on a first poll only the newest `backfill`.
fn builds_to_read(
    listed: Vec<String>,
    newest_known: Option<&str>,
    backfill: usize,
) -> (Vec<String>, Option<String>) {
    let number = |id: &str| id.parse::<u128>().ok();
    let mut ids: Vec<(u128, String)> = listed
        .into_iter()
        .filter_map(|id| Some((number(&id)?, id)))
        .collect();
    ids.sort();
    ids.dedup();
    let fresh: Vec<String> = match newest_known.and_then(number) {
        Some(known) => ids
            .iter()
            .filter(|(n, _)| *n > known)
            .map(|(_, id)| id.clone())
            .collect(),
        None => ids[ids.len().saturating_sub(backfill)..]
            .iter()
            .map(|(_, id)| id.clone())
            .collect(),
    };
    let newest_listed = ids
        .last()
        .filter(|(n, _)| newest_known.and_then(number).is_none_or(|known| *n > known))
        .map(|(_, id)| id.clone());
    let newest = newest_listed.or_else(|| newest_known.map(str::to_string));
    (fresh, newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn a_first_poll_reads_only_the_newest_backfill_builds_in_numeric_order() {
        let (fresh, newest) = builds_to_read(ids(&["1000", "998", "999", "1001"]), None, 2);
        assert_eq!(fresh, ["1000", "1001"]);
        assert_eq!(newest.as_deref(), Some("1001"));
        let (fresh, newest) = builds_to_read(ids(&["3", "4"]), None, 0);
        assert!(
            fresh.is_empty(),
            "a backfill of 0 starts from the newest build on"
        );
        assert_eq!(newest.as_deref(), Some("4"));
    }

    #[test]
    fn later_polls_read_everything_newer_than_the_cursor_and_nothing_older() {
        let (fresh, newest) = builds_to_read(ids(&["5", "6", "7", "8"]), Some("6"), 1);
        assert_eq!(fresh, ["7", "8"]);
        assert_eq!(newest.as_deref(), Some("8"));
        let (fresh, newest) = builds_to_read(ids(&["6"]), Some("6"), 1);
        assert!(fresh.is_empty());
        assert_eq!(newest.as_deref(), Some("6"));
    }

    #[test]
    fn only_numeric_folders_are_builds() {
        let listed = ids(&["logs/j/17/", "logs/j/tmp/", "logs/j//", "logs/j/18/"]);
        assert_eq!(build_ids("logs/j/", &listed), ["17", "18"]);
    }
}
