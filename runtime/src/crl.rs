//! Building a CRL (RFC 5280 5, RFC 3647 7.2) from the store's revocations:
//! v2, the policy's signature algorithm, thisUpdate now, nextUpdate per the policy,
//! one entry per revoked unexpired certificate with its reasonCode, cRLNumber
//! (and authorityKeyIdentifier when the policy lists it), all non-critical.
//!
//! x509-cert's `CrlBuilder` always adds authorityKeyIdentifier, which the faithful
//! JPCERT profile (Table 9) does not have, so the TBSCertList is built directly.

use der::asn1::{BitString, OctetString, Uint};
use der::{Decode, Encode};
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension as X509Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::calendar::Timestamp;
use crate::conformance::{self, IssuerFacts};
use crate::error::{Error, Result};
use crate::policy::{CertificateProfile, CrlProfile};
use crate::signer::{self, Signer, TbsKind, ToBeSigned};
use crate::store::Revoked;
use crate::x509;

/// RFC 5280 5.3.1 CRLReason unspecified(0).
const UNSPECIFIED: u8 = 0;

/// The DER of a reasonCode entry extension value: ENUMERATED.
fn reason_code(code: u8) -> Vec<u8> {
    vec![0x0a, 0x01, code]
}

/// Inputs of one CRL.
pub struct CrlSpec<'a> {
    /// The profile.
    pub profile: &'static CrlProfile,
    /// The issuing CA's certificate profile.
    pub issuer_profile: &'static CertificateProfile,
    /// The issuing CA's subject.
    pub issuer: &'a Name,
    /// The issuing CA's key identifier.
    pub issuer_key_id: &'a [u8],
    /// cRLNumber.
    pub number: u64,
    /// thisUpdate.
    pub this_update: Timestamp,
    /// Revoked, unexpired certificates.
    pub revoked: &'a [Revoked],
}

/// Builds, checks, signs and verifies a CRL; returns (nextUpdate, DER).
pub fn build(spec: &CrlSpec<'_>, signer: &dyn Signer) -> Result<(Timestamp, Vec<u8>)> {
    use const_oid::db::rfc5280 as r;
    let p = spec.profile;
    let next_update = (p.next_update)(spec.this_update).ok_or_else(|| Error::Validity {
        profile: "crl",
        at: spec.this_update.to_string(),
        rule: p.next_update_text,
    })?;
    let entries = spec
        .revoked
        .iter()
        .map(|e| {
            let serial = hex::decode(&e.serial)
                .map_err(|err| Error::Store(format!("bad serial {}: {err}", e.serial)))?;
            let ext =
                if p.reason_code && (e.reason_code != UNSPECIFIED || p.unspecified_reason_code) {
                    Some(vec![X509Extension {
                        extn_id: r::ID_CE_CRL_REASONS,
                        critical: false,
                        extn_value: OctetString::new(reason_code(e.reason_code))?,
                    }])
                } else {
                    None
                };
            Ok(RevokedCert {
                serial_number: SerialNumber::new(&serial)?,
                revocation_date: x509::time(e.revoked_at)?,
                crl_entry_extensions: ext,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut extensions = vec![X509Extension {
        extn_id: r::ID_CE_CRL_NUMBER,
        critical: false,
        extn_value: OctetString::new(CrlNumber(Uint::new(&spec.number.to_be_bytes())?).to_der()?)?,
    }];
    if p.authority_key_identifier {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(spec.issuer_key_id)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extensions.push(X509Extension {
            extn_id: r::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            critical: false,
            extn_value: OctetString::new(aki.to_der()?)?,
        });
    }
    let tbs = TbsCertList {
        version: Version::V2,
        signature: p.signature.identifier(),
        issuer: spec.issuer.clone(),
        this_update: x509::time(spec.this_update)?,
        next_update: Some(x509::time(next_update)?),
        // RFC 5280 5.1.2.6: absent, not empty, when nothing is revoked.
        revoked_certificates: if entries.is_empty() {
            None
        } else {
            Some(entries)
        },
        crl_extensions: Some(extensions),
    };
    let (tbs_der, back) = conformance::reparse_crl(&tbs)?;
    let facts = IssuerFacts {
        name: Some(spec.issuer),
        key_id: Some(spec.issuer_key_id),
    };
    let findings = conformance::check_crl(p, Some(spec.issuer_profile), &back, &facts);
    if !findings.is_empty() {
        let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
        return Err(Error::NonConformant(text.join("; ")));
    }
    let to_sign = ToBeSigned::new(tbs_der, TbsKind::CertList, p.signature);
    let signature = signer.sign(&to_sign)?;
    signer::verify(signer.public_key(), p.signature, to_sign.der(), &signature)
        .map_err(|_| Error::Signer("the CRL signature does not verify".into()))?;
    let crl = CertificateList {
        tbs_cert_list: back,
        signature_algorithm: p.signature.identifier(),
        signature: BitString::from_bytes(&signature)?,
    };
    let der = crl.to_der()?;
    // What is stored is what was signed.
    if CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&der)?
        .tbs_cert_list
        .to_der()?
        != to_sign.der()
    {
        return Err(Error::Encoding(
            "assembled CRL differs from the signed TBS".into(),
        ));
    }
    Ok((next_update, der))
}
