//! How CA keys come to be: the [`KeyMaker`] a CA directory is created with (software
//! keys in encrypted files, or keys generated on a token), and the names and
//! fingerprints custody records of them.

use std::path::Path;

use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;

use crate::error::Result;
use crate::policy::CertificateProfile;
use crate::signer::Signer;

/// Makes each CA's key as the CA is created.
pub trait KeyMaker {
    /// Makes the key of `profile` (persisting it under `dir` if it lives in a file).
    fn make(&mut self, profile: &'static CertificateProfile, dir: &Path)
    -> Result<Box<dyn Signer>>;
    /// `software` or `pkcs11`, recorded in the store.
    fn backend(&self) -> &'static str;
    /// The activation secret (passphrase or token PIN): it encrypts the audit key and,
    /// for software keys, the CA keys.
    fn secret(&self) -> &str;
    /// Settings to record in the store (module, token), never a secret.
    fn meta(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// What `{hsm_token}` becomes in the CA names (R-7.1-ICA): the token's serial
    /// number, read from the token; for keys on no token, [`NO_TOKEN`], so no
    /// certificate names a token that does not hold its key. No default: a wrapper
    /// that forgot to forward it would name the wrong token in a CA certificate.
    fn token(&self) -> String;
}

/// The store key of a recorded custody waiver (R-6.2-HSM).
pub const CUSTODY_WAIVER: &str = "custody_waiver";

/// `{hsm_token}` of a CA whose keys are on no token.
pub const NO_TOKEN: &str = "NO HSM - SOFTWARE KEYS";

/// The label of a CA's key on the token.
pub fn key_label(policy: &str, profile: &str) -> String {
    format!("inkan-{policy}-{profile}")
}

/// SHA-256 of an SPKI, lower-case hex.
pub fn spki_fingerprint(spki: &SubjectPublicKeyInfoOwned) -> String {
    hex::encode(Sha256::digest(
        der::Encode::to_der(spki).unwrap_or_default(),
    ))
}

/// The activation settings recorded in the store (the commitments identify shares,
/// they do not reveal them).
pub(crate) fn activation_meta(
    shares: u8,
    threshold: u8,
    commitments: &[String],
) -> Vec<(String, String)> {
    vec![
        ("activation_shares".into(), shares.to_string()),
        ("activation_threshold".into(), threshold.to_string()),
        ("share_commitments".into(), commitments.join(",")),
    ]
}
