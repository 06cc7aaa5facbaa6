//! Weekday hours: how long an issue has waited, counting only the hours of working days.
//!
//! Every hour of a Monday to Friday counts, in the team's time zone, unless the day is a
//! configured holiday. Friday 17:00 to Monday 17:00 is therefore 24 hours, not 72: nobody is
//! expected to verify a fix over the weekend, and nobody should be escalated for not doing so.
//! Days are cut at local midnight, so a 23- or 25-hour day around a DST change counts as long as
//! it really is.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Which days count, and where midnight falls.
#[derive(Debug, Clone)]
pub struct WorkingCalendar {
    zone: TimeZone,
    holidays: BTreeSet<Date>,
}

impl WorkingCalendar {
    pub fn new(zone: TimeZone, holidays: impl IntoIterator<Item = Date>) -> Self {
        Self {
            zone,
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&date)
    }

    /// Local midnight at the start of `date`, as an instant.
    pub fn start_of(&self, date: Date) -> Option<Timestamp> {
        date.to_zoned(self.zone.clone())
            .ok()
            .map(|zoned| zoned.timestamp())
    }

    /// The working-day time between two instants; zero if `to` is not after `from`.
    pub fn weekday_hours(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        if to <= from {
            return total;
        }
        let mut date = from.to_zoned(self.zone.clone()).date();
        let last = to.to_zoned(self.zone.clone()).date();
        while date <= last {
            let Ok(next) = date.tomorrow() else { break };
            if self.is_working_day(date)
                && let (Some(day_start), Some(day_end)) = (self.start_of(date), self.start_of(next))
            {
                let start = day_start.max(from);
                let end = day_end.min(to);
                if end > start {
                    total += end.duration_since(start);
                }
            }
            date = next;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn calendar(zone: &str, holidays: &[Date]) -> WorkingCalendar {
        WorkingCalendar::new(TimeZone::get(zone).unwrap(), holidays.iter().copied())
    }

    fn at(calendar: &WorkingCalendar, local: &str) -> Timestamp {
        local
            .parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(calendar.zone().clone())
            .unwrap()
            .timestamp()
    }

    fn hours(calendar: &WorkingCalendar, from: &str, to: &str) -> f64 {
        calendar
            .weekday_hours(at(calendar, from), at(calendar, to))
            .as_secs_f64()
            / 3600.0
    }

    #[test]
    fn friday_evening_to_monday_evening_is_one_day() {
        let utc = calendar("UTC", &[]);
        // 2025-01-03 is a Friday.
        assert_eq!(hours(&utc, "2025-01-03T17:00", "2025-01-06T17:00"), 24.0);
    }

    #[test]
    fn a_whole_weekend_counts_nothing() {
        let utc = calendar("UTC", &[]);
        assert_eq!(hours(&utc, "2025-01-04T00:00", "2025-01-06T00:00"), 0.0);
        assert_eq!(hours(&utc, "2025-01-04T09:30", "2025-01-04T18:00"), 0.0);
    }

    #[test]
    fn a_holiday_in_between_is_skipped() {
        let plain = calendar("UTC", &[]);
        let with_holiday = calendar("UTC", &[date(2025, 12, 25)]);
        // Wednesday 12:00 to Friday 12:00, with Christmas (Thursday) in between.
        assert_eq!(hours(&plain, "2025-12-24T12:00", "2025-12-26T12:00"), 48.0);
        assert_eq!(
            hours(&with_holiday, "2025-12-24T12:00", "2025-12-26T12:00"),
            24.0
        );
    }

    #[test]
    fn the_weekend_starts_at_local_midnight_not_utc_midnight() {
        let prague = calendar("Europe/Prague", &[]);
        // Friday 23:30 UTC is already Saturday 00:30 in Prague: that half hour is weekend.
        let from: Timestamp = "2025-01-10T23:00:00Z".parse().unwrap();
        let to: Timestamp = "2025-01-10T23:30:00Z".parse().unwrap();
        assert_eq!(prague.weekday_hours(from, to), SignedDuration::ZERO);
        assert_eq!(
            calendar("UTC", &[]).weekday_hours(from, to),
            SignedDuration::from_mins(30)
        );
        // Sunday 23:30 UTC is Monday 00:30 in Prague: that half hour counts there.
        let from: Timestamp = "2025-01-12T23:00:00Z".parse().unwrap();
        let to: Timestamp = "2025-01-12T23:30:00Z".parse().unwrap();
        assert_eq!(
            prague.weekday_hours(from, to),
            SignedDuration::from_mins(30)
        );
    }

    #[test]
    fn a_weekday_with_a_clock_change_counts_its_real_length() {
        // Egypt changes its clocks on weekdays: forward at the start of Friday 2025-04-25,
        // back at the end of Thursday 2025-10-30.
        let cairo = calendar("Africa/Cairo", &[]);
        assert_eq!(
            hours(&cairo, "2025-04-24T12:00", "2025-04-26T00:00"),
            12.0 + 23.0
        );
        assert_eq!(hours(&cairo, "2025-10-30T00:00", "2025-10-31T00:00"), 25.0);
    }

    #[test]
    fn a_clock_change_on_a_weekend_does_not_move_the_count() {
        // New York springs forward on Sunday 2025-03-09.
        let new_york = calendar("America/New_York", &[]);
        assert_eq!(
            hours(&new_york, "2025-03-07T12:00", "2025-03-10T12:00"),
            24.0
        );
    }

    #[test]
    fn an_empty_or_backwards_interval_is_zero() {
        let utc = calendar("UTC", &[]);
        assert_eq!(hours(&utc, "2025-01-06T10:00", "2025-01-06T10:00"), 0.0);
        assert_eq!(hours(&utc, "2025-01-07T10:00", "2025-01-06T10:00"), 0.0);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        const ZONES: &[&str] = &[
            "UTC",
            "Europe/Prague",
            "America/New_York",
            "Asia/Kolkata",
            "Australia/Sydney",
            "Africa/Cairo",
        ];

        /// An interval of up to 40 days starting between 2020 and 2030, in one of the zones.
        fn interval() -> impl Strategy<Value = (WorkingCalendar, Timestamp, Timestamp)> {
            (
                0..ZONES.len(),
                1_577_836_800i64..1_893_456_000,
                0i64..40 * 86_400,
            )
                .prop_map(|(zone, start, length)| {
                    let from = Timestamp::from_second(start).unwrap();
                    let to = Timestamp::from_second(start + length).unwrap();
                    (calendar(ZONES[zone], &[]), from, to)
                })
        }

        proptest! {
            #[test]
            fn weekday_hours_never_exceed_wall_clock_hours((calendar, from, to) in interval()) {
                prop_assert!(calendar.weekday_hours(from, to) <= to.duration_since(from));
            }

            #[test]
            fn a_saturday_never_counts((calendar, from, to) in interval()) {
                let mut saturday = from.to_zoned(calendar.zone().clone()).date();
                while saturday.weekday() != Weekday::Saturday {
                    saturday = saturday.tomorrow().unwrap();
                }
                let saturday_start = calendar.start_of(saturday).unwrap().clamp(from, to);
                let sunday_start = calendar
                    .start_of(saturday.tomorrow().unwrap())
                    .unwrap()
                    .clamp(from, to);
                let around_saturday = calendar.weekday_hours(from, saturday_start)
                    + calendar.weekday_hours(sunday_start, to);
                prop_assert_eq!(calendar.weekday_hours(from, to), around_saturday);
            }

            #[test]
            fn counting_splits_at_any_instant(
                (calendar, from, to) in interval(),
                split in 0.0f64..=1.0,
            ) {
                let offset = (to.duration_since(from).as_secs() as f64 * split) as i64;
                let middle = from + SignedDuration::from_secs(offset);
                prop_assert_eq!(
                    calendar.weekday_hours(from, to),
                    calendar.weekday_hours(from, middle) + calendar.weekday_hours(middle, to)
                );
            }
        }
    }
}
