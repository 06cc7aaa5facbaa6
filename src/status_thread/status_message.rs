//! The status message of one snapshot: posted when gatebot starts following the snapshot and
//! edited in place as its verdict changes, so the channel shows every snapshot's state at a
//! glance while the thread under it keeps the events.
//!
//! It renders the same facts `status`, `blocked-why` and `explain` answer from, so the message
//! never disagrees with the commands; it only adds links to runs, commits and the Release.

use jiff::Timestamp;

use crate::chat::message::{MAX_SECTION_CHARS, Message};
use crate::chat::mrkdwn;
use crate::engine::SnapshotFacts;
use crate::gate::explain::age;
use crate::gate::matrix::{Column, Matrix, Row};
use crate::gate::{
    CellState, CellVerdict, Decision, Policy, ReleaseRecord, Snapshot, Verdict, VersionCatalog,
    release_line, verdict_line,
};
use crate::rounds::evidence::is_troubled;

/// Hex digits of a digest shown after `sha256:`; twelve tell images apart, as `docker images`.
const SHORT_DIGEST_HEX: usize = 12;
/// Characters of a git revision in its link label.
const SHORT_REVISION: usize = 12;
/// Follows the symbol of an advisory cell, which is shown but never holds the gate.
const ADVISORY_MARK: &str = "†";
/// The symbols the legend explains, in the order it lists them.
const LEGEND: [CellState; 8] = [
    CellState::Passed,
    CellState::Failed,
    CellState::Running,
    CellState::Retrying,
    CellState::Waiting,
    CellState::AllowedFailure,
    CellState::TimedOut,
    CellState::NotApplicable,
];

/// The status message of a snapshot; `release_url` links the Release's name when given.
pub fn status_message(
    facts: &SnapshotFacts,
    policy: &Policy,
    catalog: &VersionCatalog,
    release_url: Option<&str>,
) -> Message {
    let snapshot = &facts.snapshot;
    let verdict = &facts.verdict;
    let matrix = Matrix::new(policy, verdict);
    let mut message = Message::new(format!("{}: {}", snapshot.name, verdict_line(verdict)))
        .header(&format!("{} · {}", snapshot.component, snapshot.name))
        .section(&provenance(snapshot, verdict.evaluated_at))
        .context(&format!("Image `{}`", mrkdwn::escape(&snapshot.image)))
        .section(&verdict_text(verdict))
        .context(&matrix_key(&matrix.columns));
    for row in &matrix.rows {
        message = message.section(&row_text(row, &matrix.columns, catalog));
    }
    if let Some(attempts) = attempts_text(facts) {
        message = message.section(&attempts);
    }
    if let Some(release) = &facts.release {
        message = message.section(&release_text(release, release_url));
    }
    message
        .context(&format!(
            "Updated {}; `blocked-why` in this thread says what holds it.",
            verdict.evaluated_at
        ))
        .fit(&format!(
            "`gatebot explain {}`",
            mrkdwn::escape(&snapshot.name)
        ))
}

/// The attempts of gatebot's round for each troubled cell, each linked to its run, and how the
/// cell's job usually fares; `None` when no cell is troubled.
fn attempts_text(facts: &SnapshotFacts) -> Option<String> {
    let lines: Vec<String> = facts
        .verdict
        .cells
        .iter()
        .filter(|cell| is_troubled(cell, &facts.attempts))
        .filter_map(|cell| {
            let attempts: Vec<String> = facts
                .attempts
                .iter()
                .filter(|attempt| attempt.cell == cell.key)
                .map(|attempt| {
                    let label = format!("attempt {}", attempt.number);
                    let label = match &attempt.run_url {
                        Some(url) => mrkdwn::link(url, &label),
                        None => label,
                    };
                    format!("{label} {}", mrkdwn::escape(&attempt.outcome()))
                })
                .collect();
            if attempts.is_empty() {
                return None;
            }
            let record = cell
                .job
                .as_ref()
                .and_then(|job| facts.records.get(job))
                .map(|record| format!(" — the job {}", mrkdwn::escape(&record.to_string())))
                .unwrap_or_default();
            Some(format!(
                "{} *{}*: {}{record}",
                cell.state.symbol(),
                cell.key,
                attempts.join("; ")
            ))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// What was built and when: the image digest, the commit, the creation time.
fn provenance(snapshot: &Snapshot, now: Timestamp) -> String {
    let image = match &snapshot.digest {
        Some(digest) => {
            let shown: String = digest
                .chars()
                .take("sha256:".len() + SHORT_DIGEST_HEX)
                .collect();
            format!("{shown}…")
        }
        None => snapshot.image.clone(),
    };
    let mut parts = vec![format!("Image `{}`", mrkdwn::escape(&image))];
    if let Some(revision) = &snapshot.git_revision {
        parts.push(format!(
            "commit {}",
            commit(revision, snapshot.git_url.as_deref())
        ));
    }
    parts.push(format!(
        "created {} ({} ago)",
        snapshot.created_at,
        age(snapshot.created_at, now)
    ));
    parts.join(" · ")
}

/// The short revision, linked to its commit page when the repository is a web URL; the URL
/// comes from the Snapshot, so anything else is shown as text rather than trusted as a link.
fn commit(revision: &str, git_url: Option<&str>) -> String {
    let short: String = revision.chars().take(SHORT_REVISION).collect();
    match git_url.filter(|url| url.starts_with("https://") || url.starts_with("http://")) {
        Some(url) => {
            let repository = url.trim_end_matches('/').trim_end_matches(".git");
            mrkdwn::link(&format!("{repository}/commit/{revision}"), &short)
        }
        None => format!("`{}`", mrkdwn::escape(&short)),
    }
}

/// The decision in bold with the tally, then since when it is blocked or when results are due.
fn verdict_text(verdict: &Verdict) -> String {
    let now = verdict.evaluated_at;
    let superseded_by = match &verdict.decision {
        Decision::Superseded { by } => format!(" by `{}`", mrkdwn::escape(by)),
        _ => String::new(),
    };
    let mut lines = vec![format!(
        "*{}*{superseded_by} — {}",
        <&str>::from(&verdict.decision).to_uppercase(),
        verdict.tally
    )];
    if verdict.decision == Decision::Blocked
        && let Some(since) = verdict.blocked_since()
    {
        lines.push(format!("Blocked since {since} ({} ago).", age(since, now)));
    }
    let still_deciding = matches!(verdict.decision, Decision::Blocked | Decision::Pending);
    if still_deciding && verdict.outstanding_cells().next().is_some() {
        lines.push(format!(
            "Results due by {} (in {}).",
            verdict.deadline,
            age(now, verdict.deadline)
        ));
    }
    lines.join("\n")
}

/// The column order and the legend, once above the rows.
fn matrix_key(columns: &[Column]) -> String {
    let names: Vec<String> = columns
        .iter()
        .map(|column| mrkdwn::escape(&format!("{} {}", column.platform, column.check.label())))
        .collect();
    let mut legend: Vec<String> = LEGEND
        .iter()
        .map(|state| match state {
            CellState::AllowedFailure => {
                format!("{} {} (not GA)", state.symbol(), state.describe())
            }
            _ => format!("{} {}", state.symbol(), state.describe()),
        })
        .collect();
    legend.push(format!("{ADVISORY_MARK} advisory, never holds the gate"));
    format!("Columns: {}\n{}", names.join(" · "), legend.join("  "))
}

/// One version: its maturity, then its cells grouped per platform, each linked to its run.
fn row_text(row: &Row<'_>, columns: &[Column], catalog: &VersionCatalog) -> String {
    let maturity = if catalog.is_ga(row.version) {
        "GA"
    } else {
        "pre-release"
    };
    let label = format!("*{}* {maturity}", row.version);
    let cells: Vec<(&Column, Option<&CellVerdict>)> =
        columns.iter().zip(row.cells.iter().copied()).collect();
    let groups: Vec<String> = cells
        .chunk_by(|a, b| a.0.platform == b.0.platform)
        .map(|group| {
            let marks: Vec<String> = group.iter().map(|(_, cell)| cell_mark(*cell)).collect();
            format!(
                "{} {}",
                mrkdwn::escape(group[0].0.platform.as_str()),
                marks.join(" ")
            )
        })
        .collect();
    let one_line = format!("{label} — {}", groups.join(" · "));
    if one_line.chars().count() <= MAX_SECTION_CHARS {
        return one_line;
    }
    // Too many links for one section: a line per platform lets the section split between
    // platforms instead of cutting a link in half.
    std::iter::once(label)
        .chain(groups)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A cell's symbol, linked to the run that decided it and marked when advisory.
fn cell_mark(cell: Option<&CellVerdict>) -> String {
    let Some(cell) = cell else {
        return CellState::NotApplicable.symbol().to_string();
    };
    let symbol = match &cell.run {
        Some(run) => mrkdwn::link(&run.url, cell.state.symbol()),
        None => cell.state.symbol().to_string(),
    };
    if cell.required || cell.state == CellState::NotApplicable {
        symbol
    } else {
        format!("{symbol}{ADVISORY_MARK}")
    }
}

/// The Release line, its name linked to the Release when a URL is known.
fn release_text(release: &ReleaseRecord, release_url: Option<&str>) -> String {
    let line = mrkdwn::escape(&release_line(release));
    match release_url {
        Some(url) => line.replacen(
            &mrkdwn::escape(&release.name),
            &mrkdwn::link(url, &release.name),
            1,
        ),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use strum::IntoEnumIterator;

    use super::*;
    use crate::chat::Block;
    use crate::chat::message::{MAX_BLOCKS, MAX_HEADER_CHARS};
    use crate::gate::{
        CellKey, CellPolicy, Check, GateInput, JobRun, Maturity, OcpVersion, Platform,
        ReleaseStatus, RunState, evaluate,
    };
    use crate::test_fixtures::{
        self, AFTERNOON, MORNING, all_passing_except, blocked_afternoon, facts, prow_run, released,
        snapshot,
    };

    const FULL_SNAPSHOT: &str = "hypershift-operator-main-20261121-101500-000";

    fn t(hour_minute: &str) -> Timestamp {
        format!("2026-11-21T{hour_minute}:00Z").parse().unwrap()
    }

    /// A job name as long as the real upgrade jobs, so every link is a long Prow URL.
    fn job_name(key: &CellKey) -> String {
        format!(
            "periodic-ci-openshift-hypershift-release-{}-periodics-hcm-{}-e2e-hosted-control-planes-{}",
            key.version, key.platform, key.check
        )
    }

    /// The production matrix: 4.17 to 4.22 (not GA) × aws, azure × the three checks, the
    /// oldest azure upgrade advisory.
    fn full_gate() -> (Policy, VersionCatalog) {
        let policy = Policy::matrix(
            "hypershift-operator",
            (17..=22).map(|minor| OcpVersion::new(4, minor)).collect(),
            vec![Platform::new("aws"), Platform::new("azure")],
            Check::iter().collect(),
            SignedDuration::from_hours(12),
            |key| CellPolicy {
                job: Some(job_name(&key)),
                required: !(key.version.minor == 17
                    && key.platform.as_str() == "azure"
                    && key.check == Check::UpgradeFromPrevious),
                key,
                aggregate: None,
            },
        );
        let catalog = VersionCatalog::new([(OcpVersion::new(4, 22), Maturity::PreRelease)]);
        (policy, catalog)
    }

    /// Every cell has a run: 4.20 aws e2e failed, 4.21 azure e2e runs, 4.22 aws e2e failed
    /// (allowed), the advisory cell failed, everything else passed.
    fn full_facts(policy: &Policy, catalog: &VersionCatalog) -> SnapshotFacts {
        let snapshot = Snapshot {
            gate: policy.gate.clone(),
            namespace: "crt-redhat-acm-tenant".into(),
            name: FULL_SNAPSHOT.into(),
            component: "hypershift-operator-main".into(),
            image: format!(
                "quay.io/redhat-user-workloads/crt-redhat-acm-tenant/hypershift-operator-main@sha256:{}",
                "0123456789abcdef".repeat(4)
            ),
            digest: Some(format!("sha256:{}", "0123456789abcdef".repeat(4))),
            git_url: Some("https://github.com/openshift/hypershift.git".into()),
            git_revision: Some("8f3c2a9e41d07b5c6e2f9a1d3b4c5e6f7a8b9c0d".into()),
            created_at: t("10:15"),
        };
        let runs: Vec<JobRun> = policy
            .cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let key = cell.key.to_string();
                let state = match key.as_str() {
                    "4.20 aws baseline" | "4.22 aws baseline" => RunState::Failure,
                    "4.17 azure upgrade-from-previous" => RunState::Failure,
                    "4.21 azure baseline" => RunState::Running,
                    _ => RunState::Success,
                };
                prow_run(
                    cell.job.as_deref().unwrap(),
                    &format!("19920000000000{i:05}"),
                    state,
                    t("10:30"),
                    state.is_finished().then(|| t("12:05")),
                    FULL_SNAPSHOT,
                )
            })
            .collect();
        let runs: Vec<&JobRun> = runs.iter().collect();
        let verdict = evaluate(&GateInput {
            policy,
            catalog,
            snapshot: &snapshot,
            runs: &runs,
            newer_snapshot: None,
            trying: &[],
            now: t("13:00"),
        });
        SnapshotFacts {
            snapshot,
            verdict,
            attempts: Vec::new(),
            records: Default::default(),
            release: None,
        }
    }

    fn sections(message: &Message) -> Vec<&str> {
        message
            .blocks
            .iter()
            .filter_map(|block| match block {
                Block::Section(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_full_matrix_linked_to_long_prow_urls_stays_within_slacks_limits() {
        let (policy, catalog) = full_gate();
        let message = status_message(&full_facts(&policy, &catalog), &policy, &catalog, None);
        assert!(message.blocks.len() <= MAX_BLOCKS);
        for block in &message.blocks {
            match block {
                Block::Header(text) => assert!(text.chars().count() <= MAX_HEADER_CHARS),
                Block::Section(text) | Block::Context(text) => {
                    assert!(text.chars().count() <= MAX_SECTION_CHARS, "{text}")
                }
                Block::Divider | Block::Actions(_) => {}
            }
        }
        let rows: Vec<&str> = sections(&message)
            .into_iter()
            .filter(|text| text.starts_with("*4."))
            .collect();
        assert_eq!(
            rows.len(),
            6,
            "one section per version, none split or left out"
        );
        let links: usize = rows
            .iter()
            .map(|row| row.matches("<https://prow.ci.openshift.org/").count())
            .sum();
        assert_eq!(links, 36);
    }

    #[test]
    fn a_full_matrix_renders_as_recorded() {
        let (policy, catalog) = full_gate();
        let message = status_message(&full_facts(&policy, &catalog), &policy, &catalog, None);
        insta::assert_debug_snapshot!(message);
    }

    #[test]
    fn a_passed_and_released_snapshot_renders_as_recorded() {
        let gate = test_fixtures::gate();
        let morning = facts(
            snapshot(MORNING, "07:00"),
            &all_passing_except(MORNING, &[]),
            "15:00",
            Some(released(MORNING)),
        );
        let url =
            format!("https://konflux.example/ns/crt-redhat-acm-tenant/releases/{MORNING}-d5d055ca");
        let message = status_message(&morning, &gate.policy, &gate.catalog, Some(&url));
        insta::assert_debug_snapshot!(message);
    }

    #[test]
    fn a_blocked_snapshot_says_since_when_and_when_the_rest_is_due() {
        let gate = test_fixtures::gate();
        let message = status_message(&blocked_afternoon(), &gate.policy, &gate.catalog, None);
        assert_eq!(
            message.fallback,
            format!(
                "{AFTERNOON}: BLOCKED — 10 of 13 required passed, 1 failed, 1 running, 1 waiting"
            )
        );
        assert!(sections(&message).contains(
            &"*BLOCKED* — 10 of 13 required passed, 1 failed, 1 running, 1 waiting\n\
              Blocked since 2026-05-12T14:45:00Z (15m ago).\n\
              Results due by 2026-05-13T01:00:00Z (in 10h 0m)."
        ));
    }

    #[test]
    fn advisory_cells_are_marked_and_cells_without_a_run_are_not_linked() {
        let gate = test_fixtures::gate();
        let message = status_message(&blocked_afternoon(), &gate.policy, &gate.catalog, None);
        let rows = sections(&message);
        let row_419 = rows
            .iter()
            .find(|row| row.starts_with("*4.19* GA"))
            .unwrap();
        assert!(
            row_419.ends_with(&format!("|✓>{ADVISORY_MARK}")),
            "{row_419}"
        );
        let row_422 = rows
            .iter()
            .find(|row| row.starts_with("*4.22* pre-release"))
            .unwrap();
        assert!(row_422.ends_with("azure · –"), "{row_422}");
    }

    #[test]
    fn the_revision_links_to_its_commit_only_for_a_web_repository() {
        let linked = commit(
            "8f3c2a9e41d07b5c",
            Some("https://github.com/openshift/hypershift/"),
        );
        assert_eq!(
            linked,
            "<https://github.com/openshift/hypershift/commit/8f3c2a9e41d07b5c|8f3c2a9e41d0>"
        );
        assert_eq!(
            commit(
                "8f3c2a9e41d07b5c",
                Some("git@github.com:openshift/hypershift")
            ),
            "`8f3c2a9e41d0`"
        );
    }

    #[test]
    fn outside_text_is_escaped_and_the_release_name_linked() {
        let gate = test_fixtures::gate();
        let mut release = released(MORNING);
        release.status = ReleaseStatus::Failed;
        release.status_message = Some("<!channel> pipeline & tasks failed".into());
        let mut morning = facts(
            snapshot(MORNING, "07:00"),
            &all_passing_except(MORNING, &[]),
            "15:00",
            Some(release),
        );
        morning.snapshot.image = "quay.io/x/<@U123>".into();
        morning.snapshot.digest = None;
        let message = status_message(
            &morning,
            &gate.policy,
            &gate.catalog,
            Some("https://konflux.example/r/1"),
        );
        let text = format!("{:?}", message.blocks);
        assert!(
            !text.contains("<!channel>") && !text.contains("<@U123>"),
            "{text}"
        );
        assert!(sections(&message).contains(
            &format!(
                "Release <https://konflux.example/r/1|{MORNING}-d5d055ca> failed: &lt;!channel&gt; pipeline &amp; tasks failed"
            )
            .as_str()
        ));
        assert!(text.contains("Image `quay.io/x/&lt;@U123&gt;`"), "{text}");
    }

    #[test]
    fn a_row_too_long_for_one_section_is_split_between_platforms_not_cut() {
        let (mut policy, catalog) = full_gate();
        let extra: Vec<Platform> = (1..=12)
            .map(|n| Platform::new(format!("cloud-{n}")))
            .collect();
        for platform in &extra {
            for check in Check::iter() {
                let key = CellKey {
                    version: OcpVersion::new(4, 20),
                    platform: platform.clone(),
                    check,
                };
                policy.cells.push(CellPolicy {
                    job: Some(job_name(&key)),
                    required: true,
                    key,
                    aggregate: None,
                });
            }
        }
        policy.platforms.extend(extra);
        let facts = full_facts(&policy, &catalog);
        let message = status_message(&facts, &policy, &catalog, None);
        let row_420: Vec<&str> = sections(&message)
            .into_iter()
            .skip_while(|text| !text.starts_with("*4.20*"))
            .take_while(|text| !text.starts_with("*4.21*"))
            .collect();
        assert!(row_420.len() > 1, "the row needs more than one section");
        for part in row_420 {
            assert!(part.chars().count() <= MAX_SECTION_CHARS);
            assert!(!part.ends_with('…'), "a link was cut: {part}");
            assert_eq!(part.matches('<').count(), part.matches('>').count());
        }
    }
}
