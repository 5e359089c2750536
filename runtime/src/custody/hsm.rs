//! The ceremony's token: logging in with its current PIN, replacing that PIN with a
//! random one nobody sees, and generating each CA's key pair on the token, checked to
//! be sensitive and never extractable.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::keys::{KeyMaker, key_label, spki_fingerprint};
use crate::error::{Error, Result};
use crate::pkcs11::{self, Location, Pkcs11Signer};
use crate::policy::CertificateProfile;
use crate::signer::Signer;

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
    fn token(&self) -> String {
        self.serial.clone()
    }
}

/// A PIN nobody has seen: 24 random bytes, hex.
fn random_pin() -> Result<Zeroizing<String>> {
    let mut raw = Zeroizing::new([0u8; 24]);
    getrandom::fill(raw.as_mut()).map_err(|e| Error::Activation(format!("no randomness: {e}")))?;
    Ok(Zeroizing::new(hex::encode(raw.as_ref())))
}

/// Opens the token and takes both of its PINs from whoever knew them: checks the
/// current user PIN, replaces the security officer PIN with a random one that is
/// dropped at once (nobody can then set a new user PIN and sign without the
/// custodians), and replaces the user PIN with a random one, which the ceremony
/// splits into shares. Returns the key maker holding the session and the new PIN.
/// A ceremony that fails after this leaves a token whose PINs nobody knows, which
/// cannot even be initialised again without its SO PIN: it must be deleted or reset
/// (docs/operator-guide.md).
pub(crate) fn prepare(
    module: &Path,
    token: &str,
    current_pin: &str,
    current_so_pin: &str,
    policy: &'static str,
) -> Result<HsmKeys> {
    use cryptoki::types::AuthPin;
    let ctx = pkcs11::open_module(module)?;
    let (slot, serial) = pkcs11::find_token(&ctx, token)?;
    // The user PIN first, so that a wrong one changes nothing.
    let check = pkcs11::login(&ctx, slot, &AuthPin::from(current_pin.to_string()))?;
    check
        .logout()
        .map_err(|e| Error::Hsm(format!("cannot log out: {e}")))?;
    drop(check);
    pkcs11::replace_so_pin(
        &ctx,
        slot,
        &AuthPin::from(current_so_pin.to_string()),
        &AuthPin::from(random_pin()?.to_string()),
    )?;
    let session = pkcs11::login(&ctx, slot, &AuthPin::from(current_pin.to_string()))?;
    let pin = random_pin()?;
    session
        .set_pin(
            &cryptoki::types::AuthPin::from(current_pin.to_string()),
            &cryptoki::types::AuthPin::from(pin.to_string()),
        )
        .map_err(|e| Error::Hsm(format!("cannot change the token PIN: {e}")))?;
    Ok(HsmKeys {
        module: module.to_path_buf(),
        token: token.to_string(),
        serial,
        policy,
        pin,
        session,
        made: Vec::new(),
    })
}
