//! The ceremony's token: logging in with its current PIN, replacing that PIN with a
//! random one nobody sees, and generating each CA's key pair on the token, checked to
//! be sensitive and never extractable (or, under a key backup, extractable only
//! wrapped under the key-backup key the security officer installed as trusted).

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
    /// The keys may leave the token wrapped under its trusted key-backup key.
    pub(crate) backed_up: bool,
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
        let spki = pkcs11::generate(&self.session, &label, profile.key_bits, self.backed_up)?;
        if !pkcs11::generated_inside(&self.session, &label, self.backed_up)? {
            return Err(Error::Hsm(format!(
                "the token did not keep `{label}` sensitive and unextractable (but under its trusted key-backup key)"
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
/// splits into shares. With `trusted`, the security officer first installs the
/// key-backup key (R-6.2-BACKUP). Returns the key maker holding the session and the
/// new PIN. A ceremony that fails after this leaves a token whose PINs nobody knows,
/// which cannot even be initialised again without its SO PIN: it must be deleted or
/// reset (docs/operator-guide.md).
pub(crate) fn prepare(
    module: &Path,
    token: &str,
    current: (&str, &str),
    trusted: Option<(&str, &[u8])>,
    policy: &'static str,
) -> Result<HsmKeys> {
    let pin = random_pin()?;
    let (session, serial) = take_token(module, token, current, &pin, trusted)?;
    Ok(HsmKeys {
        module: module.to_path_buf(),
        token: token.to_string(),
        serial,
        policy,
        pin,
        session,
        backed_up: trusted.is_some(),
        made: Vec::new(),
    })
}

/// Takes a token from whoever set it up: checks its current user PIN (`current.0`),
/// has its security officer (`current.1`) install `trusted` (label, AES key) as the
/// trusted key-backup key if given, replaces the SO PIN with a random one dropped at
/// once, and sets the user PIN to `new_pin`. Returns a session logged in with it and
/// the token's serial.
pub(crate) fn take_token(
    module: &Path,
    token: &str,
    (current_pin, current_so_pin): (&str, &str),
    new_pin: &str,
    trusted: Option<(&str, &[u8])>,
) -> Result<(cryptoki::session::Session, String)> {
    use cryptoki::types::AuthPin;
    let ctx = pkcs11::open_module(module)?;
    let (slot, serial) = pkcs11::find_token(&ctx, token)?;
    // The user PIN first, so that a wrong one changes nothing.
    let check = pkcs11::login(&ctx, slot, &AuthPin::from(current_pin.to_string()))?;
    check
        .logout()
        .map_err(|e| Error::Hsm(format!("cannot log out: {e}")))?;
    drop(check);
    let so = AuthPin::from(current_so_pin.to_string());
    if let Some((label, key)) = trusted {
        install_trusted_key(&ctx, slot, &so, label, key)?;
    }
    pkcs11::replace_so_pin(&ctx, slot, &so, &AuthPin::from(random_pin()?.to_string()))?;
    let session = pkcs11::login(&ctx, slot, &AuthPin::from(current_pin.to_string()))?;
    session
        .set_pin(
            &AuthPin::from(current_pin.to_string()),
            &AuthPin::from(new_pin.to_string()),
        )
        .map_err(|e| Error::Hsm(format!("cannot change the token PIN: {e}")))?;
    Ok((session, serial))
}

/// As the security officer, installs `key` (AES-256) on the token as its key-backup
/// key: a token object the token trusts (CKA_TRUSTED, which only the SO can set) to
/// wrap keys marked CKA_WRAP_WITH_TRUSTED, good for wrapping only, sensitive and never
/// extractable, and neither modifiable, copyable nor destroyable: whoever holds the
/// user PIN cannot turn on its unwrapping or decryption, nor copy it with them, and so
/// cannot unwrap what it wraps. It is a public object so that the user's session can
/// wrap with it (an SO session makes public objects only); what it wraps can be
/// unwrapped only where the same key is brought back from its shares.
fn install_trusted_key(
    ctx: &cryptoki::context::Pkcs11,
    slot: cryptoki::slot::Slot,
    so_pin: &cryptoki::types::AuthPin,
    label: &str,
    key: &[u8],
) -> Result<()> {
    use cryptoki::object::{Attribute, KeyType, ObjectClass};
    let session = pkcs11::login_as(ctx, slot, cryptoki::session::UserType::So, so_pin)?;
    if !session
        .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
        .map_err(pkcs11::hsm)?
        .is_empty()
    {
        return Err(Error::Hsm(format!(
            "the token already holds a key labelled `{label}`"
        )));
    }
    let mut template = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Trusted(true),
        Attribute::Wrap(true),
        Attribute::Unwrap(false),
        Attribute::Encrypt(false),
        Attribute::Decrypt(false),
        Attribute::Sign(false),
        Attribute::Verify(false),
        Attribute::Derive(false),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Modifiable(false),
        Attribute::Copyable(false),
        Attribute::Destroyable(false),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Value(key.to_vec()),
    ];
    let made = session.create_object(&template);
    wipe_values(&mut template);
    made.map_err(|e| Error::Hsm(format!("cannot install the key-backup key: {e}")))?;
    session.logout().map_err(pkcs11::hsm)?;
    Ok(())
}

/// Zeroizes the key values in a template once the token has read them.
pub(crate) fn wipe_values(template: &mut [cryptoki::object::Attribute]) {
    use zeroize::Zeroize as _;
    for a in template {
        if let cryptoki::object::Attribute::Value(v) = a {
            v.zeroize();
        }
    }
}
