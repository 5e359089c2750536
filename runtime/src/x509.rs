//! Encoding policy values into X.509: times (RFC 5280 4.1.2.5), names with the
//! policy's string types, extensions with the policy's criticality, and key
//! identifiers (RFC 5280 4.2.1.2 method 1).
//!
//! x509-cert's own `Name::from_str` reads RFC 4514 (reversed) order and always
//! writes UTF8String; here each attribute is written in the order and string type
//! the policy says, which is what the CPS tables specify.

use const_oid::ObjectIdentifier;
use der::asn1::{
    Any, BitString, GeneralizedTime, Ia5String, Ia5StringRef, OctetString, PrintableStringRef,
    UtcTime,
};
use der::{DateTime, Decode, Encode};
use sha1::{Digest, Sha1};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::Extension as X509Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, SubjectAltName, SubjectKeyIdentifier,
    certpolicy::{PolicyInformation, PolicyQualifierInfo},
    crl::dp::DistributionPoint,
    name::{DistributionPointName, GeneralName},
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::time::Time;

use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::policy::{AttributeValue, Extension, ExtensionRule, NameAttribute, StringType};

/// Encodes an instant per RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime
/// from 2050, whatever a policy says (its `utc-time` choice is flagged as a lint).
pub fn time(t: Timestamp) -> Result<Time> {
    let c = t.civil();
    let year = u16::try_from(c.year)
        .map_err(|_| Error::Encoding(format!("year {} cannot be encoded", c.year)))?;
    let dt = DateTime::new(
        year,
        c.month as u8,
        c.day as u8,
        c.hour as u8,
        c.minute as u8,
        c.second as u8,
    )?;
    Ok(if c.year < 2050 {
        Time::UtcTime(UtcTime::from_date_time(dt)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_date_time(dt))
    })
}

/// The instant an X.509 time denotes.
pub fn timestamp(t: &Time) -> Option<Timestamp> {
    Timestamp::from_unix(i64::try_from(t.to_unix_duration().as_secs()).ok()?)
}

fn attribute_value(string_type: StringType, value: &str) -> Result<Any> {
    let any = match string_type {
        StringType::Printable => Any::encode_from(&PrintableStringRef::new(value)?)?,
        StringType::Ia5 => Any::encode_from(&Ia5StringRef::new(value)?)?,
        StringType::Utf8 => Any::encode_from(&value.to_string())?,
    };
    Ok(any)
}

/// Builds a name from the policy's attributes, one RDN each, filling placeholders
/// from `fill`.
pub fn name(attrs: &[NameAttribute], fill: &dyn Fn(&str) -> Option<String>) -> Result<Name> {
    let mut rdns = RdnSequence::default();
    for a in attrs {
        let value = match a.value {
            AttributeValue::Literal(v) => v.to_string(),
            AttributeValue::Placeholder(p) => fill(p).ok_or_else(|| {
                Error::Policy(format!("no value for the name placeholder `{{{p}}}`"))
            })?,
        };
        let oid = ObjectIdentifier::new(a.oid).map_err(|e| Error::Encoding(e.to_string()))?;
        let atv = AttributeTypeAndValue {
            oid,
            value: attribute_value(a.string_type, &value)?,
        };
        rdns.push(RelativeDistinguishedName::try_from(vec![atv])?);
    }
    Ok(Name::from_der(&rdns.to_der()?)?)
}

/// A DER named-bit-list BIT STRING: the bits set, trailing zero bits dropped.
pub fn named_bits(bits: &[u8]) -> Result<BitString> {
    let Some(&max) = bits.iter().max() else {
        return Ok(BitString::new(0, Vec::new())?);
    };
    let mut bytes = vec![0u8; usize::from(max / 8) + 1];
    for b in bits {
        bytes[usize::from(b / 8)] |= 0x80 >> (b % 8);
    }
    let unused = 7 - (max % 8);
    Ok(BitString::new(unused, bytes)?)
}

/// RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bytes.
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

pub use crate::policy::NETSCAPE_CERT_TYPE;
/// id-qt-cps (1.3.6.1.5.5.7.2.1).
const ID_QT_CPS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.2.1");

/// What extensions are computed from.
pub struct ExtensionContext<'a> {
    /// The certified key.
    pub subject_key: &'a SubjectPublicKeyInfoOwned,
    /// The issuer's key identifier, for authorityKeyIdentifier.
    pub issuer_key_id: &'a [u8],
    /// Fills `{hsm_token}` and other placeholders.
    pub fill: &'a dyn Fn(&str) -> Option<String>,
}

/// Encodes one extension per the policy.
pub fn extension(rule: &ExtensionRule, cx: &ExtensionContext<'_>) -> Result<X509Extension> {
    let value = match rule.extension {
        Extension::BasicConstraints { ca, path_len } => BasicConstraints {
            ca,
            path_len_constraint: path_len,
        }
        .to_der()?,
        Extension::KeyUsage(bits) | Extension::NetscapeCertType(bits) => {
            named_bits(bits)?.to_der()?
        }
        Extension::ExtendedKeyUsage(oids) => ExtendedKeyUsage(
            oids.iter()
                .map(|o| ObjectIdentifier::new(o).map_err(|e| Error::Encoding(e.to_string())))
                .collect::<Result<_>>()?,
        )
        .to_der()?,
        Extension::SubjectAltName(attrs) => {
            SubjectAltName(vec![GeneralName::DirectoryName(name(attrs, cx.fill)?)]).to_der()?
        }
        Extension::CrlDistributionPoints(uris) => CrlDistributionPoints(
            uris.iter()
                .map(|u| {
                    Ok(DistributionPoint {
                        distribution_point: Some(DistributionPointName::FullName(vec![
                            GeneralName::UniformResourceIdentifier(Ia5String::new(u)?),
                        ])),
                        reasons: None,
                        crl_issuer: None,
                    })
                })
                .collect::<Result<_>>()?,
        )
        .to_der()?,
        Extension::CertificatePolicies(infos) => CertificatePolicies(
            infos
                .iter()
                .map(|i| {
                    let qualifiers = match i.cps_uri {
                        Some(uri) => Some(vec![PolicyQualifierInfo {
                            policy_qualifier_id: ID_QT_CPS,
                            qualifier: Some(Any::encode_from(&Ia5StringRef::new(uri)?)?),
                        }]),
                        None => None,
                    };
                    Ok(PolicyInformation {
                        policy_identifier: ObjectIdentifier::new(i.oid)
                            .map_err(|e| Error::Encoding(e.to_string()))?,
                        policy_qualifiers: qualifiers,
                    })
                })
                .collect::<Result<_>>()?,
        )
        .to_der()?,
        Extension::AuthorityKeyIdentifier => AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(cx.issuer_key_id)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        }
        .to_der()?,
        Extension::SubjectKeyIdentifier => {
            SubjectKeyIdentifier(OctetString::new(key_identifier(cx.subject_key))?).to_der()?
        }
    };
    Ok(X509Extension {
        extn_id: rule.extension.oid(),
        critical: rule.critical,
        extn_value: OctetString::new(value)?,
    })
}

/// Decodes a certificate, PEM or DER.
pub fn read_certificate(bytes: &[u8]) -> crate::Result<x509_cert::Certificate> {
    use der::{Decode, DecodePem};
    if bytes.starts_with(b"-----")
        || std::str::from_utf8(bytes).is_ok_and(|s| s.contains("-----BEGIN"))
    {
        Ok(x509_cert::Certificate::from_pem(bytes)?)
    } else {
        Ok(x509_cert::Certificate::from_der(bytes)?)
    }
}

/// A CRL's cRLNumber, if it has one that fits in 64 bits.
pub fn crl_number<P: x509_cert::certificate::Profile>(
    tbs: &x509_cert::crl::TbsCertList<P>,
) -> Option<u64> {
    use der::Decode as _;
    let ext = tbs
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_NUMBER)?;
    let n = x509_cert::ext::pkix::CrlNumber::from_der(ext.extn_value.as_bytes()).ok()?;
    n.0.as_bytes().iter().try_fold(0u64, |acc, b| {
        acc.checked_mul(256).map(|a| a | u64::from(*b))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn named_bits_drop_trailing_zeros() {
        // keyCertSign (5) + cRLSign (6): one byte 0b0000_0110, one unused bit.
        let b = named_bits(&[5, 6]).unwrap();
        assert_eq!((b.raw_bytes(), b.unused_bits()), (&[0x06][..], 1));
        // digitalSignature (0) + keyEncipherment (2): 0b1010_0000, five unused bits.
        let b = named_bits(&[0, 2]).unwrap();
        assert_eq!((b.raw_bytes(), b.unused_bits()), (&[0xa0][..], 5));
    }

    #[test]
    fn times_switch_to_generalized_in_2050() {
        let t = |s| Timestamp::parse_rfc3339(s).and_then(|t| time(t).ok());
        assert!(matches!(t("2049-12-31T23:59:59Z"), Some(Time::UtcTime(_))));
        assert!(matches!(
            t("2050-01-01T00:00:00Z"),
            Some(Time::GeneralTime(_))
        ));
    }
}
