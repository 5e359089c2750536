//! The key ceremony (R-6.1-CA-KEYGEN, R-6.2-HSM): before witnesses, the token's PIN is
//! replaced and split among the custodians (R-6.2-M-OF-N), the CA keys are generated
//! inside the token, the CA directory is made with certificates the token signs, and
//! a transcript signed with the audit key is written to the directory and the log.

use std::path::{Path, PathBuf};

use der::Encode;
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::activation::split_pin;
use super::hsm::{HsmKeys, prepare};
use super::keybackup::{BackupKey, make_backup_key};
use super::keys::{KeyMaker, activation_meta};
use super::shamir::Share;
use crate::audit::{AuditKey, Event};
use crate::ca::{Ca, InitOptions};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::policy::{CertificateProfile, Policy};
use crate::signer::Signer;

/// What the ceremony is told.
pub struct CeremonyOptions<'a> {
    /// The PKCS #11 module.
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The token's current user PIN; replaced during the ceremony.
    pub pin: Zeroizing<String>,
    /// The token's current security officer PIN; replaced during the ceremony by one
    /// nobody keeps.
    pub so_pin: Zeroizing<String>,
    /// The trusted persons present (R-6.1-CA-KEYGEN: several).
    pub witnesses: Vec<String>,
    /// Allow `--now` later.
    pub allow_clock_override: bool,
    /// Told of each step.
    pub progress: &'a dyn Fn(&str),
    /// Where the state goes (see [`crate::ca::InitOptions::store`]).
    pub store: Option<&'a str>,
}

/// What a ceremony made.
pub struct Ceremony {
    /// The CA, locked until activated.
    pub ca: Ca,
    /// Each activation custodian's share of the token PIN (R-6.2-M-OF-N).
    pub shares: Vec<Share>,
    /// Each backup custodian's share of the key-backup key, when the policy backs the
    /// keys up (R-6.2-BACKUP); empty otherwise.
    pub backup_shares: Vec<Share>,
    /// The signed transcript.
    pub transcript: String,
}

/// The ceremony's key maker, with the activation settings it records.
struct CeremonyKeys<'a> {
    inner: &'a mut HsmKeys,
    extra: Vec<(String, String)>,
}

impl KeyMaker for CeremonyKeys<'_> {
    fn secret(&self) -> &str {
        self.inner.secret()
    }
    fn make(
        &mut self,
        profile: &'static CertificateProfile,
        dir: &Path,
    ) -> Result<Box<dyn Signer>> {
        self.inner.make(profile, dir)
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    fn token(&self) -> String {
        self.inner.token()
    }
    fn meta(&self) -> Vec<(String, String)> {
        let mut m = self.inner.meta();
        m.extend(self.extra.iter().cloned());
        m
    }
}

impl Ca {
    /// A key ceremony (R-6.1-CA-KEYGEN, R-6.2-HSM): the CA keys are generated inside
    /// the token, the token PIN is replaced and split among the custodians
    /// (R-6.2-M-OF-N), the CA certificates are issued through the token, and a signed
    /// transcript is written to the directory and the audit log. Under a policy that
    /// backs the keys up, the token's security officer first installs a key-backup key
    /// the token trusts, split among the backup custodians (R-6.2-BACKUP).
    pub fn ceremony(
        dir: &Path,
        policy: &'static dyn Policy,
        now: Timestamp,
        options: &CeremonyOptions<'_>,
    ) -> Result<Ceremony> {
        let def = policy.definition();
        let keys = def.ca_keys.ok_or_else(|| {
            Error::Policy(format!(
                "policy `{}` has no `ca_keys` section (shares and threshold)",
                def.id
            ))
        })?;
        if options.witnesses.len() < 2 {
            return Err(Error::Policy("a key ceremony needs at least two witnesses, several trusted persons (R-6.1-CA-KEYGEN)".into()));
        }
        (options.progress)("logging in to the token and replacing its two PINs");
        let backup: Option<BackupKey> = keys
            .backup
            .map(|b| make_backup_key(def.id, b.shares, b.threshold))
            .transpose()?;
        let trusted = backup
            .as_ref()
            .map(|b| (super::keybackup::backup_key_label(def.id), b.key.as_slice()));
        let mut maker = prepare(
            &options.module,
            &options.token,
            (&options.pin, &options.so_pin),
            trusted.as_ref().map(|(l, k)| (l.as_str(), *k)),
            def.id,
        )?;
        let (shares, commitments) = split_pin(&maker.pin, keys.shares, keys.threshold)?;
        let init = InitOptions {
            allow_clock_override: options.allow_clock_override,
            custody_waiver: None,
            key_source: &|_| Err(Error::Policy("unused".into())),
            progress: options.progress,
            store: options.store,
        };
        let mut extra = activation_meta(keys.shares, keys.threshold, &commitments);
        extra.push(("witnesses".into(), options.witnesses.join(", ")));
        if let Some(b) = &backup {
            extra.extend(b.meta.iter().cloned());
        }
        let mut wrapped = CeremonyKeys {
            inner: &mut maker,
            extra,
        };
        let mut ca = Self::create(dir, policy, now, &init, &mut wrapped)?;
        let certs: Vec<String> = ca
            .authorities()
            .map(|(profile, cert)| {
                format!(
                    "{}: certificate SHA-256 {}, subject {}",
                    profile.name,
                    hex::encode(sha2::Sha256::digest(cert.to_der().unwrap_or_default())),
                    cert.tbs_certificate().subject()
                )
            })
            .collect();
        let keys_made: Vec<String> = maker
            .made
            .iter()
            .map(|(p, label, fp)| {
                format!("{p}: key `{label}` generated on the token, SPKI SHA-256 {fp}")
            })
            .collect();
        let mut transcript = format!(
            "inkan key ceremony transcript\n\npolicy: {} (sha256 {})\ntime: {now}\nmodule: {}\ntoken: {} (serial {})\nwitnesses: {}\n\nkeys:\n  {}\n\ncertificates:\n  {}\n\nactivation: {} shares, {} needed (R-6.2-M-OF-N); the token's user PIN was replaced and exists only as shares; its security officer PIN was replaced by one nobody kept.\nshare commitments:\n  {}{}\n\naudit public key: {}\n",
            def.id,
            def.sha256,
            options.module.display(),
            options.token,
            maker.serial,
            options.witnesses.join(", "),
            keys_made.join("\n  "),
            certs.join("\n  "),
            keys.shares,
            keys.threshold,
            commitments
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{}: {c}", i + 1))
                .collect::<Vec<_>>()
                .join("\n  "),
            match (&backup, keys.backup) {
                (Some(b), Some(k)) => format!(
                    "\n\nkey backup (R-6.2-BACKUP): the security officer installed key-backup key `{}` as the token's trusted wrapping key; the CA keys leave the token only wrapped under it; it exists outside a token only as {} shares, {} needed; check value {}.\nbackup share commitments:\n  {}",
                    super::keybackup::backup_key_label(def.id),
                    k.shares,
                    k.threshold,
                    b.meta
                        .iter()
                        .find(|(n, _)| n == "backup_key_check")
                        .map_or("", |(_, v)| v.as_str()),
                    b.meta
                        .iter()
                        .find(|(n, _)| n == "backup_share_commitments")
                        .map_or(String::new(), |(_, v)| v
                            .split(',')
                            .enumerate()
                            .map(|(i, c)| format!("{}: {c}", i + 1))
                            .collect::<Vec<_>>()
                            .join("\n  ")),
                ),
                _ => String::new(),
            },
            hex::encode(ca.audit_key().map(AuditKey::public_key).unwrap_or_default()),
        );
        let signature = ca
            .audit_key()
            .map(|k| k.sign_transcript(&transcript))
            .ok_or(Error::Locked { have: 0, need: 0 })?;
        transcript.push_str(&format!("signature (Ed25519, audit key): {signature}\n"));
        let path = dir.join(format!("ceremony-{}.txt", now.unix()));
        std::fs::write(&path, &transcript).map_err(|e| Error::io(&path, e))?;
        let event = Event::new(
            now,
            "ceremony",
            "ca-key-ceremony",
            &[
                ("witnesses", &options.witnesses.join(", ")),
                ("token_serial", &maker.serial),
                ("keys", &keys_made.join("; ")),
                ("certificates", &certs.join("; ")),
                ("shares", &format!("{} of {}", keys.threshold, keys.shares)),
                ("transcript_signature", &signature),
            ],
        );
        ca.audit(event)?;
        ca.checkpoint(now)?;
        Ok(Ceremony {
            ca,
            shares,
            backup_shares: backup.map(|b| b.shares).unwrap_or_default(),
            transcript,
        })
    }
}
