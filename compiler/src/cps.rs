//! The CPS sections a policy determines, rendered from the policy itself: 1.2 OIDs,
//! 3.1 names, 4.9 revocation reasons and schedules, 5.2 RA roles, 5.4 audit events
//! and retention, 6.1 key sizes, 6.2 key activation, 7.1 certificate profiles in the
//! shape of the CPS's Tables 6-8, and 7.2 the CRL table (Table 9).
//!
//! The view is built here as tables of strings; handlebars templates turn it into
//! Markdown and HTML (`compiler/templates/cps.*.hbs`). `cargo xtask docs` writes both
//! into `docs/cps/`, and codegen embeds the HTML in the policy's crate, so the
//! repository serves exactly what the auditor reads.

use serde::Serialize;

use crate::model::*;

/// A table: a caption, column titles, rows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Table {
    /// Caption.
    pub caption: String,
    /// Column titles.
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// A section: an RFC 3647 number, a title, an introduction and tables.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// `7.1`.
    pub number: String,
    /// Title.
    pub title: String,
    /// A sentence or two.
    pub intro: String,
    /// Tables.
    pub tables: Vec<Table>,
}

/// The whole rendering's data.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Policy id.
    pub id: String,
    /// Title.
    pub title: String,
    /// SHA-256 of the policy text.
    pub sha256: String,
    /// Sections in order.
    pub sections: Vec<Section>,
}

fn t(caption: &str, columns: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table {
        caption: caption.into(),
        columns: columns.iter().map(|c| (*c).to_string()).collect(),
        rows,
    }
}

fn cites(c: &[String]) -> String {
    c.join(", ")
}

/// The CPS's way of writing a name: `c=jp o=... cn=...`, one attribute per line.
fn name_cell(dn: &Dn) -> String {
    dn.rdns
        .iter()
        .map(|r| {
            let v = match &r.value {
                RdnValue::Literal(v) => v.clone(),
                RdnValue::Placeholder(p) if p == "name" => "(subscriber name)".into(),
                RdnValue::Placeholder(p) => format!("({p})"),
            };
            format!("{}={v}", r.attribute.short().to_lowercase())
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

fn string_type_note(p: &CertificateProfile) -> String {
    let t = match p.string_type {
        StringType::Printable => "PrintableString",
        StringType::Utf8 => "UTF8String",
        StringType::Ia5 => "IA5String",
    };
    format!("written as {t}")
}

fn time_cell(encoding: TimeEncoding, pattern: &str) -> String {
    match encoding {
        TimeEncoding::UtcTime => format!("{pattern} (UTCTime; GeneralizedTime from 2050)"),
        TimeEncoding::Rfc5280 => {
            format!("{pattern} (UTCTime through 2049, GeneralizedTime from 2050)")
        }
    }
}

fn validity_note(rule: &NotAfter) -> String {
    match rule {
        NotAfter::IssueDatePlus { span, .. } => format!("{span} after the issue date"),
        NotAfter::NotBeforePlus(span) => format!("notBefore + {span}"),
        NotAfter::LastDateNotLaterThan {
            month, day, span, ..
        } => {
            format!(
                "at most {span} after issue, always on {} {day} at 23:59:59 UTC",
                crate::lang::MONTHS[usize::from(*month - 1)]
            )
        }
    }
}

fn not_after_pattern(rule: &NotAfter) -> String {
    let at = match rule {
        NotAfter::IssueDatePlus { at, .. } | NotAfter::LastDateNotLaterThan { at, .. } => *at,
        NotAfter::NotBeforePlus(_) => return "YYMMDDhhmmssZ".into(),
    };
    format!("YYMMDD{:02}{:02}{:02}Z", at.hour, at.minute, at.second)
}

fn not_before_pattern(rule: &NotBefore) -> String {
    match rule {
        NotBefore::IssueDateAt(at) => {
            format!("YYMMDD{:02}{:02}{:02}Z", at.hour, at.minute, at.second)
        }
        NotBefore::IssueInstant => "YYMMDDhhmmssZ".into(),
    }
}

fn extension_rows(p: &CertificateProfile) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for e in &p.extensions {
        let critical = if e.critical { "TRUE" } else { "FALSE" }.to_string();
        let name = e.extension.asn1_name().to_string();
        let value = match &e.extension {
            Extension::BasicConstraints { ca, path_len } => {
                format!(
                    "cA {}<br>pathLenConstraint {}",
                    if *ca { "TRUE" } else { "FALSE" },
                    path_len.map_or_else(|| "NULL".to_string(), |p| p.to_string())
                )
            }
            Extension::KeyUsage(bits) => bits
                .iter()
                .map(|b| b.keyword())
                .collect::<Vec<_>>()
                .join("<br>"),
            Extension::ExtendedKeyUsage(p) => p
                .iter()
                .map(|p| format!("{} ({})", p.keyword(), p.oid()))
                .collect::<Vec<_>>()
                .join("<br>"),
            Extension::NetscapeCertType(t) => t
                .iter()
                .map(|t| match t {
                    NetscapeType::SslCa => "SSL CA".to_string(),
                    NetscapeType::SslClient => "SSL client".to_string(),
                    other => other.keyword().to_string(),
                })
                .collect::<Vec<_>>()
                .join("<br>"),
            Extension::SubjectAltName(dn) => format!("directoryName<br>{}", name_cell(dn)),
            Extension::CrlDistributionPoints(uris) => uris.join("<br>"),
            Extension::CertificatePolicies(infos) => infos
                .iter()
                .map(|i| {
                    let q = i
                        .cps_uri
                        .as_ref()
                        .map(|u| format!("<br>PolicyQualifier: ID=CPS URI={u}"))
                        .unwrap_or_default();
                    format!("PolicyIdentifier: OID={}{q}", i.oid)
                })
                .collect::<Vec<_>>()
                .join("<br>"),
            Extension::AuthorityKeyIdentifier(_) => "keyIdentifier of the issuer".into(),
            Extension::SubjectKeyIdentifier(_) => {
                "SHA-1 of the public key (RFC 5280 4.2.1.2 (1))".into()
            }
        };
        let label = match &e.extension {
            Extension::NetscapeCertType(_) => {
                "netscapeCertType (2.16.840.1.113730.1.1)".to_string()
            }
            _ => name,
        };
        rows.push(vec![label, critical, value, cites(&e.cites)]);
    }
    rows
}

/// Tables 6-8 of the CPS: one basic-fields table and one extensions table per profile.
fn profile_tables(policy: &Policy, p: &CertificateProfile) -> Vec<Table> {
    let issuer = p
        .issuer
        .as_deref()
        .and_then(|i| policy.certificate(i))
        .unwrap_or(p);
    let key_alg = "1.2.840.113549.1.1.1 (rsaEncryption)".to_string();
    let rows = vec![
        vec!["version".into(), "2".into(), "version 3".into()],
        vec![
            "serialNumber".into(),
            "…".into(),
            "a unique positive integer, 128 random bits".into(),
        ],
        vec![
            "signature".into(),
            p.signature.oid().into(),
            p.signature.keyword().into(),
        ],
        vec![
            "issuer".into(),
            name_cell(&issuer.subject),
            string_type_note(issuer),
        ],
        vec![
            "validity notBefore".into(),
            time_cell(p.times, &not_before_pattern(&p.validity.not_before)),
            p.validity.not_before.to_string(),
        ],
        vec![
            "validity notAfter".into(),
            time_cell(p.times, &not_after_pattern(&p.validity.not_after)),
            validity_note(&p.validity.not_after),
        ],
        vec!["subject".into(), name_cell(&p.subject), string_type_note(p)],
        vec![
            "subjectPublicKeyInfo algorithm".into(),
            key_alg,
            "rsaEncryption".into(),
        ],
        vec![
            "subjectPublicKey".into(),
            "…".into(),
            format!("public key ({} bit)", p.key_bits),
        ],
    ];
    let mut tables = vec![t(
        &format!("Certificate profile `{}` ({})", p.name, p.role.keyword()),
        &["field", "value", "note"],
        rows,
    )];
    tables.push(t(
        &format!(
            "Extensions of `{}` (the complete set, in encoding order)",
            p.name
        ),
        &["extension", "critical", "value", "CPS rules"],
        extension_rows(p),
    ));
    if let Some(n) = &p.subscriber_name {
        tables.push(t(
            &format!("Subscriber name of `{}`", p.name),
            &["template", "fiscal year starts", "CPS rules"],
            vec![vec![
                n.template.to_string(),
                format!(
                    "{} {}",
                    crate::lang::MONTHS[usize::from(n.fiscal_year_starts.0 - 1)],
                    n.fiscal_year_starts.1
                ),
                cites(&n.cites),
            ]],
        ));
    }
    tables
}

/// Builds the document for a compiled policy.
pub fn document(policy: &Policy, sha256: &str) -> Document {
    let mut sections = Vec::new();
    sections.push(Section {
        number: "1.2".into(),
        title: "Document name and identification".into(),
        intro: "Object identifiers assigned to this CA and this CPS.".into(),
        tables: vec![t(
            "OIDs",
            &["name", "OID", "CPS rules"],
            policy
                .oids
                .iter()
                .map(|o| vec![o.name.clone(), o.oid.to_string(), cites(&o.cites)])
                .collect(),
        )],
    });
    sections.push(Section {
        number: "3.1".into(),
        title: "Naming".into(),
        intro: "Issuer and subscriber names are X.500 distinguished names, attribute by attribute as below.".into(),
        tables: vec![t(
            "Names",
            &["profile", "name", "string type", "CPS rules"],
            policy.certificates.iter().map(|p| vec![p.name.clone(), name_cell(&p.subject), string_type_note(p), cites(&pick(&p.cites, "3.1"))]).collect(),
        )],
    });
    if let Some(r) = &policy.revocation {
        let mut tables = vec![t(
            "Revocation reasons",
            &["reason", "RFC 5280 CRLReason", "handling", "CPS rules"],
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
                )],
            });
        }
        sections.push(Section {
            number: "4.9".into(),
            title: "Revocation".into(),
            intro,
            tables,
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
                t("Events", &["event", "source", "category", "CPS rules"], a.events.iter().map(|e| vec![e.name.clone(), e.source.clone(), e.category.clone(), cites(&e.cites)]).collect()),
                t("Retention", &["records", "kept at least", "CPS rules"], a.retention.iter().map(|r| vec![r.category.clone(), r.keep.to_string(), cites(&r.cites)]).collect()),
            ],
        });
    }
    sections.push(Section {
        number: "6.1".into(),
        title: "Key pair generation and key sizes".into(),
        intro: "Subscribers generate their own key pairs and send PKCS#10 requests; CA key pairs are generated inside the cryptographic module.".into(),
        tables: vec![t("Key sizes", &["profile", "algorithm", "size", "CPS rules"], policy.certificates.iter().map(|p| vec![p.name.clone(), "RSA".into(), format!("{} bit", p.key_bits), cites(&pick(&p.cites, "KEY-SIZE"))]).collect())],
    });
    if let Some(k) = &policy.ca_keys {
        sections.push(Section {
            number: "6.2".into(),
            title: "Private key protection and activation".into(),
            intro: format!(
                "CA private keys are kept in {}; their activation data is split into {} shares held by different custodians, {} of which activate the keys.",
                if k.storage == KeyStorage::Hsm { "a hardware security module" } else { "encrypted files" },
                k.shares,
                k.threshold
            ),
            tables: Vec::new(),
        });
    }
    let mut tables = Vec::new();
    for p in &policy.certificates {
        tables.extend(profile_tables(policy, p));
    }
    sections.push(Section {
        number: "7.1".into(),
        title: "Certificate profiles".into(),
        intro: "In the shape of the CPS's Tables 6 to 8.".into(),
        tables,
    });
    let crl_tables = policy
        .crls
        .iter()
        .flat_map(|c| {
            let issuer = policy.certificate(&c.issuer);
            let times = |pattern: &str| time_cell(c.times, pattern);
            let exts: Vec<Vec<String>> = c
                .extensions
                .iter()
                .map(|e| {
                    vec![
                        match e {
                            CrlExtension::CrlNumber => "cRLNumber".to_string(),
                            CrlExtension::AuthorityKeyIdentifier => {
                                "authorityKeyIdentifier".to_string()
                            }
                        },
                        "FALSE".into(),
                        match e {
                            CrlExtension::CrlNumber => {
                                "one more than the previous CRL's".to_string()
                            }
                            CrlExtension::AuthorityKeyIdentifier => {
                                "keyIdentifier of the issuer".to_string()
                            }
                        },
                    ]
                })
                .collect();
            vec![
                t(
                    &format!("CRL of `{}` (Table 9)", c.issuer),
                    &["field", "value", "note"],
                    vec![
                        vec!["version".into(), "1".into(), "version 2".into()],
                        vec![
                            "signature".into(),
                            c.signature.oid().into(),
                            c.signature.keyword().into(),
                        ],
                        vec![
                            "issuer".into(),
                            issuer.map(|i| name_cell(&i.subject)).unwrap_or_default(),
                            issuer.map(string_type_note).unwrap_or_default(),
                        ],
                        vec!["thisUpdate".into(), times("YYMMDDhhmmssZ"), String::new()],
                        vec![
                            "nextUpdate".into(),
                            times("YYMMDDhhmmssZ"),
                            format!("thisUpdate + {}", c.next_update),
                        ],
                        vec![
                            "revokedCertificates userCertificate".into(),
                            "…".into(),
                            "serial number".into(),
                        ],
                        vec![
                            "revokedCertificates revocationDate".into(),
                            times("YYMMDDhhmmssZ"),
                            String::new(),
                        ],
                        vec![
                            "revokedCertificates reasonCode".into(),
                            "…".into(),
                            if c.entry_extensions.contains(&EntryExtension::ReasonCode) {
                                format!(
                                    "ENUMERATED; for unspecified(0): {}",
                                    c.unspecified_reason.keyword()
                                )
                            } else {
                                "absent".into()
                            },
                        ],
                    ],
                ),
                t(
                    &format!("CRL extensions of `{}`", c.issuer),
                    &["extension", "critical", "value"],
                    exts,
                ),
            ]
        })
        .collect();
    sections.push(Section {
        number: "7.2".into(),
        title: "CRL profile".into(),
        intro: "In the shape of the CPS's Table 9.".into(),
        tables: crl_tables,
    });
    Document {
        id: policy.id.clone(),
        title: policy.title.clone(),
        sha256: sha256.to_string(),
        sections,
    }
}

fn pick(cites: &[String], hint: &str) -> Vec<String> {
    cites.iter().filter(|c| c.contains(hint)).cloned().collect()
}

const MARKDOWN: &str = include_str!("../templates/cps.md.hbs");
const HTML: &str = include_str!("../templates/cps.html.hbs");

/// A CPS template failed to render (a template bug: the document is always complete).
#[derive(Debug, thiserror::Error)]
#[error("the CPS template `{template}` failed to render")]
pub struct RenderError {
    /// Which template.
    pub template: &'static str,
    /// What handlebars said.
    #[source]
    pub source: handlebars::RenderError,
}

/// Renders the document as Markdown.
pub fn markdown(doc: &Document) -> Result<String, RenderError> {
    let mut hb = handlebars::Handlebars::new();
    hb.register_escape_fn(|s| s.replace('|', "\\|"));
    hb.set_strict_mode(true);
    hb.render_template(MARKDOWN, doc)
        .map_err(|source| RenderError {
            template: "cps.md.hbs",
            source,
        })
}

/// Renders the document as a standalone HTML page (no external assets).
pub fn html(doc: &Document) -> Result<String, RenderError> {
    let mut hb = handlebars::Handlebars::new();
    // HTML-escape, but keep the line breaks the cells use.
    hb.register_escape_fn(|s| handlebars::html_escape(s).replace("&lt;br&gt;", "<br>"));
    hb.set_strict_mode(true);
    hb.render_template(HTML, doc).map_err(|source| RenderError {
        template: "cps.html.hbs",
        source,
    })
}
