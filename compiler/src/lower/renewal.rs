//! The yearly renewal notice (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE): its expiry date must
//! be the one every subscriber certificate expires on, its list must open before the
//! notice is due, and its days are whole days.

use super::{Cx, span_of};
use crate::diag::Diagnostic;
use crate::lang;
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    pub(super) fn renewal(
        &mut self,
        r: &RawRenewal,
        certificates: &[CertificateProfile],
    ) -> Option<Renewal> {
        let cites = self.cites(&r.cps);
        let expiry = self.parse(
            &r.expiry,
            "date",
            "bad-date",
            lang::template::parse_fiscal_year_start,
        );
        let delivery = self.kw::<NoticeDelivery>(&r.notice.delivery, "notice delivery");
        let to = self.kw::<Recipients>(&r.to, "recipients");
        let rule = "R-4.6-RENEWAL";
        let notice_by = self.whole_days(
            &r.notice.no_later_than,
            "bad-renewal-notice",
            "a notice",
            rule,
        );
        let opens = self.whole_days(
            &r.notice.opens,
            "bad-renewal-notice",
            "a list opening",
            rule,
        );
        if let (Some(by), Some(open)) = (notice_by, opens)
            && open <= by
        {
            self.err(
                Diagnostic::error(
                    "renewal-window",
                    Some(span_of(&r.notice.opens)),
                    format!("the list opens {open} days before expiry, when the notice is due {by} days before"),
                )
                .label(format!("expected more than {by} days"))
                .note("the RA needs the list of notices to send before they are due")
                .rules([rule]),
            );
        }
        if let Some((month, day)) = expiry {
            for c in certificates.iter().filter(|c| c.role == Role::Subscriber) {
                let fixed = match c.validity.not_after {
                    NotAfter::LastDateNotLaterThan { month, day, .. } => Some((month, day)),
                    _ => None,
                };
                if fixed != Some((month, day)) {
                    let ends = fixed.map_or("on no fixed date".to_string(), |(m, d)| {
                        format!("on {} {d}", lang::MONTHS[usize::from(m - 1)])
                    });
                    self.err(
                        Diagnostic::error(
                            "renewal-expiry-mismatch",
                            Some(span_of(&r.expiry)),
                            format!(
                                "the renewal is for {} {day}, but certificates of `{}` expire {ends}",
                                lang::MONTHS[usize::from(month - 1)],
                                c.name
                            ),
                        )
                        .label("expected the date the subscriber profile's notAfter names")
                        .rules([rule, "R-7.1-SUB-VALIDITY"]),
                    );
                }
            }
        }
        Some(Renewal {
            expiry: expiry?,
            delivery: delivery?,
            notice_by_days: notice_by?,
            opens_days: opens?,
            to: to?,
            cites,
        })
    }

    /// `before` schedules were the renewal notice's; it has its own section now.
    pub(super) fn no_dated_schedules(&mut self, raw: &[RawSchedule]) {
        for s in raw {
            if let Some(b) = &s.before {
                self.grown(
                    Diagnostic::error(
                        "dated-schedule",
                        Some(span_of(b)),
                        format!("schedule `{}` runs before a date", s.name.value),
                    )
                    .label("the renewal notice is a top-level `renewal:` section")
                    .rules(["R-4.6-RENEWAL"]),
                );
            }
        }
    }
}
