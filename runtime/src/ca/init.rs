//! Making a CA directory (`inkan init`, and the ceremony's second half): every CA
//! profile of the policy gets a key and a certificate, root first, all recorded and
//! audited. The directory is built in a sibling temporary directory and renamed into
//! place, so a failure leaves no half-made CA behind.

use std::path::Path;

use der::{Encode, EncodePem};
use sha2::Digest as _;

use super::files::{AUDIT_KEY, CONFIG, encrypt_key, io, write_private, write_private_bytes};
use super::issue::record_and_sign;
use super::open::{Authority, Ca, check_issuer_covers, validity_error};
use crate::audit::{AuditKey, Audited, Event};
use crate::calendar::Timestamp;
use crate::custody::activation::split_pin;
use crate::custody::keys::{CUSTODY_WAIVER, KeyMaker, activation_meta};
use crate::custody::shamir::Share;
use crate::error::{Error, Result};
use crate::issue::{Draft, Spec, random_serial};
use crate::policy::{CertificateProfile, Policy, Role};
use crate::signer::{Signer, SoftwareSigner};
use crate::sql::Location;
use crate::store::{SqlStore, Store};
use crate::x509;

/// Options of `init`.
pub struct InitOptions<'a> {
    /// Allow `--now` on later commands (tests, dry runs).
    pub allow_clock_override: bool,
    /// Where the policy keeps CA keys in an HSM (R-6.2-HSM), software keys are refused
    /// unless this says why they are used anyway (tests, dry runs): the reason is
    /// recorded in the directory and the audit log, `serve` prints it at start and the
    /// repository's notices page shows it. Ignored for keys made on a token.
    pub custody_waiver: Option<&'a str>,
    /// Makes the key of each CA profile; the CLI generates fresh ones.
    pub key_source: &'a dyn Fn(&'static CertificateProfile) -> Result<SoftwareSigner>,
    /// Told of each step, for progress output.
    pub progress: &'a dyn Fn(&str),
    /// Where the state goes: `None` for `ca.sqlite` in the directory, else a store URL
    /// ([`crate::sql::Location::parse`]), written to the directory's `inkan.toml`.
    pub store: Option<&'a str>,
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
    fn token(&self) -> String {
        crate::custody::keys::NO_TOKEN.into()
    }
    fn secret(&self) -> &str {
        &self.passphrase
    }
    fn meta(&self) -> Vec<(String, String)> {
        self.extra.clone()
    }
}

impl Ca {
    /// Creates a CA in `dir` (which must not exist or be empty): every CA profile of
    /// the policy gets a key and a certificate, root first, all recorded.
    pub fn init(
        dir: &Path,
        policy: &'static dyn Policy,
        now: Timestamp,
        options: &InitOptions<'_>,
    ) -> Result<(Ca, Vec<Share>)> {
        let def = policy.definition();
        let keys = def.ca_keys.ok_or_else(|| {
            Error::Policy(format!(
                "policy `{}` has no `ca_keys` section (activation shares and threshold)",
                def.id
            ))
        })?;
        if keys.hsm && options.custody_waiver.is_none() {
            return Err(Error::Policy(format!(
                "policy `{}` keeps CA keys in an HSM (R-6.2-HSM): make them on a PKCS#11 token with `inkan ceremony`, or, for a CA that will never serve subscribers, say so with --software-keys-for-testing",
                def.id
            )));
        }
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(|e| Error::Activation(format!("no randomness: {e}")))?;
        let passphrase = zeroize::Zeroizing::new(hex::encode(raw));
        let (shares, commitments) = split_pin(&passphrase, keys.shares, keys.threshold)?;
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
    pub(crate) fn create(
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

    pub(super) fn build(
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
        let token = maker.token();
        store.set_meta("hsm_token", &token)?;
        store.set_meta("key_backend", maker.backend())?;
        let waiver = custody_waiver(def, maker.backend(), options);
        if let Some(reason) = waiver {
            store.set_meta(CUSTODY_WAIVER, reason)?;
        }
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
            let token = token.clone();
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
        let mut events = vec![Audited::new(def, event)];
        if let Some(reason) = waiver {
            events.push(Audited::new(
                def,
                Event::new(
                    now,
                    "init",
                    "custody-waived",
                    &[
                        ("rule", "R-6.2-HSM"),
                        ("key_backend", maker.backend()),
                        ("reason", reason),
                    ],
                ),
            ));
        }
        store.audit(&events)?;
        let (seq, hash) = store.audit_tip()?;
        store.add_checkpoint(&audit_key.checkpoint(seq, hash, now, false))?;
        Ok(())
    }
}

/// The waiver to record: only where the policy wants an HSM and the keys are not on one.
fn custody_waiver<'a>(
    def: &crate::policy::PolicyDefinition,
    backend: &str,
    options: &InitOptions<'a>,
) -> Option<&'a str> {
    let hsm_wanted = def.ca_keys.is_some_and(|k| k.hsm);
    (hsm_wanted && backend != "pkcs11")
        .then_some(options.custody_waiver)
        .flatten()
}
