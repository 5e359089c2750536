//! Editing a TBSCertificate one field at a time, for tests that hand the pre-signing
//! checks a certificate or CRL that departs from its profile (`tests/tests/presign.rs`,
//! `presign_crl.rs`): the fields kept as their own DER, names rebuilt attribute by
//! attribute, extensions replaced, and the assertion that a finding names a field.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use der::asn1::Any;
use der::{Decode, Encode, Tag, Tagged};
use inkan_runtime::conformance::Finding;
use inkan_runtime::policy::{CertificateProfile, Policy};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::TbsCertificate;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

/// A TBSCertificate's fields, each kept as its own DER, so that one can be swapped.
#[derive(der::Sequence, Clone)]
pub struct Fields {
    pub version: Any,
    pub serial: Any,
    pub signature: Any,
    pub issuer: Any,
    pub validity: Any,
    pub subject: Any,
    pub spki: Any,
    pub extensions: Any,
}

pub fn any(value: &impl Encode) -> Any {
    Any::from_der(&value.to_der().unwrap()).unwrap()
}

/// The TBS with `change` applied to its fields.
pub fn changed(tbs: &TbsCertificate, change: impl FnOnce(&mut Fields)) -> TbsCertificate {
    let mut fields = Fields::from_der(&tbs.to_der().unwrap()).unwrap();
    change(&mut fields);
    TbsCertificate::from_der(&fields.to_der().unwrap()).unwrap()
}

/// A name's attributes, RDN by RDN, as (OID, tag, text).
pub type Attrs = Vec<Vec<(der::asn1::ObjectIdentifier, Tag, Vec<u8>)>>;

pub fn attrs(name: &Name) -> Attrs {
    name.iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| (atv.oid, atv.value.tag(), atv.value.value().to_vec()))
                .collect()
        })
        .collect()
}

pub fn name(attrs: &Attrs) -> Name {
    let mut rdns = RdnSequence::default();
    for rdn in attrs {
        let atvs: Vec<AttributeTypeAndValue> = rdn
            .iter()
            .map(|(oid, tag, text)| AttributeTypeAndValue {
                oid: *oid,
                value: Any::new(*tag, text.clone()).unwrap(),
            })
            .collect();
        rdns.push(RelativeDistinguishedName::try_from(atvs).unwrap());
    }
    Name::from_der(&rdns.to_der().unwrap()).unwrap()
}

/// A validity, as its two times.
#[derive(der::Sequence)]
pub struct Validity {
    pub not_before: x509_cert::time::Time,
    pub not_after: x509_cert::time::Time,
}

/// The fields the findings name.
pub fn fields_of(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.field.as_str()).collect()
}

/// Asserts that some finding is on `field`.
pub fn found(findings: &[Finding], field: &str, case: &str) {
    assert!(
        findings.iter().any(|f| f.field == field),
        "{case}: no finding on {field}, only {:?}",
        fields_of(findings)
    );
}

pub fn profile(
    policy: &'static dyn Policy,
    pick: impl Fn(&CertificateProfile) -> bool,
) -> &'static CertificateProfile {
    policy
        .definition()
        .certificates
        .iter()
        .find(|p| pick(p))
        .unwrap()
}

/// The TBS with `change` applied to its extensions.
pub fn with_extensions(
    tbs: &TbsCertificate,
    change: impl FnOnce(&mut Vec<x509_cert::ext::Extension>),
) -> TbsCertificate {
    let mut exts = tbs.extensions().unwrap().clone();
    change(&mut exts);
    changed(tbs, |f| {
        f.extensions = any(&der::asn1::ContextSpecific {
            tag_number: der::TagNumber(3),
            tag_mode: der::TagMode::Explicit,
            value: exts,
        })
    })
}

/// The index of the extension `oid` among the TBS's.
pub fn index_of(tbs: &TbsCertificate, oid: der::asn1::ObjectIdentifier) -> usize {
    tbs.extensions()
        .unwrap()
        .iter()
        .position(|e| e.extn_id == oid)
        .unwrap()
}

/// An extension's value, re-encoded.
pub fn value(v: &impl Encode) -> der::asn1::OctetString {
    der::asn1::OctetString::new(v.to_der().unwrap()).unwrap()
}
