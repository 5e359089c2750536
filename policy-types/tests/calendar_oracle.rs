//! The calendar (`calendar.rs`, hand-written so that generated policy crates depend on
//! nothing but this crate) checked against chrono, an independent implementation of
//! the proleptic Gregorian calendar, over the whole range the runtime handles
//! (1950-9999): civil fields both ways, which dates exist, the RFC 3339 text both
//! ways, calendar spans that clamp to the month's end, "the last April 30 not later
//! than", and fiscal years. Each property draws 2,000 cases.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{DateTime, Datelike, Months, NaiveDate, Timelike, Utc};
use inkan_policy_types::calendar::{Civil, MAX, MIN, Span, Timestamp, days_in_month, is_leap};
use proptest::prelude::*;

fn chrono_of(t: Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix(), 0).unwrap()
}

fn instant_from(low: i64) -> impl Strategy<Value = Timestamp> {
    (low..=MAX.unix()).prop_map(|s| Timestamp::from_unix(s).unwrap())
}

fn year(y: i64) -> i32 {
    i32::try_from(y).unwrap()
}

proptest! {
    // Few shrinking steps: a failure is reported with its first small case rather
    // than minutes of shrinking (mutation testing fails these on purpose, often).
    #![proptest_config(ProptestConfig {
        cases: 2000,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn civil_fields_and_text_are_chronos(t in instant_from(MIN.unix())) {
        let c = t.civil();
        let d = chrono_of(t);
        prop_assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second),
            (i64::from(d.year()), d.month(), d.day(), d.hour(), d.minute(), d.second())
        );
        prop_assert_eq!(Timestamp::from_civil(c), Some(t));
        prop_assert_eq!(t.to_string(), d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
    }

    #[test]
    fn a_date_exists_when_chrono_has_it(
        y in 1950i64..=9999,
        month in 0u32..=13,
        day in 0u32..=32,
        hour in 0u32..=24,
        minute in 0u32..=60,
        second in 0u32..=60,
    ) {
        let ours = Timestamp::from_civil(Civil { year: y, month, day, hour, minute, second });
        let theirs = NaiveDate::from_ymd_opt(year(y), month, day)
            .and_then(|d| d.and_hms_opt(hour, minute, second))
            .map(|dt| dt.and_utc().timestamp());
        prop_assert_eq!(ours.map(Timestamp::unix), theirs);
        if (1..=12).contains(&month) {
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year(y) + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year(y), month + 1, 1)
            };
            let last = next.unwrap().pred_opt().unwrap().day();
            prop_assert_eq!(days_in_month(y, month), last);
            prop_assert_eq!(is_leap(y), NaiveDate::from_ymd_opt(year(y), 2, 29).is_some());
        }
    }

    #[test]
    fn a_span_adds_as_chrono_clamping_to_the_month_end(
        t in instant_from(MIN.unix()),
        years in 0u32..=12,
        months in 0u32..=30,
        days in 0u32..=400,
        hours in 0u32..=48,
    ) {
        let span = Span { years, months, days, hours };
        let theirs = chrono_of(t)
            .checked_add_months(Months::new(years * 12 + months))
            .and_then(|d| d.checked_add_signed(chrono::TimeDelta::days(i64::from(days))))
            .and_then(|d| d.checked_add_signed(chrono::TimeDelta::hours(i64::from(hours))))
            .map(|d| d.timestamp())
            .filter(|s| (MIN.unix()..=MAX.unix()).contains(s));
        prop_assert_eq!(t.checked_add(span).map(Timestamp::unix), theirs);
    }

    #[test]
    fn the_same_date_at_another_time_is_chronos(
        t in instant_from(MIN.unix()),
        hour in 0u32..=24,
        minute in 0u32..=60,
        second in 0u32..=60,
    ) {
        let theirs = chrono_of(t)
            .date_naive()
            .and_hms_opt(hour, minute, second)
            .map(|d| d.and_utc().timestamp());
        prop_assert_eq!(t.date_at(hour, minute, second).map(Timestamp::unix), theirs);
    }

    /// The latest month/day at a time of day not after `t`, searched in chrono year
    /// by year back from `t`'s (a date every year has, so it is in the last two).
    #[test]
    fn the_last_date_not_after_is_the_latest_such_date(
        t in instant_from(MIN.unix() + 2 * 366 * 86_400),
        month in 1u32..=12,
        day in 1u32..=28,
        time in (0u32..24, 0u32..60, 0u32..60),
    ) {
        let d = chrono_of(t);
        let theirs = (d.year() - 2..=d.year())
            .rev()
            .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
            .filter_map(|nd| nd.and_hms_opt(time.0, time.1, time.2))
            .map(|nd| nd.and_utc().timestamp())
            .find(|s| *s <= t.unix());
        prop_assert_eq!(t.last_date_not_after(month, day, time).map(Timestamp::unix), theirs);
    }

    /// The fiscal year starting on `month`/`day`: the year of the latest start not
    /// after `t`.
    #[test]
    fn the_fiscal_year_is_that_of_the_latest_start(
        t in instant_from(MIN.unix() + 366 * 86_400),
        month in 1u32..=12,
        day in 1u32..=28,
    ) {
        let d = chrono_of(t);
        let start = |y: i32| {
            NaiveDate::from_ymd_opt(y, month, day).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc()
        };
        let theirs = if start(d.year()) <= d { d.year() } else { d.year() - 1 };
        prop_assert_eq!(t.fiscal_year(month, day), i64::from(theirs));
    }

    /// RFC 3339 with an offset, a fraction and either separator, read as chrono reads
    /// it.
    #[test]
    fn rfc3339_with_an_offset_reads_as_chrono(
        t in (MIN.unix() + 86_400..=MAX.unix() - 86_400)
            .prop_map(|s| Timestamp::from_unix(s).unwrap()),
        offset_minutes in -(23 * 60 + 59)..=(23 * 60 + 59i32),
        fraction in proptest::option::of(1u32..=999_999),
        separator in prop::sample::select(vec!['T', 't', ' ']),
    ) {
        let zone = chrono::FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let local = chrono_of(t).with_timezone(&zone);
        let mut text = local.format("%Y-%m-%d").to_string();
        text.push(separator);
        text.push_str(&local.format("%H:%M:%S").to_string());
        if let Some(f) = fraction {
            text.push_str(&format!(".{f:06}"));
        }
        text.push_str(&local.format("%:z").to_string());
        prop_assert_eq!(DateTime::parse_from_rfc3339(&text).unwrap().timestamp(), t.unix());
        prop_assert_eq!(Timestamp::parse_rfc3339(&text), Some(t), "{}", text);
    }
}

/// The days where the civil arithmetic turns (the end of February, of a year, of a
/// century and of a 400-year era) in every century of the range, at both ends of the
/// day: few enough that random instants almost never land on them.
#[test]
fn the_calendar_turns_as_chronos_at_every_century() {
    for century in (1900..=9900).step_by(100) {
        for year in [century - 1, century, century + 1, century + 4] {
            for (month, day) in [(1, 1), (2, 28), (2, 29), (3, 1), (12, 31)] {
                let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
                    continue;
                };
                for (h, m, s) in [(0, 0, 0), (23, 59, 59)] {
                    let theirs = date.and_hms_opt(h, m, s).unwrap().and_utc();
                    let Some(t) = Timestamp::from_unix(theirs.timestamp()) else {
                        continue;
                    };
                    let c = t.civil();
                    assert_eq!(
                        (c.year, c.month, c.day, c.hour, c.minute, c.second),
                        (i64::from(year), month, day, h, m, s),
                        "{theirs}"
                    );
                    let civil = Civil {
                        year: i64::from(year),
                        month,
                        day,
                        hour: h,
                        minute: m,
                        second: s,
                    };
                    assert_eq!(Timestamp::from_civil(civil), Some(t), "{theirs}");
                }
            }
        }
    }
}

/// Texts that are not RFC 3339, or name no instant the runtime handles, are refused;
/// the range's ends are taken.
#[test]
fn malformed_or_out_of_range_texts_are_refused() {
    for text in [
        "",
        "2026-11-26",
        "2026-11-26T09:30:00",
        "2026/11/26T09:30:00Z",
        "2026-11/26T09:30:00Z",
        "2026-11-26X09:30:00Z",
        "2026-11-26T09-30:00Z",
        "2026-11-26T09:30-00Z",
        "2026-11-26T09:30:00Y",
        "2026-11-26T09:30:00.Z",
        "2026-11-26T09:30:00+0900",
        "2026-11-26T09:30:00+09-00",
        "2026-11-26T09:30:00+24:00",
        "2026-11-26T09:30:00+09:60",
        "2026-11-26T09:30:00*09:00",
        "2026-13-26T09:30:00Z",
        "2026-02-29T09:30:00Z",
        "2026-11-26T24:00:00Z",
        "2026-11-26T09:60:00Z",
        "2026-11-26T09:30:60Z",
        "2026-1a-26T09:30:00Z",
        "+026-11-26T09:30:00Z",
        "1949-12-31T23:59:59Z",
        "1950-01-01T08:59:59+09:00",
    ] {
        assert_eq!(Timestamp::parse_rfc3339(text), None, "{text}");
    }
    assert_eq!(
        Timestamp::parse_rfc3339("1950-01-01T09:00:00+09:00"),
        Some(MIN)
    );
    assert_eq!(
        Timestamp::parse_rfc3339("9999-12-31T23:59:59.999Z"),
        Some(MAX)
    );
    assert_eq!(Timestamp::from_unix(MIN.unix() - 1), None);
    assert_eq!(Timestamp::from_unix(MAX.unix() + 1), None);
    assert_eq!(Timestamp::from_unix(MAX.unix()), Some(MAX));
    // The clock, whatever it reads, is an instant in range and about now.
    let now = Timestamp::now();
    assert!((MIN..=MAX).contains(&now));
    assert!((now.unix() - Utc::now().timestamp()).abs() <= 5);
}
