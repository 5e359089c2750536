//! Checking a TBSCertificate or CRL against its profile, field by field.
//!
//! The issuance pipeline runs this on every TBS before the real key signs (Boulder's
//! lint-then-sign): a finding means nothing is signed. `inkan check` runs the same
//! checks on any certificate or CRL a user hands it. The independent oracle, which
//! shares no code with this module, lives in the test suite.

use std::fmt;

use der::{Decode, Encode, Tagged};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::crl::{RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectAltName, name::GeneralName};
use x509_cert::name::Name;
use x509_cert::time::Time;

use crate::calendar::Timestamp;
use crate::policy::{
    AttributeValue, CertificateProfile, CrlProfile, Extension, NameAttribute, Policy, StringType,
};
use crate::x509::{self, ExtensionContext};

/// One way a certificate or CRL departs from its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The field (`validity.notAfter`, `extensions[2]`).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// CPS rules behind the field.
    pub rules: Vec<&'static str>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)?;
        if !self.rules.is_empty() {
            write!(f, " [{}]", self.rules.join(", "))?;
        }
        Ok(())
    }
}

struct Findings {
    list: Vec<Finding>,
    rules: &'static [&'static str],
}

impl Findings {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.list.push(Finding {
            field: field.into(),
            message: message.into(),
            rules: self.rules.to_vec(),
        });
    }
    fn expect<T: PartialEq + fmt::Debug>(&mut self, field: &str, found: T, expected: T) {
        if found != expected {
            self.add(
                field,
                format!("is {found:?}, the policy requires {expected:?}"),
            );
        }
    }
}

/// What is known about the issuer when checking.
pub struct IssuerFacts<'a> {
    /// The issuer's subject, if known.
    pub name: Option<&'a Name>,
    /// The issuer's key identifier, if known.
    pub key_id: Option<&'a [u8]>,
}

fn string_tag(t: StringType) -> der::Tag {
    match t {
        StringType::Printable => der::Tag::PrintableString,
        StringType::Utf8 => der::Tag::Utf8String,
        StringType::Ia5 => der::Tag::Ia5String,
    }
}

/// Checks a name attribute by attribute; returns the values of placeholders.
fn check_name(
    f: &mut Findings,
    field: &str,
    name: &Name,
    attrs: &[NameAttribute],
) -> Vec<(&'static str, String)> {
    let mut filled = Vec::new();
    let rdns: Vec<_> = name.iter_rdn().collect();
    if rdns.len() != attrs.len() {
        f.add(
            field,
            format!(
                "has {} RDNs, the policy requires {}",
                rdns.len(),
                attrs.len()
            ),
        );
        return filled;
    }
    for (i, (rdn, want)) in rdns.iter().zip(attrs).enumerate() {
        let atvs: Vec<_> = rdn.iter().collect();
        let [atv] = atvs[..] else {
            f.add(
                format!("{field}[{i}]"),
                "is a multi-valued RDN; the policy requires one attribute per RDN",
            );
            continue;
        };
        if atv.oid.to_string() != want.oid {
            f.add(
                format!("{field}[{i}]"),
                format!(
                    "is attribute {}, the policy requires {} ({})",
                    atv.oid, want.short, want.oid
                ),
            );
            continue;
        }
        if atv.value.tag() != string_tag(want.string_type) {
            f.add(
                format!("{field}.{}", want.short),
                format!(
                    "is a {}, the policy requires {}",
                    atv.value.tag(),
                    string_tag(want.string_type)
                ),
            );
        }
        let text = String::from_utf8_lossy(atv.value.value()).into_owned();
        match want.value {
            AttributeValue::Literal(v) if v != text => f.add(
                format!("{field}.{}", want.short),
                format!("is {text:?}, the policy requires {v:?}"),
            ),
            AttributeValue::Placeholder(p) => filled.push((p, text)),
            AttributeValue::Literal(_) => {}
        }
    }
    filled
}

fn check_time(f: &mut Findings, field: &str, t: &Time) -> Option<Timestamp> {
    let ts = x509::timestamp(t);
    let year = t.to_date_time().year();
    let utc = matches!(t, Time::UtcTime(_));
    if utc != (year < 2050) {
        f.add(
            field,
            format!(
                "is {} for year {year}; RFC 5280 4.1.2.5 requires {}",
                if utc { "UTCTime" } else { "GeneralizedTime" },
                if year < 2050 {
                    "UTCTime"
                } else {
                    "GeneralizedTime"
                }
            ),
        );
    }
    ts
}

/// Checks a TBSCertificate against `profile` of `policy`.
pub fn check_certificate(
    policy: &dyn Policy,
    profile: &CertificateProfile,
    tbs: &TbsCertificate,
    issuer: &IssuerFacts<'_>,
) -> Vec<Finding> {
    let mut f = Findings {
        list: Vec::new(),
        rules: profile.cps,
    };
    f.expect("version", tbs.version(), Version::V3);
    let serial = tbs.serial_number().as_bytes();
    if serial.is_empty() || serial.len() > 20 || serial[0] & 0x80 != 0 {
        f.add(
            "serialNumber",
            "must be a positive integer of at most 20 octets (RFC 5280 4.1.2.2)",
        );
    }
    f.expect("signature", tbs.signature().oid, profile.signature.oid());
    // Issuer: the issuing profile's subject, or the exact name when known.
    match (
        issuer.name,
        profile.issuer.and_then(|i| policy.certificate(i)),
    ) {
        (Some(name), _) if tbs.issuer() != name => f.add(
            "issuer",
            format!("is {}, the issuing CA is {name}", tbs.issuer()),
        ),
        (None, Some(ip)) => {
            check_name(&mut f, "issuer", tbs.issuer(), ip.subject);
        }
        (None, None) if profile.issuer.is_none() && tbs.issuer() != tbs.subject() => {
            f.add("issuer", "a root must be self-issued")
        }
        _ => {}
    }
    let filled = check_name(&mut f, "subject", tbs.subject(), profile.subject);
    if let Some(codec) = profile.subscriber_name {
        for (p, v) in &filled {
            if *p == "name"
                && let Err(e) = (codec.parse)(v)
            {
                f.add("subject.CN", e.to_string());
            }
        }
    }
    // Validity.
    let nb = check_time(&mut f, "validity.notBefore", &tbs.validity().not_before);
    let na = check_time(&mut f, "validity.notAfter", &tbs.validity().not_after);
    if let (Some(nb), Some(na)) = (nb, na) {
        if (profile.not_before)(nb) != Some(nb) {
            f.add(
                "validity.notBefore",
                format!("{nb} does not follow `{}`", profile.validity_text.0),
            );
        }
        match (profile.not_after)(nb) {
            Some(want) if want == na => {}
            Some(want) => f.add(
                "validity.notAfter",
                format!("is {na}; `{}` gives {want}", profile.validity_text.1),
            ),
            None => f.add(
                "validity.notAfter",
                format!(
                    "`{}` has no value for notBefore {nb}",
                    profile.validity_text.1
                ),
            ),
        }
    }
    // Key.
    let spki = tbs.subject_public_key_info();
    match crate::signer::rsa_key(spki) {
        Ok(k) if k.bits == profile.key_bits as usize => {}
        Ok(k) => f.add(
            "subjectPublicKeyInfo",
            format!(
                "is a {}-bit RSA key, the policy requires {}",
                k.bits, profile.key_bits
            ),
        ),
        Err(e) => f.add("subjectPublicKeyInfo", e.to_string()),
    }
    // Extensions: exactly the profile's, in its order.
    let exts = tbs.extensions().map(|e| e.as_slice()).unwrap_or_default();
    if exts.len() != profile.extensions.len() {
        let found: Vec<String> = exts.iter().map(|e| e.extn_id.to_string()).collect();
        f.add(
            "extensions",
            format!(
                "are [{}], the policy requires {} extensions",
                found.join(", "),
                profile.extensions.len()
            ),
        );
    }
    let no_fill = |_: &str| None;
    for (i, (ext, rule)) in exts.iter().zip(profile.extensions).enumerate() {
        let field = format!("extensions[{i}]");
        if ext.extn_id != rule.extension.oid() {
            f.add(
                &field,
                format!(
                    "is {}, the policy requires {} here",
                    ext.extn_id,
                    rule.extension.oid()
                ),
            );
            continue;
        }
        if ext.critical != rule.critical {
            f.add(
                &field,
                format!(
                    "{} critical flag is {}, the policy requires {}",
                    ext.extn_id, ext.critical, rule.critical
                ),
            );
        }
        let value = ext.extn_value.as_bytes();
        let ok =
            match rule.extension {
                Extension::AuthorityKeyIdentifier => AuthorityKeyIdentifier::from_der(value)
                    .is_ok_and(|a| match (&a.key_identifier, issuer.key_id) {
                        (Some(k), Some(want)) => {
                            k.as_bytes() == want && a.authority_cert_issuer.is_none()
                        }
                        (Some(_), None) => a.authority_cert_issuer.is_none(),
                        (None, _) => false,
                    }),
                Extension::SubjectAltName(attrs) => match SubjectAltName::from_der(value) {
                    Ok(SubjectAltName(names)) => match names.as_slice() {
                        [GeneralName::DirectoryName(n)] => {
                            let before = f.list.len();
                            check_name(&mut f, &format!("{field}.directoryName"), n, attrs);
                            f.list.len() == before
                        }
                        _ => false,
                    },
                    Err(_) => false,
                },
                _ => {
                    // Fully determined by the policy and the certificate's own
                    // key (basicConstraints, subjectKeyIdentifier, keyUsage,
                    // extKeyUsage, policies, distribution points): compare with
                    // its DER. Stricter than decoding and comparing values: a
                    // DEFAULT written out (cA FALSE), which DER forbids and
                    // decoders take, is refused too.
                    let cx = ExtensionContext {
                        subject_key: spki,
                        issuer_key_id: &[],
                        fill: &no_fill,
                    };
                    x509::extension(rule, &cx).is_ok_and(|want| want.extn_value.as_bytes() == value)
                }
            };
        if !ok {
            f.add(
                &field,
                format!("{} value differs from the policy", ext.extn_id),
            );
        }
    }
    f.list
}

/// Checks one revokedCertificates entry against `profile` (`index` names it), so a CRL
/// of any size can be checked entry by entry as it is built.
pub fn check_crl_entry(profile: &CrlProfile, index: usize, entry: &RevokedCert) -> Vec<Finding> {
    let mut f = Findings {
        list: Vec::new(),
        rules: profile.cps,
    };
    entry_findings(&mut f, profile, index, entry);
    f.list
}

fn entry_findings(f: &mut Findings, profile: &CrlProfile, i: usize, entry: &RevokedCert) {
    use const_oid::db::rfc5280 as r;
    // Field names are made only for a finding: a CRL checks a million entries.
    let before = f.list.len();
    check_time(f, "revocationDate", &entry.revocation_date);
    for finding in &mut f.list[before..] {
        finding.field = format!("revokedCertificates[{i}].{}", finding.field);
    }
    if entry.serial_number.as_bytes().len() > 20 {
        f.add(
            format!("revokedCertificates[{i}].userCertificate"),
            "is longer than 20 octets (RFC 5280 4.1.2.2)",
        );
    }
    let exts = entry.crl_entry_extensions.as_deref().unwrap_or_default();
    let reason = exts.iter().find(|e| e.extn_id == r::ID_CE_CRL_REASONS);
    if !profile.reason_code && reason.is_some() {
        f.add(
            format!("revokedCertificates[{i}]"),
            "carries reasonCode, which the policy does not list",
        );
    }
    if exts.iter().any(|e| e.extn_id != r::ID_CE_CRL_REASONS) {
        f.add(
            format!("revokedCertificates[{i}]"),
            "carries an entry extension the policy does not list",
        );
    }
}

/// Checks a TBSCertList against `profile`, every entry included (see
/// [`check_crl_entry`] for one entry at a time). `issuer` is the issuing CA's subject if
/// known.
pub fn check_crl(
    profile: &CrlProfile,
    issuer_profile: Option<&CertificateProfile>,
    tbs: &TbsCertList,
    issuer: &IssuerFacts<'_>,
) -> Vec<Finding> {
    use const_oid::db::rfc5280 as r;
    let mut f = Findings {
        list: Vec::new(),
        rules: profile.cps,
    };
    f.expect("version", tbs.version, Version::V2);
    f.expect("signature", tbs.signature.oid, profile.signature.oid());
    match (issuer.name, issuer_profile) {
        (Some(name), _) if &tbs.issuer != name => {
            f.add("issuer", format!("is {}, the CA is {name}", tbs.issuer))
        }
        (None, Some(ip)) => {
            check_name(&mut f, "issuer", &tbs.issuer, ip.subject);
        }
        _ => {}
    }
    let this = check_time(&mut f, "thisUpdate", &tbs.this_update);
    match (&tbs.next_update, this) {
        (Some(next), Some(this)) => {
            let next = check_time(&mut f, "nextUpdate", next);
            if next != (profile.next_update)(this) {
                f.add(
                    "nextUpdate",
                    format!("does not follow `{}`", profile.next_update_text),
                );
            }
        }
        (None, _) => f.add("nextUpdate", "is absent; RFC 5280 5.1.2.5 requires it"),
        _ => {}
    }
    if tbs.revoked_certificates.as_ref().is_some_and(Vec::is_empty) {
        f.add(
            "revokedCertificates",
            "is present but empty; RFC 5280 5.1.2.6 requires it to be absent",
        );
    }
    for (i, entry) in tbs.revoked_certificates.iter().flatten().enumerate() {
        entry_findings(&mut f, profile, i, entry);
    }
    let exts = tbs.crl_extensions.as_deref().unwrap_or_default();
    let mut want = vec![r::ID_CE_CRL_NUMBER];
    if profile.authority_key_identifier {
        want.push(r::ID_CE_AUTHORITY_KEY_IDENTIFIER);
    }
    let found: Vec<_> = exts.iter().map(|e| e.extn_id).collect();
    if found != want {
        f.add(
            "crlExtensions",
            format!("are {found:?}, the policy requires {want:?}"),
        );
    }
    for e in exts {
        if e.critical {
            f.add(
                "crlExtensions",
                format!(
                    "{} is critical; the policy makes every CRL extension non-critical",
                    e.extn_id
                ),
            );
        }
        if e.extn_id == r::ID_CE_AUTHORITY_KEY_IDENTIFIER {
            let ok =
                AuthorityKeyIdentifier::from_der(e.extn_value.as_bytes()).is_ok_and(|a| {
                    match (a.key_identifier, issuer.key_id) {
                        (Some(k), Some(want)) => k.as_bytes() == want,
                        (Some(_), None) => true,
                        (None, _) => false,
                    }
                });
            if !ok {
                f.add(
                    "crlExtensions",
                    "authorityKeyIdentifier does not identify the issuer's key",
                );
            }
        }
    }
    f.list
}

/// Encodes then decodes, so checks see exactly the bytes that would be signed.
pub(crate) fn reparse_tbs(der: &[u8]) -> crate::error::Result<TbsCertificate> {
    Ok(TbsCertificate::from_der(der)?)
}

/// Same for CRLs.
pub(crate) fn reparse_crl(tbs: &TbsCertList) -> crate::error::Result<(Vec<u8>, TbsCertList)> {
    let der = tbs.to_der()?;
    let back = TbsCertList::from_der(&der)?;
    Ok((der, back))
}
