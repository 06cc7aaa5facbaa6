//! The escalation ladder: three steps, each due after a number of weekday hours in ON_QA.
//!
//! Steps are climbed in order. An issue that has waited past several thresholds at once (gatebot
//! was just deployed, or Jira was down for a day) still gets its QA contact asked first: the
//! team lead hears about it only after the QA contact has been asked, and so on.

use std::collections::BTreeSet;

use jiff::SignedDuration;

/// One rung of the ladder. Its name (`qa-contact`) is the one the store keeps and logs show.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Step {
    QaContact,
    TeamLead,
    Manager,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::QaContact, Step::TeamLead, Step::Manager];

    /// 1, 2 or 3.
    pub fn number(self) -> u8 {
        match self {
            Step::QaContact => 1,
            Step::TeamLead => 2,
            Step::Manager => 3,
        }
    }

    pub fn from_number(number: u8) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.number() == number)
    }

    /// Who the step asks, for people: `QA contact`, `team lead`, `manager`.
    pub fn role(self) -> &'static str {
        match self {
            Step::QaContact => "QA contact",
            Step::TeamLead => "team lead",
            Step::Manager => "manager",
        }
    }
}

/// The weekday hours after which each step is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ladder {
    thresholds: [SignedDuration; 3],
}

impl Ladder {
    pub fn new(
        qa_contact: SignedDuration,
        team_lead: SignedDuration,
        manager: SignedDuration,
    ) -> Self {
        Self {
            thresholds: [qa_contact, team_lead, manager],
        }
    }

    pub fn threshold(&self, step: Step) -> SignedDuration {
        self.thresholds[usize::from(step.number() - 1)]
    }

    /// The highest step whose threshold an issue that waited this long has passed.
    pub fn reached(&self, waited: SignedDuration) -> Option<Step> {
        Step::ALL
            .into_iter()
            .rev()
            .find(|step| waited >= self.threshold(*step))
    }

    /// The steps whose threshold has passed and that were not sent yet, lowest first.
    pub fn due(&self, waited: SignedDuration, sent: &BTreeSet<Step>) -> Vec<Step> {
        Step::ALL
            .into_iter()
            .filter(|step| waited >= self.threshold(*step) && !sent.contains(step))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder() -> Ladder {
        Ladder::new(
            SignedDuration::from_hours(24),
            SignedDuration::from_hours(48),
            SignedDuration::from_hours(72),
        )
    }

    #[test]
    fn each_threshold_opens_its_step() {
        let ladder = ladder();
        assert_eq!(ladder.reached(SignedDuration::from_hours(23)), None);
        assert_eq!(
            ladder.reached(SignedDuration::from_hours(24)),
            Some(Step::QaContact)
        );
        assert_eq!(
            ladder.reached(SignedDuration::from_hours(50)),
            Some(Step::TeamLead)
        );
        assert_eq!(
            ladder.reached(SignedDuration::from_hours(100)),
            Some(Step::Manager)
        );
    }

    #[test]
    fn due_steps_skip_what_was_sent_and_keep_their_order() {
        let ladder = ladder();
        let waited = SignedDuration::from_hours(80);
        assert_eq!(ladder.due(waited, &BTreeSet::new()), Step::ALL.to_vec());
        let sent = BTreeSet::from([Step::QaContact]);
        assert_eq!(
            ladder.due(waited, &sent),
            vec![Step::TeamLead, Step::Manager]
        );
        assert!(ladder.due(SignedDuration::from_hours(30), &sent).is_empty());
    }

    #[test]
    fn step_names_round_trip() {
        let names: Vec<&str> = Step::ALL.into_iter().map(<&str>::from).collect();
        assert_eq!(names, ["qa-contact", "team-lead", "manager"]);
        for step in Step::ALL {
            assert_eq!(<&str>::from(step).parse::<Step>(), Ok(step));
            assert_eq!(step.to_string(), <&str>::from(step));
            assert_eq!(Step::from_number(step.number()), Some(step));
        }
        assert!("director".parse::<Step>().is_err());
    }
}
