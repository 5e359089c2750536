//! UTC calendar arithmetic for validity rules: timestamps, civil dates, calendar
//! durations that clamp to the month's end (March 31 + 1 month = April 30, February
//! 29 + 1 year = February 28), "the last April 30 not later than ...", fiscal years.
//!
//! Seconds since the Unix epoch in an `i64`, proleptic Gregorian calendar, no leap
//! seconds (X.509 times have none). The civil conversions are Howard Hinnant's
//! `days_from_civil` / `civil_from_days`.

use std::fmt;

/// An instant, in whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// Earliest instant the runtime handles (X.509's UTCTime starts in 1950).
pub const MIN: Timestamp = Timestamp(-631_152_000);
/// Latest instant: 9999-12-31T23:59:59Z, the end of GeneralizedTime's four-digit years.
pub const MAX: Timestamp = Timestamp(253_402_300_799);

const DAY: i64 = 86_400;

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// True in leap years.
pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A civil date and time of day, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    /// 0-23.
    pub hour: u32,
    /// 0-59.
    pub minute: u32,
    /// 0-59.
    pub second: u32,
}

/// A calendar duration, as the policy's `1y1m`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Days (weeks are folded in as 7 days).
    pub days: u32,
    /// Hours.
    pub hours: u32,
}

impl Timestamp {
    /// From seconds since the epoch, if within [`MIN`]..=[`MAX`].
    pub fn from_unix(seconds: i64) -> Option<Self> {
        (MIN.0..=MAX.0)
            .contains(&seconds)
            .then_some(Timestamp(seconds))
    }

    /// Seconds since the epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// The current time.
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(MAX.0));
        Timestamp(secs.clamp(MIN.0, MAX.0))
    }

    /// From civil fields; `None` if any is out of range.
    pub fn from_civil(c: Civil) -> Option<Self> {
        if !(1..=12).contains(&c.month)
            || c.day == 0
            || c.day > days_in_month(c.year, c.month)
            || c.hour > 23
            || c.minute > 59
            || c.second > 59
        {
            return None;
        }
        let days = days_from_civil(c.year, c.month, c.day);
        Self::from_unix(days * DAY + i64::from(c.hour * 3600 + c.minute * 60 + c.second))
    }

    /// The civil fields.
    pub fn civil(self) -> Civil {
        let days = self.0.div_euclid(DAY);
        let secs = self.0.rem_euclid(DAY) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        }
    }

    /// The same date at the given UTC time of day.
    pub fn date_at(self, hour: u32, minute: u32, second: u32) -> Option<Self> {
        Self::from_civil(Civil {
            hour,
            minute,
            second,
            ..self.civil()
        })
    }

    /// Adds a calendar span: years and months first, clamping the day to the
    /// month's length, then days and hours.
    pub fn checked_add(self, span: Span) -> Option<Self> {
        let c = self.civil();
        let months = c.year * 12
            + i64::from(c.month - 1)
            + i64::from(span.years) * 12
            + i64::from(span.months);
        let year = months.div_euclid(12);
        let month = (months.rem_euclid(12) + 1) as u32;
        let day = c.day.min(days_in_month(year, month));
        let shifted = Self::from_civil(Civil {
            year,
            month,
            day,
            ..c
        })?;
        Self::from_unix(
            shifted
                .0
                .checked_add(i64::from(span.days) * DAY + i64::from(span.hours) * 3600)?,
        )
    }

    /// The latest `month`/`day` at `hour:minute:second` that is not after `self`.
    pub fn last_date_not_after(self, month: u32, day: u32, time: (u32, u32, u32)) -> Option<Self> {
        let c = self.civil();
        for year in [c.year, c.year - 1] {
            let candidate = Self::from_civil(Civil {
                year,
                month,
                day,
                hour: time.0,
                minute: time.1,
                second: time.2,
            })?;
            if candidate <= self {
                return Some(candidate);
            }
        }
        None
    }

    /// The fiscal year this instant falls in, for a year starting on `month`/`day`.
    pub fn fiscal_year(self, start_month: u32, start_day: u32) -> i64 {
        let c = self.civil();
        if (c.month, c.day) >= (start_month, start_day) {
            c.year
        } else {
            c.year - 1
        }
    }

    /// Parses RFC 3339 (`2026-11-26T09:30:00Z`, or with a `+09:00` offset).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| {
            s.get(r)
                .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|t| t.parse::<u32>().ok())
        };
        let civil = Civil {
            year: i64::from(num(0..4)?),
            month: num(5..7)?,
            day: num(8..10)?,
            hour: num(11..13)?,
            minute: num(14..16)?,
            second: num(17..19)?,
        };
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &frac[digits..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                    return None;
                }
                let h = rest.get(1..3)?.parse::<i64>().ok().filter(|h| *h <= 23)?;
                let m = rest.get(4..6)?.parse::<i64>().ok().filter(|m| *m <= 59)?;
                sign * (h * 3600 + m * 60)
            }
        };
        Self::from_unix(Self::from_civil(civil)?.0.checked_sub(offset)?)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339, UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or(MIN)
    }

    /// Proves: R-7.1-SUB-VALIDITY.
    #[test]
    fn month_arithmetic_clamps_to_the_month_end() {
        let one_month = Span {
            months: 1,
            ..Default::default()
        };
        assert_eq!(
            t("2027-03-31T00:00:00Z").checked_add(one_month),
            Some(t("2027-04-30T00:00:00Z"))
        );
        let one_year = Span {
            years: 1,
            ..Default::default()
        };
        assert_eq!(
            t("2028-02-29T00:00:00Z").checked_add(one_year),
            Some(t("2029-02-28T00:00:00Z"))
        );
    }

    /// Proves: R-7.1-SUB-VALIDITY.
    #[test]
    fn r_7_1_sub_validity_last_april_30() {
        let cap = t("2028-04-30T00:00:00Z");
        assert_eq!(
            cap.last_date_not_after(4, 30, (23, 59, 59)),
            Some(t("2027-04-30T23:59:59Z"))
        );
        assert_eq!(
            t("2028-05-01T00:00:00Z").last_date_not_after(4, 30, (23, 59, 59)),
            Some(t("2028-04-30T23:59:59Z"))
        );
    }

    /// Proves: R-3.1-SUB-DN.
    #[test]
    fn fiscal_year_starts_april_1() {
        assert_eq!(t("2027-03-31T23:59:59Z").fiscal_year(4, 1), 2026);
        assert_eq!(t("2027-04-01T00:00:00Z").fiscal_year(4, 1), 2027);
    }

    #[test]
    fn rfc3339_round_trips_and_applies_offsets() {
        assert_eq!(
            t("2026-11-26T09:30:00+09:00").to_string(),
            "2026-11-26T00:30:00Z"
        );
        assert_eq!(Timestamp::parse_rfc3339("2026-02-30T00:00:00Z"), None);
        assert_eq!(Timestamp::parse_rfc3339("garbage"), None);
        assert_eq!(t("1950-01-01T00:00:00Z"), MIN);
        assert_eq!(t("9999-12-31T23:59:59Z"), MAX);
    }
}
