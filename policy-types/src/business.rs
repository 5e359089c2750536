//! Business days (R-4.9-DEADLINE): the CA's working week and public holidays, in its
//! own time zone, and the deadlines counted in them.
//!
//! A policy names its calendar: a fixed offset from UTC (Japan keeps no daylight
//! saving, so an offset is the whole of its time zone), the days of the week that are
//! never worked, and the public holidays of each year it covers. A deadline of `n`
//! business days from an instant ends at local midnight after the `n`-th business
//! day following the local date of that instant: a form accepted on a Friday evening
//! in Tokyo with 10 business days to go is due by the end of the tenth working day
//! after that Friday. Past the years the calendar lists, holidays are unknown; such a
//! deadline counts weekends only, so it can come early, never late, and says so.

use crate::calendar::{Civil, Timestamp};

const DAY: i64 = 86_400;

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// Every day, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The policy spelling (`saturday`).
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }

    /// Reads the policy spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == s)
    }

    /// The weekday of a day number (days since 1970-01-01, a Thursday).
    fn of_day(day: i64) -> Self {
        Self::ALL[(day + 3).rem_euclid(7) as usize]
    }
}

/// The calendar business days are counted in, from the policy's `calendar`.
#[derive(Debug)]
pub struct BusinessCalendar {
    /// The CA's offset from UTC in minutes (Japan: 540); its days begin at local midnight.
    pub utc_offset_minutes: i32,
    /// Days of the week that are never business days.
    pub weekend: &'static [Weekday],
    /// Public holidays as local (year, month, day), in order.
    pub holidays: &'static [(i64, u32, u32)],
    /// The first and last years whose public holidays are all listed.
    pub covers: (i64, i64),
}

/// A deadline counted in business days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The instant it passes: local midnight after its last business day.
    pub at: Timestamp,
    /// The count ran into a year the calendar does not list: holidays there are not
    /// known, so the deadline may be early, never late.
    pub beyond_calendar: bool,
}

impl BusinessCalendar {
    /// The offset in seconds.
    fn offset(&self) -> i64 {
        i64::from(self.utc_offset_minutes) * 60
    }

    /// The local day number (days since 1970-01-01) of an instant.
    fn local_day(&self, t: Timestamp) -> i64 {
        (t.unix() + self.offset()).div_euclid(DAY)
    }

    /// The local date of an instant.
    pub fn local_date(&self, t: Timestamp) -> (i64, u32, u32) {
        let c = Timestamp::from_unix(self.local_day(t) * DAY)
            .unwrap_or(t)
            .civil();
        (c.year, c.month, c.day)
    }

    /// Whether a local date is a business day.
    pub fn is_business_day(&self, date: (i64, u32, u32)) -> bool {
        let Some(day) = day_number(date) else {
            return false;
        };
        !self.weekend.contains(&Weekday::of_day(day)) && self.holidays.binary_search(&date).is_err()
    }

    /// Whether the calendar lists every holiday of the year.
    pub fn covers_year(&self, year: i64) -> bool {
        (self.covers.0..=self.covers.1).contains(&year)
    }

    /// The deadline `n` business days after `from`: local midnight after the `n`-th
    /// business day that follows `from`'s local date (`n = 0`: the end of that date).
    pub fn deadline(&self, from: Timestamp, n: u32) -> Deadline {
        let mut day = self.local_day(from);
        let mut beyond = false;
        let mut left = n;
        let last = crate::calendar::MAX.unix().div_euclid(DAY);
        while left > 0 {
            day += 1;
            if day > last {
                // Past the last day the runtime handles: no such deadline.
                return Deadline {
                    at: crate::calendar::MAX,
                    beyond_calendar: true,
                };
            }
            let c = civil_of_day(day);
            beyond |= !self.covers_year(c.0);
            if self.is_business_day(c) {
                left -= 1;
            }
        }
        let end = (day + 1) * DAY - self.offset();
        Deadline {
            at: Timestamp::from_unix(end).unwrap_or(crate::calendar::MAX),
            beyond_calendar: beyond,
        }
    }
}

/// The day number of a civil date, if it is one.
fn day_number((year, month, day): (i64, u32, u32)) -> Option<i64> {
    let t = Timestamp::from_civil(Civil {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
    })?;
    Some(t.unix().div_euclid(DAY))
}

/// The civil date of a day number.
fn civil_of_day(day: i64) -> (i64, u32, u32) {
    let c = Timestamp::from_unix(day * DAY)
        .unwrap_or(crate::calendar::MAX)
        .civil();
    (c.year, c.month, c.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or(crate::calendar::MIN)
    }

    /// Japan's public holidays of December 2026 to January 2027 as the faithful policy
    /// lists them (none in December; New Year's Day and Coming of Age Day in January).
    static JAPAN: BusinessCalendar = BusinessCalendar {
        utc_offset_minutes: 540,
        weekend: &[Weekday::Saturday, Weekday::Sunday],
        holidays: &[(2026, 11, 23), (2027, 1, 1), (2027, 1, 11)],
        covers: (2026, 2027),
    };

    #[test]
    fn every_weekday_has_its_policy_name() {
        let names: Vec<&str> = Weekday::ALL.iter().map(|d| d.name()).collect();
        assert_eq!(
            names,
            [
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday"
            ]
        );
        for d in Weekday::ALL {
            assert_eq!(Weekday::from_name(d.name()), Some(d));
        }
        assert_eq!(
            Weekday::from_name("Saturday"),
            None,
            "policy spellings are lower case"
        );
    }

    #[test]
    fn weekdays_of_known_dates() {
        assert_eq!(Weekday::of_day(0), Weekday::Thursday); // 1970-01-01
        assert_eq!(
            Weekday::of_day(day_number((2026, 12, 1)).unwrap_or(0)),
            Weekday::Tuesday
        );
        assert_eq!(
            Weekday::of_day(day_number((2027, 1, 1)).unwrap_or(0)),
            Weekday::Friday
        );
    }

    /// Worked out on a printed calendar of December 2026 and January 2027, Japan time.
    #[test]
    fn deadlines_skip_weekends_and_holidays_in_local_time() {
        // Friday 4 December 10:00 JST (01:00Z): 10 business days = 7..11, 14..18:
        // due at the end of Friday 18 December JST = 15:00Z that day.
        let d = JAPAN.deadline(at("2026-12-04T01:00:00Z"), 10);
        assert_eq!(d.at, at("2026-12-18T15:00:00Z"));
        assert!(!d.beyond_calendar);
        // 20:00Z on Friday 4 December is already Saturday 5:00 in Tokyo: day 0 is the
        // Saturday, and the count is the same 7..18.
        assert_eq!(
            JAPAN.deadline(at("2026-12-04T20:00:00Z"), 10).at,
            at("2026-12-18T15:00:00Z")
        );
        // 14:59Z on Sunday 6 December is 23:59 Sunday JST; 15:00Z is Monday in Tokyo,
        // so Monday does not count and the tenth day moves to Monday 21.
        assert_eq!(
            JAPAN.deadline(at("2026-12-06T14:59:00Z"), 10).at,
            at("2026-12-18T15:00:00Z")
        );
        assert_eq!(
            JAPAN.deadline(at("2026-12-06T15:00:00Z"), 10).at,
            at("2026-12-21T15:00:00Z")
        );
        // Over the New Year: Monday 21 December + 10 = 22..25, 28..31, Monday 4,
        // Tuesday 5 January (1 January is a holiday, 2 and 3 a weekend).
        assert_eq!(
            JAPAN.deadline(at("2026-12-21T03:00:00Z"), 10).at,
            at("2027-01-05T15:00:00Z")
        );
        // Coming of Age Day, Monday 11 January: Friday 8 + 1 = Tuesday 12.
        assert_eq!(
            JAPAN.deadline(at("2027-01-08T03:00:00Z"), 1).at,
            at("2027-01-12T15:00:00Z")
        );
        // No days: the end of the local date itself.
        assert_eq!(
            JAPAN.deadline(at("2026-12-04T01:00:00Z"), 0).at,
            at("2026-12-04T15:00:00Z")
        );
    }

    /// A count that runs past year 9999 ends there, said to be beyond the calendar,
    /// instead of counting days that do not exist for ever.
    #[test]
    fn a_count_past_the_last_day_ends_there() {
        // 9999-12-31 is a Friday: made a weekend day here, so no business day is
        // left at the end of the range.
        let long_weekend = BusinessCalendar {
            weekend: &[Weekday::Friday, Weekday::Saturday, Weekday::Sunday],
            ..JAPAN
        };
        for cal in [&JAPAN, &long_weekend] {
            let d = cal.deadline(at("9999-12-30T12:00:00+09:00"), 10);
            assert_eq!(d.at, crate::calendar::MAX);
            assert!(d.beyond_calendar);
        }
        // The last day itself still counts: a calendar listing year 9999 has its
        // deadline at the end of Friday 31 December in Tokyo, within the calendar.
        let to_the_end = BusinessCalendar {
            covers: (2026, 9999),
            ..JAPAN
        };
        let d = to_the_end.deadline(at("9999-12-30T12:00:00+09:00"), 1);
        assert_eq!(d.at, at("9999-12-31T15:00:00Z"));
        assert!(!d.beyond_calendar);
    }

    #[test]
    fn a_count_past_the_calendar_says_so() {
        let d = JAPAN.deadline(at("2027-12-24T03:00:00Z"), 10);
        assert!(d.beyond_calendar, "runs into 2028, which is not listed");
        // Weekends only from there: 27..31 December, 3..7 January.
        assert_eq!(d.at, at("2028-01-07T15:00:00Z"));
        assert!(
            !JAPAN
                .deadline(at("2027-12-01T03:00:00Z"), 10)
                .beyond_calendar
        );
    }

    #[test]
    fn holidays_and_weekends_are_not_business_days() {
        assert!(!JAPAN.is_business_day((2027, 1, 1)));
        assert!(!JAPAN.is_business_day((2026, 12, 5)));
        assert!(JAPAN.is_business_day((2026, 12, 4)));
        assert!(!JAPAN.is_business_day((2026, 2, 30)), "not a date");
        assert_eq!(JAPAN.local_date(at("2026-12-31T15:00:00Z")), (2027, 1, 1));
    }
}
