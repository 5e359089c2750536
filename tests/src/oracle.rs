//! The independent oracle: certificates the runtime issued, checked against the policy
//! *model* the compiler builds from the YAML, parsing DER with x509-parser (not the
//! x509-cert crate that built it) and computing expected dates with chrono (not the
//! runtime's calendar). It shares no code with `inkan_runtime::conformance`. Because it
//! reads its expectations from the compiler's model, a misreading in the compiler is
//! invisible to it: `cps_expect.rs` checks the same certificates and CRLs against the
//! CPS as transcribed by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support code: a panic is a failed test.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use inkan_compiler::model::{self, Extension, NotAfter, NotBefore, Piece, RdnValue, StringType};
use inkan_runtime::calendar::Timestamp;
use x509_parser::prelude::*;

fn chrono_at(t: Timestamp) -> DateTime<Utc> {
    Utc.timestamp_opt(t.unix(), 0).unwrap()
}

/// Expected notBefore, from the model's rule and the issue instant.
pub fn expected_not_before(rule: &NotBefore, issued: Timestamp) -> DateTime<Utc> {
    let issued = chrono_at(issued);
    match rule {
        NotBefore::IssueInstant => issued,
        NotBefore::IssueDateAt(t) => issued
            .date_naive()
            .and_hms_opt(t.hour.into(), t.minute.into(), t.second.into())
            .unwrap()
            .and_utc(),
    }
}

fn add(d: DateTime<Utc>, span: &model::Duration) -> DateTime<Utc> {
    let months = span.years * 12 + span.months;
    d.checked_add_months(Months::new(months)).unwrap()
        + chrono::Duration::days(i64::from(span.weeks * 7 + span.days))
        + chrono::Duration::hours(span.hours.into())
}

/// Expected notAfter, from the model's rule and notBefore.
pub fn expected_not_after(rule: &NotAfter, not_before: DateTime<Utc>) -> DateTime<Utc> {
    match rule {
        NotAfter::NotBeforePlus(span) => add(not_before, span),
        NotAfter::IssueDatePlus { span, at } => add(not_before, span)
            .date_naive()
            .and_hms_opt(at.hour.into(), at.minute.into(), at.second.into())
            .unwrap()
            .and_utc(),
        NotAfter::LastDateNotLaterThan {
            month,
            day,
            at,
            span,
        } => {
            let cap = add(not_before, span);
            (0..=1)
                .map(|back| {
                    NaiveDate::from_ymd_opt(cap.year() - back, (*month).into(), (*day).into())
                        .unwrap()
                        .and_hms_opt(at.hour.into(), at.minute.into(), at.second.into())
                        .unwrap()
                        .and_utc()
                })
                .find(|c| *c <= cap)
                .unwrap()
        }
    }
}

/// The fiscal year of a date, for a year starting on (month, day).
pub fn fiscal_year(d: DateTime<Utc>, start: (u8, u8)) -> i32 {
    if (d.month(), d.day()) >= (start.0.into(), start.1.into()) {
        d.year()
    } else {
        d.year() - 1
    }
}

/// The subject CN the oracle expects: the template filled by hand.
pub fn expected_name(
    template: &model::Template,
    fields: &[(&str, u64)],
    fy: i32,
    sequence: u8,
) -> String {
    template
        .pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(s) => s.clone(),
            Piece::Number { field, digits } => format!(
                "{:0w$}",
                fields.iter().find(|(f, _)| f == field).unwrap().1,
                w = usize::from(*digits)
            ),
            Piece::FiscalYear { digits } => {
                if *digits == 2 {
                    format!("{:02}", fy % 100)
                } else {
                    format!("{fy:04}")
                }
            }
            Piece::Sequence => char::from(b'a' + sequence).to_string(),
        })
        .collect()
}

fn tag_of(t: StringType) -> u32 {
    match t {
        StringType::Printable => 19,
        StringType::Utf8 => 12,
        StringType::Ia5 => 22,
    }
}

/// What the oracle knows beyond the policy: the issuer and the instant.
pub struct Expect<'a> {
    /// The issuer's certificate DER (the certificate itself for a root).
    pub issuer_der: &'a [u8],
    /// The issue instant.
    pub issued: Timestamp,
    /// The expected subject CN for subscribers.
    pub cn: Option<String>,
}

/// Checks a certificate against a profile of the model; returns every mismatch.
pub fn check_certificate(
    policy: &model::Policy,
    profile: &str,
    der: &[u8],
    expect: &Expect<'_>,
) -> Vec<String> {
    let mut bad = Vec::new();
    let p = policy.certificate(profile).unwrap();
    let (rest, cert) = X509Certificate::from_der(der).expect("x509-parser reads the certificate");
    if !rest.is_empty() {
        bad.push("trailing bytes".into());
    }
    let (_, issuer) = X509Certificate::from_der(expect.issuer_der).unwrap();
    let tbs = &cert.tbs_certificate;
    if tbs.version != X509Version::V3 {
        bad.push(format!("version {:?}", tbs.version));
    }
    let serial = tbs.raw_serial();
    if serial.is_empty() || serial.len() > 20 || serial[0] & 0x80 != 0 || serial.len() < 9 {
        bad.push(format!(
            "serial {} is not positive with >= 64 random bits in <= 20 octets",
            hex_of(serial)
        ));
    }
    if tbs.signature.algorithm.to_id_string() != p.signature.oid()
        || cert.signature_algorithm.algorithm.to_id_string() != p.signature.oid()
    {
        bad.push(format!(
            "signature algorithm {}",
            tbs.signature.algorithm.to_id_string()
        ));
    }
    if tbs.issuer.as_raw() != issuer.tbs_certificate.subject.as_raw() {
        bad.push("issuer is not the issuing CA's subject".into());
    }
    // Subject: attribute by attribute, in policy order, with the policy's string types.
    let rdns: Vec<_> = tbs.subject.iter().collect();
    if rdns.len() != p.subject.rdns.len() {
        bad.push(format!(
            "{} RDNs, policy has {}",
            rdns.len(),
            p.subject.rdns.len()
        ));
    }
    for (rdn, want) in rdns.iter().zip(&p.subject.rdns) {
        let atv = rdn.iter().next().unwrap();
        if atv.attr_type().to_id_string() != want.attribute.oid() {
            bad.push(format!(
                "attribute {} where policy has {}",
                atv.attr_type().to_id_string(),
                want.attribute.short()
            ));
        }
        let t = want
            .string_type
            .or(want.attribute.fixed_string_type())
            .unwrap_or(p.string_type);
        if atv.attr_value().header.tag().0 != tag_of(t) {
            bad.push(format!(
                "{} has tag {}, policy wants {:?}",
                want.attribute.short(),
                atv.attr_value().header.tag().0,
                t
            ));
        }
        let value = atv.as_str().unwrap_or_default().to_string();
        match &want.value {
            RdnValue::Literal(v) if *v != value => bad.push(format!(
                "{} = {value:?}, policy has {v:?}",
                want.attribute.short()
            )),
            RdnValue::Placeholder(ph) if ph == "name" && expect.cn.as_deref() != Some(&value) => {
                bad.push(format!("CN {value:?}, expected {:?}", expect.cn))
            }
            _ => {}
        }
    }
    // Validity, computed independently; UTCTime before 2050 only.
    let nb = expected_not_before(&p.validity.not_before, expect.issued);
    let na = expected_not_after(&p.validity.not_after, nb);
    let v = &tbs.validity;
    if v.not_before.timestamp() != nb.timestamp() {
        bad.push(format!("notBefore {} expected {nb}", v.not_before));
    }
    if v.not_after.timestamp() != na.timestamp() {
        bad.push(format!("notAfter {} expected {na}", v.not_after));
    }
    for (name, t, when) in [
        ("notBefore", &v.not_before, nb),
        ("notAfter", &v.not_after, na),
    ] {
        if t.is_utctime() != (when.year() < 2050) {
            bad.push(format!(
                "{name} in {} encoded as {}",
                when.year(),
                if t.is_utctime() {
                    "UTCTime"
                } else {
                    "GeneralizedTime"
                }
            ));
        }
    }
    // Key.
    if tbs.subject_pki.algorithm.algorithm.to_id_string() != "1.2.840.113549.1.1.1" {
        bad.push("key is not rsaEncryption".into());
    }
    match tbs.subject_pki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            if rsa.key_size() != p.key_bits as usize {
                bad.push(format!(
                    "{}-bit key, policy requires {}",
                    rsa.key_size(),
                    p.key_bits
                ));
            }
        }
        _ => bad.push("RSA key does not parse".into()),
    }
    // Extensions: exactly the policy's, in its order, with its criticality and values.
    let exts = tbs.extensions();
    if exts.len() != p.extensions.len() {
        bad.push(format!(
            "{} extensions, policy has {}",
            exts.len(),
            p.extensions.len()
        ));
    }
    for (ext, rule) in exts.iter().zip(&p.extensions) {
        if ext.oid.to_id_string() != rule.extension.oid() {
            bad.push(format!(
                "extension {} where policy has {}",
                ext.oid.to_id_string(),
                rule.extension.asn1_name()
            ));
            continue;
        }
        if ext.critical != rule.critical {
            bad.push(format!(
                "{} critical={} policy {}",
                rule.extension.asn1_name(),
                ext.critical,
                rule.critical
            ));
        }
        let ok = match (&rule.extension, ext.parsed_extension()) {
            (
                Extension::BasicConstraints { ca, path_len },
                ParsedExtension::BasicConstraints(bc),
            ) => bc.ca == *ca && bc.path_len_constraint == path_len.map(u32::from),
            (Extension::KeyUsage(bits), ParsedExtension::KeyUsage(ku)) => {
                ku.flags == bits.iter().fold(0u16, |acc, b| acc | (1 << b.bit()))
            }
            (Extension::ExtendedKeyUsage(purposes), ParsedExtension::ExtendedKeyUsage(eku)) => {
                let mut got = Vec::new();
                if eku.client_auth {
                    got.push("1.3.6.1.5.5.7.3.2")
                }
                if eku.server_auth {
                    got.push("1.3.6.1.5.5.7.3.1")
                }
                if eku.email_protection {
                    got.push("1.3.6.1.5.5.7.3.4")
                }
                got.sort_unstable();
                let mut want: Vec<&str> = purposes.iter().map(|p| p.oid()).collect();
                want.sort_unstable();
                got == want && eku.other.is_empty()
            }
            (Extension::NetscapeCertType(types), ParsedExtension::NSCertType(ns)) => {
                let raw = ext.value;
                // BIT STRING: tag, length, unused bits, then the flag byte (MSB = bit 0).
                let flags = raw.get(3).copied().unwrap_or(0);
                let _ = ns;
                flags == types.iter().fold(0u8, |acc, t| acc | (0x80 >> t.bit()))
            }
            (
                Extension::CrlDistributionPoints(uris),
                ParsedExtension::CRLDistributionPoints(dps),
            ) => {
                let got: Vec<String> = dps
                    .points
                    .iter()
                    .flat_map(|dp| match &dp.distribution_point {
                        Some(DistributionPointName::FullName(names)) => names
                            .iter()
                            .filter_map(|n| match n {
                                GeneralName::URI(u) => Some(u.to_string()),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                got == *uris
            }
            (Extension::CertificatePolicies(infos), ParsedExtension::CertificatePolicies(pols)) => {
                pols.len() == infos.len()
                    && pols.iter().zip(infos).all(|(got, want)| {
                        got.policy_id.to_id_string() == want.oid.to_string()
                            && match (&got.policy_qualifiers, &want.cps_uri) {
                                (Some(q), Some(uri)) => {
                                    q.len() == 1
                                        && q[0].policy_qualifier_id.to_id_string()
                                            == "1.3.6.1.5.5.7.2.1"
                                        && q[0].qualifier.get(2..) == Some(uri.as_bytes())
                                }
                                (None, None) => true,
                                _ => false,
                            }
                    })
            }
            (Extension::SubjectAltName(dn), ParsedExtension::SubjectAlternativeName(san)) => {
                match san.general_names.as_slice() {
                    [GeneralName::DirectoryName(name)] => name.iter().count() == dn.rdns.len(),
                    _ => false,
                }
            }
            (Extension::SubjectKeyIdentifier(_), ParsedExtension::SubjectKeyIdentifier(ki)) => {
                use crate::sha1_oracle::sha1;
                ki.0 == sha1(tbs.subject_pki.subject_public_key.data.as_ref()).as_slice()
            }
            (
                Extension::AuthorityKeyIdentifier(_),
                ParsedExtension::AuthorityKeyIdentifier(aki),
            ) => {
                let issuer_ski = issuer.tbs_certificate.extensions().iter().find_map(|e| {
                    match e.parsed_extension() {
                        ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
                        _ => None,
                    }
                });
                aki.key_identifier.as_ref().map(|k| k.0.to_vec())
                    == issuer_ski.or_else(|| {
                        Some(
                            crate::sha1_oracle::sha1(
                                issuer
                                    .tbs_certificate
                                    .subject_pki
                                    .subject_public_key
                                    .data
                                    .as_ref(),
                            )
                            .to_vec(),
                        )
                    })
            }
            _ => false,
        };
        if !ok {
            bad.push(format!(
                "{} value differs from the policy",
                rule.extension.asn1_name()
            ));
        }
    }
    if cert.verify_signature(Some(issuer.public_key())).is_err() {
        bad.push("signature does not verify with the issuer's key".into());
    }
    bad
}

/// Lower-case hex.
pub fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
