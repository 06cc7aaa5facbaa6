//! What a round does next, decided purely from its attempts, the pace and the time: which cell
//! to trigger now (one at a time, staggered, within the cap of executions in flight, never while
//! Gangway asked to wait), which uncertain attempts to look for before anything is triggered
//! again, and when to look at the round next.

use jiff::{SignedDuration, Timestamp};

use super::attempt::{Attempt, AttemptState};
use crate::gate::{CellKey, Decision, Policy, Tally};

/// How fast a gate's rounds trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// At least this long between two triggers, so that a round does not hit Gangway and the
    /// build farm with every job at the same instant.
    pub stagger: SignedDuration,
    /// At most this many executions of the gate in flight at once.
    pub max_in_flight: usize,
    /// An intended attempt with no execution found after this long is taken as never
    /// triggered, and triggered again under the same number.
    pub find_for: SignedDuration,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            stagger: SignedDuration::from_secs(30),
            max_in_flight: 50,
            find_for: SignedDuration::from_mins(10),
        }
    }
}

/// What the round needs now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The attempt to record and trigger now, if one is due: `(cell, attempt number)`.
    pub trigger: Option<(CellKey, u32)>,
    /// Intended attempts to look for in the jobs' recent runs before anything else of their
    /// cell is triggered.
    pub find: Vec<(CellKey, u32)>,
    /// When to plan again if nothing happens before (the next stagger slot, the end of a
    /// `Retry-After`, the deadline of a search).
    pub wake_at: Option<Timestamp>,
}

/// What the round has seen and may do.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    pub now: Timestamp,
    /// When this gate last triggered anything.
    pub last_trigger: Option<Timestamp>,
    /// Gangway asked not to be called before this (`Retry-After`).
    pub hold_until: Option<Timestamp>,
}

/// A cell as a round runs it: its key, and how many runs of its job it starts at once — one,
/// or the runs of an aggregated cell ("2 of 3" starts three), which are never retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundCell {
    pub key: CellKey,
    pub runs: u32,
}

impl RoundCell {
    /// The cells of a policy a round runs — every cell with a job — in key order, the order
    /// the round triggers them.
    pub fn of(policy: &Policy) -> Vec<RoundCell> {
        let mut cells: Vec<RoundCell> = policy
            .cells
            .iter()
            .filter(|cell| cell.job.is_some())
            .map(|cell| RoundCell {
                key: cell.key.clone(),
                runs: cell.aggregate.map_or(1, |aggregate| aggregate.runs),
            })
            .collect();
        cells.sort_by(|a, b| a.key.cmp(&b.key));
        cells
    }

    fn is_aggregated(&self) -> bool {
        self.runs > 1
    }
}

/// Plans the next step of a round over `cells` (in the order they should run) with its
/// `attempts` so far.
pub fn plan(cells: &[RoundCell], attempts: &[Attempt], pace: &Pace, moment: Moment) -> Plan {
    let mut plan = Plan::default();
    let mut wake = Vec::new();
    let mut due: Option<(CellKey, u32)> = None;
    for cell in cells {
        let mut of_cell: Vec<&Attempt> = attempts
            .iter()
            .filter(|attempt| attempt.cell == cell.key)
            .collect();
        of_cell.sort_by_key(|attempt| attempt.number);
        for attempt in &of_cell {
            if let AttemptState::Intended { at } = attempt.state {
                let give_up = at.saturating_add(pace.find_for).unwrap_or(Timestamp::MAX);
                if moment.now < give_up {
                    plan.find.push((cell.key.clone(), attempt.number));
                    wake.push(give_up);
                } else {
                    due.get_or_insert((cell.key.clone(), attempt.number));
                }
            }
        }
        let next = match of_cell.last() {
            None => Some(1),
            Some(_) if cell.is_aggregated() => {
                let started = of_cell.len() as u32;
                (started < cell.runs).then_some(started + 1)
            }
            Some(latest) => match &latest.state {
                AttemptState::Finished { .. } if !latest.settles_cell() => Some(latest.number + 1),
                _ => None,
            },
        };
        if let Some(number) = next {
            due.get_or_insert((cell.key.clone(), number));
        }
    }
    if let Some(next) = due {
        let in_flight = attempts
            .iter()
            .filter(|attempt| attempt.in_flight())
            .count();
        let slot = moment
            .last_trigger
            .and_then(|last| last.checked_add(pace.stagger).ok())
            .into_iter()
            .chain(moment.hold_until)
            .max()
            .filter(|slot| *slot > moment.now);
        match slot {
            Some(slot) => wake.push(slot),
            None if in_flight < pace.max_in_flight => plan.trigger = Some(next),
            // A finished execution frees a place; its result wakes the round.
            None => {}
        }
    }
    plan.wake_at = wake.into_iter().min();
    plan
}

/// Whether a round is over: every cell is settled, or the required cells (their `tally`, as the
/// gate evaluates the round's snapshot with the round's attempts) decide the snapshot whatever
/// still runs — it passed, or a cell failed for good. Ending then lets the next round test a
/// newer snapshot at once.
pub fn round_over(cells: &[RoundCell], attempts: &[Attempt], tally: &Tally) -> bool {
    tally.is_decisive() || round_done(cells, attempts)
}

/// Whether a gate has room for another round beside the rounds in flight (the attempts of
/// each): none is in flight, or — when the gate's rounds may `overlap` — the one in flight has
/// its first runs back ([`first_runs_back`]). Two rounds at most.
pub fn room_for_round(cells: &[RoundCell], open: &[&[Attempt]], overlap: bool) -> bool {
    match open {
        [] => true,
        [only] => overlap && first_runs_back(cells, only),
        _ => false,
    }
}

/// Whether a round may start for a snapshot: it has no Release, the gate has not passed it nor
/// seen it superseded, and it never had a round.
pub fn may_start_round(released: bool, decision: &Decision, had_round: bool) -> bool {
    !released && !had_round && !matches!(decision, Decision::Passed | Decision::Superseded { .. })
}

/// Whether every cell of a round has the result of its first run (all of them for an
/// aggregated cell): from then on the round only waits for retries, and a newer snapshot's
/// round may start beside it when the gate lets rounds overlap.
pub fn first_runs_back(cells: &[RoundCell], attempts: &[Attempt]) -> bool {
    cells.iter().all(|cell| {
        let back = attempts
            .iter()
            .filter(|attempt| {
                attempt.cell == cell.key && attempt.number <= cell.runs && !attempt.in_flight()
            })
            .count();
        back >= cell.runs as usize
    })
}

/// Whether every cell of the round is settled: passed, or failed with no retry wanted; an
/// aggregated cell when all its runs ended.
pub fn round_done(cells: &[RoundCell], attempts: &[Attempt]) -> bool {
    cells.iter().all(|cell| {
        let of_cell = attempts.iter().filter(|attempt| attempt.cell == cell.key);
        if cell.is_aggregated() {
            let (started, ended) = of_cell.fold((0, 0), |(started, ended), attempt| {
                (started + 1, ended + u32::from(!attempt.in_flight()))
            });
            started >= cell.runs && ended == started
        } else {
            of_cell
                .max_by_key(|attempt| attempt.number)
                .is_some_and(Attempt::settles_cell)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::{Check, OcpVersion, Platform, RunState};

    fn cell(minor: u32, platform: &str) -> CellKey {
        CellKey {
            version: OcpVersion::new(4, minor),
            platform: Platform::new(platform),
            check: Check::Baseline,
        }
    }

    /// Cells that each run one job at a time.
    fn single(keys: &[CellKey]) -> Vec<RoundCell> {
        keys.iter()
            .map(|key| RoundCell {
                key: key.clone(),
                runs: 1,
            })
            .collect()
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap()
    }

    fn moment(now: i64, last_trigger: Option<i64>) -> Moment {
        Moment {
            now: at(now),
            last_trigger: last_trigger.map(at),
            hold_until: None,
        }
    }

    fn attempt(cell: CellKey, number: u32, state: AttemptState) -> Attempt {
        Attempt {
            cell,
            number,
            state,
            run_url: None,
        }
    }

    fn triggered(cell: CellKey, number: u32) -> Attempt {
        attempt(
            cell,
            number,
            AttemptState::Triggered {
                execution: format!("x-{number}"),
                at: at(0),
            },
        )
    }

    fn finished(cell: CellKey, number: u32, result: RunState, retry: bool) -> Attempt {
        attempt(
            cell,
            number,
            AttemptState::Finished {
                execution: format!("x-{number}"),
                result,
                retry,
                reason: None,
            },
        )
    }

    #[test]
    fn a_new_round_triggers_its_cells_one_at_a_time_in_order_and_staggered() {
        let cells = [cell(20, "aws"), cell(20, "azure")];
        let first = plan(&single(&cells), &[], &Pace::default(), moment(0, None));
        assert_eq!(first.trigger, Some((cell(20, "aws"), 1)));
        let attempts = [triggered(cell(20, "aws"), 1)];
        let too_soon = plan(
            &single(&cells),
            &attempts,
            &Pace::default(),
            moment(10, Some(0)),
        );
        assert_eq!(too_soon.trigger, None);
        assert_eq!(too_soon.wake_at, Some(at(30)), "the next stagger slot");
        let next = plan(
            &single(&cells),
            &attempts,
            &Pace::default(),
            moment(30, Some(0)),
        );
        assert_eq!(next.trigger, Some((cell(20, "azure"), 1)));
    }

    #[test]
    fn the_cap_holds_triggers_back_and_a_held_trigger_is_still_staggered() {
        let cells = [cell(20, "aws"), cell(20, "azure"), cell(21, "aws")];
        let pace = Pace {
            max_in_flight: 2,
            ..Pace::default()
        };
        let two_running = [
            triggered(cell(20, "aws"), 1),
            triggered(cell(20, "azure"), 1),
        ];
        let capped = plan(&single(&cells), &two_running, &pace, moment(100, Some(30)));
        assert_eq!((capped.trigger, capped.wake_at), (None, None));
        let one_done = [
            finished(cell(20, "aws"), 1, RunState::Success, false),
            triggered(cell(20, "azure"), 1),
        ];
        let freed = plan(&single(&cells), &one_done, &pace, moment(100, Some(30)));
        assert_eq!(freed.trigger, Some((cell(21, "aws"), 1)));
        let freed_early = plan(&single(&cells), &one_done, &pace, moment(40, Some(30)));
        assert_eq!(
            (freed_early.trigger, freed_early.wake_at),
            (None, Some(at(60)))
        );
    }

    #[test]
    fn nothing_is_triggered_before_gangways_retry_after() {
        let cells = [cell(20, "aws")];
        let held = Moment {
            hold_until: Some(at(90)),
            ..moment(50, None)
        };
        let plan = plan(&single(&cells), &[], &Pace::default(), held);
        assert_eq!((plan.trigger, plan.wake_at), (None, Some(at(90))));
    }

    #[test]
    fn an_uncertain_attempt_is_looked_for_not_triggered_until_the_search_gives_up() {
        let cells = [cell(20, "aws")];
        let intended = [attempt(
            cell(20, "aws"),
            1,
            AttemptState::Intended { at: at(0) },
        )];
        let searching = plan(
            &single(&cells),
            &intended,
            &Pace::default(),
            moment(60, Some(0)),
        );
        assert_eq!(searching.trigger, None);
        assert_eq!(searching.find, [(cell(20, "aws"), 1)]);
        assert_eq!(searching.wake_at, Some(at(600)));
        let given_up = plan(
            &single(&cells),
            &intended,
            &Pace::default(),
            moment(600, Some(0)),
        );
        assert_eq!(
            given_up.trigger,
            Some((cell(20, "aws"), 1)),
            "same number again"
        );
    }

    #[test]
    fn a_failure_worth_a_retry_gets_the_next_attempt_and_a_settled_cell_nothing() {
        let cells = [cell(20, "aws"), cell(20, "azure")];
        let attempts = [
            finished(cell(20, "aws"), 1, RunState::Failure, true),
            finished(cell(20, "azure"), 1, RunState::Failure, false),
        ];
        let plan = plan(
            &single(&cells),
            &attempts,
            &Pace::default(),
            moment(100, Some(0)),
        );
        assert_eq!(plan.trigger, Some((cell(20, "aws"), 2)));
        assert!(!round_done(&single(&cells), &attempts));
        let retried = [
            finished(cell(20, "aws"), 1, RunState::Failure, true),
            finished(cell(20, "aws"), 2, RunState::Success, false),
            finished(cell(20, "azure"), 1, RunState::Failure, false),
        ];
        assert!(round_done(&single(&cells), &retried));
    }

    #[test]
    fn an_aggregated_cell_starts_all_its_runs_and_retries_none() {
        let key = cell(20, "aws");
        let cells = [RoundCell {
            key: key.clone(),
            runs: 3,
        }];
        let pace = Pace {
            stagger: SignedDuration::ZERO,
            ..Pace::default()
        };
        let first = plan(&cells, &[], &pace, moment(0, None));
        assert_eq!(first.trigger, Some((key.clone(), 1)));
        let one_running = [triggered(key.clone(), 1)];
        let second = plan(&cells, &one_running, &pace, moment(1, Some(0)));
        assert_eq!(
            second.trigger,
            Some((key.clone(), 2)),
            "started without waiting for the first"
        );
        let all = [
            finished(key.clone(), 1, RunState::Failure, false),
            finished(key.clone(), 2, RunState::Success, false),
            triggered(key.clone(), 3),
        ];
        assert_eq!(plan(&cells, &all, &pace, moment(2, Some(1))).trigger, None);
        assert!(!round_done(&cells, &all), "a run is still going");
        let ended = [
            finished(key.clone(), 1, RunState::Failure, false),
            finished(key.clone(), 2, RunState::Success, false),
            finished(key.clone(), 3, RunState::Failure, false),
        ];
        assert!(round_done(&cells, &ended));
        assert_eq!(
            plan(&cells, &ended, &pace, moment(3, Some(2))).trigger,
            None,
            "no retry"
        );
    }
}
