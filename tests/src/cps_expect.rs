//! The second oracle: what the CPS says each certificate and CRL must contain, written
//! out by hand from its Tables 6 to 9 (and, for the 2026 policy, from that policy's own
//! departures, read off `policy/jpcert-ssl-client-2026.yaml` by a person), with no
//! code or data from the compiler. `oracle.rs` checks issued DER against the compiled
//! model; a misreading in the compiler's lowering is shared by the model and the code
//! it drives, so that oracle cannot see it. This one can: it knows the profiles
//! without the YAML.
//!
//! Everything is compared by value: every subject attribute (OID, string type, text),
//! every extension (OID, criticality, decoded value: key usage bits, the CRL
//! distribution point, the policy identifier and CPS URI, the subjectAltName's
//! directory name, key identifiers recomputed from the keys), validity instants
//! computed with chrono from the CPS's words, and the CRL's fields and entries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support code: a panic is a failed test.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use x509_parser::prelude::*;

/// One subject or issuer attribute: OID, ASN.1 string tag, and its text (`None`: the
/// subscriber name, given per certificate).
type Attribute = (&'static str, u32, Option<&'static str>);

const PRINTABLE: u32 = 19;
const C: &str = "2.5.4.6";
const O: &str = "2.5.4.10";
const OU: &str = "2.5.4.11";
const CN: &str = "2.5.4.3";
const JPCERT: &str = "Japan Computer Emergency Response Team Coordination Center";
const ROOT_CN: &str = "JPCERT/CC Root CA";
const ICA_CN: &str = "JPCERT/CC CA for SSL Clients";
const CRL_URL: &str = "http://www.jpcert.or.jp/ca-info/crl-list.crl";
const CPS_URL: &str = "http://www.jpcert.or.jp/ca-info/jpcert-cps.pdf";
const CPS_OID: &str = "1.2.392.200212.1.1.1";
const SHA1_RSA: &str = "1.2.840.113549.1.1.5";
const SHA256_RSA: &str = "1.2.840.113549.1.1.11";

/// What a certificate of one profile must hold.
struct Profile {
    subject: Vec<Attribute>,
    key_bits: usize,
    signature: &'static str,
    /// Years after the issue date the certificate ends (CA certificates); `None`: the
    /// subscriber rule (April 30 of the fiscal year's end).
    years: Option<i32>,
    /// Extensions in order: OID and criticality.
    extensions: Vec<(&'static str, bool)>,
}

/// The CPS's Tables 6-8 (`jpcert-ssl-client`), or the 2026 policy's profiles.
fn profile(policy: &str, name: &str) -> Profile {
    let modern = policy == "jpcert-ssl-client-2026";
    let country = if modern { "JP" } else { "jp" };
    let (bits, signature) = if modern {
        (2048, SHA256_RSA)
    } else {
        (1024, SHA1_RSA)
    };
    let (ku, bc, ski, aki, san, ns, eku, crl_dp, cp) = (
        "2.5.29.15",
        "2.5.29.19",
        "2.5.29.14",
        "2.5.29.35",
        "2.5.29.17",
        "2.16.840.1.113730.1.1",
        "2.5.29.37",
        "2.5.29.31",
        "2.5.29.32",
    );
    // The CPS marks every extension non-critical; the 2026 policy makes basicConstraints
    // and keyUsage critical (RFC 5280 4.2.1.9, 4.2.1.3).
    let critical = modern;
    match name {
        // Table 6.
        "root" => Profile {
            subject: vec![
                (C, PRINTABLE, Some(country)),
                (O, PRINTABLE, Some(JPCERT)),
                (CN, PRINTABLE, Some(ROOT_CN)),
            ],
            key_bits: bits,
            signature,
            years: Some(10),
            extensions: if modern {
                vec![(ku, true), (bc, true), (ski, false)]
            } else {
                vec![(ku, false), (bc, false)]
            },
        },
        // Table 7.
        "ssl-clients" => Profile {
            subject: vec![
                (C, PRINTABLE, Some(country)),
                (O, PRINTABLE, Some(JPCERT)),
                (CN, PRINTABLE, Some(ICA_CN)),
            ],
            key_bits: bits,
            signature,
            years: Some(5),
            extensions: if modern {
                vec![
                    (ku, true),
                    (bc, true),
                    (ski, false),
                    (aki, false),
                    (san, false),
                ]
            } else {
                vec![(ku, false), (bc, false), (ns, false), (san, false)]
            },
        },
        // Table 8.
        "ssl-client" => Profile {
            subject: vec![
                (O, PRINTABLE, Some(JPCERT)),
                (OU, PRINTABLE, Some(ICA_CN)),
                (CN, PRINTABLE, None),
            ],
            key_bits: bits,
            signature,
            years: None,
            extensions: if modern {
                vec![
                    (bc, critical),
                    (ku, critical),
                    (eku, false),
                    (aki, false),
                    (ski, false),
                    (crl_dp, false),
                    (cp, false),
                ]
            } else {
                vec![
                    (bc, false),
                    (ku, false),
                    (crl_dp, false),
                    (ns, false),
                    (cp, false),
                ]
            },
        },
        other => panic!("no profile {other} in {policy}"),
    }
}

/// notBefore: the issue date at 00:00:00 UTC (Tables 6-8).
fn not_before(issued: DateTime<Utc>) -> DateTime<Utc> {
    Utc.from_utc_datetime(&issued.date_naive().and_hms_opt(0, 0, 0).unwrap())
}

/// notAfter: `years` after the issue date at 23:59:59 (Tables 6, 7); for subscribers
/// (R-7.1-SUB-VALIDITY) April 30 at 23:59:59 of the year the fiscal year of issue ends:
/// issued from April 1 of N to March 31 of N+1, it ends on April 30 of N+1.
fn not_after(issued: DateTime<Utc>, years: Option<i32>) -> DateTime<Utc> {
    let date = match years {
        Some(y) => {
            let d = issued.date_naive();
            NaiveDate::from_ymd_opt(d.year() + y, d.month(), d.day())
                // February 29 has no twin in a common year: the last day of February.
                .unwrap_or_else(|| NaiveDate::from_ymd_opt(d.year() + y, 2, 28).unwrap())
        }
        None => {
            let fiscal = if issued.month() >= 4 {
                issued.year()
            } else {
                issued.year() - 1
            };
            NaiveDate::from_ymd_opt(fiscal + 1, 4, 30).unwrap()
        }
    };
    Utc.from_utc_datetime(&date.and_hms_opt(23, 59, 59).unwrap())
}

/// A certificate and what it is checked against.
pub struct Certificate<'a> {
    /// `jpcert-ssl-client` or `jpcert-ssl-client-2026`.
    pub policy: &'a str,
    /// `root`, `ssl-clients` or `ssl-client`.
    pub profile: &'a str,
    /// The certificate.
    pub der: &'a [u8],
    /// Its issuer's certificate (itself for the root).
    pub issuer_der: &'a [u8],
    /// When it was issued.
    pub issued: DateTime<Utc>,
    /// The subscriber name it must carry (`SSL-...`), for subscriber certificates.
    pub cn: Option<&'a str>,
    /// The HSM token number the issuing CA's subjectAltName must carry.
    pub token: &'a str,
}

/// SHA-1 of a key's subjectPublicKey bits: RFC 5280 4.2.1.2 method 1.
fn key_id(spki: &SubjectPublicKeyInfo<'_>) -> Vec<u8> {
    crate::sha1_oracle::sha1(&spki.subject_public_key.data).to_vec()
}

/// Checks a certificate against the CPS; returns every mismatch.
pub fn check_certificate(c: &Certificate<'_>) -> Vec<String> {
    let mut bad = Vec::new();
    let want = profile(c.policy, c.profile);
    let (_, cert) = X509Certificate::from_der(c.der).expect("a certificate");
    let (_, issuer) = X509Certificate::from_der(c.issuer_der).expect("its issuer");
    let tbs = &cert.tbs_certificate;
    if tbs.version != X509Version::V3 {
        bad.push(format!("version {:?}", tbs.version));
    }
    for (what, oid) in [
        ("signature", tbs.signature.algorithm.to_id_string()),
        (
            "signatureAlgorithm",
            cert.signature_algorithm.algorithm.to_id_string(),
        ),
    ] {
        if oid != want.signature {
            bad.push(format!("{what} {oid}, the CPS says {}", want.signature));
        }
    }
    let subject: Vec<(String, u32, String)> = tbs
        .subject
        .iter()
        .flat_map(|rdn| rdn.iter())
        .map(|a| {
            (
                a.attr_type().to_id_string(),
                a.attr_value().header.tag().0,
                a.as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let wanted: Vec<(String, u32, String)> = want
        .subject
        .iter()
        .map(|(oid, tag, text)| {
            (
                (*oid).to_string(),
                *tag,
                text.map_or_else(|| c.cn.unwrap_or_default().to_string(), str::to_string),
            )
        })
        .collect();
    if subject != wanted {
        bad.push(format!("subject {subject:?}, the CPS says {wanted:?}"));
    }
    if tbs.issuer.as_raw() != issuer.tbs_certificate.subject.as_raw() {
        bad.push("issuer is not the issuing CA's subject".into());
    }
    let (nb, na) = (not_before(c.issued), not_after(c.issued, want.years));
    if tbs.validity.not_before.timestamp() != nb.timestamp() {
        bad.push(format!(
            "notBefore {}, the CPS says {nb}",
            tbs.validity.not_before
        ));
    }
    if tbs.validity.not_after.timestamp() != na.timestamp() {
        bad.push(format!(
            "notAfter {}, the CPS says {na}",
            tbs.validity.not_after
        ));
    }
    match tbs.subject_pki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) if rsa.key_size() == want.key_bits => {}
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => bad.push(format!(
            "{}-bit RSA key, the CPS says {}",
            rsa.key_size(),
            want.key_bits
        )),
        _ => bad.push("not an RSA key".into()),
    }
    let got: Vec<(String, bool)> = tbs
        .extensions()
        .iter()
        .map(|e| (e.oid.to_id_string(), e.critical))
        .collect();
    let wanted: Vec<(String, bool)> = want
        .extensions
        .iter()
        .map(|(o, crit)| ((*o).to_string(), *crit))
        .collect();
    if got != wanted {
        bad.push(format!("extensions {got:?}, the CPS says {wanted:?}"));
    }
    for e in tbs.extensions() {
        if let Some(problem) = extension_value(c, &cert, &issuer, e) {
            bad.push(problem);
        }
    }
    bad
}

/// The value of one extension, against the CPS; `None` when it is right.
fn extension_value(
    c: &Certificate<'_>,
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    e: &X509Extension<'_>,
) -> Option<String> {
    let ca = c.profile != "ssl-client";
    let modern = c.policy == "jpcert-ssl-client-2026";
    if e.oid.to_id_string() == "2.16.840.1.113730.1.1" {
        // netscapeCertType: a BIT STRING, compared as DER; bit 0 sslClient
        // (subscribers), bit 5 sslCA (the issuing CA), trailing zero bits dropped.
        let want: &[u8] = if ca {
            &[0x03, 0x02, 0x02, 0x04]
        } else {
            &[0x03, 0x02, 0x07, 0x80]
        };
        return (e.value != want).then(|| format!("netscapeCertType {:02x?}", e.value));
    }
    match e.parsed_extension() {
        ParsedExtension::KeyUsage(ku) => {
            let want = if ca {
                (false, false, true, true)
            } else {
                (true, true, false, false)
            };
            let got = (
                ku.digital_signature(),
                ku.key_encipherment(),
                ku.key_cert_sign(),
                ku.crl_sign(),
            );
            let others = ku.non_repudiation()
                || ku.data_encipherment()
                || ku.key_agreement()
                || ku.encipher_only()
                || ku.decipher_only();
            (got != want || others).then(|| format!("keyUsage {ku}"))
        }
        ParsedExtension::BasicConstraints(bc) => {
            let want = match c.profile {
                "root" => (true, Some(1)),
                "ssl-clients" => (true, Some(0)),
                _ => (false, None),
            };
            ((bc.ca, bc.path_len_constraint) != want).then(|| format!("basicConstraints {bc:?}"))
        }
        ParsedExtension::CRLDistributionPoints(points) => {
            let uris: Vec<String> = points
                .points
                .iter()
                .flat_map(|p| match &p.distribution_point {
                    Some(DistributionPointName::FullName(names)) => names.clone(),
                    _ => Vec::new(),
                })
                .map(|n| match n {
                    GeneralName::URI(u) => u.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            (uris != [CRL_URL]).then(|| format!("cRLDistributionPoints {uris:?}"))
        }
        ParsedExtension::CertificatePolicies(policies) => {
            let got: Vec<(String, Vec<String>)> = policies
                .iter()
                .map(|p| {
                    let qualifiers = p
                        .policy_qualifiers
                        .iter()
                        .flatten()
                        .map(|q| {
                            format!(
                                "{}={}",
                                q.policy_qualifier_id.to_id_string(),
                                String::from_utf8_lossy(q.qualifier)
                                    .trim_start_matches(|ch: char| !ch.is_ascii_alphabetic())
                            )
                        })
                        .collect();
                    (p.policy_id.to_id_string(), qualifiers)
                })
                .collect();
            let want = vec![(
                CPS_OID.to_string(),
                vec![format!("1.3.6.1.5.5.7.2.1={CPS_URL}")],
            )];
            (got != want).then(|| format!("certificatePolicies {got:?}"))
        }
        ParsedExtension::SubjectAlternativeName(san) => {
            // R-7.1-ICA: a directoryName whose commonName is the HSM token number.
            let names: Vec<Vec<(String, String)>> = san
                .general_names
                .iter()
                .map(|n| match n {
                    GeneralName::DirectoryName(dn) => dn
                        .iter()
                        .flat_map(|rdn| rdn.iter())
                        .map(|a| {
                            (
                                a.attr_type().to_id_string(),
                                a.as_str().unwrap_or_default().to_string(),
                            )
                        })
                        .collect(),
                    other => vec![("?".into(), format!("{other:?}"))],
                })
                .collect();
            let want = vec![vec![(CN.to_string(), c.token.to_string())]];
            (names != want).then(|| format!("subjectAltName {names:?}, the CPS says {want:?}"))
        }
        ParsedExtension::ExtendedKeyUsage(eku) => {
            let fine = eku.client_auth
                && !eku.server_auth
                && !eku.any
                && !eku.code_signing
                && !eku.email_protection
                && eku.other.is_empty();
            (!fine || !modern).then(|| format!("extendedKeyUsage {eku:?}"))
        }
        ParsedExtension::SubjectKeyIdentifier(ski) => (ski.0
            != key_id(&cert.tbs_certificate.subject_pki).as_slice())
        .then(|| "subjectKeyIdentifier is not SHA-1 of the key".to_string()),
        ParsedExtension::AuthorityKeyIdentifier(aki) => {
            let want = key_id(&issuer.tbs_certificate.subject_pki);
            (aki.key_identifier.as_ref().map(|k| k.0) != Some(want.as_slice())
                || aki.authority_cert_issuer.is_some())
            .then(|| "authorityKeyIdentifier is not the issuer's key id".to_string())
        }
        other => Some(format!("an extension the CPS does not list: {other:?}")),
    }
}

/// The RFC 5280 reason code of each of the CPS's revocation reasons (R-4.9-REASONS), as
/// both policies map them: compromise is keyCompromise, loss and other reasons are
/// unspecified, ceasing to use is cessationOfOperation, removal from the developer list
/// is affiliationChanged.
pub fn reason_code(reason: &str) -> u8 {
    match reason {
        "key-compromise" => 1,
        "cessation-of-use" => 5,
        "developer-removed" => 3,
        "key-loss" | "other" => 0,
        other => panic!("no CPS reason {other}"),
    }
}

/// A CRL and what it is checked against.
pub struct Crl<'a> {
    /// The policy.
    pub policy: &'a str,
    /// The CRL.
    pub der: &'a [u8],
    /// The issuing CA's certificate.
    pub issuer_der: &'a [u8],
    /// When it was made.
    pub this_update: DateTime<Utc>,
    /// Its number.
    pub number: u64,
    /// Each revoked, unexpired serial (lower-case hex), when it was revoked, and the
    /// RFC 5280 reason code the policy maps its reason to.
    pub revoked: Vec<(String, DateTime<Utc>, u8)>,
}

/// Checks a CRL against the CPS's Table 9 (and the 2026 policy's departures).
pub fn check_crl(c: &Crl<'_>) -> Vec<String> {
    let mut bad = Vec::new();
    let modern = c.policy == "jpcert-ssl-client-2026";
    let (_, crl) = CertificateRevocationList::from_der(c.der).expect("a CRL");
    let (_, issuer) = X509Certificate::from_der(c.issuer_der).expect("its issuer");
    let tbs = &crl.tbs_cert_list;
    if tbs.version != Some(X509Version::V2) {
        bad.push(format!("version {:?}", tbs.version));
    }
    let signature = if modern { SHA256_RSA } else { SHA1_RSA };
    if tbs.signature.algorithm.to_id_string() != signature {
        bad.push(format!(
            "signature {}",
            tbs.signature.algorithm.to_id_string()
        ));
    }
    if tbs.issuer.as_raw() != issuer.tbs_certificate.subject.as_raw() {
        bad.push("issuer is not the issuing CA's subject".into());
    }
    if tbs.this_update.timestamp() != c.this_update.timestamp() {
        bad.push(format!("thisUpdate {}", tbs.this_update));
    }
    // nextUpdate = thisUpdate + 4 days.
    let next = c.this_update + chrono::Duration::days(4);
    if tbs.next_update.map(|t| t.timestamp()) != Some(next.timestamp()) {
        bad.push(format!(
            "nextUpdate {:?}, the CPS says {next}",
            tbs.next_update
        ));
    }
    for (what, t) in [
        ("thisUpdate", Some(&tbs.this_update)),
        ("nextUpdate", tbs.next_update.as_ref()),
    ] {
        if let Some(t) = t
            && t.to_datetime().year() < 2050
            && !t.is_utctime()
        {
            bad.push(format!("{what} is not UTCTime"));
        }
    }
    // Extensions: cRLNumber, non-critical (and the 2026 policy's authorityKeyIdentifier).
    let got: Vec<(String, bool)> = tbs
        .extensions()
        .iter()
        .map(|e| (e.oid.to_id_string(), e.critical))
        .collect();
    let mut want = vec![("2.5.29.20".to_string(), false)];
    if modern {
        want.push(("2.5.29.35".to_string(), false));
    }
    if got != want {
        bad.push(format!("extensions {got:?}, the CPS says {want:?}"));
    }
    let number = crl.crl_number().map(|n| n.to_u64_digits());
    if number.as_deref() != Some(&[c.number][..]) {
        bad.push(format!("cRLNumber {number:?}, expected {}", c.number));
    }
    // Entries: serial, revocationDate (UTCTime), reasonCode. The faithful policy writes
    // reasonCode even for unspecified (Table 9 gives every entry one); the 2026 policy
    // omits unspecified(0) as RFC 5280 5.3.1 asks.
    let got: Vec<(String, i64, Option<u8>)> = crl
        .iter_revoked_certificates()
        .map(|r| {
            (
                crate::hex_of(r.raw_serial()),
                r.revocation_date.timestamp(),
                r.reason_code().map(|(_, code)| code.0),
            )
        })
        .collect();
    let mut wanted: Vec<(String, i64, Option<u8>)> = c
        .revoked
        .iter()
        .map(|(serial, when, code)| {
            (
                serial.clone(),
                when.timestamp(),
                (*code != 0 || !modern).then_some(*code),
            )
        })
        .collect();
    wanted.sort();
    let mut sorted = got.clone();
    sorted.sort();
    if sorted != wanted {
        bad.push(format!("entries {got:?}, expected {wanted:?}"));
    }
    if crl
        .iter_revoked_certificates()
        .any(|r| !r.revocation_date.is_utctime() && r.revocation_date.to_datetime().year() < 2050)
    {
        bad.push("a revocationDate is not UTCTime".into());
    }
    bad
}
