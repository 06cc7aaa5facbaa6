//! The report as people read it: a few lines on the setting, then one aligned column per gate
//! and way of running its jobs. `--format json` prints the same [`Report`] as JSON instead.

use std::fmt::Write;

use super::comparison::{Column, Report};

/// The plain-text report.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let setting = &report.setting;
    let _ = writeln!(
        out,
        "gatebot simulate: {} weeks from {}, seed {}",
        setting.weeks, setting.start, setting.seed
    );
    let _ = writeln!(
        out,
        "  merges:  {} per weekday, {}–{} UTC; a snapshot {}–{} min after each merge",
        setting.merges_per_weekday,
        setting.working_hours_utc[0],
        setting.working_hours_utc[1],
        setting.build_minutes[0],
        setting.build_minutes[1],
    );
    let mut jobs = format!(
        "  jobs:    a run passes {}, takes {}–{} h",
        percent(setting.pass_rate),
        setting.job_hours[0],
        setting.job_hours[1]
    );
    for (part, rate) in &setting.job_pass_rates {
        let _ = write!(jobs, "; jobs named *{part}* pass {}", percent(*rate));
    }
    let _ = writeln!(out, "{jobs}");
    if let Some(rounds) = &setting.rounds {
        let _ = writeln!(
            out,
            "  rounds:  {} retries (a FAILURE is retried when its job passed ≥ {} of its last {} \
             runs), stagger {} s, at most {} in flight, {}",
            rounds.retries,
            percent(rounds.retry_threshold),
            rounds.history_window,
            rounds.stagger_seconds,
            rounds.max_in_flight,
            if rounds.overlap {
                "overlapping (a newer round starts once the one in flight only retries)"
            } else {
                "one round at a time"
            }
        );
    }
    let lettered = report.gates.len() > 1;
    for (index, gate) in report.gates.iter().enumerate() {
        let letter = if lettered {
            format!("{} = ", letter(index))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  gate:    {letter}{}: {} cells, {} with a job ({} jobs), {} required",
            gate.label, gate.cells, gate.cells_with_a_job, gate.jobs, gate.required
        );
    }
    out.push('\n');
    // Columns come gate by gate, each gate with the same ways of running.
    let per_gate = (report.columns.len() / report.gates.len().max(1)).max(1);
    let headings: Vec<String> = report
        .columns
        .iter()
        .enumerate()
        .map(|(index, column)| match lettered {
            true => format!("{} {}", letter(index / per_gate), column.runs),
            false => column.runs.clone(),
        })
        .collect();
    let rows = rows(&report.columns);
    let label_width = rows
        .iter()
        .map(|(label, _)| width(label))
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = headings
        .iter()
        .enumerate()
        .map(|(index, heading)| {
            rows.iter()
                .map(|(_, values)| width(&values[index]))
                .chain([width(heading)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |label: &str, values: &[String]| {
        let mut line = pad_right(label, label_width);
        for (value, width) in values.iter().zip(&widths) {
            line.push_str("   ");
            line.push_str(&pad_left(value, *width));
        }
        line.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line("", &headings));
    for (label, values) in &rows {
        let _ = writeln!(out, "{}", line(label, values));
    }
    out
}

/// The rows: a label and one value per column.
fn rows(columns: &[Column]) -> Vec<(String, Vec<String>)> {
    let each = |value: &dyn Fn(&Column) -> String| columns.iter().map(value).collect::<Vec<_>>();
    let merges = columns.first().map_or(0, |column| column.figures.merges);
    let round = |value: fn(&super::triggered::RoundTally) -> usize| {
        each(&|column| {
            column
                .figures
                .rounds
                .as_ref()
                .map_or("–".into(), |rounds| value(rounds).to_string())
        })
    };
    vec![
        (
            "releases per week".into(),
            each(&|column| format!("{:.1}", column.figures.releases_per_week)),
        ),
        (
            "merge → Release, median".into(),
            each(&|column| wait(column.figures.merge_to_release_median_hours)),
        ),
        (
            "merge → Release, p90".into(),
            each(&|column| wait(column.figures.merge_to_release_p90_hours)),
        ),
        (
            "  merge → its round's start, median".into(),
            each(&|column| hours(column.figures.merge_to_round_start_median_hours)),
        ),
        (
            "  round start → Release, median".into(),
            each(&|column| hours(column.figures.round_start_to_release_median_hours)),
        ),
        (
            format!("merges never released (of {merges})"),
            each(&|column| column.figures.merges_unreleased.to_string()),
        ),
        (
            "job runs".into(),
            each(&|column| column.figures.job_runs.to_string()),
        ),
        (
            "job runs per release".into(),
            each(&|column| {
                column
                    .figures
                    .job_runs_per_release
                    .map_or("no release".into(), |runs| format!("{runs:.1}"))
            }),
        ),
        (
            "round length, median".into(),
            each(&|column| hours(column.figures.round_length_median_hours)),
        ),
        ("rounds started".into(), round(|rounds| rounds.started)),
        (
            "  ended blocked".into(),
            round(|rounds| rounds.ended_blocked),
        ),
        ("  cancelled".into(), round(|rounds| rounds.cancelled)),
        ("  retries".into(), round(|rounds| rounds.retries)),
        ("  aborted runs".into(), round(|rounds| rounds.aborted_runs)),
    ]
}

fn wait(hours: Option<f64>) -> String {
    match hours {
        Some(hours) => format!("{hours:.1} h"),
        None => "not released".into(),
    }
}

/// A figure only triggered rounds have.
fn hours(hours: Option<f64>) -> String {
    hours.map_or("–".into(), |hours| format!("{hours:.1} h"))
}

fn percent(share: f64) -> String {
    format!("{} %", (share * 1000.0).round() / 10.0)
}

fn letter(index: usize) -> char {
    char::from(b'A' + (index % 26) as u8)
}

fn width(text: &str) -> usize {
    text.chars().count()
}

fn pad_left(text: &str, to: usize) -> String {
    format!("{}{text}", " ".repeat(to.saturating_sub(width(text))))
}

fn pad_right(text: &str, to: usize) -> String {
    format!("{text}{}", " ".repeat(to.saturating_sub(width(text))))
}
