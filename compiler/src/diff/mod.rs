//! A semantic diff of two policy revisions, for auditors (`inkan policy diff`).
//!
//! Both revisions are compiled, and their typed models are compared by meaning:
//! entries are matched by name, so formatting, comments and the order of named
//! entries never show; the order of a profile's extensions does (it is their
//! encoding order). Each change is filed under its RFC 3647 section, cites the CPS
//! rules of the entry it touches, and says whether it changes what the CA issues.
//!
//! The files: `change.rs` (a change, the sections, the collector), `profile.rs` (two
//! revisions of a certificate profile), `calendar.rs` (business days), `render.rs` (text, Markdown, JSON); the walk
//! over the whole policy is here.

mod calendar;
mod change;
mod forms;
mod lifecycle;
mod profile;
mod render;
mod workflows;

pub use change::{Change, SECTIONS};
use change::{Differ, names, pick};
use profile::profile;
pub use render::{affects_artefacts, to_json, to_markdown, to_text};

use crate::model::*;

/// How a revision that predates a key reads in a diff.
const NOT_STATED: &str = "(not stated)";

/// Every difference from `old` to `new`, in section order.
pub fn diff(old: &Policy, new: &Policy) -> Vec<Change> {
    let mut d = Differ {
        changes: Vec::new(),
    };
    // 1.2 OIDs, matched by name.
    for name in names(&old.oids, |o| &o.name).union(&names(&new.oids, |o| &o.name)) {
        let (a, b) = (
            old.oids.iter().find(|o| &o.name == name),
            new.oids.iter().find(|o| &o.name == name),
        );
        let cites: Vec<String> = a.or(b).map(|o| o.cites.clone()).unwrap_or_default();
        d.push(
            "1.2",
            name,
            "OID",
            a.map(|o| o.oid.to_string()).unwrap_or_default(),
            b.map(|o| o.oid.to_string()).unwrap_or_default(),
            &cites,
            true,
        );
    }
    if let (Some(a), Some(b)) = (&old.usage, &new.usage) {
        d.push(
            "1.4",
            "usage",
            "purpose",
            a.purpose.clone(),
            b.purpose.clone(),
            &b.cites,
            false,
        );
    }
    // 2 Repository.
    let repo = |p: &Policy| {
        p.repository.as_ref().map(|r| {
            (
                r.cps_url.clone(),
                r.crl_url.clone(),
                r.notices_url.clone().unwrap_or_default(),
                r.public_read,
                r.cites.clone(),
                r.languages
                    .iter()
                    .map(|l| l.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
    };
    if let (Some(a), Some(b)) = (repo(old), repo(new)) {
        d.push("2", "repository", "CPS URL", a.0, b.0, &b.4, false);
        d.push("2", "repository", "CRL URL", a.1, b.1, &b.4, false);
        d.push("2", "repository", "notices URL", a.2, b.2, &b.4, false);
        d.push(
            "2",
            "repository",
            "public read",
            a.3.to_string(),
            b.3.to_string(),
            &b.4,
            false,
        );
        d.push("2", "repository", "languages", a.5, b.5, &b.4, false);
    }
    // 7.1 (and 6.1 for keys) certificate profiles, matched by name.
    for name in names(&old.certificates, |c| &c.name).union(&names(&new.certificates, |c| &c.name))
    {
        match (old.certificate(name), new.certificate(name)) {
            (Some(a), Some(b)) => profile(&mut d, a, b),
            (a, b) => {
                let cites = a.or(b).map(|p| p.cites.clone()).unwrap_or_default();
                d.push(
                    "7.1",
                    name,
                    "profile",
                    a.map(|p| p.role.keyword().to_string()).unwrap_or_default(),
                    b.map(|p| p.role.keyword().to_string()).unwrap_or_default(),
                    &cites,
                    true,
                );
            }
        }
    }
    // 7.2 CRL profiles, matched by issuer.
    for issuer in names(&old.crls, |c| &c.issuer).union(&names(&new.crls, |c| &c.issuer)) {
        let subject = format!("CRL of {issuer}");
        match (old.crl_for(issuer), new.crl_for(issuer)) {
            (Some(a), Some(b)) => {
                let c = &pick(&b.cites, "R-7.2");
                d.push(
                    "7.2",
                    &subject,
                    "signature",
                    a.signature.keyword().into(),
                    b.signature.keyword().into(),
                    c,
                    true,
                );
                d.push(
                    "7.2",
                    &subject,
                    "nextUpdate",
                    a.next_update.to_string(),
                    b.next_update.to_string(),
                    c,
                    true,
                );
                d.push(
                    "7.2",
                    &subject,
                    "times",
                    a.times.keyword().into(),
                    b.times.keyword().into(),
                    c,
                    true,
                );
                let list = |x: &[CrlExtension]| {
                    x.iter().map(|e| e.keyword()).collect::<Vec<_>>().join(", ")
                };
                d.push(
                    "7.2",
                    &subject,
                    "extensions",
                    list(&a.extensions),
                    list(&b.extensions),
                    c,
                    true,
                );
                let entries = |x: &[EntryExtension]| {
                    x.iter().map(|e| e.keyword()).collect::<Vec<_>>().join(", ")
                };
                d.push(
                    "7.2",
                    &subject,
                    "entry extensions",
                    entries(&a.entry_extensions),
                    entries(&b.entry_extensions),
                    c,
                    true,
                );
                d.push(
                    "7.2",
                    &subject,
                    "reasonCode for unspecified",
                    a.unspecified_reason.keyword().into(),
                    b.unspecified_reason.keyword().into(),
                    c,
                    true,
                );
            }
            (a, b) => d.push(
                "7.2",
                &subject,
                "profile",
                a.map(|_| "present".to_string()).unwrap_or_default(),
                b.map(|_| "present".to_string()).unwrap_or_default(),
                &[],
                true,
            ),
        }
    }
    // 4.9 Revocation.
    if let (Some(a), Some(b)) = (&old.revocation, &new.revocation) {
        for name in names(&a.reasons, |r| &r.name).union(&names(&b.reasons, |r| &r.name)) {
            let (x, y) = (
                a.reasons.iter().find(|r| &r.name == name),
                b.reasons.iter().find(|r| &r.name == name),
            );
            let cites = x.or(y).map(|r| r.cites.clone()).unwrap_or_default();
            let subject = format!("reason {name}");
            d.push(
                "4.9",
                &subject,
                "RFC 5280 code",
                x.map(|r| r.code.keyword().to_string()).unwrap_or_default(),
                y.map(|r| r.code.keyword().to_string()).unwrap_or_default(),
                &cites,
                true,
            );
            d.push(
                "4.9",
                &subject,
                "urgent",
                x.map(|r| r.urgent.to_string()).unwrap_or_default(),
                y.map(|r| r.urgent.to_string()).unwrap_or_default(),
                &cites,
                false,
            );
            d.push(
                "4.9",
                &subject,
                "why this code",
                x.and_then(|r| r.why.clone()).unwrap_or_default(),
                y.and_then(|r| r.why.clone()).unwrap_or_default(),
                &cites,
                false,
            );
        }
        d.push(
            "4.9",
            "revocation",
            "requesters",
            a.requesters.join(", "),
            b.requesters.join(", "),
            &b.cites,
            false,
        );
        d.push(
            "4.9",
            "revocation",
            "deadline",
            a.deadline.map(|x| x.to_string()).unwrap_or_default(),
            b.deadline.map(|x| x.to_string()).unwrap_or_default(),
            &b.cites,
            false,
        );
        d.push(
            "4.9",
            "revocation",
            "certificateHold allowed",
            a.hold.to_string(),
            b.hold.to_string(),
            &b.cites,
            false,
        );
        d.push(
            "4.9",
            "revocation",
            "OCSP",
            a.ocsp.to_string(),
            b.ocsp.to_string(),
            &b.cites,
            false,
        );
    }
    for name in names(&old.schedules, |s| &s.name).union(&names(&new.schedules, |s| &s.name)) {
        let (x, y) = (
            old.schedules.iter().find(|s| &s.name == name),
            new.schedules.iter().find(|s| &s.name == name),
        );
        let cites = x.or(y).map(|s| s.cites.clone()).unwrap_or_default();
        let timing = |s: &Schedule| match &s.timing {
            Timing::Every(d) => format!("every {d}"),
            Timing::Before { date, lead } => format!(
                "{lead} before {} {}",
                crate::lang::MONTHS[usize::from(date.0 - 1)],
                date.1
            ),
            Timing::Within(b) => format!("within {b}"),
        };
        d.push(
            "4.9",
            &format!("schedule {name}"),
            "timing",
            x.map(timing).unwrap_or_default(),
            y.map(timing).unwrap_or_default(),
            &cites,
            false,
        );
    }
    calendar::renewal(&mut d, old.renewal.as_ref(), new.renewal.as_ref());
    lifecycle::lifecycle(&mut d, old.lifecycle.as_ref(), new.lifecycle.as_ref());
    calendar::calendar(&mut d, old.calendar.as_ref(), new.calendar.as_ref());
    // 5.2 RA, 5.4 audit.
    if let (Some(a), Some(b)) = (&old.ra, &new.ra) {
        let roles = |r: &Ra| {
            r.roles
                .iter()
                .map(|x| x.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        d.push("5.2", "RA", "roles", roles(a), roles(b), &b.cites, false);
        // Each role's permissions, matched by role name (R-5.2-RA-ROLES).
        for name in names(&a.roles, |r| &r.name).union(&names(&b.roles, |r| &r.name)) {
            let may = |r: &Ra| {
                r.roles
                    .iter()
                    .find(|x| &x.name == name)
                    .map(|x| {
                        let mut m: Vec<&str> = x.may.iter().map(|a| a.name()).collect();
                        m.sort_unstable();
                        m.join(", ")
                    })
                    .unwrap_or_default()
            };
            d.push(
                "5.2",
                &format!("role {name}"),
                "may",
                may(a),
                may(b),
                &b.cites,
                false,
            );
        }
        workflows::workflows(&mut d, &a.workflows, &b.workflows);
        workflows::applicants(&mut d, a.applicants.as_ref(), b.applicants.as_ref());
        forms::forms(&mut d, &a.forms, &b.forms);
        let pw = |r: &Ra| match &r.passwords {
            Some(p) => {
                let voids: Vec<&str> = p.void_when.iter().map(|v| v.keyword()).collect();
                [
                    p.delivery.keyword().to_string(),
                    format!("{} days", p.lifetime_days),
                    format!("{} attempts", p.attempts),
                    voids.join(", "),
                ]
            }
            None => std::array::from_fn(|_| NOT_STATED.to_string()),
        };
        let pw_cites = b.passwords.as_ref().map_or(&b.cites, |p| &p.cites);
        for (field, (x, y)) in ["delivery", "lifetime", "lockout", "void when"]
            .iter()
            .zip(pw(a).into_iter().zip(pw(b)))
        {
            d.push("4.2", "one-time passwords", field, x, y, pw_cites, false);
        }
        d.push(
            "5.2",
            "RA",
            "actions reviewed of",
            a.reviewed.join(", "),
            b.reviewed.join(", "),
            &b.cites,
            false,
        );
        d.push(
            "5.2",
            "RA",
            "dual check",
            a.dual_check.join(", "),
            b.dual_check.join(", "),
            &b.cites,
            false,
        );
    }
    if let (Some(a), Some(b)) = (&old.audit, &new.audit) {
        for name in names(&a.events, |e| &e.name).union(&names(&b.events, |e| &e.name)) {
            let (x, y) = (
                a.events.iter().find(|e| &e.name == name),
                b.events.iter().find(|e| &e.name == name),
            );
            let cites = x.or(y).map(|e| e.cites.clone()).unwrap_or_default();
            let show = |e: &AuditEvent| {
                let by = if e.entered {
                    ", entered by a person"
                } else {
                    ""
                };
                format!("{} {}{by}", e.source, e.category)
            };
            d.push(
                "5.4",
                &format!("event {name}"),
                "recorded",
                x.map(show).unwrap_or_default(),
                y.map(show).unwrap_or_default(),
                &cites,
                false,
            );
        }
        for r in Records::ALL {
            let keep = |x: &Audit| {
                x.archive
                    .iter()
                    .find(|k| k.records == *r)
                    .map_or(String::new(), |k| k.keep.to_string())
            };
            let cites = b
                .archive
                .iter()
                .chain(&a.archive)
                .find(|k| k.records == *r)
                .map(|k| k.cites.clone())
                .unwrap_or_default();
            d.push(
                "5.5",
                &format!("archive {}", r.name()),
                "kept at least",
                keep(a),
                keep(b),
                &cites,
                false,
            );
        }
        for cat in names(&a.retention, |r| &r.category).union(&names(&b.retention, |r| &r.category))
        {
            let (x, y) = (
                a.retention.iter().find(|r| &r.category == cat),
                b.retention.iter().find(|r| &r.category == cat),
            );
            let cites = x.or(y).map(|r| r.cites.clone()).unwrap_or_default();
            d.push(
                "5.4",
                &format!("retention {cat}"),
                "keep",
                x.map(|r| r.keep.to_string()).unwrap_or_default(),
                y.map(|r| r.keep.to_string()).unwrap_or_default(),
                &cites,
                false,
            );
        }
    }
    // 6.2 CA keys.
    let keys = |p: &Policy| {
        p.ca_keys.as_ref().map(|k| {
            (
                k.storage.keyword().to_string(),
                format!("{} of {}", k.threshold, k.shares),
                k.cites.clone(),
                k.backup
                    .map_or("none".to_string(), |(n, m)| format!("{m} of {n}")),
            )
        })
    };
    let (ka, kb) = (keys(old), keys(new));
    if ka.is_some() || kb.is_some() {
        let cites = kb
            .as_ref()
            .or(ka.as_ref())
            .map(|k| k.2.clone())
            .unwrap_or_default();
        let (a, b) = (ka.unwrap_or_default(), kb.unwrap_or_default());
        d.push("6.2", "CA keys", "storage", a.0, b.0, &cites, false);
        d.push("6.2", "CA keys", "activation", a.1, b.1, &cites, false);
        d.push("6.2", "CA keys", "backup", a.3, b.3, &cites, false);
    }
    // Waivers.
    for lint in names(&old.waivers, |w| &w.lint).union(&names(&new.waivers, |w| &w.lint)) {
        let (x, y) = (
            old.waivers.iter().find(|w| &w.lint == lint),
            new.waivers.iter().find(|w| &w.lint == lint),
        );
        let cites = x.or(y).map(|w| w.cites.clone()).unwrap_or_default();
        d.push(
            "waivers",
            lint,
            "waiver",
            x.map(|_| "in force".to_string()).unwrap_or_default(),
            y.map(|_| "in force".to_string()).unwrap_or_default(),
            &cites,
            false,
        );
    }
    let order = |s: &str| {
        SECTIONS
            .iter()
            .position(|(k, _)| *k == s)
            .unwrap_or(usize::MAX)
    };
    d.changes.sort_by_key(|c| order(c.section));
    d.changes
}
