//! The answers to the read-only commands — `status`, `blocked-why`, `explain` — as pure
//! functions: what the engine knows about snapshots in, text out.
//!
//! Nothing here knows about Slack, a terminal or a clock, so the chat front and the sandbox give
//! the very same answers, and tests hit them directly. The text is plain; a chat surface escapes
//! it for its own markup.

use std::fmt::Write as _;

use jiff::Timestamp;

use crate::engine::SnapshotFacts;
use crate::gate::explain::{age, explain as explain_verdict};
use crate::gate::{
    CellState, CellVerdict, Decision, Policy, Snapshot, VersionCatalog, release_line, verdict_line,
};

use super::SnapshotArg;
use crate::rounds::evidence::{cell_evidence, evidence_by_cell, is_troubled};

/// Finds the snapshot a command names.
pub fn resolve<'a, T: AsRef<Snapshot>>(
    reference: &SnapshotArg,
    candidates: &'a [T],
) -> Result<&'a T, String> {
    let newest_first = newest_first(candidates);
    let none_yet = "No snapshot yet: gatebot follows Snapshots as Konflux creates them.\n";
    match reference {
        SnapshotArg::Latest => newest_first.first().copied().ok_or(none_yet.to_string()),
        SnapshotArg::Named(name) => {
            if let Some(exact) = candidates.iter().find(|c| &c.as_ref().name == name) {
                return Ok(exact);
            }
            let matching: Vec<&T> = newest_first
                .iter()
                .copied()
                .filter(|c| c.as_ref().name.contains(name.as_str()))
                .collect();
            match matching.as_slice() {
                [one] => Ok(one),
                [] if candidates.is_empty() => Err(none_yet.to_string()),
                [] => Err(format!(
                    "No snapshot is named `{name}`; the newest are {} (or say `latest`).\n",
                    some_names(&newest_first)
                )),
                several => Err(format!(
                    "`{name}` matches {} snapshots ({}); give more of the name.\n",
                    several.len(),
                    some_names(several)
                )),
            }
        }
    }
}

/// Up to five names, newest first, and how many more there are.
fn some_names<T: AsRef<Snapshot>>(list: &[&T]) -> String {
    const SHOWN: usize = 5;
    let mut names: Vec<&str> = list
        .iter()
        .take(SHOWN)
        .map(|c| c.as_ref().name.as_str())
        .collect();
    let more = list.len().saturating_sub(SHOWN);
    let more = format!("{more} more");
    if list.len() > SHOWN {
        names.push(&more);
    }
    names.join(", ")
}

/// Every snapshot with its verdict, newest first.
pub fn status(facts: &[SnapshotFacts]) -> String {
    if facts.is_empty() {
        return "No snapshot yet: gatebot follows Snapshots as Konflux creates them.\n".into();
    }
    let mut out = String::new();
    for f in newest_first(facts) {
        let _ = writeln!(
            out,
            "{} (created {}, {} ago)",
            f.snapshot.name,
            f.snapshot.created_at,
            age(f.snapshot.created_at, f.verdict.evaluated_at)
        );
        let _ = writeln!(out, "  {}", verdict_line(&f.verdict));
        if let Some(release) = &f.release {
            let _ = writeln!(out, "  {}", release_line(release));
        }
    }
    out
}

/// For each required cell that keeps the snapshot from release: its job, state, run, since
/// when, and what would unblock it; or that nothing does.
pub fn blocked_why(facts: &SnapshotFacts, catalog: &VersionCatalog) -> String {
    let verdict = &facts.verdict;
    let now = verdict.evaluated_at;
    let mut out = format!("{}: {}\n", facts.snapshot.name, verdict_line(verdict));
    if verdict.decision == Decision::Passed {
        let _ = match &facts.release {
            Some(release) => writeln!(
                out,
                "Nothing blocks it: the gate passed. {}.",
                release_line(release)
            ),
            None => writeln!(
                out,
                "Nothing blocks it: the gate passed; no Release has been decided for it yet."
            ),
        };
        let retried: Vec<&CellVerdict> = verdict
            .cells
            .iter()
            .filter(|cell| {
                facts
                    .attempts
                    .iter()
                    .any(|attempt| attempt.cell == cell.key && attempt.number > 1)
            })
            .collect();
        if !retried.is_empty() {
            let _ = writeln!(out, "On the way, gatebot's round ran again:");
            for cell in retried {
                let _ = writeln!(out, "  {} {}", cell.state.symbol(), cell.key);
                out.push_str(&evidence_lines(cell, facts, "      "));
            }
        }
        return out;
    }
    if let Decision::Superseded { by } = &verdict.decision {
        let _ = writeln!(
            out,
            "A newer snapshot, {by}, exists: gatebot releases the newest build that passes, so this one will not be released."
        );
    }
    if let Some(since) = verdict.blocked_since() {
        let _ = writeln!(out, "Blocked since {since} ({}).", age(since, now));
    }
    let blocking: Vec<&CellVerdict> = verdict.blocking_cells().collect();
    for cell in &blocking {
        out.push_str(&blocking_cell(cell, catalog.is_ga(cell.key.version), now));
        out.push_str(&evidence_lines(cell, facts, "    "));
    }
    let outstanding: Vec<&CellVerdict> = verdict.outstanding_cells().collect();
    if !outstanding.is_empty() {
        let heading = if blocking.is_empty() {
            format!("Waiting for {} required cell(s)", outstanding.len())
        } else {
            format!("Also outstanding: {} required cell(s)", outstanding.len())
        };
        let _ = writeln!(
            out,
            "{heading}; each needs a passing run of its job for this snapshot (any finished run where the version is not GA), due by {} ({} from now):",
            verdict.deadline,
            age(now, verdict.deadline)
        );
        for cell in outstanding {
            out.push_str(&outstanding_cell(
                cell,
                facts,
                catalog.is_ga(cell.key.version),
            ));
            out.push_str(&evidence_lines(cell, facts, "      "));
        }
    }
    if blocking.is_empty() && verdict.outstanding_cells().next().is_none() {
        let _ = writeln!(out, "No required cell holds it.");
    }
    out
}

/// A failed or timed-out required cell, in full.
fn blocking_cell(cell: &CellVerdict, ga: bool, now: Timestamp) -> String {
    let mut out = String::new();
    let ga = if ga { "GA" } else { "not GA" };
    let _ = writeln!(
        out,
        "{} {} — {} on {}, which is {ga}",
        cell.state.symbol(),
        cell.key,
        cell.state.describe(),
        cell.key.version
    );
    let job = cell.job.as_deref().unwrap_or("(no job)");
    let _ = writeln!(out, "    job      {job}");
    match &cell.run {
        Some(run) => {
            let _ = writeln!(
                out,
                "    run      build {}, {}: {}",
                run.build_id, run.state, run.url
            );
            let finished = run
                .finished_at
                .map_or_else(|| "not finished".to_string(), |t| t.to_string());
            let _ = writeln!(out, "    finished {finished}");
        }
        None => {
            let _ = writeln!(out, "    run      none tested this snapshot");
        }
    }
    let since = match (&cell.run, cell.state) {
        (Some(run), CellState::Failed) => run.finished_at.unwrap_or(cell.deadline),
        _ => cell.deadline,
    };
    let _ = writeln!(out, "    since    {since} ({} ago)", age(since, now));
    let late = if cell.state == CellState::TimedOut {
        " (a late pass still counts)"
    } else {
        " (a retry counts)"
    };
    let _ = writeln!(
        out,
        "    unblock  a passing run of this job for this snapshot{late}, or a newer snapshot that passes the gate"
    );
    out
}

/// The cell's attempts and its job's record, one per line under `indent`, when the cell is
/// troubled; nothing otherwise.
fn evidence_lines(cell: &CellVerdict, facts: &SnapshotFacts, indent: &str) -> String {
    if !is_troubled(cell, &facts.attempts) {
        return String::new();
    }
    cell_evidence(cell, &facts.attempts, &facts.records)
        .into_iter()
        .map(|line| format!("{indent}{line}\n"))
        .collect()
}

/// A required cell still waiting for or running its job, in two or three lines.
fn outstanding_cell(cell: &CellVerdict, facts: &SnapshotFacts, ga: bool) -> String {
    let now = facts.verdict.evaluated_at;
    let ga = if ga { "GA" } else { "not GA" };
    let job = cell.job.as_deref().unwrap_or("(no job)");
    let mut out = String::new();
    match &cell.run {
        Some(_) if cell.state == CellState::Retrying => {
            let _ = writeln!(
                out,
                "  {} {} ({ga}) — {}",
                cell.state.symbol(),
                cell.key,
                cell.reason()
            );
        }
        Some(run) => {
            let since = run.started_at.unwrap_or(facts.snapshot.created_at);
            let _ = writeln!(
                out,
                "  {} {} ({ga}) — running since {since} ({})",
                cell.state.symbol(),
                cell.key,
                age(since, now)
            );
            let _ = writeln!(out, "      {job} build {}", run.build_id);
            let _ = writeln!(out, "      {}", run.url);
        }
        None => {
            let since = facts.snapshot.created_at;
            let _ = writeln!(
                out,
                "  {} {} ({ga}) — waiting since {since} ({})",
                cell.state.symbol(),
                cell.key,
                age(since, now)
            );
            let _ = writeln!(out, "      {job}: no run has tested this snapshot yet");
        }
    }
    out
}

/// The full explanation: matrix, every cell with its job, run, reason and, where it is
/// troubled, its attempts and its job's record, and the Release.
pub fn explain(facts: &SnapshotFacts, policy: &Policy, catalog: &VersionCatalog) -> String {
    let notes: Vec<String> = facts
        .release
        .iter()
        .map(|release| format!("{}.", release_line(release)))
        .collect();
    let cell_notes = evidence_by_cell(&facts.verdict, &facts.attempts, &facts.records);
    explain_verdict(
        policy,
        catalog,
        &facts.snapshot,
        &facts.verdict,
        (&notes, &cell_notes),
    )
}

fn newest_first<T: AsRef<Snapshot>>(candidates: &[T]) -> Vec<&T> {
    let mut sorted: Vec<&T> = candidates.iter().collect();
    sorted.sort_by(|a, b| {
        let (a, b) = (a.as_ref(), b.as_ref());
        (b.created_at, &b.name).cmp(&(a.created_at, &a.name))
    });
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{
        self, AFTERNOON, MORNING, all_passing_except, blocked_afternoon, facts, released, snapshot,
    };

    #[test]
    fn blocked_why_names_the_failing_job_its_run_and_what_would_unblock_it() {
        let text = blocked_why(&blocked_afternoon(), &test_fixtures::gate().catalog);
        let job = "periodic-ci-openshift-hypershift-release";
        let expected = format!(
            "\
{AFTERNOON}: BLOCKED — 10 of 13 required passed, 1 failed, 1 running, 1 waiting
Blocked since 2026-05-12T14:45:00Z (15m).
✗ 4.20 aws baseline — failed on 4.20, which is GA
    job      {job}-4.20-periodics-e2e-aws-ovn
    run      build 1925000000000001315, failure: https://prow.ci.openshift.org/view/gs/test-platform-results/logs/{job}-4.20-periodics-e2e-aws-ovn/1925000000000001315
    finished 2026-05-12T14:45:00Z
    since    2026-05-12T14:45:00Z (15m ago)
    unblock  a passing run of this job for this snapshot (a retry counts), or a newer snapshot that passes the gate
Also outstanding: 2 required cell(s); each needs a passing run of its job for this snapshot (any finished run where the version is not GA), due by 2026-05-13T01:00:00Z (10h 0m from now):
  … 4.21 aws baseline (GA) — running since 2026-05-12T14:00:00Z (1h 0m)
      {job}-4.21-periodics-e2e-aws-ovn build 1925000000000001400
      https://prow.ci.openshift.org/view/gs/test-platform-results/logs/{job}-4.21-periodics-e2e-aws-ovn/1925000000000001400
  · 4.22 azure baseline (not GA) — waiting since 2026-05-12T13:00:00Z (2h 0m)
      {job}-4.22-periodics-e2e-aks: no run has tested this snapshot yet
"
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn blocked_why_of_a_released_snapshot_says_nothing_blocks_it_and_names_the_release() {
        let morning = facts(
            snapshot(MORNING, "07:00"),
            &all_passing_except(MORNING, &[]),
            "15:00",
            Some(released(MORNING)),
        );
        let text = blocked_why(&morning, &test_fixtures::gate().catalog);
        assert_eq!(
            text,
            format!(
                "{MORNING}: PASSED — 13 of 13 required passed\nNothing blocks it: the gate passed. Release {MORNING}-d5d055ca succeeded.\n"
            )
        );
    }

    #[test]
    fn status_lists_every_snapshot_newest_first_with_verdict_and_release() {
        let morning = facts(
            snapshot(MORNING, "07:00"),
            &all_passing_except(MORNING, &[]),
            "15:00",
            Some(released(MORNING)),
        );
        let text = status(&[morning, blocked_afternoon()]);
        assert_eq!(
            text,
            format!(
                "\
{AFTERNOON} (created 2026-05-12T13:00:00Z, 2h 0m ago)
  BLOCKED — 10 of 13 required passed, 1 failed, 1 running, 1 waiting
{MORNING} (created 2026-05-12T07:00:00Z, 8h 0m ago)
  PASSED — 13 of 13 required passed
  Release {MORNING}-d5d055ca succeeded
"
            )
        );
        assert!(status(&[]).starts_with("No snapshot yet"));
    }

    #[test]
    fn snapshots_are_found_by_any_part_of_their_name_only_they_have() {
        let morning = facts(snapshot(MORNING, "07:00"), &[], "15:00", None);
        let all = [morning, blocked_afternoon()];
        let name = |r: &SnapshotArg| resolve(r, &all).map(|f| f.snapshot.name.clone());
        assert_eq!(name(&SnapshotArg::Latest).unwrap(), AFTERNOON);
        assert_eq!(name(&SnapshotArg::Named("070000".into())).unwrap(), MORNING);
        assert_eq!(
            name(&SnapshotArg::Named(AFTERNOON.into())).unwrap(),
            AFTERNOON
        );
        let ambiguous = name(&SnapshotArg::Named("20260512".into())).unwrap_err();
        assert!(
            ambiguous.starts_with("`20260512` matches 2 snapshots"),
            "{ambiguous}"
        );
        let unknown = name(&SnapshotArg::Named("nightly".into())).unwrap_err();
        assert!(
            unknown.contains(MORNING) && unknown.contains("latest"),
            "{unknown}"
        );
        assert!(
            resolve::<SnapshotFacts>(&SnapshotArg::Latest, &[])
                .unwrap_err()
                .starts_with("No snapshot yet")
        );
    }
}
