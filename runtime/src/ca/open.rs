//! The [`Ca`] value: an open CA directory, its CA certificates with their signers
//! (locked until activated), its store and its audit key; opening, unlocking, and
//! what callers read of it.

use std::path::{Path, PathBuf};

use der::{DecodePem, Encode};
use x509_cert::certificate::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::files::{AUDIT_KEY, CONFIG, DB, decrypt_key, io};
use super::hooks::Hooks;
use crate::audit::AuditKey;
use crate::calendar::Timestamp;
use crate::custody::activation::{Activation, LockedSigner};
use crate::error::{Error, Result};
use crate::policy::{CertificateProfile, Policy, Role};
use crate::signer::{Signer, SoftwareSigner};
use crate::sql::Location;
use crate::store::{SqlStore, Store};
use crate::x509;

/// A CA certificate with its key.
pub(super) struct Authority {
    pub(super) profile: &'static CertificateProfile,
    pub(super) cert: Certificate,
    pub(super) signer: Box<dyn Signer>,
    pub(super) key_id: Vec<u8>,
}

impl Authority {
    pub(super) fn new(
        profile: &'static CertificateProfile,
        cert: Certificate,
        signer: Box<dyn Signer>,
    ) -> Result<Self> {
        // Children's authorityKeyIdentifier = this certificate's subjectKeyIdentifier,
        // or RFC 5280 method 1 when it has none.
        let key_id = match cert
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()?
        {
            Some((_, ski)) => ski.0.as_bytes().to_vec(),
            None => x509::key_identifier(cert.tbs_certificate().subject_public_key_info()),
        };
        if signer.public_key() != cert.tbs_certificate().subject_public_key_info() {
            return Err(Error::Directory(format!(
                "the key of `{}` does not match its certificate",
                profile.name
            )));
        }
        Ok(Authority {
            profile,
            cert,
            signer,
            key_id,
        })
    }

    pub(super) fn validity(&self) -> Option<(Timestamp, Timestamp)> {
        let v = self.cert.tbs_certificate().validity();
        Some((
            x509::timestamp(&v.not_before)?,
            x509::timestamp(&v.not_after)?,
        ))
    }
}

/// The store a CA directory names: the `store` URL in its `inkan.toml`, else the
/// directory's own `ca.sqlite`.
pub fn store_location(dir: &Path) -> Result<Location> {
    let config = dir.join(CONFIG);
    let url = match std::fs::read_to_string(&config) {
        Ok(text) => {
            let table: toml::Table = text
                .parse()
                .map_err(|e| Error::Directory(format!("{}: {e}", config.display())))?;
            match table.get("store") {
                None => None,
                Some(toml::Value::String(url)) => Some(url.clone()),
                Some(_) => {
                    return Err(Error::Directory(format!(
                        "{}: `store` is a URL in quotes",
                        config.display()
                    )));
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&config, e)),
    };
    Location::parse(url.as_deref().unwrap_or("sqlite"), dir).map_err(Error::from)
}

/// An open CA directory.
pub struct Ca {
    pub(super) dir: PathBuf,
    pub(super) policy: &'static dyn Policy,
    pub(super) store: Box<dyn Store>,
    pub(super) authorities: Vec<Authority>,
    pub(super) clock_override: bool,
    /// The audit key; `None` while locked (entries are appended, checkpoints wait).
    pub(super) audit_key: Option<AuditKey>,
    pub(super) activation: Option<Activation>,
    pub(super) last_batch: Option<BatchTimings>,
    /// Why the CA keys are software keys where the policy wants an HSM, if they are.
    pub(super) custody_waiver: Option<String>,
    /// Test hooks (nothing without the `test-hooks` feature).
    pub(super) hooks: Hooks,
}

/// Where the last [`Ca::issue_many`] spent its time (also logged at debug level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchTimings {
    /// Requests in the batch.
    pub requests: usize,
    /// Requests checked, names allocated, TBSCertificates built and checked.
    pub prepare: std::time::Duration,
    /// The pending records' durable commit.
    pub record: std::time::Duration,
    /// Signing and verifying every signature, encoding each certificate and making its
    /// audit entry, on every core.
    pub sign: std::time::Duration,
    /// The certificates' and audit entries' commit.
    pub complete: std::time::Duration,
}

impl Ca {
    /// Opens an existing CA directory. `lookup` finds the compiled policy by id.
    pub fn open(dir: &Path, lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>) -> Result<Ca> {
        Self::open_with(dir, lookup, None)
    }

    /// Opens a CA directory; with the activation secret the keys are unlocked at once,
    /// without it the CA is locked until custodians enter their shares.
    pub(super) fn open_with(
        dir: &Path,
        lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>,
        secret: Option<&str>,
    ) -> Result<Ca> {
        let location = store_location(dir)?;
        if let Location::Sqlite(db) = &location
            && !db.exists()
        {
            return Err(Error::Directory(format!(
                "{} is not a CA directory (no {DB}); run `inkan init` first",
                dir.display()
            )));
        }
        let store: Box<dyn Store> = Box::new(SqlStore::open(&location)?);
        let id = store
            .meta("policy")?
            .ok_or_else(|| Error::Directory("the store names no policy".into()))?;
        let policy = lookup(&id).ok_or_else(|| {
            Error::Directory(format!(
                "this binary does not link the policy `{id}` the CA was made with"
            ))
        })?;
        let clock_override = store.meta("allow_clock_override")?.as_deref() == Some("true");
        let mut authorities = Vec::new();
        for profile in policy
            .definition()
            .certificates
            .iter()
            .filter(|p| p.role != Role::Subscriber)
        {
            let cert_path = dir.join("certs").join(format!("{}.pem", profile.name));
            let pem = std::fs::read_to_string(&cert_path).map_err(|e| io(&cert_path, e))?;
            let cert = Certificate::from_pem(pem.as_bytes())?;
            // Locked until M custodians enter their shares (R-6.2-M-OF-N).
            let signer = Box::new(LockedSigner {
                public: cert.tbs_certificate().subject_public_key_info().clone(),
            });
            authorities.push(Authority::new(profile, cert, signer)?);
        }
        let meta = |k: &str| {
            store
                .meta(k)
                .and_then(|v| v.ok_or_else(|| Error::Directory(format!("the store lacks `{k}`"))))
        };
        let number = |k: &str| {
            meta(k).and_then(|v| {
                v.parse::<u8>()
                    .map_err(|_| Error::Directory(format!("`{k}` is not a number")))
            })
        };
        let hsm = meta("key_backend")? == "pkcs11";
        // R-6.2-HSM: software keys under a policy that wants an HSM only with the
        // waiver recorded when the directory was made.
        let custody_waiver = store.meta(crate::custody::keys::CUSTODY_WAIVER)?;
        let hsm_wanted = policy.definition().ca_keys.is_some_and(|k| k.hsm);
        if hsm_wanted && !hsm && custody_waiver.is_none() {
            return Err(Error::Policy(format!(
                "{} keeps its CA keys in software, and policy `{id}` wants them in an HSM (R-6.2-HSM); no waiver was recorded when it was made (inkan init --software-keys-for-testing)",
                dir.display()
            )));
        }
        let activation = Activation {
            threshold: number("activation_threshold")?,
            total: number("activation_shares")?,
            commitments: meta("share_commitments")?
                .split(',')
                .map(String::from)
                .collect(),
            entered: Vec::new(),
            hsm: if hsm {
                Some((PathBuf::from(meta("hsm_module")?), meta("hsm_token_label")?))
            } else {
                None
            },
        };
        let mut ca = Ca {
            dir: dir.to_path_buf(),
            policy,
            store,
            authorities,
            clock_override,
            audit_key: None,
            activation: Some(activation),
            last_batch: None,
            custody_waiver,
            hooks: Hooks::default(),
        };
        if let Some(secret) = secret {
            ca.unlock(secret)?;
        }
        Ok(ca)
    }

    /// Brings the keys to life with the activation secret: the CA keys (decrypted, or
    /// found on the token) and the audit key.
    pub(super) fn unlock(&mut self, secret: &str) -> Result<()> {
        let Some(activation) = &self.activation else {
            return Ok(());
        };
        let audit_path = self.dir.join("keys").join(AUDIT_KEY);
        let audit_key = AuditKey::from_pkcs8(&decrypt_key(
            &std::fs::read(&audit_path).map_err(|e| io(&audit_path, e))?,
            secret,
        )?)?;
        let mut signers: Vec<Box<dyn Signer>> = Vec::new();
        for a in &self.authorities {
            let public = a.cert.tbs_certificate().subject_public_key_info();
            let signer: Box<dyn Signer> = match &activation.hsm {
                Some((module, token)) => {
                    let location = crate::pkcs11::Location {
                        module: module.clone(),
                        token: token.clone(),
                        key: crate::custody::keys::key_label(self.policy.id(), a.profile.name),
                    };
                    Box::new(crate::pkcs11::Pkcs11Signer::connect(
                        location,
                        zeroize::Zeroizing::new(secret.to_string()),
                        public,
                    )?)
                }
                None => {
                    let path = self
                        .dir
                        .join("keys")
                        .join(format!("{}.key.pem", a.profile.name));
                    let pem = zeroize::Zeroizing::new(
                        std::fs::read_to_string(&path).map_err(|e| io(&path, e))?,
                    );
                    let signer = SoftwareSigner::from_encrypted_pem(&pem, secret)?;
                    if signer.public_key() != public {
                        return Err(Error::Directory(format!(
                            "the key of `{}` does not match its certificate",
                            a.profile.name
                        )));
                    }
                    Box::new(signer)
                }
            };
            signers.push(signer);
        }
        for (a, s) in self.authorities.iter_mut().zip(signers) {
            a.signer = s;
        }
        self.audit_key = Some(audit_key);
        self.activation = None;
        Ok(())
    }

    /// The CA certificates with their profiles, root first (for the ceremony's
    /// transcript).
    pub(crate) fn authorities(
        &self,
    ) -> impl Iterator<Item = (&'static CertificateProfile, &Certificate)> {
        self.authorities.iter().map(|a| (a.profile, &a.cert))
    }

    /// The audit key, once unlocked.
    pub(crate) fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_ref()
    }

    /// The store, to change what custody records (the token a key backup moved to).
    pub(crate) fn store_mut(&mut self) -> &mut dyn Store {
        self.store.as_mut()
    }

    /// The policy this CA enforces.
    pub fn policy(&self) -> &'static dyn Policy {
        self.policy
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Why the CA keys are software keys where the policy wants them in an HSM
    /// (R-6.2-HSM), as recorded when the directory was made; `None` when they are
    /// where the policy says.
    pub fn custody_waiver(&self) -> Option<&str> {
        self.custody_waiver.as_deref()
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The time to act at: the real clock, or `requested` if the directory allows it.
    pub fn now(&self, requested: Option<Timestamp>) -> Result<Timestamp> {
        match requested {
            None => Ok(Timestamp::now()),
            Some(t) if self.clock_override => Ok(t),
            Some(_) => Err(Error::ClockOverrideRefused),
        }
    }

    /// The CA certificates, root first, as DER.
    pub fn ca_certificates(&self) -> Result<Vec<Vec<u8>>> {
        self.authorities
            .iter()
            .map(|a| Ok(a.cert.to_der()?))
            .collect()
    }

    /// The chain of a CA profile, from it up to the root, as DER.
    pub fn chain(&self, profile: &str) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut next = Some(profile);
        while let Some(name) = next {
            let a = self.authority(name)?;
            out.push(a.cert.to_der()?);
            next = a.profile.issuer;
        }
        Ok(out)
    }

    pub(super) fn authority(&self, name: &str) -> Result<&Authority> {
        find_authority(&self.authorities, name)
    }

    pub(super) fn subscriber_profile(
        &self,
        name: Option<&str>,
    ) -> Result<&'static CertificateProfile> {
        let subs: Vec<&'static CertificateProfile> = self
            .policy
            .definition()
            .certificates
            .iter()
            .filter(|p| p.role == Role::Subscriber)
            .collect();
        match name {
            Some(n) => subs.into_iter().find(|p| p.name == n).ok_or_else(|| {
                Error::Policy(format!(
                    "policy `{}` has no subscriber profile `{n}`",
                    self.policy.id()
                ))
            }),
            None => match subs.as_slice() {
                [one] => Ok(one),
                _ => Err(Error::Policy(format!(
                    "policy `{}` has {} subscriber profiles; name one",
                    self.policy.id(),
                    subs.len()
                ))),
            },
        }
    }
}

/// The CA of that profile name.
pub(super) fn find_authority<'a>(
    authorities: &'a [Authority],
    name: &str,
) -> Result<&'a Authority> {
    authorities
        .iter()
        .find(|a| a.profile.name == name)
        .ok_or_else(|| Error::Policy(format!("no CA profile `{name}`")))
}

/// The error for a validity rule with no answer at `at` (`which`: 0 notBefore, 1 notAfter).
pub(super) fn validity_error(
    profile: &'static CertificateProfile,
    at: Timestamp,
    which: usize,
) -> Error {
    Error::Validity {
        profile: profile.name,
        at: at.to_string(),
        rule: if which == 0 {
            profile.validity_text.0
        } else {
            profile.validity_text.1
        },
    }
}

/// Refuses unless the issuer is valid now and outlives a certificate ending at `not_after`.
pub(super) fn check_issuer_covers(
    issuer: &Authority,
    profile: &'static CertificateProfile,
    now: Timestamp,
    not_after: Timestamp,
) -> Result<()> {
    let (nb, na) = issuer
        .validity()
        .ok_or_else(|| Error::Directory("the issuer's validity cannot be read".into()))?;
    if now < nb || now > na {
        return Err(Error::IssuerNotValid(now.to_string()));
    }
    if not_after > na {
        return Err(Error::OutlivesIssuer {
            profile: profile.name,
            not_after: not_after.to_string(),
            issuer_not_after: na.to_string(),
        });
    }
    Ok(())
}
