//! The CA's operations: key custody (R-6.2-HSM, R-6.2-M-OF-N), revocation reasons and
//! deadlines, the RA's roles, audit events and retention, and lint waivers.

use super::{Cx, quote_list, span_of};
use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::lang;
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    pub(super) fn ca_keys(&mut self, k: &RawCaKeys) -> Option<CaKeys> {
        let cites = self.cites(&k.cps);
        let storage = self.kw::<KeyStorage>(&k.storage, "key storage")?;
        let (n, m) = self.split(&k.activation, "R-6.2-M-OF-N")?;
        let backup = match &k.backup {
            None => None,
            Some(b) => {
                let split = self.split(b, "R-6.2-BACKUP")?;
                if storage != KeyStorage::Hsm {
                    self.err(
                        Diagnostic::error(
                            "backup-without-hsm",
                            Some(span_of(&b.shares)),
                            "a key backup wraps keys out of an HSM, and these keys are in software",
                        )
                        .label("needs `storage: hsm`")
                        .note("software keys are encrypted files: `inkan backup` keeps them with the directory")
                        .rules(["R-6.2-BACKUP"]),
                    );
                    return None;
                }
                Some(split)
            }
        };
        Some(CaKeys {
            storage,
            shares: n,
            threshold: m,
            backup,
            cites,
        })
    }

    /// Shares and threshold of a secret split among custodians: at least two needed,
    /// never more than there are.
    fn split(&mut self, a: &RawActivation, rule: &'static str) -> Option<(u8, u8)> {
        let (n, m) = (a.shares.value, a.threshold.value);
        if m < 2 || m > n {
            self.err(
                Diagnostic::error(
                    "bad-activation",
                    Some(span_of(&a.threshold)),
                    format!("threshold {m} of {n} shares cannot split a secret"),
                )
                .label(format!("expected a threshold from 2 to {n}"))
                .note("one share must never be enough, and the threshold cannot exceed the shares")
                .rules([rule]),
            );
            return None;
        }
        Some((n, m))
    }

    pub(super) fn revocation(&mut self, r: &RawRevocation) -> Revocation {
        let cites = self.cites(&r.cps);
        let mut reasons: Vec<Reason> = Vec::new();
        for reason in &r.reasons {
            let rc = self.cites(&reason.cps);
            if reasons.iter().any(|x| x.name == reason.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-value",
                        Some(span_of(&reason.name)),
                        format!("reason `{}` is defined twice", reason.name.value),
                    )
                    .label("already defined above"),
                );
            }
            let Some(code) = self.kw::<ReasonCode>(&reason.code, "RFC 5280 reason code") else {
                continue;
            };
            if !r.hold.value
                && matches!(
                    code,
                    ReasonCode::CertificateHold | ReasonCode::RemoveFromCrl
                )
            {
                self.err(
                    Diagnostic::error(
                        "hold",
                        Some(span_of(&reason.code)),
                        format!(
                            "reason `{}` maps to {} but the policy forbids suspension",
                            reason.name.value,
                            code.keyword()
                        ),
                    )
                    .label("`hold: false` rules out certificateHold and removeFromCRL")
                    .rules(["R-4.9-NO-HOLD"]),
                );
            }
            reasons.push(Reason {
                name: reason.name.value.clone(),
                code,
                urgent: reason.urgent.as_ref().is_some_and(|u| u.value),
                why: reason.why.as_ref().map(|w| w.value.trim().to_string()),
                cites: rc,
            });
        }
        if reasons.is_empty() {
            self.err(
                Diagnostic::error("empty-list", None, "the policy lists no revocation reasons")
                    .rules(["R-4.9-REASONS"]),
            );
        }
        let deadline = r.deadline.as_ref().and_then(|d| {
            self.parse(
                d,
                "deadline",
                "bad-duration",
                lang::duration::parse_business_days,
            )
        });
        Revocation {
            reasons,
            requesters: r.requesters.iter().map(|s| s.value.clone()).collect(),
            confirm_by: r.confirm_by.as_ref().map(|s| s.value.clone()),
            deadline,
            hold: r.hold.value,
            ocsp: r.ocsp.value,
            cites,
        }
    }

    pub(super) fn ra(&mut self, r: &RawRa, revocation: Option<&Revocation>) -> Ra {
        let cites = self.cites(&r.cps);
        let mut roles: Vec<RaRole> = Vec::new();
        for x in &r.roles {
            if roles.iter().any(|y| y.name == x.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-role",
                        Some(span_of(&x.name)),
                        format!("the RA role `{}` is declared twice", x.name.value),
                    )
                    .rules(["R-5.2-RA-ROLES"]),
                );
            }
            let mut may = Vec::new();
            for a in &x.may {
                if let Some(action) = self.kw::<RaAction>(a, "RA action") {
                    if may.contains(&action) {
                        self.err(
                            Diagnostic::error(
                                "duplicate-action",
                                Some(span_of(a)),
                                format!("`{}` is given to `{}` twice", a.value, x.name.value),
                            )
                            .rules(["R-5.2-RA-ROLES"]),
                        );
                    }
                    may.push(action);
                }
            }
            roles.push(RaRole {
                name: x.name.value.clone(),
                duties: x.duties.value.clone(),
                may,
            });
        }
        // Every action the server or the CLI performs must be someone's: an action no
        // role may perform would leave a CPS duty undone.
        let orphans: Vec<&str> = RaAction::ALL
            .iter()
            .filter(|a| !roles.iter().any(|r| r.may.contains(a)))
            .map(|a| a.name())
            .collect();
        if !orphans.is_empty() && !r.roles.is_empty() {
            self.grown(
                Diagnostic::error(
                    "action-without-role",
                    Some(span_of(&r.separation)),
                    format!("no RA role may {}", orphans.join(", ")),
                )
                .label("give each action to at least one role under `may`")
                .rules(["R-5.2-RA-ROLES"]),
            );
        }
        let known = |cx: &mut Self, d: &S<String>, rule: &'static str| {
            if !roles.iter().any(|x| x.name == d.value) {
                let names: Vec<&str> = roles.iter().map(|x| x.name.as_str()).collect();
                cx.err(
                    Diagnostic::error(
                        "unknown-value",
                        Some(span_of(d)),
                        format!("unknown RA role `{}`", d.value),
                    )
                    .label(format!("expected one of {}", quote_list(&names)))
                    .rules([rule]),
                );
            }
        };
        for (i, d) in r.dual_check.iter().enumerate() {
            known(self, d, "R-5.2-DUAL-CHECK");
            if r.dual_check[..i].iter().any(|e| e.value == d.value) {
                self.err(
                    Diagnostic::error(
                        "dual-check-one-role",
                        Some(span_of(d)),
                        format!("the dual check names `{}` twice", d.value),
                    )
                    .label("a dual check takes two different roles")
                    .rules(["R-5.2-DUAL-CHECK"]),
                );
            }
        }
        for d in &r.reviewed {
            known(self, d, "R-5.2-DUAL-CHECK");
        }
        let passwords = match &r.passwords {
            Some(p) => Some(self.passwords(p)),
            None => {
                self.grown(
                    Diagnostic::error(
                        "missing-passwords",
                        Some(span_of(&r.separation)),
                        "the RA does not say how its one-time passwords work",
                    )
                    .label("add `passwords:` (delivery, lifetime, attempts) to this `ra` section")
                    .rules(["R-4.2-PASSWORD"]),
                );
                None
            }
        };
        let dual_check: Vec<String> = r.dual_check.iter().map(|s| s.value.clone()).collect();
        let workflows = match &r.workflows {
            Some(w) => self.workflows(
                w,
                &super::workflows::Context {
                    roles: &roles,
                    dual_check: &dual_check,
                    revocation,
                },
            ),
            None => {
                self.grown(
                    Diagnostic::error(
                        "missing-workflows",
                        Some(span_of(&r.separation)),
                        "the RA does not say how its cases move: applications, revocations, removals",
                    )
                    .label("add `workflows:` to this `ra` section")
                    .rules(["R-4.2-FLOW", "R-5.2-DUAL-CHECK"]),
                );
                Vec::new()
            }
        };
        let applicants = match &r.applicants {
            Some(a) => Some(self.applicants(a)),
            None => {
                self.grown(
                    Diagnostic::error(
                        "missing-applicants",
                        Some(span_of(&r.separation)),
                        "the RA does not say who may apply",
                    )
                    .label("add `applicants:` (classes, registrations, form_email) to this `ra` section")
                    .rules(["R-4.1-ELIGIBLE", "R-3.2-CLASSES"]),
                );
                None
            }
        };
        let class_spans: Vec<(String, Span)> = r
            .applicants
            .iter()
            .flat_map(|a| &a.classes)
            .map(|c| (c.name.value.clone(), span_of(&c.name)))
            .collect();
        let forms = match &r.forms {
            Some(f) => self.forms(
                f,
                &super::forms::Context {
                    applicants: applicants.as_ref(),
                    workflows: &workflows,
                    class_spans: &class_spans,
                },
            ),
            None => {
                self.grown(
                    Diagnostic::error(
                        "missing-forms",
                        Some(span_of(&r.separation)),
                        "the RA does not say what its paper forms carry",
                    )
                    .label("add `forms:` (an application form per class, the revocation form) to this `ra` section")
                    .rules(["R-3.2-FORM-A", "R-3.2-FORM-B", "R-3.4-REVOKE-FORM"]),
                );
                Vec::new()
            }
        };
        Ra {
            roles,
            passwords,
            workflows,
            applicants,
            forms,
            separation: r.separation.value.clone(),
            dual_check,
            reviewed: r.reviewed.iter().map(|s| s.value.clone()).collect(),
            cites,
        }
    }

    /// Who may apply: classes and registrations named once each, and someone may.
    fn applicants(&mut self, a: &RawApplicants) -> Applicants {
        let cites = self.cites(&a.cps);
        let mut classes: Vec<(String, String)> = Vec::new();
        for c in &a.classes {
            if classes.iter().any(|(n, _)| *n == c.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-class",
                        Some(span_of(&c.name)),
                        format!("the developer class `{}` is declared twice", c.name.value),
                    )
                    .rules(["R-3.2-CLASSES"]),
                );
            }
            classes.push((c.name.value.clone(), c.who.value.clone()));
        }
        let mut registrations: Vec<(String, MayApply)> = Vec::new();
        for r in &a.registrations {
            if registrations.iter().any(|(n, _)| *n == r.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-registration",
                        Some(span_of(&r.name)),
                        format!("the registration `{}` is declared twice", r.name.value),
                    )
                    .rules(["R-4.1-ELIGIBLE"]),
                );
            }
            if let Some(m) = self.kw::<MayApply>(&r.may_apply, "may_apply") {
                registrations.push((r.name.value.clone(), m));
            }
        }
        let anyone = registrations.iter().any(|(_, m)| *m != MayApply::Never);
        if classes.is_empty() || !anyone {
            let at = a.registrations.first().map_or(&a.form_email, |r| &r.name);
            self.err(
                Diagnostic::error(
                    "no-one-may-apply",
                    Some(span_of(at)),
                    "no developer could ever apply under these classes and registrations",
                )
                .label("expected a class, and a registration whose developers may apply")
                .rules(["R-4.1-ELIGIBLE"]),
            );
        }
        let form_email = self
            .kw::<FormEmail>(&a.form_email, "form_email")
            .unwrap_or(FormEmail::MustMatchManager);
        Applicants {
            classes,
            registrations,
            form_email,
            cites,
        }
    }

    /// One-time passwords: a lifetime in whole days, at least one attempt.
    fn passwords(&mut self, p: &RawPasswords) -> Passwords {
        let cites = self.cites(&p.cps);
        let delivery = self
            .kw::<Delivery>(&p.delivery, "password delivery")
            .unwrap_or(Delivery::RegisteredMail);
        let lifetime_days = self
            .whole_days(
                &p.lifetime,
                "bad-password-lifetime",
                "a password lifetime",
                "R-4.2-PASSWORD",
            )
            .unwrap_or(1);
        if p.attempts.value == 0 {
            self.err(
                Diagnostic::error(
                    "bad-password-attempts",
                    Some(span_of(&p.attempts)),
                    "no attempt at all: no password could ever be used",
                )
                .label("expected 1 or more")
                .rules(["R-4.2-PASSWORD"]),
            );
        }
        let void_when = p
            .void_when
            .iter()
            .filter_map(|v| self.kw::<VoidWhen>(v, "void condition"))
            .collect();
        Passwords {
            delivery,
            lifetime_days,
            attempts: p.attempts.value,
            void_when,
            cites,
        }
    }

    pub(super) fn audit(&mut self, a: &RawAudit) -> Audit {
        let cites = self.cites(&a.cps);
        let events = a
            .events
            .iter()
            .map(|e| AuditEvent {
                name: e.name.value.clone(),
                source: e.source.value.clone(),
                category: e.category.value.clone(),
                entered: e.entered.as_ref().is_some_and(|x| x.value),
                cites: self.cites(&e.cps),
            })
            .collect();
        let mut retention = Vec::new();
        for r in &a.retention {
            let c = self.cites(&r.cps);
            if let Some(keep) =
                self.parse(&r.keep, "duration", "bad-duration", lang::duration::parse)
            {
                retention.push(Retention {
                    category: r.category.value.clone(),
                    keep,
                    cites: c,
                });
            }
        }
        let archive = match &a.archive {
            Some(list) => self.archive(list),
            None => {
                self.grown(
                    Diagnostic::error(
                        "missing-archive",
                        a.events.first().map(|e| span_of(&e.name)),
                        "the audit section does not say what is archived, nor for how long",
                    )
                    .help("add `archive:` to `audit`, one entry per kind of record")
                    .rules(["R-5.5-ARCHIVE"]),
                );
                Vec::new()
            }
        };
        Audit {
            events,
            retention,
            archive,
            cites,
        }
    }

    /// Every kind of record the software keeps, once, with a period.
    fn archive(&mut self, list: &[RawArchived]) -> Vec<Archived> {
        let mut out: Vec<Archived> = Vec::new();
        for a in list {
            let cites = self.cites(&a.cps);
            let Some(records) = self.kw::<Records>(&a.records, "archived records") else {
                continue;
            };
            if out.iter().any(|x| x.records == records) {
                self.err(
                    Diagnostic::error(
                        "duplicate-archive",
                        Some(span_of(&a.records)),
                        format!("`{}` are archived twice", a.records.value),
                    )
                    .rules(["R-5.5-ARCHIVE"]),
                );
                continue;
            }
            if let Some(keep) =
                self.parse(&a.keep, "duration", "bad-duration", lang::duration::parse)
            {
                out.push(Archived {
                    records,
                    keep,
                    cites,
                });
            }
        }
        let missing: Vec<&str> = Records::ALL
            .iter()
            .filter(|r| !out.iter().any(|a| a.records == **r))
            .map(|r| r.name())
            .collect();
        if !missing.is_empty() {
            let at = list.first().map(|a| span_of(&a.records));
            self.err(
                Diagnostic::error(
                    "archive-coverage",
                    at,
                    format!("no period is stated for {}", missing.join(", ")),
                )
                .label("in this list")
                .help(format!(
                    "the software keeps these records: add `- {{ records: {}, keep: <at least how long> }}`",
                    missing[0]
                ))
                .rules(["R-5.5-ARCHIVE"]),
            );
        }
        out
    }

    pub(super) fn waivers(&mut self, raw: &[S<RawWaiver>]) -> Vec<Waiver> {
        let mut out: Vec<Waiver> = Vec::new();
        let names: Vec<&str> = crate::lints::LINTS.iter().map(|l| l.name).collect();
        for w in raw {
            let cites = self.cites(&w.value.cps);
            let lint = &w.value.lint;
            if !names.contains(&lint.value.as_str()) {
                let mut d = Diagnostic::error(
                    "unknown-lint",
                    Some(span_of(lint)),
                    format!("unknown lint `{}`", lint.value),
                )
                .label(format!("expected one of {}", quote_list(&names)));
                if let Some(m) = did_you_mean(&lint.value, &names) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                self.err(d);
                continue;
            }
            if out.iter().any(|x| x.lint == lint.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-waiver",
                        Some(span_of(lint)),
                        format!("lint `{}` is waived twice", lint.value),
                    )
                    .label("merge the two waivers"),
                );
                continue;
            }
            if w.value.reason.value.trim().len() < 20 {
                self.err(
                    Diagnostic::error(
                        "waiver-reason",
                        Some(span_of(&w.value.reason)),
                        "a waiver needs a reason an auditor can read",
                    )
                    .label("expected at least a sentence"),
                );
            }
            out.push(Waiver {
                lint: lint.value.clone(),
                reason: w.value.reason.value.trim().to_string(),
                cites,
                span: span_of(lint),
            });
        }
        out
    }
}
