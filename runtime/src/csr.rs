//! PKCS #10 certificate requests (R-6.1-PKCS10): reading PEM or DER, checking the
//! self-signature (proof of possession, R-3.2-POP) and the key against the profile.
//!
//! Only the public key is taken from a request. Its subject and attributes are
//! ignored, so nothing a requester writes, a personal name included, reaches the
//! certificate (R-3.1-PSEUDONYM).

use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::request::CertReq;

use crate::error::{Error, Result};
use crate::policy::{CertificateProfile, SignatureAlgorithm};
use crate::signer;

/// Largest request accepted, in bytes: far above any real RSA-8192 request.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// A request whose signature verified and whose key the profile accepts. Only
/// [`check`] makes one, so holding one is proof of the check: a caller that checked a
/// request ahead of a batch passes it to [`crate::ca::Ca::issue_many`] as it is.
#[derive(Debug, Clone)]
pub struct CheckedRequest {
    public_key: SubjectPublicKeyInfoOwned,
    profile: &'static CertificateProfile,
}

impl CheckedRequest {
    /// The key to certify.
    pub fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    /// Whether this request was checked against `profile` (the same profile of the
    /// same policy, not one of the same name).
    pub fn checked_for(&self, profile: &'static CertificateProfile) -> bool {
        std::ptr::eq(self.profile, profile)
    }
}

/// Normalises PEM from other tools (any line length, CRLF, surrounding text) and
/// returns the DER inside the first CERTIFICATE REQUEST block, or the input itself
/// when it is not PEM.
pub fn request_der(input: &[u8]) -> Result<Vec<u8>> {
    if input.len() > MAX_REQUEST_BYTES {
        return Err(Error::BadRequest(format!(
            "{} bytes is larger than the {MAX_REQUEST_BYTES}-byte limit",
            input.len()
        )));
    }
    let Ok(text) = std::str::from_utf8(input) else {
        return Ok(input.to_vec());
    };
    let Some(begin) = [
        "-----BEGIN CERTIFICATE REQUEST-----",
        "-----BEGIN NEW CERTIFICATE REQUEST-----",
    ]
    .iter()
    .find_map(|m| text.find(m).map(|i| (i, *m))) else {
        return Ok(input.to_vec());
    };
    let body_start = begin.0 + begin.1.len();
    let end = text[body_start..]
        .find("-----END")
        .ok_or_else(|| Error::BadRequest("PEM block has no END line".into()))?;
    let b64: String = text[body_start..body_start + end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut pem = String::from("-----BEGIN CERTIFICATE REQUEST-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).map_err(|e| Error::BadRequest(e.to_string()))?);
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE REQUEST-----\n");
    let (label, der) = der::pem::decode_vec(pem.as_bytes())
        .map_err(|e| Error::BadRequest(format!("bad PEM: {e}")))?;
    if label != "CERTIFICATE REQUEST" {
        return Err(Error::BadRequest(format!("PEM label {label}")));
    }
    Ok(der)
}

/// Reads a request and checks its signature and key for `profile`.
pub fn check(input: &[u8], profile: &'static CertificateProfile) -> Result<CheckedRequest> {
    let der = request_der(input)?;
    let req = CertReq::from_der(&der).map_err(|e| Error::BadRequest(e.to_string()))?;
    let spki = req.info.public_key.clone();
    // Refuse an unusable key before verifying anything (size limits are enforced here).
    let bits = signer::rsa_key(&spki)?.bits;
    if bits != profile.key_bits as usize {
        return Err(Error::KeyRefused(format!(
            "the key has {bits} bits; profile `{}` requires {}",
            profile.name, profile.key_bits
        )));
    }
    let algorithm = SignatureAlgorithm::from_oid(&req.algorithm.oid).ok_or_else(|| {
        Error::BadRequest(format!(
            "unsupported request signature algorithm {}",
            req.algorithm.oid
        ))
    })?;
    let info = req.info.to_der()?;
    let signature = req
        .signature
        .as_bytes()
        .ok_or_else(|| Error::BadRequest("signature BIT STRING has unused bits".into()))?;
    signer::verify(&spki, algorithm, &info, signature)?;
    Ok(CheckedRequest {
        public_key: spki,
        profile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request over [`MAX_REQUEST_BYTES`] is refused for its size before anything
    /// reads it; one of exactly that size passes the size check (text that is not PEM
    /// goes on as DER, for the DER reader to refuse).
    #[test]
    fn requests_over_64_kib_are_refused_unread() {
        let at_limit = vec![b'x'; MAX_REQUEST_BYTES];
        assert_eq!(request_der(&at_limit).ok(), Some(at_limit));
        match request_der(&vec![b'x'; MAX_REQUEST_BYTES + 1]) {
            Err(Error::BadRequest(m)) => assert!(m.contains("larger than"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
