//! Key custody: the key ceremony that makes CA keys inside a PKCS #11 token
//! (R-6.1-CA-KEYGEN, R-6.2-HSM), and the M-of-N activation that brings them to life
//! (R-6.2-M-OF-N).
//!
//! The ceremony logs in with the token's current PIN, replaces it with a random one
//! nobody sees, splits that PIN into the policy's N shares with threshold M (only a
//! commitment of each share is stored), generates each CA's key pair on the token,
//! issues the CA certificates through the token, and writes a transcript signed with
//! the audit key. A CA opened later is locked: signing refuses until M custodians have
//! entered their shares, which are checked one by one and held only in memory.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use crate::ca::KeyMaker;
use crate::error::{Error, Result};
use crate::pkcs11::{self, Location, Pkcs11Signer};
use crate::policy::CertificateProfile;
use crate::shamir::{self, Share};
use crate::signer::{Signer, ToBeSigned};

/// What the ceremony is told.
pub struct CeremonyOptions<'a> {
    /// The PKCS #11 module.
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The token's current user PIN; replaced during the ceremony.
    pub pin: Zeroizing<String>,
    /// The trusted persons present (R-6.1-CA-KEYGEN: several).
    pub witnesses: Vec<String>,
    /// Allow `--now` later.
    pub allow_clock_override: bool,
    /// Told of each step.
    pub progress: &'a dyn Fn(&str),
    /// Where the state goes (see [`crate::ca::InitOptions::store`]).
    pub store: Option<&'a str>,
}

/// Keys generated on the token, one per CA profile.
pub(crate) struct HsmKeys {
    pub(crate) module: PathBuf,
    pub(crate) token: String,
    pub(crate) serial: String,
    pub(crate) policy: &'static str,
    pub(crate) pin: Zeroizing<String>,
    pub(crate) session: cryptoki::session::Session,
    /// (profile, key label, SPKI SHA-256), for the transcript.
    pub(crate) made: Vec<(String, String, String)>,
}

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

impl KeyMaker for HsmKeys {
    fn make(
        &mut self,
        profile: &'static CertificateProfile,
        _dir: &Path,
    ) -> Result<Box<dyn Signer>> {
        let label = key_label(self.policy, profile.name);
        let spki = pkcs11::generate(&self.session, &label, profile.key_bits)?;
        if !pkcs11::generated_inside(&self.session, &label)? {
            return Err(Error::Hsm(format!(
                "the token did not keep `{label}` sensitive and unextractable"
            )));
        }
        self.made.push((
            profile.name.to_string(),
            label.clone(),
            spki_fingerprint(&spki),
        ));
        let location = Location {
            module: self.module.clone(),
            token: self.token.clone(),
            key: label,
        };
        Ok(Box::new(Pkcs11Signer::connect(
            location,
            self.pin.clone(),
            &spki,
        )?))
    }
    fn backend(&self) -> &'static str {
        "pkcs11"
    }
    fn secret(&self) -> &str {
        &self.pin
    }
    fn meta(&self) -> Vec<(String, String)> {
        vec![
            ("hsm_module".into(), self.module.display().to_string()),
            ("hsm_token_label".into(), self.token.clone()),
            ("hsm_token_serial".into(), self.serial.clone()),
        ]
    }
}

/// Opens the token, logs in with the current PIN, and replaces the PIN with a fresh
/// random one; returns the key maker holding the session and the new PIN.
pub(crate) fn prepare(options: &CeremonyOptions<'_>, policy: &'static str) -> Result<HsmKeys> {
    let ctx = pkcs11::open_module(&options.module)?;
    let (slot, serial) = pkcs11::find_token(&ctx, &options.token)?;
    let session = pkcs11::login(
        &ctx,
        slot,
        &cryptoki::types::AuthPin::from(options.pin.to_string()),
    )?;
    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw).map_err(|e| Error::Activation(format!("no randomness: {e}")))?;
    let pin = Zeroizing::new(hex::encode(raw));
    session
        .set_pin(
            &cryptoki::types::AuthPin::from(options.pin.to_string()),
            &cryptoki::types::AuthPin::from(pin.to_string()),
        )
        .map_err(|e| Error::Hsm(format!("cannot change the token PIN: {e}")))?;
    Ok(HsmKeys {
        module: options.module.clone(),
        token: options.token.clone(),
        serial,
        policy,
        pin,
        session,
        made: Vec::new(),
    })
}

/// A CA key that refuses to sign until activated.
pub(crate) struct LockedSigner {
    pub(crate) public: SubjectPublicKeyInfoOwned,
}

impl Signer for LockedSigner {
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public
    }
    fn sign(&self, _: &ToBeSigned) -> Result<Vec<u8>> {
        Err(Error::Locked { have: 0, need: 0 })
    }
}

/// Shares entered so far, and what they are checked against.
pub(crate) struct Activation {
    pub(crate) threshold: u8,
    pub(crate) total: u8,
    pub(crate) commitments: Vec<String>,
    pub(crate) entered: Vec<Share>,
    /// The module and token of HSM keys; `None` for encrypted software keys.
    pub(crate) hsm: Option<(PathBuf, String)>,
}

/// Where activation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationStatus {
    /// Shares entered and accepted.
    pub have: usize,
    /// Shares needed.
    pub need: usize,
    /// True once the keys are active.
    pub active: bool,
}

impl Activation {
    /// Checks a share's text and keeps it; returns the share's index.
    pub(crate) fn enter(&mut self, text: &str) -> Result<u8> {
        let share = Share::parse(text)?;
        let i = share.index;
        if i == 0 || i > self.total {
            return Err(Error::Activation(format!(
                "share {i} does not exist: this CA has shares 1 to {}",
                self.total
            )));
        }
        if self.commitments.get(usize::from(i) - 1) != Some(&shamir::commitment(&share)) {
            return Err(Error::Activation(format!(
                "share {i} is not the share issued to custodian {i}"
            )));
        }
        if self.entered.iter().any(|s| s.index == i) {
            return Err(Error::Activation(format!("share {i} was already entered")));
        }
        self.entered.push(share);
        Ok(i)
    }

    /// The PIN, once enough shares are in.
    pub(crate) fn secret(&self) -> Result<Option<Zeroizing<String>>> {
        if self.entered.len() < usize::from(self.threshold) {
            return Ok(None);
        }
        let bytes = Zeroizing::new(shamir::combine(&self.entered)?);
        let pin = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::Activation("the shares do not rebuild a PIN".into()))?;
        Ok(Some(Zeroizing::new(pin)))
    }
}

/// Splits the new PIN for the custodians; returns the shares and their commitments.
pub(crate) fn split_pin(pin: &str, total: u8, threshold: u8) -> Result<(Vec<Share>, Vec<String>)> {
    let shares = shamir::split(pin.as_bytes(), total, threshold)?;
    let commitments = shares.iter().map(shamir::commitment).collect();
    Ok((shares, commitments))
}
