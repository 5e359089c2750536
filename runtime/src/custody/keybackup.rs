//! Backing the CA keys up into a second token of the same model (R-6.2-BACKUP, CPS
//! 6.2.4: with the HSM's own functions, before several trusted persons).
//!
//! At the ceremony the token's security officer installs a key-backup key, AES-256,
//! as a *trusted* wrapping key (only an SO can set CKA_TRUSTED), before the SO PIN is
//! discarded; the CA keys are generated extractable only under a trusted key
//! (CKA_WRAP_WITH_TRUSTED). The key-backup key is then split into the policy's shares
//! and dropped: outside a token it exists only as those shares.
//!
//! - [`Ca::export_keys`]: with the activation custodians present (their shares rebuild
//!   the token PIN), each CA key is wrapped on the token under the key-backup key
//!   (CKM_AES_KEY_WRAP_PAD, RFC 5649) and the wrapped keys are written to a file. A
//!   wrapped key reveals nothing without the key-backup key.
//! - [`Ca::import_keys`]: with the backup custodians present too, a second token is
//!   taken as the ceremony took the first (its PINs replaced; its user PIN becomes the
//!   CA's, so the same activation shares open it; the key-backup key installed as
//!   trusted), the key-backup key is brought into it as a session object for the
//!   unwrapping alone, and each CA key is unwrapped into it, checked against the CA
//!   certificate's public key.
//!
//! The CA keys are never in clear outside a token. The key-backup key is in this
//! process's memory (zeroized) when it is made and when it is rebuilt from shares,
//! as the token PIN is at activation. Each step is audited.

use std::path::{Path, PathBuf};

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::activation::Activation;
use super::hsm::take_token;
use super::keys::key_label;
use super::shamir::{self, Share};
use crate::audit::Event;
use crate::ca::Ca;
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::pkcs11::{self, hsm};

/// The format of a file of wrapped keys.
pub const FORMAT: &str = "inkan-key-backup/1";

/// The label of a CA's key-backup key on its tokens.
pub fn backup_key_label(policy: &str) -> String {
    format!("inkan-{policy}-key-backup")
}

/// A fresh key-backup key, split.
pub(crate) struct BackupKey {
    pub(crate) key: Zeroizing<Vec<u8>>,
    pub(crate) shares: Vec<Share>,
    pub(crate) meta: Vec<(String, String)>,
}

/// Makes a key-backup key and splits it into `total` shares, `threshold` of which
/// rebuild it; the store keeps the shares' commitments and the key's check value.
pub(crate) fn make_backup_key(policy: &str, total: u8, threshold: u8) -> Result<BackupKey> {
    let mut key = Zeroizing::new(vec![0u8; 32]);
    getrandom::fill(key.as_mut_slice())
        .map_err(|e| Error::Activation(format!("no randomness: {e}")))?;
    let shares = shamir::split(&key, total, threshold)?;
    let commitments: Vec<String> = shares.iter().map(shamir::commitment).collect();
    let meta = vec![
        ("backup_key_label".into(), backup_key_label(policy)),
        ("backup_shares".into(), total.to_string()),
        ("backup_threshold".into(), threshold.to_string()),
        ("backup_share_commitments".into(), commitments.join(",")),
        ("backup_key_check".into(), check_value(&key)),
    ];
    Ok(BackupKey { key, shares, meta })
}

/// Identifies a key-backup key without revealing it (it is 256 random bits).
fn check_value(key: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"inkan-key-backup-check-v1");
    h.update(key);
    hex::encode(h.finalize())
}

/// A file of wrapped CA keys.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrappedKeys {
    format: String,
    policy: String,
    /// The token they were wrapped on (its serial).
    token: String,
    keys: Vec<WrappedKey>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrappedKey {
    profile: String,
    label: String,
    /// The wrapped private key (hex): RFC 5649 over its PKCS #8.
    wrapped: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The second token's serial.
    pub token_serial: String,
    /// The key labels brought in.
    pub keys: Vec<String>,
    /// The CA now uses the second token.
    pub switched: bool,
}

/// What an import is told.
pub struct ImportOptions<'a> {
    /// The file [`Ca::export_keys`] wrote.
    pub file: &'a Path,
    /// The second token's module.
    pub module: PathBuf,
    /// The second token's label.
    pub token: &'a str,
    /// Its current user PIN; replaced by the CA's.
    pub pin: Zeroizing<String>,
    /// Its current security officer PIN; replaced by one nobody keeps.
    pub so_pin: Zeroizing<String>,
    /// Shares of the activation secret and of the key-backup key, any order.
    pub shares: &'a [&'a str],
    /// Make the second token the CA's token.
    pub switch: bool,
    /// Now.
    pub now: Timestamp,
    /// Who, for the record.
    pub actor: &'a str,
}

/// Shares checked against the commitments the store keeps under `prefix`.
fn share_set(ca: &Ca, threshold: &str, total: &str, commitments: &str) -> Result<Activation> {
    let meta = |k: &str| {
        ca.store().meta(k)?.ok_or_else(|| {
            Error::Policy(format!(
                "this CA records no `{k}`: its keys are not backed up (R-6.2-BACKUP)"
            ))
        })
    };
    let number = |k: &str| {
        meta(k)?
            .parse::<u8>()
            .map_err(|_| Error::Corrupt(format!("`{k}` is not a number")))
    };
    Ok(Activation {
        threshold: number(threshold)?,
        total: number(total)?,
        commitments: meta(commitments)?.split(',').map(String::from).collect(),
        entered: Vec::new(),
        hsm: None,
    })
}

/// Sorts each share into the set whose commitments it matches.
fn sort_shares(shares: &[&str], sets: &mut [&mut Activation]) -> Result<()> {
    for text in shares.iter().filter(|t| !t.trim().is_empty()) {
        let share = Share::parse(text)?;
        let commitment = shamir::commitment(&share);
        let set = sets
            .iter_mut()
            .find(|s| s.commitments.contains(&commitment))
            .ok_or_else(|| {
                Error::Activation(format!("share {} is none of this CA's", share.index))
            })?;
        set.enter(text)?;
    }
    Ok(())
}

/// The indexes of the shares entered, for the record (never their values).
fn custodians(set: &Activation) -> String {
    set.entered
        .iter()
        .map(|s| s.index.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn rebuilt(set: &Activation, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    set.secret_bytes()?.ok_or_else(|| {
        Error::Activation(format!(
            "{} of the {} {what} shares needed were given",
            set.entered.len(),
            set.threshold
        ))
    })
}

impl Ca {
    /// Wraps each CA key on its token under the token's key-backup key and writes the
    /// wrapped keys to `out` (which must not exist). `shares` are the activation
    /// custodians'; they rebuild the token PIN. Audited (`ca-key-backup-exported`).
    pub fn export_keys(
        &mut self,
        shares: &[&str],
        out: &Path,
        now: Timestamp,
        actor: &str,
    ) -> Result<Vec<String>> {
        let store = self.store();
        let meta = |k: &str| {
            store.meta(k)?.ok_or_else(|| {
                Error::Policy(format!(
                    "this CA records no `{k}`: its keys are not in an HSM"
                ))
            })
        };
        let (module, token) = (PathBuf::from(meta("hsm_module")?), meta("hsm_token_label")?);
        let wrapping_label = store.meta("backup_key_label")?.ok_or_else(|| {
            Error::Policy("this CA's keys were made without a key backup (R-6.2-BACKUP): the policy says none, or the ceremony predates it".into())
        })?;
        let mut activation = share_set(
            self,
            "activation_threshold",
            "activation_shares",
            "share_commitments",
        )?;
        sort_shares(shares, &mut [&mut activation])?;
        let pin = Zeroizing::new(
            String::from_utf8(rebuilt(&activation, "activation")?.to_vec())
                .map_err(|_| Error::Activation("the shares do not rebuild a PIN".into()))?,
        );
        let ctx = pkcs11::open_module(&module)?;
        let (slot, serial) = pkcs11::find_token(&ctx, &token)?;
        let session = pkcs11::login(&ctx, slot, &cryptoki::types::AuthPin::from(pin.to_string()))?;
        let wrapping = pkcs11::find_key(&session, &wrapping_label, ObjectClass::SECRET_KEY)?;
        let policy = self.policy().id();
        let mut keys = Vec::new();
        for (profile, _) in self.authorities() {
            let label = key_label(policy, profile.name);
            let key = pkcs11::find_key(&session, &label, ObjectClass::PRIVATE_KEY)?;
            let wrapped = session
                .wrap_key(&Mechanism::AesKeyWrapPad, wrapping, key)
                .map_err(|e| Error::Hsm(format!("the token would not wrap `{label}`: {e}")))?;
            keys.push(WrappedKey {
                profile: profile.name.to_string(),
                label,
                wrapped: hex::encode(wrapped),
            });
        }
        let file = WrappedKeys {
            format: FORMAT.into(),
            policy: policy.to_string(),
            token: serial.clone(),
            keys,
        };
        let text = serde_json::to_vec_pretty(&file).map_err(|e| Error::Encoding(e.to_string()))?;
        write_new(out, &text)?;
        let labels: Vec<String> = file.keys.iter().map(|k| k.label.clone()).collect();
        self.audit(Event::new(
            now,
            actor,
            "ca-key-backup-exported",
            &[
                ("token_serial", &serial),
                ("keys", &labels.join(", ")),
                ("file", &out.display().to_string()),
                ("file_sha256", &hex::encode(Sha256::digest(&text))),
                ("custodians", &custodians(&activation)),
            ],
        ))?;
        Ok(labels)
    }

    /// Brings the CA keys wrapped in `options.file` into a second token; see the
    /// module docs. Audited (`ca-key-backup-imported`); with `switch`, the CA uses the
    /// second token from now on.
    pub fn import_keys(&mut self, options: &ImportOptions<'_>) -> Result<Imported> {
        let text = std::fs::read(options.file).map_err(|e| Error::io(options.file, e))?;
        let file: WrappedKeys = serde_json::from_slice(&text).map_err(|e| {
            Error::Directory(format!(
                "{} is not a file of wrapped keys: {e}",
                options.file.display()
            ))
        })?;
        let policy = self.policy().id();
        if file.format != FORMAT || file.policy != policy {
            return Err(Error::Directory(format!(
                "{} holds `{}` keys of policy `{}`; this CA is `{policy}` and reads `{FORMAT}`",
                options.file.display(),
                file.format,
                file.policy
            )));
        }
        let mut activation = share_set(
            self,
            "activation_threshold",
            "activation_shares",
            "share_commitments",
        )?;
        let mut backup = share_set(
            self,
            "backup_threshold",
            "backup_shares",
            "backup_share_commitments",
        )?;
        sort_shares(options.shares, &mut [&mut activation, &mut backup])?;
        let pin = Zeroizing::new(
            String::from_utf8(rebuilt(&activation, "activation")?.to_vec())
                .map_err(|_| Error::Activation("the shares do not rebuild a PIN".into()))?,
        );
        let key = rebuilt(&backup, "key-backup")?;
        if Some(check_value(&key)) != self.store().meta("backup_key_check")? {
            return Err(Error::Activation(
                "the key-backup shares do not rebuild this CA's key-backup key".into(),
            ));
        }
        // Every key wanted, each one a CA certificate's.
        let mut wanted = Vec::new();
        for (profile, cert) in self.authorities() {
            let label = key_label(policy, profile.name);
            let entry = file
                .keys
                .iter()
                .find(|k| k.label == label && k.profile == profile.name)
                .ok_or_else(|| {
                    Error::Directory(format!(
                        "{} lacks the key `{label}`",
                        options.file.display()
                    ))
                })?;
            let wrapped = hex::decode(&entry.wrapped)
                .map_err(|e| Error::Directory(format!("the wrapped key `{label}`: {e}")))?;
            wanted.push((
                label,
                wrapped,
                cert.tbs_certificate().subject_public_key_info().clone(),
            ));
        }
        let wrapping_label = backup_key_label(policy);
        let (session, serial) = match already_taken(options, &pin, &wrapping_label)? {
            Some(taken) => taken,
            None => take_token(
                &options.module,
                options.token,
                (&options.pin, &options.so_pin),
                &pin,
                Some((&wrapping_label, &key)),
            )?,
        };
        // The key-backup key, for this session's unwrapping only.
        let mut template = vec![
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Unwrap(true),
            Attribute::Wrap(false),
            Attribute::Encrypt(false),
            Attribute::Decrypt(false),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Value(key.to_vec()),
        ];
        let made = session.create_object(&template);
        super::hsm::wipe_values(&mut template);
        let unwrapping =
            made.map_err(|e| Error::Hsm(format!("cannot bring the key-backup key in: {e}")))?;
        let mut brought = Vec::new();
        let result = (|| {
            let mut labels = Vec::new();
            for (label, wrapped, spki) in &wanted {
                brought.extend(unwrap_one(&session, unwrapping, label, wrapped, spki)?);
                labels.push(label.clone());
            }
            Ok::<_, Error>(labels)
        })();
        let _ = session.destroy_object(unwrapping);
        if result.is_err() {
            // Whatever came in is taken out again, so the import can be run again on
            // this token (its PINs are already the CA's; see `already_taken`).
            for h in brought {
                let _ = session.destroy_object(h);
            }
        }
        let labels = result?;
        if options.switch {
            let store = self.store_mut();
            store.set_meta("hsm_module", &options.module.display().to_string())?;
            store.set_meta("hsm_token_label", options.token)?;
            store.set_meta("hsm_token_serial", &serial)?;
        }
        self.audit(Event::new(
            options.now,
            options.actor,
            "ca-key-backup-imported",
            &[
                ("token", options.token),
                ("token_serial", &serial),
                ("from_token_serial", &file.token),
                ("keys", &labels.join(", ")),
                (
                    "switched",
                    if options.switch {
                        "yes: the CA uses this token now"
                    } else {
                        "no"
                    },
                ),
                ("activation_custodians", &custodians(&activation)),
                ("backup_custodians", &custodians(&backup)),
            ],
        ))?;
        Ok(Imported {
            token_serial: serial,
            keys: labels,
            switched: options.switch,
        })
    }
}

/// The second token, if an earlier import already took it: the CA's PIN opens it and
/// it holds the trusted key-backup key. An import that failed half-way is run again
/// this way (its PINs were replaced before any key came in).
fn already_taken(
    options: &ImportOptions<'_>,
    pin: &str,
    wrapping_label: &str,
) -> Result<Option<(cryptoki::session::Session, String)>> {
    let ctx = pkcs11::open_module(&options.module)?;
    let (slot, serial) = pkcs11::find_token(&ctx, options.token)?;
    let Ok(session) = pkcs11::login(&ctx, slot, &cryptoki::types::AuthPin::from(pin.to_string()))
    else {
        return Ok(None);
    };
    let trusted = session
        .find_objects(&[
            Attribute::Label(wrapping_label.as_bytes().to_vec()),
            Attribute::Trusted(true),
        ])
        .map_err(hsm)?;
    Ok((!trusted.is_empty()).then_some((session, serial)))
}

/// Unwraps one CA key into the token as the ceremony would have made it (sensitive,
/// signing only, extractable only under the trusted key-backup key), with its public
/// key beside it, and checks it is the certified key.
fn unwrap_one(
    session: &cryptoki::session::Session,
    unwrapping: cryptoki::object::ObjectHandle,
    label: &str,
    wrapped: &[u8],
    spki: &spki::SubjectPublicKeyInfoOwned,
) -> Result<[cryptoki::object::ObjectHandle; 2]> {
    use rsa::traits::PublicKeyParts as _;
    if !session
        .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
        .map_err(hsm)?
        .is_empty()
    {
        return Err(Error::Hsm(format!(
            "the token already holds a key labelled `{label}`"
        )));
    }
    let public = <rsa::PublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(
        &der::Encode::to_der(spki)?,
    )
    .map_err(|e| Error::Hsm(format!("the certificate's key for `{label}`: {e}")))?;
    let (n, e) = (
        public.n().to_be_bytes_trimmed_vartime(),
        public.e().to_be_bytes_trimmed_vartime(),
    );
    let id = label.as_bytes().to_vec();
    let private = session
        .unwrap_key(
            &Mechanism::AesKeyWrapPad,
            unwrapping,
            wrapped,
            &[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::RSA),
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(true),
                Attribute::WrapWithTrusted(true),
                Attribute::Sign(true),
                Attribute::Decrypt(false),
                Attribute::Unwrap(false),
                Attribute::Derive(false),
                Attribute::SignRecover(false),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ],
        )
        .map_err(|e| Error::Hsm(format!("the token would not unwrap `{label}` (wrong key-backup key, or a damaged file): {e}")))?;
    let modulus = session
        .get_attributes(private, &[AttributeType::Modulus])
        .map_err(hsm)?
        .into_iter()
        .find_map(|a| match a {
            Attribute::Modulus(m) => Some(m),
            _ => None,
        });
    if modulus.as_deref().map(strip_zeros) != Some(strip_zeros(&n)) {
        let _ = session.destroy_object(private);
        return Err(Error::Hsm(format!(
            "the key unwrapped as `{label}` is not the one its certificate names"
        )));
    }
    let public = session
        .create_object(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::RSA),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::Encrypt(false),
            Attribute::Modulus(n.into_vec()),
            Attribute::PublicExponent(e.into_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id),
        ])
        .map_err(|e| {
            let _ = session.destroy_object(private);
            hsm(e)
        })?;
    Ok([private, public])
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[i..]
}

/// Writes a new file (never over one), synced.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}
