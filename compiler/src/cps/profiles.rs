//! The certificate-profile cells of the CPS (3.1 names, 7.1 Tables 6-8, 7.2 times):
//! names as the CPS writes them, string types, time patterns, validity notes and
//! extension rows.

use super::table::{Table, cites, t};
use crate::model::*;

/// The CPS's way of writing a name: `c=jp o=... cn=...`, one attribute per line.
pub(super) fn name_cell(dn: &Dn) -> String {
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

pub(super) fn string_type_note(p: &CertificateProfile) -> String {
    let t = match p.string_type {
        StringType::Printable => "PrintableString",
        StringType::Utf8 => "UTF8String",
        StringType::Ia5 => "IA5String",
    };
    format!("written as {t}")
}

pub(super) fn time_cell(encoding: TimeEncoding, pattern: &str) -> String {
    match encoding {
        TimeEncoding::UtcTime => format!("{pattern} (UTCTime; GeneralizedTime from 2050)"),
        TimeEncoding::Rfc5280 => {
            format!("{pattern} (UTCTime through 2049, GeneralizedTime from 2050)")
        }
    }
}

pub(super) fn validity_note(rule: &NotAfter) -> String {
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

pub(super) fn not_after_pattern(rule: &NotAfter) -> String {
    let at = match rule {
        NotAfter::IssueDatePlus { at, .. } | NotAfter::LastDateNotLaterThan { at, .. } => *at,
        NotAfter::NotBeforePlus(_) => return "YYMMDDhhmmssZ".into(),
    };
    format!("YYMMDD{:02}{:02}{:02}Z", at.hour, at.minute, at.second)
}

pub(super) fn not_before_pattern(rule: &NotBefore) -> String {
    match rule {
        NotBefore::IssueDateAt(at) => {
            format!("YYMMDD{:02}{:02}{:02}Z", at.hour, at.minute, at.second)
        }
        NotBefore::IssueInstant => "YYMMDDhhmmssZ".into(),
    }
}

pub(super) fn extension_rows(p: &CertificateProfile) -> Vec<Vec<String>> {
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
pub(super) fn profile_tables(policy: &Policy, p: &CertificateProfile) -> Vec<Table> {
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
