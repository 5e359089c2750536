//! What the CA signed in a period, re-checked (issue 18): every certificate against
//! its issuer's signature and its profile field by field, with its issuance in the
//! audit log; every CRL against its issuer's signature, its profile and the numbering
//! before it (R-7.2-CRL).

use inkan_runtime::ca::Ca;
use inkan_runtime::conformance::{self, IssuerFacts};
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::der::{Decode, Encode};

use super::record::Record;
use super::{Finding, Period, Verdict};

/// The newest issued certificate of a profile, as the issuer of what it signs.
fn issuer_cert(rec: &Record, profile: &str) -> Option<Certificate> {
    let list = rec.certificates.iter().find(|(p, _)| *p == profile)?;
    let der = list.1.iter().rev().find_map(|r| r.der.clone())?;
    Certificate::from_der(&der).ok()
}

/// Every certificate issued in the period, per profile: its issuer's signature holds,
/// it matches its profile field by field, and its issuance is in the audit log.
pub(super) fn certificates(ca: &Ca, rec: &Record, period: Period) -> Vec<Finding> {
    let policy = ca.policy();
    let mut out = Vec::new();
    for (name, records) in &rec.certificates {
        let Some(profile) = policy.certificate(name) else {
            continue;
        };
        let mut f = Finding::new(format!("certificates of profile `{name}`"), profile.cps);
        let mut n = 0;
        for r in records {
            let issued: Vec<_> = rec
                .events("certificate-issued")
                .chain(rec.events("certificate-imported"))
                .filter(|l| l.detail("serial") == r.serial)
                .collect();
            let Some(der) = &r.der else { continue };
            let cert = match Certificate::from_der(der) {
                Ok(c) => c,
                Err(e) => {
                    n += 1;
                    f.violation(format!("certificate {}: not DER ({e})", r.serial), &[]);
                    continue;
                }
            };
            let tbs = cert.tbs_certificate();
            let nb = inkan_runtime::x509::timestamp(&tbs.validity().not_before);
            let at = issued.first().map(|l| l.entry.at).or(nb);
            if !at.is_some_and(|t| period.contains(t)) {
                continue;
            }
            n += 1;
            let seqs: Vec<u64> = issued.iter().map(|l| l.entry.seq).collect();
            if issued.is_empty() {
                f.violation(
                    format!(
                        "certificate {}: no audit entry records its issuance",
                        r.serial
                    ),
                    &[],
                );
            }
            if hex::encode(tbs.serial_number().as_bytes()) != r.serial {
                f.violation(
                    format!("certificate {}: its DER carries another serial", r.serial),
                    &seqs,
                );
            }
            let issuer = match profile.issuer {
                Some(i) => issuer_cert(rec, i),
                None => Some(cert.clone()),
            };
            let Some(issuer) = issuer else {
                f.violation(
                    format!(
                        "certificate {}: its issuer's certificate is not in the store",
                        r.serial
                    ),
                    &seqs,
                );
                continue;
            };
            if let Err(e) = inkan_runtime::verify::check_signature(&cert, &issuer) {
                f.violation(format!("certificate {}: {e}", r.serial), &seqs);
            }
            let facts = IssuerFacts {
                name: Some(issuer.tbs_certificate().subject()),
                key_id: None,
            };
            for finding in conformance::check_certificate(policy, profile, tbs, &facts) {
                f.violation(format!("certificate {}: {finding}", r.serial), &seqs);
            }
        }
        if n == 0 {
            f.verdict = Verdict::NotApplicable;
        }
        f.summary = format!("{n} certificate(s) issued in the period");
        out.push(f);
    }
    out
}

/// Every CRL whose thisUpdate falls in the period, per CRL profile: signed by its
/// issuer, matching the profile, numbered one above the CRL before it.
pub(super) fn crls(ca: &Ca, rec: &Record, period: Period) -> Vec<Finding> {
    let policy = ca.policy();
    let mut out = Vec::new();
    for profile in policy.definition().crls {
        let mut f = Finding::new(format!("CRLs of `{}`", profile.issuer), profile.cps);
        let (Some(issuer), Ok(list)) = (
            issuer_cert(rec, profile.issuer),
            ca.store().crls(profile.issuer),
        ) else {
            f.verdict = Verdict::CannotJudge;
            f.summary = "the issuer's certificate or its CRLs cannot be read".into();
            out.push(f);
            continue;
        };
        let facts = IssuerFacts {
            name: Some(issuer.tbs_certificate().subject()),
            key_id: None,
        };
        let issuer_profile = policy.certificate(profile.issuer);
        let mut n = 0;
        let mut previous: Option<(u64, Option<inkan_runtime::calendar::Timestamp>)> = None;
        let restores: Vec<_> = rec.events("ca-restored").map(|l| l.entry.at).collect();
        for (number, der) in list {
            let seqs: Vec<u64> = rec
                .events("crl-created")
                .filter(|l| {
                    l.detail("issuer") == profile.issuer && l.detail("number") == number.to_string()
                })
                .map(|l| l.entry.seq)
                .collect();
            let crl = match CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&der) {
                Ok(c) => c,
                Err(e) => {
                    n += 1;
                    f.violation(format!("CRL {number}: not DER ({e})"), &seqs);
                    previous = Some((number, None));
                    continue;
                }
            };
            let tbs = &crl.tbs_cert_list;
            let this_update = inkan_runtime::x509::timestamp(&tbs.this_update);
            let before = previous.replace((number, this_update));
            if !this_update.is_some_and(|t| period.contains(t)) {
                continue;
            }
            n += 1;
            // Numbers the CA skipped are a breach, unless a restore lies between: the
            // CRLs published after a backup are not in it (the restore records the
            // newest published one, and numbers on from there).
            if let Some((p, at)) = before
                && number != p + 1
            {
                let restored = restores
                    .iter()
                    .any(|r| at.is_none_or(|a| a <= *r) && this_update.is_some_and(|t| *r <= t));
                if restored {
                    f.evidence.push(format!(
                        "CRL {number} follows CRL {p}: the CRLs between were published before a restore from backup"
                    ));
                } else {
                    f.violation(
                        format!("CRL {number} does not follow the CRL before it by one"),
                        &seqs,
                    );
                }
            }
            match inkan_runtime::x509::crl_number(tbs) {
                Some(signed) if signed == number => {}
                signed => f.violation(
                    format!(
                        "CRL {number}: its signed cRLNumber is {}",
                        signed.map_or("missing".to_string(), |s| s.to_string())
                    ),
                    &seqs,
                ),
            }
            let signed = match (tbs.to_der(), crl.signature.as_bytes()) {
                (Ok(t), Some(sig)) => {
                    inkan_runtime::verify::verify_signed(&t, &crl.signature_algorithm, sig, &issuer)
                }
                _ => Err("its signature cannot be read".to_string()),
            };
            if let Err(e) = signed {
                f.violation(format!("CRL {number}: {e}"), &seqs);
            }
            for finding in conformance::check_crl(profile, issuer_profile, tbs, &facts) {
                f.violation(format!("CRL {number}: {finding}"), &seqs);
            }
        }
        if n == 0 {
            f.verdict = Verdict::NotApplicable;
        }
        f.summary = format!("{n} CRL(s) issued in the period");
        out.push(f);
    }
    out
}
