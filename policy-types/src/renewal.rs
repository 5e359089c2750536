//! The yearly renewal notice (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE): every subscriber
//! certificate of a fiscal year expires on one date, and the RA sends each developer
//! holding one a renewal notice and form at least so many days before it.
//!
//! The dates here are whole days in the CA's zone (its business calendar's, or UTC):
//! the notice for an expiry date `E` is open from the start of `E - opens_days` and due
//! by the end of `E - notice_by_days`. A certificate is of that expiry when its
//! notAfter falls on `E` in UTC, as the certificate profile writes it.

use crate::calendar::{Civil, Timestamp};

/// How a renewal notice reaches a developer's applicant manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeDelivery {
    /// The RA posts it by registered mail and records the posting (the CPS, 4.6.3).
    RegisteredMail,
    /// The service e-mails it when the notice opens.
    Email,
}

/// Who receives the notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipients {
    /// Developers holding an unrevoked certificate of the expiring year (CPS 4.6.1).
    PreviousYearHolders,
    /// Every developer on the list.
    ListedDevelopers,
}

names!(NoticeDelivery { RegisteredMail = "registered-mail", Email = "email" });
names!(Recipients { PreviousYearHolders = "previous-year-holders", ListedDevelopers = "listed-developers" });

/// The policy's renewal notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenewalRules {
    /// The (month, day) every subscriber certificate expires on.
    pub expiry: (u32, u32),
    /// How the notice is delivered.
    pub delivery: NoticeDelivery,
    /// It must be sent at least this many days before the expiry date.
    pub notice_by_days: u32,
    /// The RA's list of notices to send opens this many days before it.
    pub opens_days: u32,
    /// Who receives it.
    pub to: Recipients,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// One year's notice window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The expiry date, (year, month, day).
    pub expiry: (i64, u32, u32),
    /// When the notices open: the start of the opening day, local time.
    pub opens: Timestamp,
    /// When they are due: the end of the last day they may be sent on, local time.
    pub due_by: Timestamp,
    /// The end of the expiry date: the window closes.
    pub closes: Timestamp,
}

const DAY: i64 = 86_400;

impl RenewalRules {
    /// The cycle whose window holds `now`, for a CA `utc_offset_minutes` from UTC;
    /// `None` between windows.
    pub fn cycle_at(&self, now: Timestamp, utc_offset_minutes: i32) -> Option<Cycle> {
        let offset = i64::from(utc_offset_minutes) * 60;
        let today = (now.unix() + offset).div_euclid(DAY);
        let year = Timestamp::from_unix(today * DAY)?.civil().year;
        // This year's expiry date, or next year's once it has passed.
        let day_of = |y: i64| {
            Timestamp::from_civil(Civil {
                year: y,
                month: self.expiry.0,
                day: self.expiry.1,
                hour: 0,
                minute: 0,
                second: 0,
            })
            .map(|t| (y, t.unix().div_euclid(DAY)))
        };
        let (y, expiry_day) = match day_of(year)? {
            (y, d) if d >= today => (y, d),
            _ => day_of(year + 1)?,
        };
        let local = |day: i64| Timestamp::from_unix(day * DAY - offset);
        let cycle = Cycle {
            expiry: (y, self.expiry.0, self.expiry.1),
            opens: local(expiry_day - i64::from(self.opens_days))?,
            due_by: local(expiry_day - i64::from(self.notice_by_days) + 1)?,
            closes: local(expiry_day + 1)?,
        };
        (now >= cycle.opens).then_some(cycle)
    }

    /// Whether a certificate with this notAfter is of the cycle's expiry date (its UTC
    /// date, as the profile writes notAfter).
    pub fn expires_in(&self, cycle: &Cycle, not_after: Timestamp) -> bool {
        let c = not_after.civil();
        (c.year, c.month, c.day) == cycle.expiry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or(crate::calendar::MIN)
    }

    const RULES: RenewalRules = RenewalRules {
        expiry: (4, 30),
        delivery: NoticeDelivery::RegisteredMail,
        notice_by_days: 60,
        opens_days: 90,
        to: Recipients::PreviousYearHolders,
        cps: &[],
    };

    /// April 30, 2027 less 60 days is March 1 (30 days of April, 31 of March); less 90
    /// days is January 30. In Tokyo (UTC+9) days begin at 15:00 UTC the day before.
    #[test]
    fn the_window_of_april_30_2027_in_tokyo() {
        let before = RULES.cycle_at(at("2027-01-29T14:59:59Z"), 540);
        assert_eq!(before, None, "January 29 in Tokyo: not open yet");
        let c = RULES.cycle_at(at("2027-01-29T15:00:00Z"), 540);
        let Some(c) = c else {
            panic!("open from January 30 in Tokyo");
        };
        assert_eq!(c.expiry, (2027, 4, 30));
        assert_eq!(c.opens, at("2027-01-29T15:00:00Z"));
        assert_eq!(c.due_by, at("2027-03-01T15:00:00Z"), "the end of March 1");
        assert_eq!(c.closes, at("2027-04-30T15:00:00Z"));
        assert!(RULES.expires_in(&c, at("2027-04-30T23:59:59Z")));
        assert!(!RULES.expires_in(&c, at("2028-04-30T23:59:59Z")));
        // On the expiry date the window is still open; the day after, next year's is
        // not open yet.
        assert!(RULES.cycle_at(at("2027-04-30T14:59:59Z"), 540).is_some());
        assert_eq!(RULES.cycle_at(at("2027-04-30T15:00:00Z"), 540), None);
    }

    #[test]
    fn leap_years_and_utc() {
        // 2028 is a leap year: April 30 less 60 days is March 1 still (29 days of
        // February do not come into it); less 90 days is January 31.
        let Some(c) = RULES.cycle_at(at("2028-02-01T00:00:00Z"), 0) else {
            panic!("open");
        };
        assert_eq!(c.opens, at("2028-01-31T00:00:00Z"));
        assert_eq!(c.due_by, at("2028-03-02T00:00:00Z"));
    }
}
