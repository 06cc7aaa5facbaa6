//! Renders a verdict for a person: the matrix, then every cell with its job, run and reason.
//!
//! This is the text of `gatebot explain` and the body of `blocked-why`; both read the same
//! verdict the engine acts on, so what people are told is what gatebot decided.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;

use super::cell::{CellState, CellVerdict};
use super::matrix::Matrix;
use super::model::{CellKey, Snapshot};
use super::policy::{Policy, VersionCatalog};
use super::verdict::{Decision, Verdict};

/// Facts that are not part of the verdict but belong in the explanation: about the snapshot
/// (the release, a bypassed gate), each a full sentence; and about single cells (the attempts
/// gatebot made, how the job usually fares), each a line under its cell.
pub type Notes<'a> = (&'a [String], &'a BTreeMap<CellKey, Vec<String>>);

/// The full explanation of a verdict, as plain text.
pub fn explain(
    policy: &Policy,
    catalog: &VersionCatalog,
    snapshot: &Snapshot,
    verdict: &Verdict,
    (notes, cell_notes): Notes<'_>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Snapshot {} (gate {})", snapshot.name, verdict.gate);
    let _ = writeln!(out, "  image    {}", snapshot.image);
    if let Some(revision) = &snapshot.git_revision {
        let url = snapshot.git_url.as_deref().unwrap_or("");
        let _ = writeln!(out, "  revision {revision} {url}");
    }
    let _ = writeln!(out, "  created  {}", snapshot.created_at);
    let _ = writeln!(
        out,
        "Verdict: {} — {}",
        verdict.decision.to_string().to_uppercase(),
        verdict.tally
    );
    if let Some(line) = headline(verdict) {
        let _ = writeln!(out, "{line}");
    }
    for note in notes {
        let _ = writeln!(out, "Note: {note}");
    }
    out.push('\n');
    out.push_str(&matrix_text(policy, catalog, verdict));
    out.push('\n');
    for cell in &verdict.cells {
        out.push_str(&cell_text(cell, catalog));
        for line in cell_notes.get(&cell.key).into_iter().flatten() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// One line on how long the snapshot has been in its state, and what happens next.
fn headline(verdict: &Verdict) -> Option<String> {
    let now = verdict.evaluated_at;
    match &verdict.decision {
        Decision::Blocked => verdict.blocked_since().map(|since| {
            format!(
                "Blocked since {since} ({}); a passing run of each failed job for this snapshot, or a newer snapshot that passes, would unblock it.",
                age(since, now)
            )
        }),
        Decision::Pending => Some(format!(
            "Waiting for {} required cell(s); results are due by {} ({} from now).",
            verdict.outstanding_cells().count(),
            verdict.deadline,
            age(now, verdict.deadline)
        )),
        Decision::Passed | Decision::Superseded { .. } => None,
    }
}

/// The matrix as an aligned text table with a legend.
pub fn matrix_text(policy: &Policy, catalog: &VersionCatalog, verdict: &Verdict) -> String {
    let matrix = Matrix::new(policy, verdict);
    let headers: Vec<String> = matrix
        .columns
        .iter()
        .map(|c| format!("{} {}", c.platform, c.check.label()))
        .collect();
    let row_labels: Vec<String> = matrix
        .rows
        .iter()
        .map(|row| {
            let pre = if catalog.is_ga(row.version) {
                ""
            } else {
                " (pre-release)"
            };
            format!("{}{pre}", row.version)
        })
        .collect();
    let label_width = row_labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);

    let mut out = String::new();
    let _ = write!(out, "{:label_width$}", "");
    for header in &headers {
        let _ = write!(out, "  {header}");
    }
    out.push('\n');
    for (row, label) in matrix.rows.iter().zip(&row_labels) {
        let _ = write!(out, "{label:label_width$}");
        for (cell, header) in row.cells.iter().zip(&headers) {
            let symbol = cell.map_or(" ", |c| c.state.symbol());
            let marker = match cell {
                Some(c) if !c.required && c.state != CellState::NotApplicable => "*",
                _ => "",
            };
            let text = format!("{symbol}{marker}");
            let _ = write!(out, "  {text:<width$}", width = header.chars().count());
        }
        out.push('\n');
    }
    out.push_str(
        "legend: ✓ passed  ✗ failed  … running  ↻ retrying  · waiting  ⚠ allowed failure (not GA)  ⏱ timed out  – n/a  * advisory\n",
    );
    out
}

fn cell_text(cell: &CellVerdict, catalog: &VersionCatalog) -> String {
    let mut out = String::new();
    let weight = if cell.required {
        "required"
    } else {
        "advisory"
    };
    let ga = if catalog.is_ga(cell.key.version) {
        "GA"
    } else {
        "not GA"
    };
    let _ = writeln!(
        out,
        "{} {} ({weight}, {} {ga}) — {}",
        cell.state.symbol(),
        cell.key,
        cell.key.version,
        cell.state.describe()
    );
    if let Some(job) = &cell.job {
        let _ = writeln!(out, "    job  {job}");
    }
    if let Some(run) = &cell.run {
        let finished = run
            .finished_at
            .map_or_else(|| "not finished".to_string(), |t| format!("finished {t}"));
        let _ = writeln!(out, "    run  {} {} ({finished})", run.build_id, run.url);
    }
    let _ = writeln!(out, "    why  {}", cell.reason());
    out
}

/// A compact, human duration between two instants ("3h 12m", "2d 4h", "45s").
pub fn age(from: Timestamp, to: Timestamp) -> String {
    let seconds = to.as_second().saturating_sub(from.as_second()).max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}
