//! A CA directory: the policy it enforces, its CA keys and certificates, and its
//! store, with the operations the CLI exposes (init, issue, revoke, CRL).
//!
//! Layout of a directory `D`:
//! - `D/ca.sqlite`: the store (certificates, revocations, CRLs, settings);
//! - `D/certs/<profile>.pem`: each CA certificate;
//! - `D/keys/<profile>.key.pem`: each CA's software key as encrypted PKCS#8 (scrypt,
//!   AES-256-CBC), mode 0600; absent when the keys are in an HSM;
//! - `D/keys/audit.key`: the audit key, encrypted under the same activation secret.
//!
//! The activation secret (a random passphrase, or the HSM PIN after a ceremony) exists
//! only as M-of-N custodian shares; an opened CA is locked until enough are entered.
//!
//! `init` builds everything in a sibling temporary directory and renames it into
//! place, so a failure leaves no half-made CA behind.

use std::path::{Path, PathBuf};

use der::{Decode, DecodePem, Encode, EncodePem};
use sha2::Digest as _;
use x509_cert::certificate::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use crate::audit::{self, AuditKey, Audited, Event};
use crate::calendar::Timestamp;
use crate::csr;
use crate::error::{Error, Result};
use crate::issue::{Draft, Spec, random_serial, serial_hex};
use crate::policy::{CertificateProfile, NameParts, Policy, Role};
use crate::signer::{Signer, SoftwareSigner};
use crate::sql::Location;
use crate::store::{Pending, SqlStore, Store};
use crate::x509;

/// A CA certificate with its key.
struct Authority {
    profile: &'static CertificateProfile,
    cert: Certificate,
    signer: Box<dyn Signer>,
    key_id: Vec<u8>,
}

impl Authority {
    fn new(
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

    fn validity(&self) -> Option<(Timestamp, Timestamp)> {
        let v = self.cert.tbs_certificate().validity();
        Some((
            x509::timestamp(&v.not_before)?,
            x509::timestamp(&v.not_after)?,
        ))
    }
}

/// Options of `init`.
pub struct InitOptions<'a> {
    /// Allow `--now` on later commands (tests, dry runs).
    pub allow_clock_override: bool,
    /// What `{hsm_token}` becomes in CA names (R-7.1-ICA).
    pub hsm_token: String,
    /// Makes the key of each CA profile; the CLI generates fresh ones.
    pub key_source: &'a dyn Fn(&'static CertificateProfile) -> Result<SoftwareSigner>,
    /// Told of each step, for progress output.
    pub progress: &'a dyn Fn(&str),
    /// Where the state goes: `None` for `ca.sqlite` in the directory, else a store URL
    /// ([`crate::sql::Location::parse`]), written to the directory's `inkan.toml`.
    pub store: Option<&'a str>,
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

/// What an issuance request carries.
pub struct IssueRequest<'a> {
    /// Who asks, for the audit log (a password id, `cli`).
    pub actor: &'a str,
    /// PKCS #10, PEM or DER.
    pub csr: &'a [u8],
    /// Subscriber profile; `None` picks the policy's only one.
    pub profile: Option<&'a str>,
    /// Name template fields (`developer`, `person`).
    pub fields: Vec<(String, u64)>,
}

/// An issued certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Lower-case hex serial.
    pub serial: String,
    /// Subject, as text.
    pub subject: String,
    /// DER.
    pub der: Vec<u8>,
}

/// A published CRL.
#[derive(Debug, Clone)]
pub struct Published {
    /// cRLNumber.
    pub number: u64,
    /// DER.
    pub der: Vec<u8>,
}

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
}

/// The ceremony's key maker, with the activation settings it records.
struct CeremonyKeys<'a> {
    inner: &'a mut crate::custody::HsmKeys,
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
    fn meta(&self) -> Vec<(String, String)> {
        let mut m = self.inner.meta();
        m.extend(self.extra.iter().cloned());
        m
    }
}

/// Development keys in files of the CA directory.
struct SoftwareKeys<'a> {
    source: &'a dyn Fn(&'static CertificateProfile) -> Result<SoftwareSigner>,
    passphrase: zeroize::Zeroizing<String>,
    extra: Vec<(String, String)>,
}

impl KeyMaker for SoftwareKeys<'_> {
    fn make(
        &mut self,
        profile: &'static CertificateProfile,
        dir: &Path,
    ) -> Result<Box<dyn Signer>> {
        let signer = (self.source)(profile)?;
        // Only the encrypted form reaches the disk.
        write_private(
            &dir.join("keys").join(format!("{}.key.pem", profile.name)),
            &signer.to_encrypted_pem(&self.passphrase)?,
        )?;
        Ok(Box::new(signer))
    }
    fn backend(&self) -> &'static str {
        "software"
    }
    fn secret(&self) -> &str {
        &self.passphrase
    }
    fn meta(&self) -> Vec<(String, String)> {
        self.extra.clone()
    }
}

/// An open CA directory.
pub struct Ca {
    dir: PathBuf,
    policy: &'static dyn Policy,
    store: Box<dyn Store>,
    authorities: Vec<Authority>,
    clock_override: bool,
    /// The audit key; `None` while locked (entries are appended, checkpoints wait).
    audit_key: Option<AuditKey>,
    activation: Option<crate::custody::Activation>,
    last_batch: Option<BatchTimings>,
    /// Test CAs only: runs once between a CRL's reads and its number (see
    /// [`Ca::pause_before_crl_number`]).
    crl_pause: Option<Box<dyn FnOnce() + Send>>,
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
    /// Signing and verifying every signature, on every core.
    pub sign: std::time::Duration,
    /// The certificates' and audit entries' durable commit.
    pub complete: std::time::Duration,
}

/// What a purge removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    /// Entries removed.
    pub removed: u64,
    /// The last sequence number removed, if any.
    pub through: Option<u64>,
}

/// The activation settings recorded in the store (the commitments identify shares,
/// they do not reveal them).
fn activation_meta(shares: u8, threshold: u8, commitments: &[String]) -> Vec<(String, String)> {
    vec![
        ("activation_shares".into(), shares.to_string()),
        ("activation_threshold".into(), threshold.to_string()),
        ("share_commitments".into(), commitments.join(",")),
    ]
}

/// Encrypts a PKCS #8 key document with the activation secret (PBES2: scrypt,
/// AES-256-CBC).
fn encrypt_key(pkcs8_der: &[u8], secret: &str) -> Result<Vec<u8>> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
        .map_err(|e| Error::Encoding(e.to_string()))?;
    Ok(info
        .encrypt(secret)
        .map_err(|e| Error::Encoding(e.to_string()))?
        .as_bytes()
        .to_vec())
}

/// Decrypts what [`encrypt_key`] made.
fn decrypt_key(der: &[u8], secret: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der)
        .map_err(|e| Error::Encoding(e.to_string()))?;
    let doc = info
        .decrypt(secret)
        .map_err(|_| Error::Activation("the shares do not decrypt the audit key".into()))?;
    Ok(zeroize::Zeroizing::new(doc.as_bytes().to_vec()))
}

fn write_private_bytes(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| io(path, e))?;
    f.write_all(contents).map_err(|e| io(path, e))?;
    f.sync_all().map_err(|e| io(path, e))
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Directory(format!("{}: {e}", path.display()))
}

fn write_private(path: &Path, contents: &str) -> Result<()> {
    write_private_bytes(path, contents.as_bytes())
}

const DB: &str = "ca.sqlite";
const CONFIG: &str = "inkan.toml";
const AUDIT_KEY: &str = "audit.key";

impl Ca {
    /// Creates a CA in `dir` (which must not exist or be empty): every CA profile of
    /// the policy gets a key and a certificate, root first, all recorded.
    pub fn init(
        dir: &Path,
        policy: &'static dyn Policy,
        now: Timestamp,
        options: &InitOptions<'_>,
    ) -> Result<(Ca, Vec<crate::shamir::Share>)> {
        let def = policy.definition();
        let keys = def.ca_keys.ok_or_else(|| {
            Error::Policy(format!(
                "policy `{}` has no `ca_keys` section (activation shares and threshold)",
                def.id
            ))
        })?;
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(|e| Error::Activation(format!("no randomness: {e}")))?;
        let passphrase = zeroize::Zeroizing::new(hex::encode(raw));
        let (shares, commitments) =
            crate::custody::split_pin(&passphrase, keys.shares, keys.threshold)?;
        let extra = activation_meta(keys.shares, keys.threshold, &commitments);
        let mut maker = SoftwareKeys {
            source: options.key_source,
            passphrase,
            extra,
        };
        let ca = Self::create(dir, policy, now, options, &mut maker)?;
        Ok((ca, shares))
    }

    /// Creates a CA whose keys `maker` makes, building it in a temporary sibling
    /// directory renamed into place at the end.
    fn create(
        dir: &Path,
        policy: &'static dyn Policy,
        now: Timestamp,
        options: &InitOptions<'_>,
        maker: &mut dyn KeyMaker,
    ) -> Result<Ca> {
        if dir.exists()
            && std::fs::read_dir(dir)
                .map_err(|e| io(dir, e))?
                .next()
                .is_some()
        {
            return Err(Error::Directory(format!(
                "{} is not empty; init needs a new directory",
                dir.display()
            )));
        }
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::Directory(format!("{} has no directory name", dir.display())))?;
        let tmp = parent.join(format!(".{name}.init-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let location = Location::parse(options.store.unwrap_or("sqlite"), &tmp)?;
        if location.is_postgres() {
            // Claimed before anything is written, so an init never touches a database
            // that holds a CA (or that another init has just claimed).
            let mut store = SqlStore::open(&location)?;
            if !store.claim_meta("policy", policy.id())? {
                let id = store.meta("policy")?.unwrap_or_default();
                return Err(Error::Directory(format!(
                    "{location} already holds a CA (policy `{id}`); init needs an empty database"
                )));
            }
        }
        let result = Self::build(&tmp, &location, policy, now, options, maker);
        if result.is_err() && location.is_postgres() {
            // Leave the database this init claimed as it was found: empty.
            let _ = crate::store::SqlStore::discard(&location);
        }
        let finish = result.and_then(|()| {
            if dir.exists() {
                std::fs::remove_dir(dir).map_err(|e| io(dir, e))?;
            }
            std::fs::rename(&tmp, dir).map_err(|e| io(dir, e))
        });
        if let Err(e) = finish {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        Self::open_with(
            dir,
            &|id| (id == policy.id()).then_some(policy),
            Some(maker.secret()),
        )
    }

    fn build(
        tmp: &Path,
        location: &Location,
        policy: &'static dyn Policy,
        now: Timestamp,
        options: &InitOptions<'_>,
        maker: &mut dyn KeyMaker,
    ) -> Result<()> {
        for sub in ["keys", "certs"] {
            std::fs::create_dir_all(tmp.join(sub)).map_err(|e| io(tmp, e))?;
        }
        let mut store = SqlStore::open(location)?;
        if let Location::Postgres(url) = location {
            let config = format!(
                "# Where this CA keeps its state; every inkan command and server reads it.\nstore = \"{url}\"\n"
            );
            write_private(&tmp.join(CONFIG), &config)?;
        }
        let def = policy.definition();
        store.set_meta("policy", def.id)?;
        store.set_meta("policy_sha256", def.sha256)?;
        store.set_meta(
            "allow_clock_override",
            if options.allow_clock_override {
                "true"
            } else {
                "false"
            },
        )?;
        store.set_meta("hsm_token", &options.hsm_token)?;
        store.set_meta("key_backend", maker.backend())?;
        for (k, v) in maker.meta() {
            store.set_meta(&k, &v)?;
        }
        store.set_meta("created", &now.to_string())?;
        let (audit_key, audit_pkcs8) = AuditKey::generate()?;
        write_private_bytes(
            &tmp.join("keys").join(AUDIT_KEY),
            &encrypt_key(&audit_pkcs8, maker.secret())?,
        )?;
        store.set_meta("audit_public_key", &hex::encode(audit_key.public_key()))?;
        let mut made: Vec<Authority> = Vec::new();
        for profile in def
            .certificates
            .iter()
            .filter(|p| p.role != Role::Subscriber)
        {
            (options.progress)(&format!(
                "generating the {}-bit RSA key of `{}`",
                profile.key_bits, profile.name
            ));
            let signer = maker.make(profile, tmp)?;
            let token = options.hsm_token.clone();
            let fill = move |p: &str| (p == "hsm_token").then(|| token.clone());
            let subject = x509::name(profile.subject, &fill)?;
            let not_before =
                (profile.not_before)(now).ok_or_else(|| validity_error(profile, now, 0))?;
            let not_after = (profile.not_after)(not_before)
                .ok_or_else(|| validity_error(profile, not_before, 1))?;
            let issuer = match profile.issuer {
                None => None,
                Some(i) => Some(made.iter().find(|a| a.profile.name == i).ok_or_else(|| {
                    Error::Policy(format!(
                        "issuer `{i}` of `{}` comes later in the policy",
                        profile.name
                    ))
                })?),
            };
            let own_key = signer.public_key().clone();
            let own_key_id = x509::key_identifier(&own_key);
            let (issuer_name, issuer_key, issuer_key_id) = match issuer {
                Some(a) => {
                    check_issuer_covers(a, profile, now, not_after)?;
                    (
                        a.cert.tbs_certificate().subject().clone(),
                        a.cert.tbs_certificate().subject_public_key_info().clone(),
                        a.key_id.clone(),
                    )
                }
                None => (subject.clone(), own_key.clone(), own_key_id),
            };
            let spec = Spec {
                policy,
                profile,
                subject: subject.clone(),
                issuer: issuer_name,
                subject_key: &own_key,
                issuer_key: &issuer_key,
                issuer_key_id: &issuer_key_id,
                serial: random_serial()?,
                not_before,
                not_after,
                fill: &fill,
            };
            (options.progress)(&format!("issuing the `{}` certificate", profile.name));
            let issuing_signer: &dyn Signer = match issuer {
                Some(a) => a.signer.as_ref(),
                None => signer.as_ref(),
            };
            let cert = record_and_sign(
                &mut store,
                Draft::new(spec)?,
                profile,
                None,
                now,
                issuing_signer,
                def,
                "init",
            )?;
            let pem = cert.to_pem(der::pem::LineEnding::LF)?;
            let cert_path = tmp.join("certs").join(format!("{}.pem", profile.name));
            std::fs::write(&cert_path, pem).map_err(|e| io(&cert_path, e))?;
            made.push(Authority::new(profile, cert, signer)?);
        }
        let fingerprints: Vec<String> = made
            .iter()
            .map(|a| {
                format!(
                    "{}={}",
                    a.profile.name,
                    hex::encode(sha2::Sha256::digest(a.cert.to_der().unwrap_or_default()))
                )
            })
            .collect();
        let event = Event::new(
            now,
            "init",
            "ca-initialised",
            &[
                ("policy", def.id),
                ("policy_sha256", def.sha256),
                ("certificates_sha256", &fingerprints.join(" ")),
                ("audit_public_key", &hex::encode(audit_key.public_key())),
                ("key_backend", maker.backend()),
            ],
        );
        store.audit(&[Audited::new(def, event)])?;
        let (seq, hash) = store.audit_tip()?;
        store.add_checkpoint(&audit_key.checkpoint(seq, hash, now, false))?;
        Ok(())
    }

    /// Opens an existing CA directory. `lookup` finds the compiled policy by id.
    pub fn open(dir: &Path, lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>) -> Result<Ca> {
        Self::open_with(dir, lookup, None)
    }

    /// Opens a CA directory; with the activation secret the keys are unlocked at once,
    /// without it the CA is locked until custodians enter their shares.
    fn open_with(
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
            let signer = Box::new(crate::custody::LockedSigner {
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
        let activation = crate::custody::Activation {
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
            crl_pause: None,
        };
        if let Some(secret) = secret {
            ca.unlock(secret)?;
        }
        Ok(ca)
    }

    /// Brings the keys to life with the activation secret: the CA keys (decrypted, or
    /// found on the token) and the audit key.
    fn unlock(&mut self, secret: &str) -> Result<()> {
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
                        key: crate::custody::key_label(self.policy.id(), a.profile.name),
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

    /// A key ceremony (R-6.1-CA-KEYGEN, R-6.2-HSM): the CA keys are generated inside
    /// the token, the token PIN is replaced and split among the custodians
    /// (R-6.2-M-OF-N), the CA certificates are issued through the token, and a signed
    /// transcript is written to the directory and the audit log. Returns the CA (locked
    /// until activated), each custodian's share, and the transcript.
    pub fn ceremony(
        dir: &Path,
        policy: &'static dyn Policy,
        now: Timestamp,
        options: &crate::custody::CeremonyOptions<'_>,
    ) -> Result<(Ca, Vec<crate::shamir::Share>, String)> {
        use crate::custody;
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
        (options.progress)("logging in to the token and replacing its PIN");
        let mut maker = custody::prepare(options, def.id)?;
        let (shares, commitments) = custody::split_pin(&maker.pin, keys.shares, keys.threshold)?;
        let init = InitOptions {
            allow_clock_override: options.allow_clock_override,
            hsm_token: maker.serial.clone(),
            key_source: &|_| Err(Error::Policy("unused".into())),
            progress: options.progress,
            store: options.store,
        };
        let mut extra = activation_meta(keys.shares, keys.threshold, &commitments);
        extra.push(("witnesses".into(), options.witnesses.join(", ")));
        let mut wrapped = CeremonyKeys {
            inner: &mut maker,
            extra,
        };
        let mut ca = Self::create(dir, policy, now, &init, &mut wrapped)?;
        let certs: Vec<String> = ca
            .authorities
            .iter()
            .map(|a| {
                format!(
                    "{}: certificate SHA-256 {}, subject {}",
                    a.profile.name,
                    hex::encode(sha2::Sha256::digest(a.cert.to_der().unwrap_or_default())),
                    a.cert.tbs_certificate().subject()
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
            "inkan key ceremony transcript\n\npolicy: {} (sha256 {})\ntime: {now}\nmodule: {}\ntoken: {} (serial {})\nwitnesses: {}\n\nkeys:\n  {}\n\ncertificates:\n  {}\n\nactivation: {} shares, {} needed (R-6.2-M-OF-N); the token PIN was replaced and exists only as shares.\nshare commitments:\n  {}\n\naudit public key: {}\n",
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
            hex::encode(
                ca.audit_key
                    .as_ref()
                    .map(AuditKey::public_key)
                    .unwrap_or_default()
            ),
        );
        let signature = ca
            .audit_key
            .as_ref()
            .map(|k| k.sign_transcript(&transcript))
            .ok_or(Error::Locked { have: 0, need: 0 })?;
        transcript.push_str(&format!("signature (Ed25519, audit key): {signature}\n"));
        let path = dir.join(format!("ceremony-{}.txt", now.unix()));
        std::fs::write(&path, &transcript).map_err(|e| io(&path, e))?;
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
        Ok((ca, shares, transcript))
    }

    /// Where M-of-N activation stands; `None` for software keys (always active).
    pub fn activation(&self) -> Option<crate::custody::ActivationStatus> {
        self.activation
            .as_ref()
            .map(|a| crate::custody::ActivationStatus {
                have: a.entered.len(),
                need: usize::from(a.threshold),
                active: false,
            })
    }

    /// Refuses while the CA keys are locked (R-6.2-M-OF-N).
    pub fn ensure_active(&self) -> Result<()> {
        match &self.activation {
            Some(a) => Err(Error::Locked {
                have: a.entered.len(),
                need: usize::from(a.threshold),
            }),
            None => Ok(()),
        }
    }

    /// A custodian enters a share (R-6.2-M-OF-N). A mistyped share, or one that is not
    /// the share issued to its index, is refused and named; once the threshold is
    /// reached the keys are activated. Each share entered is audited, never its value.
    pub fn enter_share(
        &mut self,
        text: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<crate::custody::ActivationStatus> {
        let Some(activation) = self.activation.as_mut() else {
            return Ok(crate::custody::ActivationStatus {
                have: 0,
                need: 0,
                active: true,
            });
        };
        let index = activation.enter(text)?;
        let (have, need) = (activation.entered.len(), usize::from(activation.threshold));
        let share_event = Event::new(
            now,
            actor,
            "key-activation-share",
            &[
                ("index", &index.to_string()),
                ("entered", &have.to_string()),
                ("needed", &need.to_string()),
            ],
        );
        let Some(secret) = activation.secret()? else {
            self.audit(share_event)?;
            return Ok(crate::custody::ActivationStatus {
                have,
                need,
                active: false,
            });
        };
        if let Err(e) = self.unlock(&secret) {
            // The shares rebuilt a secret that does not open the keys: start again.
            if let Some(a) = self.activation.as_mut() {
                a.entered.clear();
            }
            return Err(e);
        }
        self.audit(share_event)?;
        self.audit(Event::new(
            now,
            actor,
            "key-activated",
            &[("shares", &have.to_string())],
        ))?;
        self.checkpoint(now)?;
        Ok(crate::custody::ActivationStatus {
            have,
            need,
            active: true,
        })
    }

    /// The policy this CA enforces.
    pub fn policy(&self) -> &'static dyn Policy {
        self.policy
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
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

    fn authority(&self, name: &str) -> Result<&Authority> {
        find_authority(&self.authorities, name)
    }

    fn subscriber_profile(&self, name: Option<&str>) -> Result<&'static CertificateProfile> {
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

    /// Issues a subscriber certificate (R-4.2-PROMPT): the request is checked, the
    /// name allocated, the TBS built and checked, recorded, signed, recorded again.
    pub fn issue(&mut self, request: &IssueRequest<'_>, now: Timestamp) -> Result<Issued> {
        self.issue_many(std::slice::from_ref(request), now)?
            .pop()
            .unwrap_or_else(|| Err(Error::Store("no result for the request".into())))
    }

    /// Issues a batch of subscriber certificates, one result per request in order (an
    /// application form's holders, a bulk enrollment). Each request goes through the
    /// same checks as [`Ca::issue`]; a refused one costs the others nothing. The checked
    /// TBSCertificates are recorded in one durable commit before any is signed (store
    /// before sign), signed on every core, and the certificates and their audit entries
    /// recorded in a second commit: two disk syncs for the batch instead of two per
    /// certificate. An error for the whole batch (`Err`) means nothing was signed.
    pub fn issue_many(
        &mut self,
        requests: &[IssueRequest<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Issued>>> {
        self.ensure_active()?;
        let started = std::time::Instant::now();
        let mut results: Vec<Option<Result<Issued>>> = requests.iter().map(|_| None).collect();
        // Each request's CSR checked (parse, key rules, proof of possession), on every
        // core: pure work.
        let mut checks = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            match self.subscriber_profile(request.profile) {
                Ok(profile) => checks.push((i, request.csr, profile)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        let checked = on_every_core(checks, |(i, csr, profile)| {
            (i, profile, csr::check(csr, profile))
        });
        let mut planned = Vec::new();
        for (i, profile, outcome) in checked {
            match outcome.and_then(|c| self.plan(&requests[i], profile, c, now)) {
                Ok(plan) => planned.push((i, plan)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        // Sequence letters allocated in request order, in one transaction.
        let wanted: Vec<(&str, &str, i64)> = planned
            .iter()
            .map(|(_, p)| (p.profile.name, p.identity.as_str(), p.name.fiscal_year))
            .collect();
        let letters = self.store.next_sequences(&wanted)?;
        drop(wanted);
        self.crash_point("letters-allocated");
        let mut plans = Vec::new();
        for ((i, mut plan), letter) in planned.into_iter().zip(letters) {
            let named = letter.and_then(|sequence| {
                plan.name.sequence = sequence;
                Ok((plan.codec.format)(&plan.name)?)
            });
            match named {
                Ok(cn) => plans.push((i, plan, cn)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        // Each TBSCertificate built and checked against the policy, on every core.
        let (policy, authorities) = (self.policy, &self.authorities);
        let built = on_every_core(plans, |(i, plan, cn)| {
            (i, plan.build(cn, policy, authorities))
        });
        let mut ready = Vec::new();
        for (i, outcome) in built {
            match outcome {
                Ok(p) => ready.push((i, p)),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        let prepared = std::time::Instant::now();
        let pending: Vec<Pending<'_>> = ready.iter().map(|(_, p)| p.pending(now)).collect();
        let reserved = match self.store.reserve_many(&pending) {
            Ok(r) => r,
            Err(e) => {
                let serials: Vec<&str> = pending.iter().map(|p| p.serial).collect();
                self.audit_failure(now, "record", &serials, &e);
                return Err(e);
            }
        };
        let recorded = std::time::Instant::now();
        self.crash_point("pending-recorded");
        drop(pending);
        let mut to_sign = Vec::new();
        let mut meta = Vec::new();
        let mut unrecorded = Vec::new();
        for ((i, p), outcome) in ready.into_iter().zip(reserved) {
            match outcome {
                Ok(()) => {
                    let signer = find_authority(&self.authorities, p.issuer)?.signer.as_ref();
                    meta.push((i, p.serial, p.subject, p.profile, p.not_after));
                    to_sign.push((meta.len() - 1, p.draft, signer));
                }
                Err(e) => {
                    unrecorded.push((p.serial, e.to_string()));
                    results[i] = Some(Err(e));
                }
            }
        }

        // Signed on every core; a signing thread that panics loses its results, which
        // leaves those records pending for the operators: never signed and unrecorded.
        let signed = on_every_core(to_sign, |(k, draft, signer)| (k, draft.sign(signer)));
        let signed_at = std::time::Instant::now();
        self.crash_point("signed");
        let def = self.policy.definition();
        let mut completed = Vec::new();
        let mut failed = Vec::new();
        let mut outcomes = Vec::new();
        for (k, outcome) in signed {
            let (i, serial, subject, profile, not_after) = &meta[k];
            let serial: &str = serial;
            match outcome.and_then(|cert| Ok(cert.to_der()?)) {
                Ok(der) => {
                    let event = Event::new(
                        now,
                        requests[*i].actor,
                        "certificate-issued",
                        &[
                            ("serial", serial),
                            ("profile", profile.name),
                            ("subject", subject),
                            ("not_after", &not_after.to_string()),
                        ],
                    );
                    completed.push((k, der, vec![Audited::new(def, event)]));
                }
                Err(e) => {
                    failed.push(serial);
                    outcomes.push((*i, Err(e)));
                }
            }
        }
        let records: Vec<crate::store::Completed<'_>> = completed
            .iter()
            .map(|(k, der, audit)| crate::store::Completed {
                serial: &meta[*k].1,
                der,
                audit,
            })
            .collect();
        if let Err(e) = self.store.complete_many(&records, &failed) {
            // The signatures are dropped, never returned; the records stay pending
            // (`inkan pending`) for the operators to revoke.
            let serials: Vec<&str> = records
                .iter()
                .map(|r| r.serial)
                .chain(failed.iter().copied())
                .collect();
            self.audit_failure(now, "complete", &serials, &e);
            return Err(e);
        }
        if let Some((_, Err(e))) = outcomes.first() {
            self.audit_failure(now, "sign", &failed, e);
        }
        if let Some((_, first)) = unrecorded.first() {
            let serials: Vec<&str> = unrecorded.iter().map(|(s, _)| s.as_str()).collect();
            self.audit_failure(now, "record", &serials, &Error::Store(first.clone()));
        }
        let timings = BatchTimings {
            requests: requests.len(),
            prepare: prepared - started,
            record: recorded - prepared,
            sign: signed_at - recorded,
            complete: signed_at.elapsed(),
        };
        tracing::debug!(?timings, "batch issued");
        self.last_batch = Some(timings);
        self.crash_point("issued");
        drop(records);
        for (k, der, _) in completed {
            let (i, serial, subject, _, _) = &meta[k];
            outcomes.push((
                *i,
                Ok(Issued {
                    serial: serial.clone(),
                    subject: subject.clone(),
                    der,
                }),
            ));
        }
        for (i, outcome) in outcomes {
            results[i] = Some(outcome);
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Signer("the request was not signed".into()))))
            .collect())
    }

    /// For the crash tests: in a CA made for tests (clock override allowed, which a
    /// production CA refuses), when `INKAN_CRASH_AT` names this point, say so on
    /// standard error and wait to be killed. Elsewhere it does nothing.
    fn crash_point(&self, point: &str) {
        crash_point(self.clock_override, point);
    }

    /// For tests of several publishers: `pause` runs once, in the next CRL publication,
    /// after its entries and continuity check were read and before it takes a number,
    /// where another server's publication would race it. Only on CAs made with
    /// `--allow-clock-override`; elsewhere refused.
    pub fn pause_before_crl_number(&mut self, pause: impl FnOnce() + Send + 'static) -> Result<()> {
        if !self.clock_override {
            return Err(Error::Policy(
                "test pauses are only for CAs made with --allow-clock-override".into(),
            ));
        }
        self.crl_pause = Some(Box::new(pause));
        Ok(())
    }

    /// Records left pending by a process that stopped between recording a TBS and
    /// recording its certificate (see [`Store::pending`]).
    pub fn pending(&self) -> Result<Vec<crate::store::Record>> {
        self.store.pending()
    }

    /// Audits a failed issuance step (R-5.4-CA-EVENTS) in a transaction of its own;
    /// when the store cannot take even that, the failure goes to the log.
    fn audit_failure(&mut self, now: Timestamp, stage: &str, serials: &[&str], error: &Error) {
        let event = Event::new(
            now,
            "ca",
            "issuance-failed",
            &[
                ("stage", stage),
                ("serials", &serials.join(" ")),
                ("error", &error.to_string()),
            ],
        );
        tracing::error!(stage, serials = serials.join(" "), %error, "issuance failed");
        if let Err(e) = self
            .store
            .audit(&[Audited::new(self.policy.definition(), event)])
        {
            tracing::error!(stage, audit_error = %e, "the failure could not be audited");
        }
    }

    /// Where the last batch spent its time.
    pub fn last_batch(&self) -> Option<BatchTimings> {
        self.last_batch
    }

    /// A request whose CSR is checked: its fields and validity checked, and its name
    /// checked to fit before a sequence letter is spent on it.
    fn plan(
        &mut self,
        request: &IssueRequest<'_>,
        profile: &'static CertificateProfile,
        checked: csr::CheckedRequest,
        now: Timestamp,
    ) -> Result<Plan> {
        let codec = profile.subscriber_name.ok_or_else(|| {
            Error::Policy(format!(
                "profile `{}` makes no subscriber names",
                profile.name
            ))
        })?;
        // Every template field, and nothing else, must be given.
        let mut fields = Vec::new();
        for f in codec.fields {
            let value = request
                .fields
                .iter()
                .find(|(n, _)| n == f.name)
                .map(|(_, v)| *v)
                .ok_or(crate::policy::NameError::Missing(f.name))?;
            fields.push((f.name, value));
        }
        if let Some((extra, _)) = request
            .fields
            .iter()
            .find(|(n, _)| !codec.fields.iter().any(|f| f.name == n))
        {
            return Err(Error::Policy(format!(
                "`{extra}` is not a field of the name template {}",
                codec.template
            )));
        }
        let issuer_name = profile.issuer.ok_or_else(|| {
            Error::Policy(format!(
                "subscriber profile `{}` has no issuer",
                profile.name
            ))
        })?;
        let not_before =
            (profile.not_before)(now).ok_or_else(|| validity_error(profile, now, 0))?;
        let not_after = (profile.not_after)(not_before)
            .ok_or_else(|| validity_error(profile, not_before, 1))?;
        let issuer = find_authority(&self.authorities, issuer_name)?;
        check_issuer_covers(issuer, profile, now, not_after)?;
        // Check the name fits before a sequence letter is spent on it.
        let (m, d) = codec.fiscal_year_starts;
        let fiscal_year = not_before.fiscal_year(m, d);
        let probe = NameParts {
            fields: fields.clone(),
            fiscal_year,
            sequence: 0,
        };
        (codec.format)(&probe)?;
        let identity: Vec<String> = fields.iter().map(|(n, v)| format!("{n}={v}")).collect();
        Ok(Plan {
            profile,
            codec,
            issuer: issuer_name,
            checked,
            identity: identity.join(","),
            name: NameParts {
                fields,
                fiscal_year,
                sequence: 0,
            },
            not_before,
            not_after,
        })
    }

    /// Revokes a certificate for one of the policy's reasons (R-4.9-REASONS).
    pub fn revoke(
        &mut self,
        serial: &str,
        reason: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<()> {
        let def = self.policy.definition();
        let r = self.policy.reason(reason).ok_or_else(|| {
            let names: Vec<&str> = def.reasons.iter().map(|r| r.name).collect();
            Error::Policy(format!(
                "unknown reason `{reason}`; the policy's reasons are {}",
                names.join(", ")
            ))
        })?;
        let serial = normalise_serial(serial)?;
        let record = self
            .store
            .certificate(&serial)?
            .ok_or_else(|| Error::UnknownSerial(serial.clone()))?;
        if record.issuer.is_none() {
            return Err(Error::Policy(
                "a root certificate cannot be revoked on its own CRL".into(),
            ));
        }
        let event = Event::new(
            now,
            actor,
            "certificate-revoked",
            &[
                ("serial", &serial),
                ("reason", r.name),
                ("reason_code", &r.code.to_string()),
                ("subject", &record.subject),
            ],
        );
        self.store
            .revoke(&serial, now, r.name, r.code, &[Audited::new(def, event)])
    }

    /// Revokes every certificate in `serials` in one transaction (R-4.11-LEAVE).
    pub fn revoke_all(
        &mut self,
        serials: &[String],
        reason: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<()> {
        let def = self.policy.definition();
        let r = self
            .policy
            .reason(reason)
            .ok_or_else(|| Error::Policy(format!("unknown reason `{reason}`")))?;
        let events: Vec<Audited> = serials
            .iter()
            .map(|s| {
                Audited::new(
                    def,
                    Event::new(
                        now,
                        actor,
                        "certificate-revoked",
                        &[
                            ("serial", s),
                            ("reason", r.name),
                            ("reason_code", &r.code.to_string()),
                        ],
                    ),
                )
            })
            .collect();
        self.store
            .revoke_many(serials, now, r.name, r.code, &events)
    }

    /// Generates the next CRL of a CA (the policy's only CRL issuer by default).
    pub fn crl(&mut self, issuer: Option<&str>, now: Timestamp, actor: &str) -> Result<Published> {
        self.ensure_active()?;
        let def = self.policy.definition();
        let profile = match issuer {
            Some(i) => self
                .policy
                .crl(i)
                .ok_or_else(|| Error::Policy(format!("`{i}` has no CRL profile")))?,
            None => match def.crls {
                [one] => one,
                _ => {
                    return Err(Error::Policy(format!(
                        "policy `{}` has {} CRL profiles; name the issuer",
                        def.id,
                        def.crls.len()
                    )));
                }
            },
        };
        if find_authority(&self.authorities, profile.issuer)?
            .validity()
            .is_none_or(|(nb, na)| now < nb || now > na)
        {
            return Err(Error::IssuerNotValid(now.to_string()));
        }
        // Several servers on one database may publish at once. The number and the
        // record are taken under the issuer's lock, but the entries and the continuity
        // check are read before it: if another server published in between, this
        // attempt is dropped unsigned and made again from what the store now holds.
        let mut now = now;
        for _ in 0..3 {
            match self.publish_crl(profile, now, actor) {
                Err(Error::CrlRace) => {
                    // The other server's thisUpdate may be a moment ahead of this clock.
                    if let Some(newest) = self.store.latest_crl_update(profile.issuer)? {
                        now = now.max(newest);
                    }
                }
                other => return other,
            }
        }
        Err(Error::Store(
            "other servers kept publishing CRLs while this one tried; try again".into(),
        ))
    }

    /// One attempt at the next CRL of `profile`.
    fn publish_crl(
        &mut self,
        profile: &'static crate::policy::CrlProfile,
        now: Timestamp,
        actor: &str,
    ) -> Result<Published> {
        let def = self.policy.definition();
        // A clock gone backwards would publish a CRL older than the newest one.
        if let Some(previous) = self.store.latest_crl_update(profile.issuer)?
            && now < previous
        {
            let event = Event::new(
                now,
                actor,
                "crl-refused",
                &[
                    ("issuer", profile.issuer),
                    ("reason", "clock behind the newest CRL"),
                    ("newest_this_update", &previous.to_string()),
                ],
            );
            self.store.audit(&[Audited::new(def, event)])?;
            return Err(Error::ClockBehind {
                previous: previous.to_string(),
                now: now.to_string(),
            });
        }
        let entries = crate::crl::Entries::collect(profile, |each| {
            self.store.each_revoked_unexpired(profile.issuer, now, each)
        })?;
        let count = entries.len();
        let previous = self.check_crl_continuity(profile.issuer, &entries, now, actor)?;
        if let Some(pause) = self.crl_pause.take() {
            pause();
        }
        let authority = find_authority(&self.authorities, profile.issuer)?;
        let issuer_name = authority.cert.tbs_certificate().subject().clone();
        let mut entries = Some(entries);
        let crash_points = self.clock_override;
        let (number, der) = self
            .store
            .with_next_crl_number(profile.issuer, &mut |number| {
                if number != previous.map_or(1, |p| p + 1) {
                    return Err(Error::CrlRace);
                }
                let spec = crate::crl::CrlSpec {
                    profile,
                    issuer_profile: authority.profile,
                    issuer: &issuer_name,
                    issuer_key_id: &authority.key_id,
                    number,
                    this_update: now,
                };
                let entries = entries
                    .take()
                    .ok_or_else(|| Error::Store("the CRL's entries were already used".into()))?;
                let (next, der) = crate::crl::build(&spec, entries, authority.signer.as_ref())?;
                crash_point(crash_points, "crl-signed");
                let event = Event::new(
                    now,
                    actor,
                    "crl-created",
                    &[
                        ("issuer", profile.issuer),
                        ("number", &number.to_string()),
                        ("entries", &count.to_string()),
                        ("next_update", &next.to_string()),
                    ],
                );
                Ok(crate::store::BuiltCrl {
                    this_update: now,
                    next_update: next,
                    der,
                    audit: vec![Audited::new(def, event)],
                })
            })?;
        self.checkpoint(now)?;
        Ok(Published { number, der })
    }

    /// Before a CRL is signed: every serial on the previous CRL whose certificate has
    /// not expired must be on the new one (R-7.2-CRL). A revocation that disappeared
    /// means the store was damaged or edited behind the CA's back; nothing is signed and
    /// the refusal is audited (`crl-refused`) for the operators to investigate.
    ///
    /// Both lists are in serial order, so they are walked side by side without holding
    /// either as a set; a previous CRL out of order (not made by inkan) falls back to a
    /// set of the new serials.
    fn check_crl_continuity(
        &mut self,
        issuer: &str,
        entries: &crate::crl::Entries,
        now: Timestamp,
        actor: &str,
    ) -> Result<Option<u64>> {
        let Some((previous, der)) = self.store.latest_crl(issuer)? else {
            return Ok(None);
        };
        let gone = crate::crl::dropped_serials(&der, entries)
            .map_err(|e| Error::Encoding(format!("the previous CRL ({previous}): {e}")))?;
        let mut missing = Vec::new();
        for serial in gone {
            let expired = self
                .store
                .certificate(&serial)?
                .is_some_and(|r| r.not_after < now);
            if !expired {
                missing.push(serial);
            }
        }
        if missing.is_empty() {
            return Ok(Some(previous));
        }
        let missing = missing.join(", ");
        let event = Event::new(
            now,
            actor,
            "crl-refused",
            &[
                ("issuer", issuer),
                ("previous", &previous.to_string()),
                ("dropped", &missing),
            ],
        );
        self.store
            .audit(&[Audited::new(self.policy.definition(), event)])?;
        Err(Error::CrlWouldDropRevoked { previous, missing })
    }

    /// Records an event (RA operations, logins, form receipts) in the audit log.
    pub fn audit(&mut self, event: Event) -> Result<()> {
        let def = self.policy.definition();
        self.store.audit(&[Audited::new(def, event)])
    }

    /// Signs a checkpoint of the audit log as it stands.
    pub fn checkpoint(&mut self, now: Timestamp) -> Result<()> {
        let (seq, hash) = self.store.audit_tip()?;
        // While locked the audit key is encrypted: entries are still appended, and the
        // next checkpoint after activation covers them.
        if let (true, Some(key)) = (seq > 0, &self.audit_key) {
            self.store
                .add_checkpoint(&key.checkpoint(seq, hash, now, false))?;
        }
        Ok(())
    }

    /// Verifies the audit log against the audit key (R-5.4-PROTECT).
    pub fn verify_audit(&self) -> Result<audit::Report> {
        let entries = self.store.audit_entries()?;
        let checkpoints = self.store.audit_checkpoints()?;
        let head = self.store.audit_head()?;
        let key = hex::decode(self.store.meta("audit_public_key")?.unwrap_or_default())
            .map_err(|e| Error::Store(format!("audit public key: {e}")))?;
        Ok(audit::verify(&entries, &checkpoints, head, &key))
    }

    /// Removes the entries whose retention has ended, as a prefix of the chain, leaving
    /// a signed anchor; audits the purge. Refuses if the log does not verify first.
    pub fn purge_audit(&mut self, now: Timestamp, actor: &str) -> Result<Purged> {
        let report = self.verify_audit()?;
        if !report.ok() {
            return Err(Error::Store(format!(
                "the audit log does not verify, so nothing is purged: {}",
                report.problems.join("; ")
            )));
        }
        let def = self.policy.definition();
        let entries = self.store.audit_entries()?;
        let n = audit::purgeable_prefix(def, &entries, now);
        let Some(last) = n.checked_sub(1).and_then(|i| entries.get(i)) else {
            return Ok(Purged {
                removed: 0,
                through: None,
            });
        };
        let key = self
            .audit_key
            .as_ref()
            .ok_or(Error::Locked { have: 0, need: 0 })?;
        let anchor = key.checkpoint(last.seq, last.hash, now, true);
        let first = entries.first().map_or(0, |e| e.seq);
        let event = Event::new(
            now,
            actor,
            "audit-purged",
            &[
                ("from", &first.to_string()),
                ("through", &last.seq.to_string()),
                ("removed", &n.to_string()),
                ("anchor_hash", &hex::encode(last.hash)),
            ],
        );
        self.store.purge_audit(&anchor, &Audited::new(def, event))?;
        self.checkpoint(now)?;
        Ok(Purged {
            removed: n as u64,
            through: Some(last.seq),
        })
    }
}

fn find_authority<'a>(authorities: &'a [Authority], name: &str) -> Result<&'a Authority> {
    authorities
        .iter()
        .find(|a| a.profile.name == name)
        .ok_or_else(|| Error::Policy(format!("no CA profile `{name}`")))
}

fn validity_error(profile: &'static CertificateProfile, at: Timestamp, which: usize) -> Error {
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

fn check_issuer_covers(
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

/// See [`Ca::crash_point`]; `enabled` is the CA's clock override.
fn crash_point(enabled: bool, point: &str) {
    if !enabled || std::env::var("INKAN_CRASH_AT").ok().as_deref() != Some(point) {
        return;
    }
    eprintln!("crash point reached: {point}");
    loop {
        std::thread::park();
    }
}

/// A subscriber certificate planned: request checked, name fitted (its letter comes
/// from the store next).
struct Plan {
    profile: &'static CertificateProfile,
    codec: &'static crate::policy::NameCodec,
    issuer: &'static str,
    checked: csr::CheckedRequest,
    /// Whose letters the name counts (`developer=1,person=2`).
    identity: String,
    /// The name's parts; the sequence letter once allocated.
    name: NameParts,
    not_before: Timestamp,
    not_after: Timestamp,
}

impl Plan {
    /// Builds and checks the TBSCertificate named `cn` (no store, no key: any thread).
    fn build(
        self,
        cn: String,
        policy: &'static dyn Policy,
        authorities: &[Authority],
    ) -> Result<Prepared> {
        let issuer = find_authority(authorities, self.issuer)?;
        let fill = |p: &str| (p == "name").then(|| cn.clone());
        let subject = x509::name(self.profile.subject, &fill)?;
        let issuer_tbs = issuer.cert.tbs_certificate();
        let spec = Spec {
            policy,
            profile: self.profile,
            subject,
            issuer: issuer_tbs.subject().clone(),
            subject_key: self.checked.public_key(),
            issuer_key: issuer_tbs.subject_public_key_info(),
            issuer_key_id: &issuer.key_id,
            serial: random_serial()?,
            not_before: self.not_before,
            not_after: self.not_after,
            fill: &fill,
        };
        let draft = Draft::new(spec)?;
        Ok(Prepared {
            serial: serial_hex(draft.tbs().serial_number()),
            subject: draft.tbs().subject().to_string(),
            not_before: self.not_before,
            not_after: self.not_after,
            draft,
            profile: self.profile,
            issuer: self.issuer,
            cn,
        })
    }
}

/// `f` over `items` on every core, results in the items' order (one thread for one
/// item). A thread that panics loses its results: the caller sees fewer results.
fn on_every_core<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(per).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let f = &f;
    std::thread::scope(|s| {
        let running: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        running
            .into_iter()
            .flat_map(|t| t.join().unwrap_or_default())
            .collect()
    })
}

/// A subscriber certificate built and checked: recorded next, then signed.
struct Prepared {
    draft: Draft,
    profile: &'static CertificateProfile,
    issuer: &'static str,
    cn: String,
    serial: String,
    subject: String,
    not_before: Timestamp,
    not_after: Timestamp,
}

impl Prepared {
    fn pending(&self, now: Timestamp) -> Pending<'_> {
        Pending {
            serial: &self.serial,
            profile: self.profile.name,
            issuer: Some(self.issuer),
            subject_cn: Some(&self.cn),
            subject: &self.subject,
            not_before: self.not_before,
            not_after: self.not_after,
            tbs: self.draft.tbs_der(),
            created_at: now,
        }
    }
}

/// Records the exact TBS, signs, records the certificate; on a signing failure the
/// record is marked failed and nothing is returned.
#[allow(clippy::too_many_arguments)] // The pipeline's last step takes everything it records.
fn record_and_sign(
    store: &mut dyn Store,
    draft: Draft,
    profile: &'static CertificateProfile,
    cn: Option<&str>,
    now: Timestamp,
    signer: &dyn Signer,
    def: &crate::policy::PolicyDefinition,
    actor: &str,
) -> Result<Certificate> {
    let tbs = draft.tbs();
    let serial = serial_hex(tbs.serial_number());
    let validity = tbs.validity();
    let pending = Pending {
        serial: &serial,
        profile: profile.name,
        issuer: profile.issuer,
        subject_cn: cn,
        subject: &tbs.subject().to_string(),
        not_before: x509::timestamp(&validity.not_before).unwrap_or(now),
        not_after: x509::timestamp(&validity.not_after).unwrap_or(now),
        tbs: draft.tbs_der(),
        created_at: now,
    };
    store.reserve(&pending)?;
    let (subject, not_after) = (pending.subject.to_string(), pending.not_after.to_string());
    match draft.sign(signer) {
        Ok(cert) => {
            let event = Event::new(
                now,
                actor,
                "certificate-issued",
                &[
                    ("serial", &serial),
                    ("profile", profile.name),
                    ("subject", &subject),
                    ("not_after", &not_after),
                ],
            );
            store.complete(&serial, &cert.to_der()?, &[Audited::new(def, event)])?;
            Ok(cert)
        }
        Err(e) => {
            store.abandon(&serial)?;
            Err(e)
        }
    }
}

/// Accepts `0A:1B...`, `0a1b...` and `0x0a1b...`; returns lower-case hex.
pub fn normalise_serial(s: &str) -> Result<String> {
    let t: String = s
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if t.is_empty() || t.len() > 40 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::UnknownSerial(format!(
            "`{s}` (expected hexadecimal)"
        )));
    }
    Ok(if t.len() % 2 == 1 { format!("0{t}") } else { t })
}

/// Decodes a certificate, PEM or DER.
pub fn read_certificate(bytes: &[u8]) -> Result<Certificate> {
    if bytes.starts_with(b"-----")
        || std::str::from_utf8(bytes).is_ok_and(|s| s.contains("-----BEGIN"))
    {
        Ok(Certificate::from_pem(bytes)?)
    } else {
        Ok(Certificate::from_der(bytes)?)
    }
}
