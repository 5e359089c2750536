//! CRL profiles and the schedules they run on (R-7.2-CRL, R-4.9-CRL-24H): a CRL's
//! nextUpdate must not come before the next scheduled CRL.

use super::{Cx, quote_list, span_of};
use crate::diag::Diagnostic;
use crate::lang;
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    pub(super) fn schedules(&mut self, raw: &[RawSchedule]) -> Vec<Schedule> {
        let mut out = Vec::new();
        for s in raw {
            let cites = self.cites(&s.cps);
            let timing = match (&s.every, &s.before, &s.lead, &s.within) {
                (Some(e), None, None, None) => self
                    .parse(e, "duration", "bad-duration", lang::duration::parse)
                    .map(Timing::Every),
                (None, Some(b), Some(l), None) => {
                    let date = self.parse(
                        b,
                        "date",
                        "bad-duration",
                        lang::template::parse_fiscal_year_start,
                    );
                    let lead = self.parse(l, "duration", "bad-duration", lang::duration::parse);
                    date.zip(lead)
                        .map(|(date, lead)| Timing::Before { date, lead })
                }
                (None, None, None, Some(w)) => self
                    .parse(
                        w,
                        "deadline",
                        "bad-duration",
                        lang::duration::parse_business_days,
                    )
                    .map(Timing::Within),
                _ => {
                    self.err(
                        Diagnostic::error(
                            "bad-schedule",
                            Some(span_of(&s.name)),
                            format!("schedule `{}` needs exactly one timing", s.name.value),
                        )
                        .label("expected `every`, `before` with `lead`, or `within`"),
                    );
                    None
                }
            };
            if let Some(timing) = timing {
                out.push(Schedule {
                    name: s.name.value.clone(),
                    timing,
                    cites,
                });
            }
        }
        out
    }

    pub(super) fn crls(
        &mut self,
        raw: &[S<RawCrl>],
        certs: &[CertificateProfile],
        schedules: &[Schedule],
    ) -> Vec<CrlProfile> {
        let mut out: Vec<CrlProfile> = Vec::new();
        let interval = schedules
            .iter()
            .find_map(|s| match (&s.name[..], &s.timing) {
                ("crl", Timing::Every(d)) => Some((*d, s.cites.clone())),
                _ => None,
            });
        for rc in raw {
            let c = &rc.value;
            let cites = self.cites(&c.cps);
            match certs.iter().find(|p| p.name == c.issuer.value) {
                Some(p) if p.is_ca() => {}
                Some(_) => self.err(
                    Diagnostic::error(
                        "bad-issuer",
                        Some(span_of(&c.issuer)),
                        format!("`{}` is not a CA and cannot issue CRLs", c.issuer.value),
                    )
                    .label("expected a root or issuing-ca profile"),
                ),
                None => {
                    let names: Vec<&str> = certs
                        .iter()
                        .filter(|p| p.is_ca())
                        .map(|p| p.name.as_str())
                        .collect();
                    self.err(
                        Diagnostic::error(
                            "bad-issuer",
                            Some(span_of(&c.issuer)),
                            format!("unknown CRL issuer `{}`", c.issuer.value),
                        )
                        .label(format!("expected one of {}", quote_list(&names))),
                    );
                }
            }
            if out.iter().any(|o| o.issuer == c.issuer.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-profile",
                        Some(span_of(&c.issuer)),
                        format!("`{}` has two CRL profiles", c.issuer.value),
                    )
                    .label("one CRL profile per CA"),
                );
            }
            let signature = self.kw::<SignatureAlgorithm>(&c.signature, "signature algorithm");
            let times = self.kw::<TimeEncoding>(&c.times, "time encoding");
            let next_update = self.parse(
                &c.next_update,
                "duration",
                "bad-duration",
                lang::duration::parse,
            );
            if let (Some(next), Some((every, every_cites))) = (next_update, &interval)
                && next.min_seconds() < every.max_seconds()
            {
                self.err(
                    Diagnostic::error(
                        "crl-next-update",
                        Some(span_of(&c.next_update)),
                        format!(
                            "nextUpdate {next} is shorter than the CRL publication interval {every}"
                        ),
                    )
                    .label(format!(
                        "the next CRL may come {every} later, after this one has expired"
                    ))
                    .help(format!("make nextUpdate at least {every}"))
                    .rules(cites.iter().chain(every_cites).cloned().collect::<Vec<_>>()),
                );
            }
            let mut extensions = Vec::new();
            for e in &c.extensions {
                if let Some(x) = self.kw::<CrlExtension>(e, "CRL extension") {
                    extensions.push(x);
                }
            }
            if !extensions.contains(&CrlExtension::CrlNumber) {
                self.err(
                    Diagnostic::error(
                        "crl-number",
                        Some(span_of(&c.issuer)),
                        "the CRL profile has no cRLNumber",
                    )
                    .label("RFC 5280 5.2.3: conforming CRL issuers MUST include cRLNumber")
                    .help("add `crl_number` to `extensions`"),
                );
            }
            let mut entry_extensions = Vec::new();
            for e in &c.entry_extensions {
                if let Some(x) = self.kw::<EntryExtension>(e, "CRL entry extension") {
                    entry_extensions.push(x);
                }
            }
            let unspecified_reason = match &c.unspecified_reason {
                Some(u) => self.kw::<UnspecifiedReason>(u, "unspecified_reason"),
                None => Some(UnspecifiedReason::Omit),
            };
            if let (Some(signature), Some(times), Some(next_update), Some(unspecified_reason)) =
                (signature, times, next_update, unspecified_reason)
            {
                out.push(CrlProfile {
                    issuer: c.issuer.value.clone(),
                    signature,
                    next_update,
                    times,
                    extensions,
                    entry_extensions,
                    unspecified_reason,
                    cites,
                    span: span_of(&c.issuer),
                });
            }
        }
        out
    }
}
