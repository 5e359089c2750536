//! The issuance pipeline of a CA directory: each request checked (CSR, key, proof of
//! possession), its name fitted and its sequence letter allocated, the TBS built and
//! checked against the policy; then `batch.rs` records it before it is signed (store
//! before sign), signs it on every core, and records it again with its audit entry.

use std::sync::Arc;

use der::Encode;
use x509_cert::certificate::Certificate;

use super::batch::Batch;
use super::cores::on_every_core;
use super::hooks::crash_point;
use super::open::{
    Authority, BatchTimings, Ca, check_issuer_covers, find_authority, validity_error,
};
use super::request::{Completion, Csr, IssueRequest, Issued, Prepared};
use crate::audit::{Audited, Event};
use crate::calendar::Timestamp;
use crate::csr;
use crate::error::{Error, Result, report};
use crate::issue::{Draft, Spec, random_serial, serial_hex};
use crate::policy::{CertificateProfile, NameParts, Policy};
use crate::signer::Signer;
use crate::store::{Pending, Store};
use crate::x509;

impl Ca {
    /// Issues a subscriber certificate (R-4.2-PROMPT): the request is checked, the
    /// name allocated, the TBS built and checked, recorded, signed, recorded again.
    pub fn issue(&mut self, request: &IssueRequest<'_>, now: Timestamp) -> Result<Issued> {
        self.issue_many(std::slice::from_ref(request), now)?
            .pop()
            .unwrap_or(Err(Error::Internal("no result for the request")))
    }

    /// Issues a batch of subscriber certificates, one result per request in order (an
    /// application form's holders, a bulk enrollment). Each request goes through the
    /// same checks as [`Ca::issue`]; a refused one costs the others nothing. The checked
    /// TBSCertificates are recorded in one durable commit before any is signed (store
    /// before sign), signed on every core, and the certificates and their audit entries
    /// recorded in a second commit: two disk syncs for the batch instead of two per
    /// certificate. An
    /// error for the whole batch (`Err`) means nothing was signed.
    pub fn issue_many(
        &mut self,
        requests: &[IssueRequest<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Issued>>> {
        self.issue_many_with(requests, now, Completion::Durable)
    }

    /// [`Ca::issue_many`], the certificates' commit made as `completion` says.
    pub fn issue_many_with(
        &mut self,
        requests: &[IssueRequest<'_>],
        now: Timestamp,
        completion: Completion,
    ) -> Result<Vec<Result<Issued>>> {
        self.ensure_active()?;
        let started = std::time::Instant::now();
        let mut results: Vec<Option<Result<Issued>>> = requests.iter().map(|_| None).collect();
        // Each request's CSR checked (parse, key rules, proof of possession), on every
        // core: pure work. A request checked before the batch is taken as it is.
        let mut checks = Vec::new();
        let mut prechecked = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            match (self.subscriber_profile(request.profile), request.csr) {
                (Ok(profile), Csr::Encoded(csr)) => checks.push((i, csr, profile)),
                (Ok(profile), Csr::Checked(c)) if c.checked_for(profile) => {
                    prechecked.push((i, profile, Ok(c.clone())));
                }
                (Ok(profile), Csr::Checked(_)) => {
                    results[i] = Some(Err(Error::BadRequest(format!(
                        "the request was checked for another profile than `{}`",
                        profile.name
                    ))));
                }
                (Err(e), _) => results[i] = Some(Err(e)),
            }
        }
        let mut checked = on_every_core(checks, |(i, csr, profile)| {
            (i, profile, csr::check(csr, profile))
        });
        if !prechecked.is_empty() {
            // Letters are allocated in request order.
            checked.extend(prechecked);
            checked.sort_by_key(|(i, _, _)| *i);
        }
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
        crash_point(self.clock_override, "letters-allocated");
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
        let mut signable = Vec::with_capacity(ready.len());
        for (i, p) in ready {
            match find_authority(&self.authorities, p.issuer) {
                Ok(authority) => signable.push((i, p, authority.signer.as_ref())),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        let batch = Batch {
            store: self.store.as_mut(),
            def: self.policy.definition(),
            requests,
            now,
            completion,
            panics_at: self.hooks.take_sign_panic(),
            crash_points: self.clock_override,
        };
        let done = match batch.run(signable) {
            Ok(done) => done,
            Err((e, serials)) => {
                let serials: Vec<&str> = serials.iter().map(String::as_str).collect();
                self.audit_failure(now, "record", &serials, &report(&e));
                return Err(Error::Unrecorded {
                    stage: "the requests",
                    source: Arc::new(e),
                });
            }
        };
        for failure in &done.failures {
            let serials: Vec<&str> = failure.serials.iter().map(String::as_str).collect();
            self.audit_failure(now, failure.stage, &serials, &failure.error);
        }
        let timings = BatchTimings {
            requests: requests.len(),
            prepare: prepared - started,
            record: done.record,
            sign: done.sign,
            complete: done.complete,
        };
        tracing::debug!(?timings, "batch issued");
        self.last_batch = Some(timings);
        crash_point(self.clock_override, "issued");
        for (i, outcome) in done.results {
            results[i] = Some(outcome);
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Signer("the request was not signed".into()))))
            .collect())
    }

    /// Records left pending by a process that stopped between recording a TBS and
    /// recording its certificate (see [`Store::pending`]).
    pub fn pending(&self) -> Result<Vec<crate::store::Record>> {
        self.store.pending()
    }

    /// Audits a failed issuance step (R-5.4-CA-EVENTS) in a transaction of its own;
    /// when the store cannot take even that, the failure goes to the log.
    fn audit_failure(&mut self, now: Timestamp, stage: &str, serials: &[&str], error: &str) {
        let event = Event::new(
            now,
            "ca",
            "issuance-failed",
            &[
                ("stage", stage),
                ("serials", &serials.join(" ")),
                ("error", error),
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

    /// Where the last batch spent its time, once: `None` again until another batch
    /// completes, so a caller timing each of its batches never counts one twice.
    pub fn take_last_batch(&mut self) -> Option<BatchTimings> {
        self.last_batch.take()
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

/// Records the exact TBS, signs, records the certificate; on a signing failure the
/// record is marked failed and nothing is returned.
#[allow(clippy::too_many_arguments)] // The pipeline's last step takes everything it records.
pub(super) fn record_and_sign(
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

#[cfg(feature = "test-hooks")]
impl Ca {
    /// For tests of a signer's or an encoder's bug: in the next batch, the item at
    /// position `k` of the signing order panics. Only on CAs made with
    /// `--allow-clock-override`; elsewhere refused.
    pub fn panic_while_signing(&mut self, k: usize) -> Result<()> {
        if !self.clock_override {
            return Err(Error::Policy(
                "test hooks are only for CAs made with --allow-clock-override".into(),
            ));
        }
        self.hooks.sign_panic = Some(k);
        Ok(())
    }
}
