//! The thread replies under a snapshot's status message: one or two lines for each event that
//! a person should notice — a blocked cell, a Release created, failed or finished, a bypassed
//! gate — and, in the channel, gate-wide news such as a version that became GA.
//!
//! The status message already shows the current state, so events that only change it (a new
//! snapshot, a new tally) get no reply; the thread keeps what happened, in order.

use crate::engine::GateEvent;
use crate::gate::{CellKey, CellState, CellVerdict, Decision, RunRef, RunState};

use crate::chat::mrkdwn;

/// A thread reply, and the status message it belongs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The gate the event belongs to; empty when the event does not say (an unexpected
    /// Release).
    pub gate: String,
    /// The snapshot whose thread gets the reply; `None` for gate-wide events, which go to the
    /// channel.
    pub snapshot: Option<String>,
    /// Escaped mrkdwn, starting with an emoji shortcode.
    pub body: String,
}

/// The reply an event deserves, if any. `manual_release` says whether the gate waits for a
/// releaser, who then needs to hear that the gate passed.
pub fn announcement(event: &GateEvent, manual_release: bool) -> Option<Announcement> {
    let for_snapshot = |gate: &str, snapshot: &str, body: String| {
        Some(Announcement {
            gate: gate.to_string(),
            snapshot: Some(snapshot.to_string()),
            body,
        })
    };
    match event {
        GateEvent::CellBlocked {
            gate,
            snapshot,
            cell,
        } => for_snapshot(gate, snapshot, blocked_cell(cell)),
        GateEvent::RoundStarted {
            gate,
            snapshot,
            cells,
        } => for_snapshot(
            gate,
            snapshot,
            format!(
                ":arrows_counterclockwise: Round started: gatebot triggers the {cells} jobs of the matrix for this snapshot through Gangway."
            ),
        ),
        GateEvent::AttemptFinished {
            gate,
            snapshot,
            cell,
            number,
            result,
            retry,
            reason,
            run_url,
        } => for_snapshot(
            gate,
            snapshot,
            attempt_finished(
                cell,
                *number,
                *result,
                *retry,
                reason.as_deref(),
                run_url.as_deref(),
            ),
        ),
        GateEvent::ReleaseCreated {
            gate,
            snapshot,
            release,
            namespace,
        } => for_snapshot(
            gate,
            snapshot,
            format!(
                ":rocket: Gate passed — Release {} created in {}.",
                code(release),
                code(namespace)
            ),
        ),
        GateEvent::ReleaseCreateFailed {
            gate,
            snapshot,
            release,
            error,
        } => for_snapshot(
            gate,
            snapshot,
            format!(
                ":warning: Creating Release {} failed: {}; gatebot tries again on its next pass.",
                code(release),
                mrkdwn::escape(error)
            ),
        ),
        GateEvent::ReleaseFinished {
            gate,
            snapshot,
            release,
            succeeded,
            message,
        } => {
            let body = match (succeeded, message.as_deref()) {
                (true, _) => format!(":white_check_mark: Release {} succeeded.", code(release)),
                (false, Some(message)) if !message.is_empty() => format!(
                    ":x: Release {} failed: {}",
                    code(release),
                    mrkdwn::escape(message)
                ),
                (false, _) => format!(":x: Release {} failed.", code(release)),
            };
            for_snapshot(gate, snapshot, body)
        }
        GateEvent::VerdictChanged {
            gate,
            snapshot,
            decision: Decision::Superseded { by },
            ..
        } => for_snapshot(
            gate,
            snapshot,
            format!(
                ":fast_forward: Superseded by {}; this snapshot will not be released.",
                code(by)
            ),
        ),
        GateEvent::VerdictChanged {
            gate,
            snapshot,
            decision: Decision::Passed,
            ..
        } if manual_release => for_snapshot(
            gate,
            snapshot,
            format!(
                ":large_green_circle: Gate passed. A releaser can run `release {}`.",
                mrkdwn::escape(snapshot)
            ),
        ),
        GateEvent::ReleasePlanBypassed { gate, warning } => Some(Announcement {
            gate: gate.clone(),
            snapshot: None,
            body: format!(":rotating_light: {}", mrkdwn::escape(warning)),
        }),
        GateEvent::VersionBecameGa {
            gate,
            version,
            source,
        } => Some(Announcement {
            gate: gate.clone(),
            snapshot: None,
            body: format!(
                ":mega: OCP {version} is generally available ({}): from the next round on, failures of its required cells block gate {}.",
                mrkdwn::escape(source),
                code(gate)
            ),
        }),
        GateEvent::GangwayTrouble { since, problem } => Some(Announcement {
            gate: String::new(),
            snapshot: None,
            body: format!(
                ":construction: Since {since}, gatebot's rounds cannot use Gangway: {}. Nothing is lost: the rounds wait and resume on their own; `status` shows whether the trouble lasts.",
                mrkdwn::escape(problem)
            ),
        }),
        GateEvent::GangwayRecovered { since } => Some(Announcement {
            gate: String::new(),
            snapshot: None,
            body: format!(
                ":white_check_mark: Gangway answers again (trouble since {since}); the rounds resume."
            ),
        }),
        GateEvent::UnexpectedRelease {
            gate,
            name,
            release_plan,
            snapshot,
            ..
        } => for_snapshot(
            gate,
            snapshot,
            format!(
                ":rotating_light: Release {} for plan {} was not created by gatebot: the gate was bypassed.",
                code(name),
                code(release_plan)
            ),
        ),
        GateEvent::SnapshotTracked { .. } | GateEvent::VerdictChanged { .. } => None,
    }
}

/// The reply for a Release created in an emergency: the gate did not pass, so it must not
/// read like one that did.
/// An attempt of a round that ended: a retry that passed, or a failure and what follows.
fn attempt_finished(
    cell: &CellKey,
    number: u32,
    result: RunState,
    retry: bool,
    reason: Option<&str>,
    run_url: Option<&str>,
) -> String {
    let run = match run_url {
        Some(url) => mrkdwn::link(url, &format!("attempt {number}")),
        None => format!("attempt {number}"),
    };
    let reason = reason
        .map(|reason| format!(": {}", mrkdwn::escape(reason)))
        .unwrap_or_default();
    match (result, retry) {
        (RunState::Success, _) => format!(":white_check_mark: *{cell}* passed on {run}."),
        (_, true) => {
            format!(":repeat: *{cell}* {run} ended {result}; gatebot runs it again{reason}.")
        }
        (_, false) => format!(":no_entry: *{cell}* {run} ended {result}; not retried{reason}."),
    }
}

pub fn emergency_release_created(release: &str, namespace: &str) -> String {
    format!(
        ":rotating_light: Emergency Release {} created in {} without the gate; it requires review.",
        code(release),
        code(namespace)
    )
}

/// A required cell that failed or timed out: which, the run that decided it, and when.
fn blocked_cell(cell: &CellVerdict) -> String {
    let key = mrkdwn::escape(&cell.key.to_string());
    let job = cell
        .job
        .as_deref()
        .map_or_else(|| "its job".to_string(), code);
    let deadline = cell.deadline;
    match (cell.state, &cell.run) {
        (CellState::TimedOut, Some(run)) => format!(
            ":hourglass: *{key}* timed out — {} of {job} was still running at the deadline {deadline}.",
            build_link(run)
        ),
        (CellState::TimedOut, None) => format!(
            ":hourglass: *{key}* timed out — no run of {job} tested this snapshot by the deadline {deadline}."
        ),
        (state, Some(run)) => {
            let finished = run
                .finished_at
                .map(|at| format!(", finished at {at}"))
                .unwrap_or_default();
            format!(
                ":x: *{key}* {} — {} of {job}{finished}.",
                state.describe(),
                build_link(run)
            )
        }
        (state, None) => format!(
            ":x: *{key}* {} — {job} has no run to show.",
            state.describe()
        ),
    }
}

fn build_link(run: &RunRef) -> String {
    mrkdwn::link(&run.url, &format!("build {}", run.build_id))
}

/// Outside text as inline code.
fn code(text: &str) -> String {
    format!("`{}`", mrkdwn::escape(text))
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::gate::{CellKey, Check, OcpVersion, Platform, RunState};

    const GATE: &str = "hypershift-operator";
    const SNAPSHOT: &str = "hypershift-operator-main-20260512-130000-000";
    const JOB: &str = "periodic-ci-openshift-hypershift-release-4.20-periodics-e2e-aws-ovn";

    fn at(hour_minute: &str) -> Timestamp {
        format!("2026-05-12T{hour_minute}:00Z").parse().unwrap()
    }

    fn cell(state: CellState, run_state: Option<RunState>) -> CellVerdict {
        CellVerdict {
            key: CellKey {
                version: OcpVersion::new(4, 20),
                platform: Platform::new("aws"),
                check: Check::Baseline,
            },
            job: Some(JOB.into()),
            required: true,
            aggregate: None,
            state,
            run: run_state.map(|state| RunRef {
                build_id: "123".into(),
                url: format!("https://prow.ci.openshift.org/view/gs/logs/{JOB}/123"),
                state,
                started_at: Some(at("13:15")),
                finished_at: state.is_finished().then(|| at("14:45")),
            }),
            deadline: at("23:00"),
        }
    }

    fn body(event: GateEvent) -> String {
        announcement(&event, false).expect("announced").body
    }

    fn in_thread(body: &str) -> Option<Announcement> {
        Some(Announcement {
            gate: GATE.into(),
            snapshot: Some(SNAPSHOT.into()),
            body: body.into(),
        })
    }

    fn blocked(cell: CellVerdict) -> GateEvent {
        GateEvent::CellBlocked {
            gate: GATE.into(),
            snapshot: SNAPSHOT.into(),
            cell,
        }
    }

    fn verdict_changed(decision: Decision) -> GateEvent {
        GateEvent::VerdictChanged {
            gate: GATE.into(),
            snapshot: SNAPSHOT.into(),
            decision,
            summary: "13 of 13 required passed".into(),
        }
    }

    fn finished(succeeded: bool, message: Option<&str>) -> GateEvent {
        GateEvent::ReleaseFinished {
            gate: GATE.into(),
            snapshot: SNAPSHOT.into(),
            release: format!("{SNAPSHOT}-d5d055ca"),
            succeeded,
            message: message.map(String::from),
        }
    }

    #[test]
    fn a_failed_cell_links_its_run_and_names_its_job() {
        let event = blocked(cell(CellState::Failed, Some(RunState::Failure)));
        assert_eq!(
            announcement(&event, false),
            in_thread(&format!(
                ":x: *4.20 aws baseline* failed — <https://prow.ci.openshift.org/view/gs/logs/{JOB}/123|build 123> of `{JOB}`, finished at 2026-05-12T14:45:00Z."
            ))
        );
    }

    #[test]
    fn a_timed_out_cell_gives_the_deadline_with_or_without_a_run() {
        assert_eq!(
            body(blocked(cell(CellState::TimedOut, Some(RunState::Running)))),
            format!(
                ":hourglass: *4.20 aws baseline* timed out — <https://prow.ci.openshift.org/view/gs/logs/{JOB}/123|build 123> of `{JOB}` was still running at the deadline 2026-05-12T23:00:00Z."
            )
        );
        assert_eq!(
            body(blocked(cell(CellState::TimedOut, None))),
            format!(
                ":hourglass: *4.20 aws baseline* timed out — no run of `{JOB}` tested this snapshot by the deadline 2026-05-12T23:00:00Z."
            )
        );
    }

    #[test]
    fn a_created_release_says_where() {
        let event = GateEvent::ReleaseCreated {
            gate: GATE.into(),
            snapshot: SNAPSHOT.into(),
            release: "r-1".into(),
            namespace: "crt-redhat-acm-tenant".into(),
        };
        assert_eq!(
            announcement(&event, false),
            in_thread(":rocket: Gate passed — Release `r-1` created in `crt-redhat-acm-tenant`.")
        );
    }

    #[test]
    fn a_failed_creation_escapes_the_error_and_says_gatebot_tries_again() {
        let event = GateEvent::ReleaseCreateFailed {
            gate: GATE.into(),
            snapshot: SNAPSHOT.into(),
            release: "r-1".into(),
            error: "admission webhook <denied> & more".into(),
        };
        assert_eq!(
            body(event),
            ":warning: Creating Release `r-1` failed: admission webhook &lt;denied&gt; &amp; more; gatebot tries again on its next pass."
        );
    }

    #[test]
    fn a_finished_release_reports_success_or_the_escaped_konflux_message() {
        assert_eq!(
            body(finished(true, None)),
            format!(":white_check_mark: Release `{SNAPSHOT}-d5d055ca` succeeded.")
        );
        assert_eq!(
            body(finished(false, Some("<!channel> pipeline failed"))),
            format!(":x: Release `{SNAPSHOT}-d5d055ca` failed: &lt;!channel&gt; pipeline failed")
        );
        assert_eq!(
            body(finished(false, None)),
            format!(":x: Release `{SNAPSHOT}-d5d055ca` failed.")
        );
    }

    #[test]
    fn a_superseded_snapshot_names_the_newer_one() {
        let event = verdict_changed(Decision::Superseded {
            by: "hypershift-operator-main-20260512-170000-000".into(),
        });
        assert_eq!(
            announcement(&event, false),
            in_thread(
                ":fast_forward: Superseded by `hypershift-operator-main-20260512-170000-000`; this snapshot will not be released."
            )
        );
    }

    #[test]
    fn a_passed_gate_is_announced_only_when_a_releaser_must_act() {
        let event = verdict_changed(Decision::Passed);
        assert_eq!(announcement(&event, false), None);
        assert_eq!(
            announcement(&event, true),
            in_thread(&format!(
                ":large_green_circle: Gate passed. A releaser can run `release {SNAPSHOT}`."
            ))
        );
    }

    #[test]
    fn a_bypassed_release_plan_goes_to_the_channel() {
        let event = GateEvent::ReleasePlanBypassed {
            gate: GATE.into(),
            warning: "ReleasePlan ns/plan: label auto-release is \"true\" & the gate is bypassed"
                .into(),
        };
        assert_eq!(
            announcement(&event, false),
            Some(Announcement {
                gate: GATE.into(),
                snapshot: None,
                body: ":rotating_light: ReleasePlan ns/plan: label auto-release is \"true\" &amp; the gate is bypassed".into(),
            })
        );
    }

    #[test]
    fn a_version_that_became_ga_goes_to_the_channel() {
        let event = GateEvent::VersionBecameGa {
            gate: GATE.into(),
            version: crate::gate::OcpVersion::new(4, 21),
            source: "from the release-controller".into(),
        };
        assert_eq!(
            announcement(&event, false),
            Some(Announcement {
                gate: GATE.into(),
                snapshot: None,
                body: format!(
                    ":mega: OCP 4.21 is generally available (from the release-controller): from the next round on, failures of its required cells block gate `{GATE}`."
                ),
            })
        );
    }

    #[test]
    fn an_unexpected_release_goes_to_its_snapshots_thread() {
        let event = GateEvent::UnexpectedRelease {
            gate: GATE.into(),
            namespace: "crt-redhat-acm-tenant".into(),
            name: "manual-1".into(),
            release_plan: "hypershift-operator-progressive".into(),
            snapshot: SNAPSHOT.into(),
        };
        assert_eq!(
            announcement(&event, false),
            Some(Announcement {
                gate: GATE.into(),
                snapshot: Some(SNAPSHOT.into()),
                body: ":rotating_light: Release `manual-1` for plan `hypershift-operator-progressive` was not created by gatebot: the gate was bypassed.".into(),
            })
        );
    }

    #[test]
    fn tracking_and_other_verdict_changes_are_left_to_the_status_message() {
        let tracked = GateEvent::SnapshotTracked {
            gate: GATE.into(),
            snapshot: SNAPSHOT.into(),
        };
        for event in [
            tracked,
            verdict_changed(Decision::Blocked),
            verdict_changed(Decision::Pending),
        ] {
            assert_eq!(announcement(&event, true), None, "{event:?}");
        }
    }
}
