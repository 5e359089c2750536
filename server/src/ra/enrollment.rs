//! Enrollment (R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY, R-4.4-RECEIPT):
//! subscribers' requests are checked as they arrive, a batch's one-time passwords
//! claimed in one commit, the claimed ones issued together by `Ca::issue_many_with`, and
//! each subscriber answered with their certificate, the CA chain and a download link
//! (the first download is the receipt). Nothing is spent while the CA keys are locked,
//! nor on a bad request (an [`Enrollment`] exists only for a request that passed the
//! policy's checks, made on the caller's thread so the batch worker does not spend its
//! time on them, and the batch takes it as checked); a password whose issuance fails
//! is given back.

use std::sync::Arc;

use inkan_runtime::ca::{Ca, Completion, Csr, IssueRequest, Issued};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::csr::CheckedRequest;
use inkan_runtime::policy::{CertificateProfile, Policy, Role};

use super::error::{RaError, Result};
use super::records::Ra;

/// One subscriber's enrollment, its request already checked.
pub struct Enrollment {
    /// The one-time password from the registered letter.
    pub password: String,
    /// The PKCS#10 request as [`inkan_runtime::csr::check`] passed it; the batch
    /// takes it as it is, without checking it again.
    request: CheckedRequest,
}

impl Enrollment {
    /// Checks `csr` against `policy`'s subscriber profile (its encoding, its key, its
    /// proof of possession) before it can join a batch.
    pub fn checked(policy: &dyn Policy, password: String, csr: String) -> Result<Enrollment> {
        let request = inkan_runtime::csr::check(csr.as_bytes(), subscriber_profile_of(policy)?)?;
        Ok(Enrollment { password, request })
    }
}

/// What an enrolled subscriber gets back.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// Lower-case hex serial.
    pub serial: String,
    /// The subject, as text.
    pub subject: String,
    /// The certificate, PEM.
    pub certificate: String,
    /// The issuing CA's chain up to the root, PEM.
    pub chain: String,
    /// The download link (path and token); its first use records the receipt.
    pub download: String,
}

/// PEM text of a DER value.
pub fn pem(label: &str, der: &[u8]) -> Result<String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| RaError::internal(format!("PEM encoding: {e}")))
}

/// The policy's subscriber profile.
pub fn subscriber_profile(ca: &Ca) -> Result<&'static CertificateProfile> {
    subscriber_profile_of(ca.policy())
}

/// The policy's subscriber profile, from the policy alone.
pub fn subscriber_profile_of(policy: &dyn Policy) -> Result<&'static CertificateProfile> {
    policy
        .definition()
        .certificates
        .iter()
        .find(|p| p.role == Role::Subscriber)
        .ok_or_else(|| RaError::internal("the policy has no subscriber profile"))
}

/// A claimed password's holder: (holder id, developer, person).
type Claim = (i64, u64, u64);

/// Claims the batch's passwords (one commit for all): nothing is spent on a locked CA.
/// One answer per enrollment, in order.
fn claim_all(ca: &Ca, ra: &mut Ra, batch: &[Enrollment], now: Timestamp) -> Vec<Result<Claim>> {
    if let Err(e) = ca.ensure_active() {
        let shared = RaError::from(e).shared();
        return batch
            .iter()
            .map(|_| Err(RaError::Shared(shared.clone())))
            .collect();
    }
    let passwords: Vec<&str> = batch.iter().map(|job| job.password.trim()).collect();
    let number = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| RaError::internal(format!("stored number `{s}` is not a number")))
    };
    ra.redeem_many(&passwords, now)
        .into_iter()
        .map(|claimed| {
            let (hid, developer, person) = claimed?;
            match (number(&developer), number(&person)) {
                (Ok(d), Ok(p)) => Ok((hid, d, p)),
                (Err(e), _) | (_, Err(e)) => {
                    ra.release(hid)?;
                    Err(e)
                }
            }
        })
        .collect()
}

/// Enrolls a batch at `now`, one answer per enrollment in order. Each request was
/// checked on its own and each password is refused on its own; the claimed ones are
/// issued together.
pub fn enroll_batch(
    ca: &mut Ca,
    ra: &mut Ra,
    batch: &[Enrollment],
    now: Timestamp,
) -> Vec<Result<Enrolled>> {
    let mut answers: Vec<Option<Result<Enrolled>>> = batch.iter().map(|_| None).collect();
    let mut claimed: Vec<(usize, Claim)> = Vec::new();
    for (i, outcome) in claim_all(ca, ra, batch, now).into_iter().enumerate() {
        match outcome {
            Ok(c) => claimed.push((i, c)),
            Err(e) => answers[i] = Some(Err(e)),
        }
    }
    if !claimed.is_empty() {
        for (i, answer) in issue_claimed(ca, ra, batch, &claimed, now) {
            answers[i] = Some(answer);
        }
    }
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(RaError::internal("the enrollment got no answer"))))
        .collect()
}

/// Issues the claimed enrollments together and links each certificate to its holder.
fn issue_claimed(
    ca: &mut Ca,
    ra: &mut Ra,
    batch: &[Enrollment],
    claimed: &[(usize, Claim)],
    now: Timestamp,
) -> Vec<(usize, Result<Enrolled>)> {
    let actors: Vec<String> = claimed
        .iter()
        .map(|(_, (hid, _, _))| format!("password:{hid}"))
        .collect();
    let requests: Vec<IssueRequest<'_>> = claimed
        .iter()
        .zip(&actors)
        .map(|((i, (_, developer, person)), actor)| IssueRequest {
            actor,
            csr: Csr::Checked(&batch[*i].request),
            profile: None,
            fields: vec![("developer".into(), *developer), ("person".into(), *person)],
        })
        .collect();
    // The certificates' commit need not wait for the disk: the links' commit below is
    // durable, on the same store, and comes before any answer.
    let issued = ca.issue_many_with(&requests, now, Completion::WithCallersCommit);
    let outcomes: Vec<Result<Issued>> = match issued {
        Ok(all) => all.into_iter().map(|r| r.map_err(RaError::from)).collect(),
        Err(e) => {
            let shared = RaError::from(e).shared();
            requests
                .iter()
                .map(|_| Err(RaError::Shared(shared.clone())))
                .collect()
        }
    };
    drop(requests);
    let chain = chain_pem(ca).map_err(RaError::shared);
    let mut links = Vec::new();
    for ((_, (hid, _, _)), outcome) in claimed.iter().zip(&outcomes) {
        match outcome {
            Ok(issued) => links.push((*hid, issued.serial.as_str())),
            Err(_) => {
                if let Err(e) = ra.release(*hid) {
                    tracing::error!(hid, error = %inkan_runtime::error::report(&e), "could not give a password back");
                }
            }
        }
    }
    let mut tokens = ra
        .issued_many(&links)
        .map(Vec::into_iter)
        .map_err(RaError::shared);
    drop(links);
    claimed
        .iter()
        .zip(outcomes)
        .map(|((i, _), outcome)| {
            let answer = outcome.and_then(|issued| {
                let token = match &mut tokens {
                    Ok(t) => t
                        .next()
                        .ok_or_else(|| RaError::internal("no download token was made"))?,
                    Err(e) => return Err(RaError::Shared(Arc::clone(e))),
                };
                Ok(Enrolled {
                    download: format!("/download/{}?token={token}", issued.serial),
                    certificate: pem("CERTIFICATE", &issued.der)?,
                    chain: chain.clone().map_err(RaError::Shared)?,
                    serial: issued.serial,
                    subject: issued.subject,
                })
            });
            (*i, answer)
        })
        .collect()
}

/// The subscriber profile's issuing CA chain, PEM.
fn chain_pem(ca: &Ca) -> Result<String> {
    let mut chain = String::new();
    let issuer = subscriber_profile(ca)?.issuer.unwrap_or_default();
    for der in ca.chain(issuer)? {
        chain.push_str(&pem("CERTIFICATE", &der)?);
    }
    Ok(chain)
}
