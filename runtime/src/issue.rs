//! The issuance pipeline for one certificate, as small steps ending in
//! check-then-sign:
//!
//! 1. [`Draft::new`] builds the TBSCertificate from the profile with x509-cert's
//!    `CertificateBuilder` (our own `BuilderProfile`), using only the issuer's
//!    public key, then decodes the exact bytes and checks them against the policy
//!    ([`crate::conformance`]); a finding means no draft, so nothing can be signed;
//! 2. [`Draft::sign`] consumes the draft: the signer signs the checked bytes, the
//!    signature is verified against the issuer's public key, and the certificate is
//!    assembled.
//!
//! Recording (before and after signing) is the caller's, in [`crate::ca`].

use der::Encode;
use der::asn1::BitString;
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, SubjectPublicKeyInfoOwned,
    SubjectPublicKeyInfoRef,
};
use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
use x509_cert::certificate::{Certificate, TbsCertificate};
use x509_cert::ext::Extension as X509Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::calendar::Timestamp;
use crate::conformance::{self, IssuerFacts};
use crate::error::{Error, Result};
use crate::policy::{CertificateProfile, Policy, SignatureAlgorithm};
use crate::signer::{self, Signer, TbsKind, ToBeSigned};
use crate::x509::{self, ExtensionContext};

/// A fresh serial number: 128 bits from the operating system's CSPRNG, positive
/// and without a leading zero octet, so exactly 16 octets (RFC 5280 4.1.2.2 allows
/// up to 20; CA/B Forum practice asks for at least 64 bits of randomness).
pub fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Signer(format!("no randomness for a serial: {e}")))?;
    bytes[0] = (bytes[0] & 0x7f).max(1);
    Ok(SerialNumber::new(&bytes)?)
}

/// Lower-case hex of a serial number, as the store and the CLI show it.
pub fn serial_hex(serial: &SerialNumber) -> String {
    hex::encode(serial.as_bytes())
}

/// The profile x509-cert's builder calls back into: subject, issuer and the
/// extensions, all computed from the policy beforehand.
struct PolicyProfile {
    subject: Name,
    issuer: Name,
    extensions: Vec<X509Extension>,
}

impl BuilderProfile for PolicyProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _: SubjectPublicKeyInfoRef<'_>,
        _: SubjectPublicKeyInfoRef<'_>,
        _: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<X509Extension>> {
        Ok(self.extensions.clone())
    }
}

/// The issuer as the builder sees it: a public key and an algorithm, no private key.
struct IssuerKey {
    public: IssuerPublicKey,
    algorithm: SignatureAlgorithm,
}

/// The issuer's public key as the builder reads it: only its SPKI encoding (the
/// builder derives identifiers from it), so no big-number key is made per certificate.
#[derive(Clone)]
struct IssuerPublicKey(SubjectPublicKeyInfoOwned);

impl spki::EncodePublicKey for IssuerPublicKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::encode_msg(&self.0)?)
    }
}

impl signature::Keypair for IssuerKey {
    type VerifyingKey = IssuerPublicKey;
    fn verifying_key(&self) -> IssuerPublicKey {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for IssuerKey {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm.identifier())
    }
}

/// Everything a certificate is made from.
pub struct Spec<'a> {
    /// The policy.
    pub policy: &'a dyn Policy,
    /// The certificate's profile.
    pub profile: &'static CertificateProfile,
    /// Subject name.
    pub subject: Name,
    /// Issuer name (the subject for a root).
    pub issuer: Name,
    /// The certified key.
    pub subject_key: &'a SubjectPublicKeyInfoOwned,
    /// The issuer's key (the subject key for a root).
    pub issuer_key: &'a SubjectPublicKeyInfoOwned,
    /// The issuer's key identifier.
    pub issuer_key_id: &'a [u8],
    /// Serial number.
    pub serial: SerialNumber,
    /// notBefore.
    pub not_before: Timestamp,
    /// notAfter.
    pub not_after: Timestamp,
    /// Fills placeholders such as `{hsm_token}`.
    pub fill: &'a dyn Fn(&str) -> Option<String>,
}

/// A TBSCertificate that passed every pre-signing check. Only [`Draft::sign`] uses it.
pub struct Draft {
    builder: CertificateBuilder<PolicyProfile>,
    issuer_key: IssuerKey,
    issuer_spki: SubjectPublicKeyInfoOwned,
    tbs_der: Vec<u8>,
    tbs: TbsCertificate,
}

impl Draft {
    /// Builds and checks a TBSCertificate.
    pub fn new(spec: Spec<'_>) -> Result<Self> {
        let profile = spec.profile;
        let cx = ExtensionContext {
            subject_key: spec.subject_key,
            issuer_key_id: spec.issuer_key_id,
            fill: spec.fill,
        };
        let extensions = profile
            .extensions
            .iter()
            .map(|r| x509::extension(r, &cx))
            .collect::<Result<Vec<_>>>()?;
        let validity = Validity::new(x509::time(spec.not_before)?, x509::time(spec.not_after)?);
        let builder_profile = PolicyProfile {
            subject: spec.subject,
            issuer: spec.issuer.clone(),
            extensions,
        };
        let mut builder = CertificateBuilder::new(
            builder_profile,
            spec.serial,
            validity,
            spec.subject_key.clone(),
        )
        .map_err(|e| Error::Encoding(e.to_string()))?;
        let issuer_key = IssuerKey {
            public: {
                signer::rsa_key(spec.issuer_key)?;
                IssuerPublicKey(spec.issuer_key.clone())
            },
            algorithm: profile.signature,
        };
        let tbs_der = builder
            .finalize(&issuer_key)
            .map_err(|e| Error::Encoding(e.to_string()))?;
        let tbs = conformance::reparse_tbs(&tbs_der)?;
        let facts = IssuerFacts {
            name: Some(&spec.issuer),
            key_id: Some(spec.issuer_key_id),
        };
        let findings = conformance::check_certificate(spec.policy, profile, &tbs, &facts);
        if !findings.is_empty() {
            let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
            return Err(Error::NonConformant(text.join("; ")));
        }
        Ok(Draft {
            builder,
            issuer_key,
            issuer_spki: spec.issuer_key.clone(),
            tbs_der,
            tbs,
        })
    }

    /// The checked TBSCertificate.
    pub fn tbs(&self) -> &TbsCertificate {
        &self.tbs
    }

    /// Its DER, as it will be signed and recorded.
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs_der
    }

    /// Signs the checked bytes, verifies the signature, assembles the certificate.
    pub fn sign(self, signer: &dyn Signer) -> Result<Certificate> {
        if signer.public_key() != &self.issuer_spki {
            return Err(Error::Signer(
                "the signer's key is not the issuer's key".into(),
            ));
        }
        let algorithm = self.issuer_key.algorithm;
        let tbs = ToBeSigned::new(self.tbs_der, TbsKind::Certificate, algorithm);
        let signature = signer.sign(&tbs)?;
        signer::verify(&self.issuer_spki, algorithm, tbs.der(), &signature).map_err(|_| {
            Error::Signer("the signature does not verify with the issuer's key".into())
        })?;
        let bits = BitString::from_bytes(&signature)?;
        let cert = self
            .builder
            .assemble(bits, &self.issuer_key)
            .map_err(|e| Error::Encoding(e.to_string()))?;
        // The assembled certificate must carry exactly the bytes that were checked and signed.
        if cert.tbs_certificate().to_der()? != tbs.der() {
            return Err(Error::Encoding(
                "assembled certificate differs from the signed TBS".into(),
            ));
        }
        Ok(cert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thousand serials: each 16 octets, positive, with no leading zero octet (a
    /// top octet of 0x80 or more would take a 17th, 0x00 a 15th).
    #[test]
    fn serials_are_sixteen_positive_octets() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let serial = random_serial().unwrap();
            let bytes = serial.as_bytes();
            assert_eq!(bytes.len(), 16, "{bytes:02x?}");
            assert!((1..0x80).contains(&bytes[0]), "{bytes:02x?}");
            assert!(seen.insert(bytes.to_vec()), "a serial came twice");
        }
    }
}
