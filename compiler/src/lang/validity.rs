//! Validity rules, in words a policy author reads aloud:
//!
//! - `issue date at 00:00:00` (notBefore): the issue date, at that UTC time;
//! - `issue instant` (notBefore): the moment of issuance;
//! - `issue date + 10y at 23:59:59` (notAfter): that many years/months/days after
//!   the issue date, at that UTC time;
//! - `notBefore + 4d` (notAfter);
//! - `last April 30 at 23:59:59 not later than notBefore + 1y1m` (notAfter): the
//!   latest April 30, 23:59:59 UTC that is no later than notBefore plus the duration.

use std::fmt;

use nom::{
    bytes::complete::tag,
    character::complete::{char, digit1, space0, space1},
};

use super::{
    LangError, MONTHS,
    duration::{self, Duration},
    end, month_day, step,
};

/// A UTC time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeOfDay {
    /// 0-23.
    pub hour: u8,
    /// 0-59.
    pub minute: u8,
    /// 0-59.
    pub second: u8,
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

/// How notBefore follows from the moment of issuance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotBefore {
    /// The issue date at a fixed UTC time.
    IssueDateAt(TimeOfDay),
    /// The moment of issuance.
    IssueInstant,
}

/// How notAfter follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAfter {
    /// The issue date plus a duration, at a fixed UTC time.
    IssueDatePlus {
        /// Added to the issue date.
        span: Duration,
        /// UTC time on the resulting date.
        at: TimeOfDay,
    },
    /// notBefore plus a duration.
    NotBeforePlus(Duration),
    /// The last `month`/`day` at `at` that is not later than notBefore + `span`.
    LastDateNotLaterThan {
        /// 1-12.
        month: u8,
        /// Day of month.
        day: u8,
        /// UTC time.
        at: TimeOfDay,
        /// The cap: notBefore + span.
        span: Duration,
    },
}

impl fmt::Display for NotBefore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotBefore::IssueDateAt(t) => write!(f, "issue date at {t}"),
            NotBefore::IssueInstant => f.write_str("issue instant"),
        }
    }
}

impl fmt::Display for NotAfter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAfter::IssueDatePlus { span, at } => write!(f, "issue date + {span} at {at}"),
            NotAfter::NotBeforePlus(span) => write!(f, "notBefore + {span}"),
            NotAfter::LastDateNotLaterThan {
                month,
                day,
                at,
                span,
            } => write!(
                f,
                "last {} {day} at {at} not later than notBefore + {span}",
                MONTHS[usize::from(*month - 1)]
            ),
        }
    }
}

impl NotAfter {
    /// The longest validity this rule can give, in seconds, given notBefore at the
    /// start of the issue date (the worst case for `IssueDatePlus`).
    pub fn max_seconds(&self) -> u64 {
        match self {
            NotAfter::IssueDatePlus { span, at } => span.max_seconds() + time_seconds(*at),
            NotAfter::NotBeforePlus(span) | NotAfter::LastDateNotLaterThan { span, .. } => {
                span.max_seconds()
            }
        }
    }

    /// The shortest validity this rule guarantees, in seconds, given notBefore at the
    /// end of the issue date (the worst case for `IssueDatePlus`).
    pub fn min_seconds(&self) -> u64 {
        match self {
            NotAfter::IssueDatePlus { span, at } => {
                (span.min_seconds() + time_seconds(*at)).saturating_sub(86_399)
            }
            NotAfter::NotBeforePlus(span) => span.min_seconds(),
            // The last such date can come just after notBefore.
            NotAfter::LastDateNotLaterThan { .. } => 0,
        }
    }
}

fn time_seconds(t: TimeOfDay) -> u64 {
    u64::from(t.hour) * 3600 + u64::from(t.minute) * 60 + u64::from(t.second)
}

fn two_digits<'a>(full: &str, i: &'a str, max: u8, what: &str) -> Result<(&'a str, u8), LangError> {
    let (rest, d) = step(full, i, digit1, what)?;
    match d.parse::<u8>() {
        Ok(v) if d.len() == 2 && v <= max => Ok((rest, v)),
        _ => Err(LangError::at(
            full,
            i,
            format!("{what} (two digits, 00-{max:02})"),
        )),
    }
}

fn time_of_day<'a>(full: &str, i: &'a str) -> Result<(&'a str, TimeOfDay), LangError> {
    let (i, hour) = two_digits(full, i, 23, "an hour")?;
    let (i, _) = step(full, i, char(':'), "`:` between hours and minutes")?;
    let (i, minute) = two_digits(full, i, 59, "minutes")?;
    let (i, _) = step(full, i, char(':'), "`:` between minutes and seconds")?;
    let (i, second) = two_digits(full, i, 59, "seconds")?;
    Ok((
        i,
        TimeOfDay {
            hour,
            minute,
            second,
        },
    ))
}

fn words<'a>(full: &str, i: &'a str, phrase: &str) -> Result<&'a str, LangError> {
    let mut rest = i;
    for (n, word) in phrase.split(' ').enumerate() {
        if n > 0 {
            rest = step(full, rest, space1, &format!("`{phrase}`"))?.0;
        }
        rest = step(full, rest, tag(word), &format!("`{phrase}`"))?.0;
    }
    Ok(rest)
}

fn plus_duration<'a>(full: &str, i: &'a str) -> Result<(&'a str, Duration), LangError> {
    let (i, _) = step(full, i, space0, "")?;
    let (i, _) = step(full, i, char('+'), "`+` and a duration")?;
    let (i, _) = step(full, i, space0, "")?;
    duration::parse_prefix(full, i)
}

/// Parses a notBefore rule.
pub fn parse_not_before(full: &str) -> Result<NotBefore, LangError> {
    let i = full.trim_start();
    if let Ok(rest) = words(full, i, "issue instant") {
        end(full, rest)?;
        return Ok(NotBefore::IssueInstant);
    }
    let rest = words(full, i, "issue date at")
        .map_err(|_| LangError::at(full, i, "`issue date at HH:MM:SS` or `issue instant`"))?;
    let (rest, _) = step(full, rest, space1, "a space")?;
    let (rest, t) = time_of_day(full, rest)?;
    end(full, rest)?;
    Ok(NotBefore::IssueDateAt(t))
}

/// Parses a notAfter rule.
pub fn parse_not_after(full: &str) -> Result<NotAfter, LangError> {
    let i = full.trim_start();
    if let Ok(rest) = words(full, i, "issue date") {
        let (rest, span) = plus_duration(full, rest)?;
        let rest = step(full, rest, space1, "` at HH:MM:SS`")?.0;
        let rest = words(full, rest, "at")?;
        let (rest, _) = step(full, rest, space1, "a space")?;
        let (rest, at) = time_of_day(full, rest)?;
        end(full, rest)?;
        return Ok(NotAfter::IssueDatePlus { span, at });
    }
    if let Ok(rest) = words(full, i, "notBefore") {
        let (rest, span) = plus_duration(full, rest)?;
        end(full, rest)?;
        return Ok(NotAfter::NotBeforePlus(span));
    }
    if let Ok(rest) = words(full, i, "last") {
        let (rest, _) = step(full, rest, space1, "a space")?;
        let (rest, (month, day)) = month_day(full, rest)?;
        let rest = step(full, rest, space1, "` at HH:MM:SS`")?.0;
        let rest = words(full, rest, "at")?;
        let (rest, _) = step(full, rest, space1, "a space")?;
        let (rest, at) = time_of_day(full, rest)?;
        let rest = step(full, rest, space1, "` not later than notBefore + DURATION`")?.0;
        let rest = words(full, rest, "not later than notBefore")?;
        let (rest, span) = plus_duration(full, rest)?;
        end(full, rest)?;
        return Ok(NotAfter::LastDateNotLaterThan {
            month,
            day,
            at,
            span,
        });
    }
    Err(LangError::at(
        full,
        i,
        "`issue date + DURATION at HH:MM:SS`, `notBefore + DURATION` or `last MONTH DAY at HH:MM:SS not later than notBefore + DURATION`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_cps_rules() {
        assert_eq!(
            parse_not_before("issue date at 00:00:00").unwrap(),
            NotBefore::IssueDateAt(TimeOfDay {
                hour: 0,
                minute: 0,
                second: 0
            })
        );
        let sub =
            parse_not_after("last April 30 at 23:59:59 not later than notBefore + 1y1m").unwrap();
        assert_eq!(
            sub.to_string(),
            "last April 30 at 23:59:59 not later than notBefore + 1y1m"
        );
        let root = parse_not_after("issue date + 10y at 23:59:59").unwrap();
        assert_eq!(root.to_string(), "issue date + 10y at 23:59:59");
        assert_eq!(
            parse_not_after("notBefore + 4d").unwrap().max_seconds(),
            4 * 86_400
        );
    }

    #[test]
    fn points_at_the_bad_part() {
        let cases = [
            (
                "last April 31 at 23:59:59 not later than notBefore + 1y",
                11,
                "a day from 1 to 30 that April has every year",
            ),
            (
                "last Apr 30 at 23:59:59 not later than notBefore + 1y",
                5,
                "a month name (January .. December)",
            ),
            (
                "issue date + 10q at 23:59:59",
                15,
                "a unit: y (years), m (months), w (weeks), d (days) or h (hours)",
            ),
            (
                "tomorrow",
                0,
                "`issue date + DURATION at HH:MM:SS`, `notBefore + DURATION` or `last MONTH DAY at HH:MM:SS not later than notBefore + DURATION`",
            ),
        ];
        for (input, offset, expected) in cases {
            let e = parse_not_after(input).unwrap_err();
            assert_eq!(
                (e.offset, e.expected.as_str()),
                (offset, expected),
                "{input}"
            );
        }
        for (input, offset, expected) in [
            ("issue date at 24:00:00", 14, "an hour (two digits, 00-23)"),
            ("issue date at 1:00:00", 14, "an hour (two digits, 00-23)"),
            (
                "issue date",
                0,
                "`issue date at HH:MM:SS` or `issue instant`",
            ),
        ] {
            let e = parse_not_before(input).unwrap_err();
            assert_eq!(
                (e.offset, e.expected.as_str()),
                (offset, expected),
                "{input}"
            );
        }
    }

    proptest! {
        #[test]
        fn round_trips(month in 1u8..=12, day in 1u8..=28, h in 0u8..24, m in 0u8..60, s in 0u8..60, y in 0u32..20, mo in 1u32..13) {
            let rule = NotAfter::LastDateNotLaterThan { month, day, at: TimeOfDay { hour: h, minute: m, second: s }, span: Duration { years: y, months: mo, ..Default::default() } };
            prop_assert_eq!(parse_not_after(&rule.to_string()).unwrap(), rule);
            let rule = NotAfter::IssueDatePlus { span: Duration { years: y, months: mo, ..Default::default() }, at: TimeOfDay { hour: h, minute: m, second: s } };
            prop_assert_eq!(parse_not_after(&rule.to_string()).unwrap(), rule);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_not_after(&s);
            let _ = parse_not_before(&s);
        }
    }
}
