//! `runs`, `[gates.rounds]` and `[gates.retries]`: whether gatebot triggers a gate's jobs itself
//! (a round per snapshot, through Gangway), how fast, with which environment, and when a failed
//! run is run again.
//!
//! Both tables may be written for a gate that runs on periodics; they then take effect when the
//! gate switches to `runs = "triggered"`.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::Deserialize;
use toml::Spanned;

use crate::gate::CellKey;
use crate::rounds::{Pace, RetryRule, RoundPolicy, Runs, default_env};

use super::super::duration;
use super::super::environment;
use super::super::problems::Invalid;
use super::super::report::{Place, Report};
use super::super::template::EnvTemplate;

/// Written as in the file, so that the defaults go through the same rules as written values.
const DEFAULT_STAGGER: &str = "30s";
const DEFAULT_LOST_TRIGGER_SEARCH: &str = "10m";
const DEFAULT_MAX_IN_FLIGHT: u32 = 50;

/// A trigger's answer can take a request timeout or two to arrive; giving up on finding an
/// uncertain trigger sooner would risk running the attempt twice.
const MINIMUM_LOST_TRIGGER_SEARCH: SignedDuration = SignedDuration::from_secs(60);

/// `[gates.rounds]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RoundsSection {
    stagger: Option<Spanned<String>>,
    max_in_flight: Option<Spanned<i64>>,
    lost_trigger_search: Option<Spanned<String>>,
    env: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    overlap: Option<bool>,
}

/// `[gates.retries]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RetriesSection {
    count: Option<Spanned<i64>>,
    pass_rate_threshold: Option<Spanned<f64>>,
    history: Option<Spanned<i64>>,
    minimum_history: Option<Spanned<i64>>,
}

pub(super) fn runs(text: &str) -> Result<Runs, Invalid> {
    text.parse().map_err(|_| {
        Invalid::new(
            format!("`{text}` is not a way of running the gate's jobs"),
            "use `periodic` (Prow's periodic runs test whatever snapshot is newest) or \
             `triggered` (gatebot triggers every cell's job for each new snapshot through Gangway)",
        )
    })
}

/// The gate's round policy; `cell_retries` are the `retries` of its `[[gates.cells]]`.
pub(super) fn validate(
    place: &Place,
    rounds: Option<&Spanned<RoundsSection>>,
    retries: Option<&Spanned<RetriesSection>>,
    cell_retries: BTreeMap<CellKey, u32>,
    report: &mut Report<'_>,
) -> Option<RoundPolicy> {
    let pace = match rounds {
        Some(section) => section
            .get_ref()
            .validate(&Place::table(place.key("rounds"), section), report),
        None => RoundsSection::default().validate(&place.section("rounds"), report),
    };
    let retry = match retries {
        Some(section) => section
            .get_ref()
            .validate(&Place::table(place.key("retries"), section), report),
        None => RetriesSection::default().validate(&place.section("retries"), report),
    };
    let (pace, env, overlap) = pace?;
    Some(RoundPolicy {
        pace,
        retry: retry?,
        cell_retries,
        env,
        overlap,
    })
}

impl RoundsSection {
    fn validate(
        &self,
        place: &Place,
        report: &mut Report<'_>,
    ) -> Option<(Pace, BTreeMap<String, EnvTemplate>, bool)> {
        let stagger = report.setting(
            &place.key("stagger"),
            self.stagger.as_ref(),
            DEFAULT_STAGGER,
            |text| duration::at_least(text, SignedDuration::ZERO),
        );
        let max_in_flight = report.count_or(
            &place.key("max_in_flight"),
            self.max_in_flight.as_ref(),
            1,
            DEFAULT_MAX_IN_FLIGHT,
        );
        let find_for = report.setting(
            &place.key("lost_trigger_search"),
            self.lost_trigger_search.as_ref(),
            DEFAULT_LOST_TRIGGER_SEARCH,
            |text| duration::at_least(text, MINIMUM_LOST_TRIGGER_SEARCH),
        );
        let env = match &self.env {
            None => Some(default_env()),
            Some(written) => validate_env(place, written, report),
        };
        Some((
            Pace {
                stagger: stagger?,
                max_in_flight: max_in_flight? as usize,
                find_for: find_for?,
            },
            env?,
            self.overlap.unwrap_or(RoundPolicy::default().overlap),
        ))
    }
}

/// The environment of triggered jobs: variable names, and values whose placeholders exist.
fn validate_env(
    place: &Place,
    written: &BTreeMap<Spanned<String>, Spanned<String>>,
    report: &mut Report<'_>,
) -> Option<BTreeMap<String, EnvTemplate>> {
    let path = place.key("env");
    let mut env = BTreeMap::new();
    let mut complete = true;
    for (name, value) in written {
        let path = path.key(name.get_ref());
        let name = report.check(&path, name, |text| {
            environment::variable_name(text, crate::prow::OPERATOR_IMAGE_ENV)
        });
        let value = report.check(&path, value, EnvTemplate::parse);
        match name.zip(value) {
            Some((name, value)) => {
                env.insert(name, value);
            }
            None => complete = false,
        }
    }
    complete.then_some(env)
}

impl RetriesSection {
    fn validate(&self, place: &Place, report: &mut Report<'_>) -> Option<RetryRule> {
        let default = RetryRule::default();
        let count = report.count_or(&place.key("count"), self.count.as_ref(), 0, default.retries);
        let history = report.count_or(
            &place.key("history"),
            self.history.as_ref(),
            1,
            default.history_window as u32,
        );
        let minimum_history = report.count_or(
            &place.key("minimum_history"),
            self.minimum_history.as_ref(),
            0,
            default.minimum_history as u32,
        );
        let threshold = match &self.pass_rate_threshold {
            None => Some(default.pass_rate_threshold),
            Some(value) => share(*value.get_ref())
                .map_err(|problem| {
                    report.add(
                        &place.key("pass_rate_threshold"),
                        Some(value.span()),
                        problem,
                    )
                })
                .ok(),
        };
        if let (Some(history), Some(minimum), Some(written)) =
            (history, minimum_history, &self.minimum_history)
            && minimum > history
        {
            report.add(
                &place.key("minimum_history"),
                Some(written.span()),
                Invalid::new(
                    format!(
                        "is {minimum}, more than the {history} runs the pass rate is taken over"
                    ),
                    "make it at most `history`, or every failure would count as having too little \
                     history and be retried",
                ),
            );
            return None;
        }
        Some(RetryRule {
            retries: count?,
            pass_rate_threshold: threshold?,
            history_window: history? as usize,
            minimum_history: minimum_history? as usize,
        })
    }
}

/// A share between 0 and 1: `0.8` retries a failure when the job passed 80 % of its recent runs.
fn share(value: f64) -> Result<f64, Invalid> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new(
            format!("is {value}, not a share between 0 and 1"),
            "write the pass rate as a share, such as `0.8` for 80 %",
        ))
    }
}
