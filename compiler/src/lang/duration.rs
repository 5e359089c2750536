//! Durations: `10y`, `1y1m`, `4d`, `24h`, `2m` (months), `1w`; and business days
//! (`10 business days`) for deadlines.
//!
//! Components come largest first, each at most once. Years and months are calendar
//! units whose length varies, so a duration has a shortest and a longest length in
//! seconds, which the compiler's comparisons use.

use std::fmt;

use nom::{
    bytes::complete::tag,
    character::complete::{digit1, space1},
};

use super::{LangError, end, step};

/// A calendar duration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    /// Calendar years.
    pub years: u32,
    /// Calendar months.
    pub months: u32,
    /// Weeks of 7 days.
    pub weeks: u32,
    /// Days of 24 hours.
    pub days: u32,
    /// Hours.
    pub hours: u32,
}

const DAY: u64 = 86_400;
const UNITS: [(char, &str); 5] = [
    ('y', "years"),
    ('m', "months"),
    ('w', "weeks"),
    ('d', "days"),
    ('h', "hours"),
];

impl Duration {
    fn fixed_seconds(&self) -> u64 {
        (u64::from(self.weeks) * 7 + u64::from(self.days)) * DAY + u64::from(self.hours) * 3600
    }

    /// The shortest this duration can be (365-day years, 28-day months), in seconds.
    pub fn min_seconds(&self) -> u64 {
        u64::from(self.years) * 365 * DAY + u64::from(self.months) * 28 * DAY + self.fixed_seconds()
    }

    /// The longest this duration can be (366-day years, 31-day months), in seconds.
    pub fn max_seconds(&self) -> u64 {
        u64::from(self.years) * 366 * DAY + u64::from(self.months) * 31 * DAY + self.fixed_seconds()
    }

    /// True when it has no calendar units, so min = max.
    pub fn is_fixed(&self) -> bool {
        self.years == 0 && self.months == 0
    }

    fn component(&self, unit: char) -> u32 {
        match unit {
            'y' => self.years,
            'm' => self.months,
            'w' => self.weeks,
            'd' => self.days,
            _ => self.hours,
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for (unit, _) in UNITS {
            let n = self.component(unit);
            if n > 0 {
                write!(f, "{n}{unit}")?;
                any = true;
            }
        }
        if !any {
            f.write_str("0h")?;
        }
        Ok(())
    }
}

/// Largest value one component may take; keeps every sum far from overflow.
const MAX_COMPONENT: u32 = 100_000;

/// Parses a compact duration such as `1y1m`.
pub fn parse(full: &str) -> Result<Duration, LangError> {
    parse_prefix(full, full).and_then(|(rest, d)| end(full, rest).map(|()| d))
}

/// Parses a compact duration at the start of `input` (a suffix of `full`).
pub(crate) fn parse_prefix<'a>(
    full: &str,
    input: &'a str,
) -> Result<(&'a str, Duration), LangError> {
    let mut d = Duration::default();
    let mut rest = input;
    let mut next_unit = 0;
    let mut read_any = false;
    loop {
        let (after, digits) = match step(full, rest, digit1, "a number followed by y, m, w, d or h")
        {
            Ok(v) => v,
            Err(e) if !read_any => return Err(e),
            Err(_) => break,
        };
        let n: u32 = digits
            .parse()
            .ok()
            .filter(|n| *n <= MAX_COMPONENT)
            .ok_or_else(|| LangError::at(full, rest, format!("a number up to {MAX_COMPONENT}")))?;
        let unit = after.chars().next();
        let index = unit.and_then(|u| UNITS.iter().position(|(c, _)| *c == u));
        let Some(index) = index else {
            return Err(LangError::at(
                full,
                after,
                "a unit: y (years), m (months), w (weeks), d (days) or h (hours)",
            ));
        };
        if index < next_unit {
            let allowed: String = UNITS[next_unit..].iter().map(|(c, _)| *c).collect();
            return Err(LangError::at(
                full,
                after,
                format!("units largest first, each once: here one of `{allowed}`"),
            ));
        }
        match UNITS[index].0 {
            'y' => d.years = n,
            'm' => d.months = n,
            'w' => d.weeks = n,
            'd' => d.days = n,
            _ => d.hours = n,
        }
        next_unit = index + 1;
        read_any = true;
        rest = &after[1..];
    }
    if d == Duration::default() {
        return Err(LangError::at(full, input, "a duration longer than zero"));
    }
    Ok((rest, d))
}

/// A count of business days (`10 business days`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusinessDays(pub u32);

impl fmt::Display for BusinessDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} business days", self.0)
    }
}

/// Parses `N business days`.
pub fn parse_business_days(full: &str) -> Result<BusinessDays, LangError> {
    let (rest, digits) = step(full, full, digit1, "a number of business days")?;
    let n: u32 = digits
        .parse()
        .ok()
        .filter(|n| (1..=366).contains(n))
        .ok_or_else(|| LangError::at(full, full, "a number of business days from 1 to 366"))?;
    let (rest, _) = step(full, rest, space1, "` business days`")?;
    let (rest, _) = step(full, rest, tag("business days"), "`business days`")?;
    end(full, rest)?;
    Ok(BusinessDays(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_policy_durations() {
        assert_eq!(
            parse("10y").unwrap(),
            Duration {
                years: 10,
                ..Default::default()
            }
        );
        assert_eq!(
            parse("1y1m").unwrap(),
            Duration {
                years: 1,
                months: 1,
                ..Default::default()
            }
        );
        assert_eq!(parse("4d").unwrap().max_seconds(), 4 * 86_400);
        assert_eq!(parse("24h").unwrap().min_seconds(), 86_400);
        assert_eq!(
            parse_business_days("10 business days").unwrap(),
            BusinessDays(10)
        );
    }

    #[test]
    fn calendar_units_have_a_range() {
        let d = parse("1m").unwrap();
        assert_eq!(
            (d.min_seconds(), d.max_seconds()),
            (28 * 86_400, 31 * 86_400)
        );
        assert!(!d.is_fixed());
    }

    #[test]
    fn points_at_the_bad_unit() {
        let cases = [
            (
                "4x",
                1,
                "a unit: y (years), m (months), w (weeks), d (days) or h (hours)",
            ),
            ("1d1y", 3, "units largest first, each once: here one of `h`"),
            ("d", 0, "a number followed by y, m, w, d or h"),
            ("0d", 0, "a duration longer than zero"),
            ("4d ", 0, ""),
            ("4d and", 3, "end of value"),
        ];
        for (input, offset, expected) in cases {
            match parse(input) {
                Ok(d) => assert_eq!(expected, "", "{input} parsed as {d}"),
                Err(e) => assert_eq!(
                    (e.offset, e.expected.as_str()),
                    (offset, expected),
                    "{input}"
                ),
            }
        }
    }

    proptest! {
        #[test]
        fn round_trips(y in 0u32..50, m in 0u32..24, w in 0u32..10, d in 0u32..400, h in 0u32..100) {
            let dur = Duration { years: y, months: m, weeks: w, days: d, hours: h };
            prop_assume!(dur != Duration::default());
            prop_assert_eq!(parse(&dur.to_string()).unwrap(), dur);
            prop_assert!(dur.min_seconds() <= dur.max_seconds());
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
            let _ = parse_business_days(&s);
        }
    }
}
