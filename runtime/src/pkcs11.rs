//! CA keys in a PKCS #11 token (R-6.2-HSM), through cryptoki.
//!
//! [`Pkcs11Signer`] implements [`Signer`]: it signs a pipeline-checked
//! [`ToBeSigned`] with the mechanism its algorithm names (CKM_SHA1_RSA_PKCS,
//! CKM_SHA256_RSA_PKCS, ...), so the token hashes and signs and the key never leaves
//! it. When the session is lost or the library was finalised (the token was reset,
//! another component called C_Finalize), it initialises again, logs in again, finds
//! its key again by label and retries once; a signature that still fails issues
//! nothing. [`generate`] makes a key pair inside the token (R-6.1-CA-KEYGEN):
//! sensitive, not extractable, generated on the token.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use spki::SubjectPublicKeyInfoOwned;

use crate::error::{Error, Result};
use crate::policy::SignatureAlgorithm;
use crate::signer::{Signer, ToBeSigned};

pub(crate) fn hsm(e: impl std::fmt::Display) -> Error {
    Error::Hsm(e.to_string())
}

/// Where a key lives: the module, the token (by label) and the key's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The PKCS #11 module (`/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The key pair's label (CKA_LABEL).
    pub key: String,
}

/// One context per module in the process: C_Initialize is called once, under a lock,
/// because modules (SoftHSM among them) do not survive concurrent initialisation.
fn modules() -> &'static Mutex<HashMap<PathBuf, Pkcs11>> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    MODULES.get_or_init(|| Mutex::new(HashMap::new()))
}

fn initialize(ctx: &Pkcs11) -> Result<()> {
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => Ok(()),
        Err(e) => Err(hsm(e)),
    }
}

/// The process's initialised context for a module, loading it the first time.
pub fn open_module(module: &Path) -> Result<Pkcs11> {
    let mut cache = modules()
        .lock()
        .map_err(|_| Error::Hsm("module cache lock poisoned".into()))?;
    if let Some(ctx) = cache.get(module) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(module)
        .map_err(|e| Error::Hsm(format!("cannot load {}: {e}", module.display())))?;
    initialize(&ctx)?;
    cache.insert(module.to_path_buf(), ctx.clone());
    Ok(ctx)
}

/// Initialises a module again after something finalised it under us.
pub fn reinitialize(module: &Path) -> Result<Pkcs11> {
    let cache = modules()
        .lock()
        .map_err(|_| Error::Hsm("module cache lock poisoned".into()))?;
    let ctx = match cache.get(module) {
        Some(ctx) => ctx.clone(),
        None => {
            drop(cache);
            return open_module(module);
        }
    };
    initialize(&ctx)?;
    Ok(ctx)
}

/// The slot holding the token of that label.
pub fn find_token(ctx: &Pkcs11, label: &str) -> Result<(Slot, String)> {
    for slot in ctx.get_slots_with_token().map_err(hsm)? {
        let info = ctx.get_token_info(slot).map_err(hsm)?;
        if info.label().trim_end() == label {
            return Ok((slot, info.serial_number().trim_end().to_string()));
        }
    }
    Err(Error::Hsm(format!("no token labelled `{label}`")))
}

/// The label of the token in slot `slot_id` (as `softhsm2-util --show-slots` lists it).
pub fn token_in_slot(module: &Path, slot_id: u64) -> Result<String> {
    let ctx = open_module(module)?;
    let slot = Slot::try_from(slot_id).map_err(hsm)?;
    let info = ctx
        .get_token_info(slot)
        .map_err(|e| Error::Hsm(format!("slot {slot_id}: {e}")))?;
    Ok(info.label().trim_end().to_string())
}

/// A logged-in read-write session on the token.
pub fn login(ctx: &Pkcs11, slot: Slot, pin: &AuthPin) -> Result<Session> {
    login_as(ctx, slot, UserType::User, pin)
}

/// Opens a read-write session on `slot` logged in as `who`.
pub(crate) fn login_as(ctx: &Pkcs11, slot: Slot, who: UserType, pin: &AuthPin) -> Result<Session> {
    let session = ctx.open_rw_session(slot).map_err(hsm)?;
    match session.login(who, Some(pin)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => Err(Error::Activation(format!(
            "the token refused the {} PIN",
            if matches!(who, UserType::So) {
                "security officer"
            } else {
                "user"
            }
        ))),
        Err(e) => Err(hsm(e)),
    }
}

/// Replaces the token's security officer PIN (`old`) with `new`. Nobody must be
/// logged in to the token in this process: PKCS #11 allows one kind of login at a
/// time.
pub fn replace_so_pin(ctx: &Pkcs11, slot: Slot, old: &AuthPin, new: &AuthPin) -> Result<()> {
    let session = login_as(ctx, slot, UserType::So, old)?;
    session
        .set_pin(old, new)
        .map_err(|e| Error::Hsm(format!("cannot change the security officer PIN: {e}")))?;
    session.logout().map_err(hsm)?;
    Ok(())
}

pub(crate) fn find_key(session: &Session, label: &str, class: ObjectClass) -> Result<ObjectHandle> {
    let found = session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(hsm)?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(Error::Hsm(format!(
            "no key labelled `{label}` on the token"
        ))),
        _ => Err(Error::Hsm(format!(
            "several keys labelled `{label}` on the token"
        ))),
    }
}

/// The public key of a key pair on the token, as an SPKI.
pub fn public_key(session: &Session, label: &str) -> Result<SubjectPublicKeyInfoOwned> {
    let handle = find_key(session, label, ObjectClass::PUBLIC_KEY)?;
    let attrs = session
        .get_attributes(
            handle,
            &[AttributeType::Modulus, AttributeType::PublicExponent],
        )
        .map_err(hsm)?;
    let (mut n, mut e) = (None, None);
    for a in attrs {
        match a {
            Attribute::Modulus(v) => n = Some(v),
            Attribute::PublicExponent(v) => e = Some(v),
            _ => {}
        }
    }
    let (Some(n), Some(e)) = (n, e) else {
        return Err(Error::Hsm("the token did not give the public key".into()));
    };
    let key = rsa::PublicKey::new(
        rsa::BoxedUint::from_be_slice_vartime(&n),
        rsa::BoxedUint::from_be_slice_vartime(&e),
    )
    .map_err(hsm)?;
    let der = rsa::pkcs8::EncodePublicKey::to_public_key_der(&key).map_err(hsm)?;
    Ok(<SubjectPublicKeyInfoOwned as der::Decode>::from_der(
        der.as_bytes(),
    )?)
}

/// Generates an RSA key pair inside the token (R-6.1-CA-KEYGEN). The private key is
/// a token object, private, sensitive, usable only to sign, and never extractable —
/// unless `backed_up` (R-6.2-BACKUP), when it may leave the token only wrapped under a
/// key the token trusts (CKA_WRAP_WITH_TRUSTED), which only its security officer can
/// make.
pub fn generate(
    session: &Session,
    label: &str,
    bits: u32,
    backed_up: bool,
) -> Result<SubjectPublicKeyInfoOwned> {
    if !session
        .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
        .map_err(hsm)?
        .is_empty()
    {
        return Err(Error::Hsm(format!(
            "the token already holds a key labelled `{label}`"
        )));
    }
    let id = label.as_bytes().to_vec();
    let public = [
        Attribute::Token(true),
        Attribute::Private(false),
        Attribute::Verify(true),
        Attribute::Encrypt(false),
        Attribute::ModulusBits(u64::from(bits).into()),
        Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.clone()),
    ];
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(backed_up),
        Attribute::WrapWithTrusted(true),
        Attribute::Sign(true),
        // Signing only: no decryption, unwrapping or derivation with the CA key.
        Attribute::Decrypt(false),
        Attribute::Unwrap(false),
        Attribute::Derive(false),
        Attribute::SignRecover(false),
        Attribute::KeyType(KeyType::RSA),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id),
    ];
    session
        .generate_key_pair(&Mechanism::RsaPkcsKeyPairGen, &public, &private)
        .map_err(hsm)?;
    public_key(session, label)
}

/// Whether a private key is what R-6.1-CA-KEYGEN and R-6.1-CA-KEY-USE ask: generated
/// on the token (CKA_LOCAL), sensitive from birth, wrappable only under a trusted key,
/// and good for signing only (no decryption, unwrapping, derivation or
/// sign-with-recovery); and either never extractable or, when `backed_up`
/// (R-6.2-BACKUP), extractable only that way. The mechanisms a signature may use are
/// not restricted (CKA_ALLOWED_MECHANISMS is not set: tokens differ in supporting it).
pub fn generated_inside(session: &Session, label: &str, backed_up: bool) -> Result<bool> {
    let handle = find_key(session, label, ObjectClass::PRIVATE_KEY)?;
    let asked = [
        AttributeType::Local,
        AttributeType::Sensitive,
        AttributeType::AlwaysSensitive,
        AttributeType::WrapWithTrusted,
        AttributeType::Extractable,
        AttributeType::NeverExtractable,
        AttributeType::Decrypt,
        AttributeType::Unwrap,
        AttributeType::Derive,
        AttributeType::SignRecover,
    ];
    let attrs = session.get_attributes(handle, &asked).map_err(hsm)?;
    Ok(attrs.iter().all(|a| match a {
        Attribute::Local(v)
        | Attribute::Sensitive(v)
        | Attribute::AlwaysSensitive(v)
        | Attribute::WrapWithTrusted(v) => *v,
        Attribute::Extractable(v) => *v == backed_up,
        Attribute::NeverExtractable(v) => *v != backed_up,
        Attribute::Decrypt(v)
        | Attribute::Unwrap(v)
        | Attribute::Derive(v)
        | Attribute::SignRecover(v) => !*v,
        _ => false,
    }) && attrs.len() == asked.len())
}

struct Connection {
    ctx: Pkcs11,
    session: Option<(Session, ObjectHandle)>,
}

/// A CA key in a PKCS #11 token, signing through a pool of sessions: one per core, so
/// that a batch's signatures are made in parallel (a session signs one thing at a
/// time). Sessions are opened as signing needs them; the token's login is shared by an
/// application's sessions.
pub struct Pkcs11Signer {
    location: Location,
    pin: zeroize::Zeroizing<String>,
    public: SubjectPublicKeyInfoOwned,
    pool: Vec<Mutex<Connection>>,
    /// Where the next signer starts looking for a free session.
    next: std::sync::atomic::AtomicUsize,
}

impl Pkcs11Signer {
    /// Connects to the key at `location`, checking it is the key `expected` certifies.
    pub fn connect(
        location: Location,
        pin: zeroize::Zeroizing<String>,
        expected: &SubjectPublicKeyInfoOwned,
    ) -> Result<Self> {
        let ctx = open_module(&location.module)?;
        let sessions = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let signer = Pkcs11Signer {
            location,
            pin,
            public: expected.clone(),
            pool: (0..sessions)
                .map(|_| {
                    Mutex::new(Connection {
                        ctx: ctx.clone(),
                        session: None,
                    })
                })
                .collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
        };
        {
            let mut conn = signer.pool[0]
                .lock()
                .map_err(|_| Error::Hsm("signer lock poisoned".into()))?;
            signer.reconnect(&mut conn)?;
            let on_token = match &conn.session {
                Some((s, _)) => public_key(s, &signer.location.key)?,
                None => return Err(Error::Hsm("no session".into())),
            };
            if &on_token != expected {
                return Err(Error::Hsm(format!(
                    "the key `{}` on the token is not the key its certificate certifies",
                    signer.location.key
                )));
            }
        }
        Ok(signer)
    }

    /// Opens a session, logs in and finds the key.
    fn reconnect(&self, conn: &mut Connection) -> Result<()> {
        conn.session = None;
        let (slot, _) = match find_token(&conn.ctx, &self.location.token) {
            Ok(found) => found,
            Err(_) => {
                // The library may have been finalised under us: initialise it again.
                conn.ctx = reinitialize(&self.location.module)?;
                find_token(&conn.ctx, &self.location.token)?
            }
        };
        let session = login(&conn.ctx, slot, &AuthPin::from(self.pin.to_string()))?;
        let key = find_key(&session, &self.location.key, ObjectClass::PRIVATE_KEY)?;
        conn.session = Some((session, key));
        Ok(())
    }

    /// A free session of the pool, or, when every one is busy, the next in turn.
    fn session(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        use std::sync::TryLockError;
        let n = self.pool.len();
        let start = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % n;
        for i in 0..n {
            match self.pool[(start + i) % n].try_lock() {
                Ok(conn) => return Ok(conn),
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Poisoned(_)) => {
                    return Err(Error::Hsm("signer lock poisoned".into()));
                }
            }
        }
        self.pool[start]
            .lock()
            .map_err(|_| Error::Hsm("signer lock poisoned".into()))
    }

    fn mechanism(algorithm: SignatureAlgorithm) -> Mechanism<'static> {
        match algorithm {
            SignatureAlgorithm::Sha1WithRsa => Mechanism::Sha1RsaPkcs,
            SignatureAlgorithm::Sha256WithRsa => Mechanism::Sha256RsaPkcs,
            SignatureAlgorithm::Sha384WithRsa => Mechanism::Sha384RsaPkcs,
            SignatureAlgorithm::Sha512WithRsa => Mechanism::Sha512RsaPkcs,
        }
    }
}

/// Errors after which a new session (and perhaps a new initialisation) may help.
fn recoverable(e: &CkError) -> bool {
    matches!(
        e,
        CkError::Pkcs11(
            RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::UserNotLoggedIn
                | RvError::ObjectHandleInvalid
                | RvError::KeyHandleInvalid
                | RvError::CryptokiNotInitialized
                | RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::DeviceError,
            _
        )
    )
}

impl Signer for Pkcs11Signer {
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public
    }

    fn sign(&self, tbs: &ToBeSigned) -> Result<Vec<u8>> {
        let mut conn = self.session()?;
        let mechanism = Self::mechanism(tbs.algorithm());
        for attempt in 0..2 {
            if conn.session.is_none() {
                self.reconnect(&mut conn)?;
            }
            let result = match &conn.session {
                Some((session, key)) => session.sign(&mechanism, *key, tbs.der()),
                None => return Err(Error::Hsm("no session".into())),
            };
            match result {
                Ok(sig) => return Ok(sig),
                Err(e) if attempt == 0 && recoverable(&e) => {
                    tracing::warn!(key = %self.location.key, error = %e, "PKCS #11 session lost; logging in again");
                    conn.session = None;
                }
                Err(e) => return Err(hsm(e)),
            }
        }
        Err(Error::Hsm(
            "the token did not sign after reconnecting".into(),
        ))
    }
}
