//! Durations in configuration, written the way people say them: `60s`, `12h`, `1h 30m`, `2d`.
//!
//! They are parsed with jiff's "friendly" format. A day counts as 24 hours and a week as seven
//! days; months and years are refused because their length depends on the calendar, and a
//! time-out should not.

use jiff::fmt::friendly::SpanParser;
use jiff::{SignedDuration, SpanRelativeTo};

use super::problems::Invalid;

const FORMAT_HINT: &str = "write a duration such as `60s`, `12h`, `1h 30m` or `2d`";

/// A duration longer than zero.
pub fn positive(text: &str) -> Result<SignedDuration, Invalid> {
    let duration = parse(text)?;
    if duration.is_positive() {
        Ok(duration)
    } else {
        Err(Invalid::new(
            format!("`{text}` is not longer than zero"),
            FORMAT_HINT,
        ))
    }
}

/// A duration of at least `minimum`.
pub fn at_least(text: &str, minimum: SignedDuration) -> Result<SignedDuration, Invalid> {
    let duration = parse(text)?;
    if duration >= minimum {
        Ok(duration)
    } else {
        Err(Invalid::new(
            format!("`{text}` is shorter than {}", friendly(minimum)),
            format!("use `{}` or longer", friendly(minimum)),
        ))
    }
}

fn parse(text: &str) -> Result<SignedDuration, Invalid> {
    let span = SpanParser::new()
        .parse_span(text)
        .map_err(|_| Invalid::new(format!("`{text}` is not a duration"), FORMAT_HINT))?;
    if span.get_years() != 0 || span.get_months() != 0 {
        return Err(Invalid::new(
            format!("`{text}` uses months or years, whose length depends on the calendar"),
            "write it in weeks, days, hours, minutes or seconds",
        ));
    }
    span.to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| Invalid::new(format!("`{text}` is too long"), FORMAT_HINT))
}

/// The duration written back in the same friendly format, for messages.
fn friendly(duration: SignedDuration) -> String {
    format!("{duration:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friendly_durations_parse() {
        assert_eq!(positive("60s").unwrap(), SignedDuration::from_secs(60));
        assert_eq!(positive("12h").unwrap(), SignedDuration::from_hours(12));
        assert_eq!(positive("1h 30m").unwrap(), SignedDuration::from_mins(90));
        assert_eq!(positive("2d").unwrap(), SignedDuration::from_hours(48));
        assert_eq!(positive("1w").unwrap(), SignedDuration::from_hours(168));
    }

    #[test]
    fn zero_negative_and_calendar_durations_are_refused() {
        assert_eq!(
            positive("0s").unwrap_err().message,
            "`0s` is not longer than zero"
        );
        assert!(positive("-5m").is_err());
        assert!(positive("5m ago").is_err());
        assert!(
            positive("1 month")
                .unwrap_err()
                .message
                .contains("months or years")
        );
        assert_eq!(
            positive("soon").unwrap_err().message,
            "`soon` is not a duration"
        );
    }

    #[test]
    fn a_minimum_is_enforced_and_named() {
        let second = SignedDuration::from_secs(1);
        assert_eq!(at_least("1s", second).unwrap(), second);
        let refused = at_least("500ms", second).unwrap_err();
        assert_eq!(refused.message, "`500ms` is shorter than 1s");
        assert_eq!(refused.fix, "use `1s` or longer");
    }
}
