//! The calendar of business days (R-4.9-DEADLINE): a zone written as a fixed UTC
//! offset, the weekend, and the public holidays of consecutive years, each a real
//! date listed once. A deadline in business days needs one.

use super::{Cx, span_of};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::syntax::*;

/// Reads `+09:00` / `-05:30` as minutes; `None` if it is not one.
fn parse_zone(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 6 || b[3] != b':' {
        return None;
    }
    let sign = match b[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let num = |x: &[u8]| -> Option<i32> {
        x.iter()
            .all(u8::is_ascii_digit)
            .then(|| x.iter().fold(0, |acc, d| acc * 10 + i32::from(d - b'0')))
    };
    let (h, m) = (num(&b[1..3])?, num(&b[4..6])?);
    (h <= 14 && m < 60 && h * 60 + m <= 14 * 60).then_some(sign * (h * 60 + m))
}

/// Reads `MM-DD` as a date of `year`; `None` if it is not one.
fn parse_month_day(year: i64, s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    let valid = (1..=12).contains(&m)
        && d >= 1
        && d <= inkan_policy_types::calendar::days_in_month(year, m);
    valid.then_some((m, d))
}

impl Cx<'_> {
    pub(super) fn calendar(&mut self, c: &RawCalendar) -> Option<Calendar> {
        let cites = self.cites(&c.cps);
        let zone = parse_zone(&c.zone.value);
        if zone.is_none() {
            self.err(
                Diagnostic::error(
                    "bad-zone",
                    Some(span_of(&c.zone)),
                    format!("`{}` is not an offset from UTC", c.zone.value),
                )
                .label("expected `+HH:MM` or `-HH:MM` within 14 hours, quoted: `\"+09:00\"`")
                .rules(["R-4.9-DEADLINE"]),
            );
        }
        let mut weekend: Vec<Weekday> = Vec::new();
        for w in &c.weekend {
            if let Some(day) = self.kw::<Weekday>(w, "day of the week") {
                if weekend.contains(&day) {
                    self.err(
                        Diagnostic::error(
                            "duplicate-value",
                            Some(span_of(w)),
                            format!("`{}` is listed twice", w.value),
                        )
                        .label("already in the weekend"),
                    );
                }
                weekend.push(day);
            }
        }
        weekend.sort();
        weekend.dedup();
        if weekend.len() == 7 {
            self.err(
                Diagnostic::error(
                    "no-business-day",
                    c.weekend.first().map(span_of),
                    "every day of the week is in the weekend",
                )
                .label("no deadline in business days could ever pass")
                .rules(["R-4.9-DEADLINE"]),
            );
        }
        let mut holidays: Vec<(i64, u32, u32)> = Vec::new();
        let mut years: Vec<i64> = Vec::new();
        for y in &c.holidays {
            let year = y.year.value;
            if let Some(&last) = years.last()
                && year != last + 1
            {
                self.err(
                    Diagnostic::error(
                        "calendar-gap",
                        Some(span_of(&y.year)),
                        format!("the holidays of {year} follow those of {last}"),
                    )
                    .label(format!("expected {}: list consecutive years, in order", last + 1))
                    .note("a deadline counted across a missing year would skip its holidays unnoticed")
                    .rules(["R-4.9-DEADLINE"]),
                );
            }
            years.push(year);
            for d in &y.dates {
                let Some((m, day)) = parse_month_day(year, &d.value) else {
                    self.err(
                        Diagnostic::error(
                            "bad-holiday",
                            Some(span_of(d)),
                            format!("`{}` is not a date of {year}", d.value),
                        )
                        .label("expected `MM-DD`, a day that exists in that year")
                        .rules(["R-4.9-DEADLINE"]),
                    );
                    continue;
                };
                if holidays.contains(&(year, m, day)) {
                    self.err(
                        Diagnostic::error(
                            "duplicate-value",
                            Some(span_of(d)),
                            format!("{year}-{} is listed twice", d.value),
                        )
                        .label("already a holiday"),
                    );
                }
                holidays.push((year, m, day));
            }
        }
        holidays.sort();
        holidays.dedup();
        let covers = match (years.first(), years.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => {
                self.err(
                    Diagnostic::error(
                        "calendar-gap",
                        Some(span_of(&c.zone)),
                        "the calendar lists no year of holidays",
                    )
                    .label("list the public holidays of at least the current year")
                    .rules(["R-4.9-DEADLINE"]),
                );
                return None;
            }
        };
        Some(Calendar {
            utc_offset_minutes: zone?,
            weekend,
            holidays,
            covers,
            cites,
        })
    }

    /// A deadline in business days needs a calendar to count them in.
    pub(super) fn deadlines_need_a_calendar(
        &mut self,
        revocation: Option<&RawRevocation>,
        calendar: Option<&Calendar>,
    ) {
        let Some(deadline) = revocation.and_then(|r| r.deadline.as_ref()) else {
            return;
        };
        if calendar.is_none() {
            self.grown(
                Diagnostic::error(
                    "deadline-without-calendar",
                    Some(span_of(deadline)),
                    format!("`{}` with no calendar to count them in", deadline.value),
                )
                .label("add a top-level `calendar:` (zone, weekend, holidays)")
                .rules(["R-4.9-DEADLINE"]),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        assert_eq!(parse_zone("+09:00"), Some(540));
        assert_eq!(parse_zone("-05:30"), Some(-330));
        assert_eq!(parse_zone("+14:00"), Some(840));
        assert_eq!(parse_zone("+14:01"), None);
        assert_eq!(parse_zone("+9:00"), None);
        assert_eq!(parse_zone("09:00"), None);
        assert_eq!(parse_zone("+09:60"), None);
        // Six characters, but no colon; a colon, but seven characters.
        assert_eq!(parse_zone("+09000"), None);
        assert_eq!(parse_zone("+09:000"), None);
    }

    #[test]
    fn month_days() {
        assert_eq!(parse_month_day(2026, "01-01"), Some((1, 1)));
        assert_eq!(parse_month_day(2028, "02-29"), Some((2, 29)));
        assert_eq!(parse_month_day(2027, "02-29"), None);
        assert_eq!(parse_month_day(2027, "1-01"), None);
        assert_eq!(parse_month_day(2027, "13-01"), None);
    }
}
