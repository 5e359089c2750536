//! The CPS sections of the CA's operations, rendered from the policy: 4.2 one-time
//! passwords, 4.6 the renewal notice, 4.9 revocation (reasons, schedules, business
//! days), 5.2 trusted roles, 5.4 audit, 6.2 key custody.

use super::table::{Section, cites, t};
use super::{forms, workflows};
use crate::model::*;

/// 4.2 to 5.4, in order.
pub(super) fn before_keys(policy: &Policy) -> Vec<Section> {
    let mut sections = applicants(policy);
    if let Some(p) = policy.ra.as_ref().and_then(|ra| ra.passwords.as_ref()) {
        let voids: Vec<&str> = p.void_when.iter().map(|v| v.keyword()).collect();
        sections.push(Section {
            number: "4.2".into(),
            title: "Certificate application processing".into(),
            intro: "An accepted application gives one one-time password per named holder; the holder enters it on the CA's site with a PKCS#10 request to complete the application. Each password is used once and is stored only as a hash.".into(),
            tables: vec![t(
                "One-time passwords",
                &["delivered by", "valid for", "locked after", "void when", "CPS rules"],
                vec![vec![
                    p.delivery.keyword().into(),
                    format!("{} days after the decision", p.lifetime_days),
                    format!("{} wrong attempts", p.attempts),
                    if voids.is_empty() { "-".into() } else { voids.join(", ") },
                    cites(&p.cites),
                ]],
            )]
            .into_iter()
            .chain(workflows::tables(policy, Subject::Application))
            .collect(),
        });
    }
    sections.extend(renewal(policy));
    if let Some(r) = &policy.revocation {
        let mut tables = vec![t(
            "Revocation reasons",
            &[
                "reason",
                "RFC 5280 CRLReason",
                "handling",
                "why this code",
                "CPS rules",
            ],
            r.reasons
                .iter()
                .map(|x| {
                    vec![
                        x.name.clone(),
                        format!("{} ({})", x.code.keyword(), x.code.value()),
                        if x.urgent {
                            "at once".into()
                        } else {
                            "within the deadline".into()
                        },
                        x.why.clone().unwrap_or_else(|| "-".into()),
                        cites(&x.cites),
                    ]
                })
                .collect(),
        )];
        let schedules = policy
            .schedules
            .iter()
            .map(|s| {
                let when = match &s.timing {
                    Timing::Every(d) => format!("at least every {d}"),
                    Timing::Before { date, lead } => format!(
                        "{lead} before {} {}",
                        crate::lang::MONTHS[usize::from(date.0 - 1)],
                        date.1
                    ),
                    Timing::Within(b) => format!("within {b}"),
                };
                vec![s.name.clone(), when, cites(&s.cites)]
            })
            .collect();
        tables.push(t("Schedules", &["job", "when", "CPS rules"], schedules));
        if let Some(c) = &policy.calendar {
            tables.push(t(
                &format!(
                    "Business days: UTC{}, not {}, nor these public holidays",
                    c.zone(),
                    c.weekend
                        .iter()
                        .map(|d| d.name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                &["year", "holidays", "CPS rules"],
                (c.covers.0..=c.covers.1)
                    .map(|y| {
                        let days: Vec<String> = c
                            .holidays
                            .iter()
                            .filter(|h| h.0 == y)
                            .map(|h| format!("{:02}-{:02}", h.1, h.2))
                            .collect();
                        vec![y.to_string(), days.join(", "), cites(&c.cites)]
                    })
                    .collect(),
            ));
        }
        let intro = format!(
            "Revocation may be requested by: {}. Confirmation: {}. Suspension (certificateHold): {}. Online status (OCSP): {}.",
            r.requesters.join(", "),
            r.confirm_by.clone().unwrap_or_else(|| "none".into()),
            if r.hold { "used" } else { "never used" },
            if r.ocsp {
                "offered"
            } else {
                "not offered; the CRL is the only revocation channel"
            }
        );
        tables.extend(workflows::tables(policy, Subject::Revocation));
        sections.push(Section {
            number: "4.9".into(),
            title: "Revocation".into(),
            intro,
            tables,
        });
    }
    let removal = workflows::tables(policy, Subject::DeveloperRemoval);
    if !removal.is_empty() {
        sections.push(Section {
            number: "4.11".into(),
            title: "End of subscription".into(),
            intro: "A developer removed from the list has every certificate of its subscribers revoked, in one transaction, by the workflow below.".into(),
            tables: removal,
        });
    }
    if let Some(ra) = &policy.ra {
        sections.push(Section {
            number: "5.2".into(),
            title: "Trusted roles".into(),
            intro: format!("Each role is held by a different person ({}). Every application is checked by: {}. The actions of {} are reviewed afterwards. A role may do only what its row lists; the service refuses the rest.", ra.separation, ra.dual_check.join(", then "), if ra.reviewed.is_empty() { "no role".to_string() } else { ra.reviewed.join(", ") }),
            tables: vec![t("RA roles", &["role", "duties", "may"], ra.roles.iter().map(|r| vec![r.name.clone(), r.duties.clone(), r.may.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")]).collect())],
        });
    }
    if let Some(a) = &policy.audit {
        sections.push(Section {
            number: "5.4".into(),
            title: "Audit logging".into(),
            intro: "Recorded events, hash-chained with signed checkpoints, and their minimum retention.".into(),
            tables: vec![
                t("Events", &["event", "source", "category", "recorded by", "CPS rules"], a.events.iter().map(|e| vec![e.name.clone(), e.source.clone(), e.category.clone(), recorder(policy, e), cites(&e.cites)]).collect()),
                t("Retention", &["records", "kept at least", "CPS rules"], a.retention.iter().map(|r| vec![r.category.clone(), r.keep.to_string(), cites(&r.cites)]).collect()),
            ],
        });
        if !a.archive.is_empty() {
            sections.push(Section {
                number: "5.5".into(),
                title: "Records archival".into(),
                intro: "Each kind of record the CA and the RA keep, and how long at least after it is closed (a case ended by its workflow, a notice sent, a developer's removal). Nothing is purged sooner; certificates are never purged.".into(),
                tables: vec![t(
                    "Archive",
                    &["records", "kept at least", "CPS rules"],
                    a.archive
                        .iter()
                        .map(|x| vec![x.records.name().to_string(), x.keep.to_string(), cites(&x.cites)])
                        .collect(),
                )],
            });
        }
    }
    sections
}

/// 3.2 and 4.1: the classes of developer, and which registrations may apply
/// (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-EMAIL-MATCH).
fn applicants(policy: &Policy) -> Vec<Section> {
    let Some(a) = policy.ra.as_ref().and_then(|ra| ra.applicants.as_ref()) else {
        return Vec::new();
    };
    let email = match a.form_email {
        FormEmail::MustMatchManager => {
            "The e-mail address on an application form must be the applicant manager's address on file; a form with another is refused."
        }
        FormEmail::Recorded => {
            "The e-mail address on an application form is recorded, not checked."
        }
    };
    vec![
        Section {
            number: "3.2".into(),
            title: "Initial identity validation".into(),
            intro: format!("The RA registers each product developer in one class, recording the evidence of its check where a registration form is given. The operator enters each form as received; a form that lacks a field below, or has one not below, is refused. {email}"),
            tables: std::iter::once(t(
                "Developer classes",
                &["class", "who", "CPS rules"],
                a.classes
                    .iter()
                    .map(|(n, w)| vec![n.clone(), w.clone(), cites(&a.cites)])
                    .collect(),
            ))
            .chain(forms::tables(policy, FormFor::Registration))
            .chain(forms::tables(policy, FormFor::Application))
            .collect(),
        },
        Section {
            number: "3.4".into(),
            title: "Identification and authentication for revocation request".into(),
            intro: "An applicant manager asks for a revocation on this form; how the request is then confirmed is in 4.9.".into(),
            tables: forms::tables(policy, FormFor::Revocation),
        },
        Section {
            number: "4.1".into(),
            title: "Certificate application".into(),
            intro: "Who may apply depends on the developer's registration.".into(),
            tables: vec![t(
                "Registrations",
                &["registration", "may apply", "CPS rules"],
                a.registrations
                    .iter()
                    .map(|(n, m)| {
                        let may = match m {
                            MayApply::Always => "yes",
                            MayApply::WithPermission => "only with the CA's separate permission",
                            MayApply::Never => "no",
                        };
                        vec![n.clone(), may.into(), cites(&a.cites)]
                    })
                    .collect(),
            )],
        },
    ]
    .into_iter()
    .filter(|s| !s.tables.is_empty())
    .collect()
}

/// Who records an audit event: the software, or for one that happens outside it, the
/// roles the policy lets record it (R-5.4-CA-EVENTS).
fn recorder(policy: &Policy, e: &AuditEvent) -> String {
    if !e.entered {
        return "the software".into();
    }
    let roles: Vec<&str> = policy
        .ra
        .iter()
        .flat_map(|ra| &ra.roles)
        .filter(|r| r.may.contains(&RaAction::RecordCaEvent))
        .map(|r| r.name.as_str())
        .collect();
    format!(
        "a person: {} (record-ca-event), or `inkan audit record`",
        roles.join(", ")
    )
}

/// 4.6: when the renewal notice goes out, how, and to whom (R-4.6-RENEWAL).
fn renewal(policy: &Policy) -> Option<Section> {
    let r = policy.renewal.as_ref()?;
    let expiry = format!(
        "{} {}",
        crate::lang::MONTHS[usize::from(r.expiry.0 - 1)],
        r.expiry.1
    );
    Some(Section {
        number: "4.6".into(),
        title: "Certificate renewal".into(),
        intro: format!(
            "Every subscriber certificate expires on {expiry}. Renewal is a new issuance with the whole initial procedure; the RA sends each recipient a renewal notice and application form."
        ),
        tables: vec![t(
            "Renewal notice",
            &[
                "recipients",
                "delivered by",
                "sent at least",
                "RA list opens",
                "CPS rules",
            ],
            vec![vec![
                match r.to {
                    Recipients::PreviousYearHolders => {
                        format!(
                            "developers holding an unrevoked certificate that expires on {expiry}"
                        )
                    }
                    Recipients::ListedDevelopers => "every listed developer".into(),
                },
                r.delivery.name().into(),
                format!("{} days before {expiry}", r.notice_by_days),
                format!("{} days before {expiry}", r.opens_days),
                cites(&r.cites),
            ]],
        )],
    })
}

/// 6.2: where the CA keys live and how they are activated.
pub(super) fn custody(policy: &Policy) -> Vec<Section> {
    let mut sections = Vec::new();
    if let Some(k) = &policy.ca_keys {
        sections.push(Section {
            number: "6.2".into(),
            title: "Private key protection and activation".into(),
            intro: format!(
                "CA private keys are kept in {}; their activation data is split into {} shares held by different custodians, {} of which activate the keys.{}",
                if k.storage == KeyStorage::Hsm { "a hardware security module" } else { "encrypted files" },
                k.shares,
                k.threshold,
                k.backup.map_or(String::new(), |(n, m)| format!(
                    " The keys are backed up into a second module of the same model: a key leaves its module only wrapped under a key-backup key that module trusts, which exists outside a module only as {n} shares held by different custodians, {m} of whom must be present to bring the keys into the second module."
                ))
            ),
            tables: Vec::new(),
        });
    }
    sections
}
