//! A restored store brought level with what the CA published after its backup.
//!
//! Relying parties hold the CRLs the CA published, and subscribers hold the
//! certificates it issued; a backup holds neither if they came after it. So:
//!
//! - each published CRL, once its signature verifies with a CA certificate of the
//!   backup, is recorded as that issuer's newest CRL when its number is above the
//!   backup's: the next CRL's number is above it, and the CRL continuity check
//!   (R-7.2-CRL) refuses any next CRL that drops one of its revocations;
//! - every serial it revokes is revoked in the store, at its revocationDate; a serial
//!   the store does not know was issued after the backup, and the restore is refused
//!   until that certificate is given back (a subscriber's copy, the RA's file);
//! - each certificate given back is checked against its issuer's key and recorded as
//!   issued, and its name's sequence letter is marked used, so the restored CA never
//!   issues that name again (R-3.1-UNIQUE).

use der::{Decode, Encode};
use x509_cert::certificate::Certificate;
use x509_cert::crl::CertificateList;

use crate::audit::{Audited, Event};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::issue::serial_hex;
use crate::policy::{CertificateProfile, Policy};
use crate::store::{Pending, Store};
use crate::x509;

/// What reconciling changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// Published CRLs recorded as their issuer's newest: (issuer, number).
    pub crls: Vec<(String, u64)>,
    /// Serials revoked because a published CRL revokes them.
    pub revoked: Vec<String>,
    /// Serials of certificates given back and recorded.
    pub imported: Vec<String>,
}

/// A published CRL, read and checked.
struct Published {
    issuer: &'static str,
    number: u64,
    this_update: Timestamp,
    next_update: Timestamp,
    der: Vec<u8>,
    revoked: Vec<(String, Timestamp, u8)>,
}

/// Reconciles `store` with `crls` and `certificates` (DER); `cas` are the backup's CA
/// certificates with their profiles.
pub(super) fn reconcile(
    store: &mut dyn Store,
    policy: &'static dyn Policy,
    cas: &[(&'static CertificateProfile, Certificate)],
    crls: &[Vec<u8>],
    certificates: &[Vec<u8>],
    now: Timestamp,
    actor: &str,
) -> Result<Reconciled> {
    let def = policy.definition();
    let published = crls
        .iter()
        .map(|der| read_crl(der, cas))
        .collect::<Result<Vec<_>>>()?;
    let mut done = Reconciled::default();
    for der in certificates {
        if let Some(serial) = import(store, policy, cas, der, now, actor)? {
            done.imported.push(serial);
        }
    }
    let mut missing = Vec::new();
    for crl in &published {
        for (serial, _, _) in &crl.revoked {
            if store.certificate(serial)?.is_none() {
                missing.push(format!("{serial} (CRL {} of {})", crl.number, crl.issuer));
            }
        }
    }
    if !missing.is_empty() {
        return Err(Error::Directory(format!(
            "the published CRLs revoke {} certificate(s) this backup does not hold, issued after it: {}. \
             Find each certificate (the subscriber's copy, the RA's file) and give it with --certificate; \
             nothing was written",
            missing.len(),
            missing.join(", ")
        )));
    }
    for crl in published {
        match store.latest_crl(crl.issuer)? {
            Some((n, _)) if n > crl.number => {}
            Some((n, der)) if n == crl.number => {
                if der != crl.der {
                    return Err(Error::Corrupt(format!(
                        "the backup's CRL {n} of {} differs from the published CRL {n}: two CRLs carry one number",
                        crl.issuer
                    )));
                }
            }
            _ => {
                let event = Event::new(
                    now,
                    actor,
                    "crl-created",
                    &[
                        ("issuer", crl.issuer),
                        ("number", &crl.number.to_string()),
                        ("this_update", &crl.this_update.to_string()),
                        ("entries", &crl.revoked.len().to_string()),
                        (
                            "source",
                            "published before the restore; recorded from the repository's copy",
                        ),
                    ],
                );
                store.record_crl(
                    crl.issuer,
                    crl.number,
                    crl.this_update,
                    crl.next_update,
                    &crl.der,
                    &[Audited::new(def, event)],
                )?;
                done.crls.push((crl.issuer.to_string(), crl.number));
            }
        }
        for (serial, at, code) in &crl.revoked {
            let Some(record) = store.certificate(serial)? else {
                return Err(Error::Internal("a serial checked present is gone"));
            };
            if record.revoked.is_some() {
                continue;
            }
            // The CRL carries a code, and several of the policy's reasons may share it
            // (two map to `unspecified`): the store says which, or all it could be.
            let names: Vec<&str> = def
                .reasons
                .iter()
                .filter(|r| r.code == *code)
                .map(|r| r.name)
                .collect();
            let reason = match names.as_slice() {
                [] => {
                    return Err(Error::Policy(format!(
                        "the published CRL revokes {serial} with reason code {code}, which no reason of the policy has"
                    )));
                }
                [one] => (*one).to_string(),
                several => several.join(" or "),
            };
            let event = Event::new(
                now,
                actor,
                "certificate-revoked",
                &[
                    ("serial", serial),
                    ("reason", &reason),
                    ("reason_code", &code.to_string()),
                    ("subject", &record.subject),
                    (
                        "source",
                        &format!(
                            "revoked on published CRL {}; recorded at the restore",
                            crl.number
                        ),
                    ),
                ],
            );
            store.revoke(serial, *at, &reason, *code, &[Audited::new(def, event)])?;
            done.revoked.push(serial.clone());
        }
    }
    Ok(done)
}

fn read_crl(der: &[u8], cas: &[(&'static CertificateProfile, Certificate)]) -> Result<Published> {
    let bad = |why: String| Error::Directory(format!("a published CRL is refused: {why}"));
    let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
        .map_err(|e| bad(format!("not a CRL: {e}")))?;
    let tbs = &crl.tbs_cert_list;
    let (profile, ca) = cas
        .iter()
        .find(|(_, c)| c.tbs_certificate().subject() == &tbs.issuer)
        .ok_or_else(|| bad(format!("issued by {}, no CA of this backup", tbs.issuer)))?;
    let sig = crl
        .signature
        .as_bytes()
        .ok_or_else(|| bad("its signature has unused bits".into()))?;
    crate::verify::verify_signed(&tbs.to_der()?, &crl.signature_algorithm, sig, ca)
        .map_err(|e| bad(format!("{e} ({})", profile.name)))?;
    let number = x509::crl_number(tbs).ok_or_else(|| bad("no cRLNumber".into()))?;
    let this_update =
        x509::timestamp(&tbs.this_update).ok_or_else(|| bad("thisUpdate out of range".into()))?;
    let next_update = tbs
        .next_update
        .as_ref()
        .and_then(x509::timestamp)
        .ok_or_else(|| bad("no nextUpdate".into()))?;
    let mut revoked = Vec::new();
    for entry in tbs.revoked_certificates.iter().flatten() {
        let at = x509::timestamp(&entry.revocation_date)
            .ok_or_else(|| bad("a revocationDate out of range".into()))?;
        let code = entry
            .crl_entry_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_REASONS)
            .map(|e| {
                x509_cert::ext::pkix::CrlReason::from_der(e.extn_value.as_bytes())
                    .map(|r| r as u8)
                    .map_err(|e| bad(format!("a reasonCode: {e}")))
            })
            .transpose()?
            .unwrap_or(0);
        revoked.push((serial_hex(&entry.serial_number), at, code));
    }
    Ok(Published {
        issuer: profile.name,
        number,
        this_update,
        next_update,
        der: der.to_vec(),
        revoked,
    })
}

/// Records a certificate issued after the backup; `None` if the store has it already.
fn import(
    store: &mut dyn Store,
    policy: &'static dyn Policy,
    cas: &[(&'static CertificateProfile, Certificate)],
    der: &[u8],
    now: Timestamp,
    actor: &str,
) -> Result<Option<String>> {
    let bad = |why: String| Error::Directory(format!("a certificate given back is refused: {why}"));
    let cert = Certificate::from_der(der).map_err(|e| bad(format!("not a certificate: {e}")))?;
    let tbs = cert.tbs_certificate();
    let (ca_profile, ca) = cas
        .iter()
        .find(|(_, c)| c.tbs_certificate().subject() == tbs.issuer())
        .ok_or_else(|| bad(format!("issued by {}, no CA of this backup", tbs.issuer())))?;
    crate::verify::check_signature(&cert, ca)
        .map_err(|e| bad(format!("{e} ({})", ca_profile.name)))?;
    let serial = serial_hex(tbs.serial_number());
    if let Some(known) = store.certificate(&serial)? {
        return match known.der.as_deref() {
            Some(have) if have == der => Ok(None),
            // Recorded before signing when the backup was taken, signed after: the
            // issuer's signature over this serial (random, from this CA) makes it that
            // record's certificate.
            None if known.status == "pending" => {
                let event = Event::new(
                    now,
                    actor,
                    "certificate-imported",
                    &[
                        ("serial", &serial),
                        ("subject", &known.subject),
                        ("profile", &known.profile),
                        (
                            "source",
                            "pending in the backup; its certificate given back at the restore",
                        ),
                    ],
                );
                store.complete(&serial, der, &[Audited::new(policy.definition(), event)])?;
                Ok(Some(serial))
            }
            _ => Err(Error::Corrupt(format!(
                "serial {serial} is already in the store for a different certificate"
            ))),
        };
    }
    let cn = tbs
        .subject()
        .iter_rdn()
        .flat_map(|rdn| rdn.iter())
        .find(|atv| atv.oid == const_oid::db::rfc4519::CN)
        .map(|atv| String::from_utf8_lossy(atv.value.value()).into_owned())
        .ok_or_else(|| bad(format!("{serial} has no commonName")))?;
    let def = policy.definition();
    let (profile, parts) = def
        .certificates
        .iter()
        .filter(|p| p.issuer == Some(ca_profile.name))
        .find_map(|p| Some((p, (p.subscriber_name?.parse)(&cn).ok()?)))
        .ok_or_else(|| {
            bad(format!(
                "`{cn}` is no subscriber name of a profile {} issues",
                ca_profile.name
            ))
        })?;
    let identity: Vec<String> = parts
        .fields
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    let validity = tbs.validity();
    let not_before = x509::timestamp(&validity.not_before)
        .ok_or_else(|| bad("notBefore out of range".into()))?;
    let not_after =
        x509::timestamp(&validity.not_after).ok_or_else(|| bad("notAfter out of range".into()))?;
    store.mark_sequence_used(
        profile.name,
        &identity.join(","),
        parts.fiscal_year,
        parts.sequence,
    )?;
    let subject = tbs.subject().to_string();
    store.reserve(&Pending {
        serial: &serial,
        profile: profile.name,
        issuer: Some(ca_profile.name),
        subject_cn: Some(&cn),
        subject: &subject,
        not_before,
        not_after,
        tbs: &tbs.to_der()?,
        created_at: not_before,
    })?;
    let event = Event::new(
        now,
        actor,
        "certificate-imported",
        &[
            ("serial", &serial),
            ("subject", &subject),
            ("profile", profile.name),
            (
                "source",
                "issued after the backup; given back at the restore",
            ),
        ],
    );
    store.complete(&serial, der, &[Audited::new(def, event)])?;
    Ok(Some(serial))
}
