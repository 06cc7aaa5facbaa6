//! What the sandbox shows, as plain text lines: a status block per snapshot (name, image,
//! revision, the gate matrix, the verdict, the Release) and one line per engine event.
//!
//! Pure functions, so the terminal screen and the transcript show the same words and tests can
//! check them exactly; the console only decides where and how often lines are written.

use jiff::{SignedDuration, Timestamp};

use super::player::short_digest;
use crate::engine::GateEvent;
use crate::engine::SnapshotFacts;
use crate::gate::explain::matrix_text;
use crate::gate::{Policy, RunState, VersionCatalog, release_line, verdict_line};

/// The matrix legend; shown once under the blocks instead of under every matrix.
pub const LEGEND: &str =
    "✓ passed  ✗ failed  … running  ↻ retrying  · waiting  ⚠ allowed (not GA)  – n/a  * advisory";

/// The full status of one snapshot.
pub fn status_block(
    facts: &SnapshotFacts,
    policy: &Policy,
    catalog: &VersionCatalog,
) -> Vec<String> {
    let snapshot = &facts.snapshot;
    let mut lines = vec![snapshot.name.clone()];
    let image = snapshot
        .digest
        .as_deref()
        .map_or_else(|| snapshot.image.clone(), short_digest);
    let revision = snapshot
        .git_revision
        .as_deref()
        .map(|r| format!("  revision {}", &r[..r.len().min(7)]))
        .unwrap_or_default();
    lines.push(format!(
        "  image {image}{revision}  created {}",
        hour_minute(snapshot.created_at)
    ));
    lines.extend(
        matrix_text(policy, catalog, &facts.verdict)
            .lines()
            .filter(|line| !line.starts_with("legend:"))
            .map(|line| format!("  {line}").trim_end().to_string()),
    );
    lines.push(format!("  {}", verdict_line(&facts.verdict)));
    if let Some(release) = &facts.release {
        lines.push(format!("  {}", release_line(release)));
    }
    lines
}

/// One line for a snapshot when there is no room for its block.
pub fn compact_line(facts: &SnapshotFacts) -> String {
    format!("{}  {}", facts.snapshot.name, verdict_line(&facts.verdict))
}

/// The engine's event, said in one line.
pub fn event_text(event: &GateEvent) -> String {
    match event {
        GateEvent::SnapshotTracked { snapshot, .. } => format!("following snapshot {snapshot}"),
        GateEvent::VerdictChanged {
            snapshot,
            decision,
            summary,
            ..
        } => format!(
            "{snapshot}: {} — {summary}",
            decision.to_string().to_uppercase()
        ),
        GateEvent::CellBlocked { snapshot, cell, .. } => {
            format!(
                "{snapshot}: {} blocks the release: {}",
                cell.key,
                cell.reason()
            )
        }
        GateEvent::RoundStarted {
            snapshot, cells, ..
        } => format!("{snapshot}: round started, {cells} jobs to trigger through Gangway"),
        GateEvent::AttemptFinished {
            snapshot,
            cell,
            number,
            result,
            retry,
            reason,
            ..
        } => {
            let next = match (retry, *result == RunState::Success) {
                (_, true) => "passed".to_string(),
                (true, false) => format!("ended {result}; running it again"),
                (false, false) => format!("ended {result}; not retried"),
            };
            let reason = reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("{snapshot}: {cell} attempt {number} {next}{reason}")
        }
        GateEvent::GangwayTrouble { problem, .. } => {
            format!("WARNING rounds cannot use Gangway: {problem}; they wait and resume")
        }
        GateEvent::GangwayRecovered { since } => {
            format!("Gangway answers again (trouble since {since}); rounds resume")
        }
        GateEvent::ReleaseCreated {
            snapshot, release, ..
        } => format!("Release {release} created for snapshot {snapshot}"),
        GateEvent::ReleaseCreateFailed {
            snapshot,
            release,
            error,
            ..
        } => format!("creating Release {release} for {snapshot} failed; trying again: {error}"),
        GateEvent::ReleaseFinished {
            release,
            succeeded: true,
            ..
        } => format!("Konflux reports Release {release} succeeded"),
        GateEvent::ReleaseFinished {
            release, message, ..
        } => format!(
            "Konflux reports Release {release} failed: {}",
            message.as_deref().unwrap_or("no message")
        ),
        GateEvent::ReleasePlanBypassed { warning, .. } => format!("WARNING {warning}"),
        GateEvent::VersionBecameGa {
            version, source, ..
        } => format!(
            "OCP {version} is generally available ({source}); from the next round on its failures block"
        ),
        GateEvent::UnexpectedRelease {
            name,
            release_plan,
            snapshot,
            ..
        } => format!(
            "WARNING Release {name} of plan {release_plan} (snapshot {snapshot}) was not created by gatebot: the gate was bypassed"
        ),
    }
}

/// A moment of the scenario for the log: `+2h 07m`.
pub fn offset_text(offset: SignedDuration) -> String {
    let minutes = offset.as_secs().max(0) / 60;
    format!("+{}h {:02}m", minutes / 60, minutes % 60)
}

/// `07:00 UTC`
pub fn hour_minute(at: Timestamp) -> String {
    at.strftime("%H:%M UTC").to_string()
}

/// A log line: time, who, what. Continuation lines are indented under the text.
pub fn log_lines(offset: SignedDuration, who: &str, text: &str) -> Vec<String> {
    let head = format!("{:<8} {who:<8} ", offset_text(offset));
    let indent = " ".repeat(head.chars().count());
    text.lines()
        .enumerate()
        .map(|(index, line)| {
            let lead = if index == 0 { &head } else { &indent };
            format!("{lead}{line}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::RunState;
    use crate::sandbox::run::sandbox_gate;
    use crate::test_fixtures::{MORNING, all_passing_except, facts, released, run, snapshot};

    #[test]
    fn a_status_block_shows_image_matrix_verdict_and_release() {
        let gate = sandbox_gate();
        let mut runs = all_passing_except(
            MORNING,
            &["4.22 aws baseline", "4.19 azure upgrade-from-zero"],
        );
        runs.push(run(
            "4.22 aws baseline",
            MORNING,
            RunState::Failure,
            "07:20",
            Some("08:45"),
        ));
        runs.push(run(
            "4.19 azure upgrade-from-zero",
            MORNING,
            RunState::Failure,
            "08:50",
            Some("10:30"),
        ));
        let morning = facts(
            snapshot(MORNING, "07:00"),
            &runs,
            "12:00",
            Some(released(MORNING)),
        );
        let block = status_block(&morning, &gate.policy, &gate.catalog);
        let expected = [
            MORNING.to_string(),
            "  image sha256:abababababab  created 07:00 UTC".to_string(),
            "                      aws e2e  aws .0→latest  azure e2e  azure .0→latest".to_string(),
            "  4.19                ✓        ✓              ✓          ✗*".to_string(),
            "  4.20                ✓        ✓              ✓          ✓".to_string(),
            "  4.21                ✓        ✓              ✓          ✓".to_string(),
            "  4.22 (pre-release)  ⚠        –              ✓          –".to_string(),
            "  PASSED — 12 of 13 required passed, 1 allowed failure".to_string(),
            format!("  Release {MORNING}-d5d055ca succeeded"),
        ];
        assert_eq!(block, expected);
    }

    #[test]
    fn log_lines_carry_the_moment_and_who_and_indent_what_follows() {
        let lines = log_lines(SignedDuration::from_mins(127), "you", "status\nsecond line");
        assert_eq!(
            lines,
            ["+2h 07m  you      status", "                  second line"]
        );
        assert_eq!(offset_text(SignedDuration::from_secs(59)), "+0h 00m");
        assert_eq!(offset_text(SignedDuration::from_hours(26)), "+26h 00m");
    }

    #[test]
    fn events_read_as_sentences() {
        let created = GateEvent::ReleaseCreated {
            gate: "hypershift-operator".into(),
            snapshot: MORNING.into(),
            release: "r-1".into(),
            namespace: "ns".into(),
        };
        assert_eq!(
            event_text(&created),
            format!("Release r-1 created for snapshot {MORNING}")
        );
        let failed = GateEvent::ReleaseFinished {
            gate: "hypershift-operator".into(),
            snapshot: MORNING.into(),
            release: "r-1".into(),
            succeeded: false,
            message: Some("pipeline failed".into()),
        };
        assert_eq!(
            event_text(&failed),
            "Konflux reports Release r-1 failed: pipeline failed"
        );
    }
}
