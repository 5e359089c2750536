//! Taking a step of a case and doing what the policy says comes with it: the closed
//! set of [`Effect`]s a workflow can name, each carried out here once for every
//! policy. Issuing passwords and mailing the confirmation link happen in the
//! transaction that records the step; revoking and removing touch the CA's records
//! first and then record the step, and a retry after a failure in between finds the
//! certificate already revoked and only records it (R-4.2-PASSWORD,
//! R-3.4-REVOKE-CONFIRM, R-4.9-CRL-24H, R-4.11-LEAVE).

use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::workflow::{By, Effect, Subject};

use super::error::{RaError, Result};
use super::model::{RevocationRequest, Staff};
use super::records::Ra;
use super::records::applications::store_passwords;
use super::records::developers::mark_removed;
use super::records::outbox::queue;
use super::records::revocations::{mark_revoked, new_confirmation};
use super::revocation::certificates_of;
use super::workflow::{self, Case};

/// A step someone asks to take.
pub struct StepRequest<'a> {
    /// The kind of case.
    pub subject: Subject,
    /// Its id.
    pub id: i64,
    /// Who takes it: a staff action, or the manager's link.
    pub by: By,
    /// The staff member, for a staff action.
    pub staff: Option<&'a Staff>,
    /// False to refuse (where the step can be refused).
    pub accept: bool,
    /// Where the service is reached, for links in e-mail.
    pub public_url: &'a str,
    /// Now.
    pub now: Timestamp,
}

/// What a step did.
#[derive(Debug)]
pub struct Taken {
    /// The case, after the step.
    pub case: Case,
    /// One-time passwords made, by person (returned once, stored only as hashes).
    pub passwords: Vec<(String, String)>,
    /// Serials revoked.
    pub revoked: Vec<String>,
    /// The policy's reason, when this step revoked them (not when a retried step
    /// found them revoked already).
    pub reason: Option<&'static str>,
    /// Whether a confirmation link was mailed.
    pub mailed: bool,
}

/// Takes a step of a case, if the policy's workflow allows it to this person now, and
/// carries out its effect.
pub fn take(ca: &mut Ca, ra: &mut Ra, r: &StepRequest<'_>) -> Result<Taken> {
    let policy = ca.policy();
    let case = Case::load(policy, ra, r.subject, r.id)?;
    let granted = workflow::check(policy, ra, &case, r.by, r.staff, r.accept)?;
    let login = match r.staff {
        Some(s) => s.login.clone(),
        None => format!("manager:{}", manager_of(ra, &case)?),
    };
    let now = r.now;
    let mut taken = Taken {
        case: case.clone(),
        passwords: Vec::new(),
        revoked: Vec::new(),
        reason: None,
        mailed: false,
    };
    let effect = if r.accept { granted.step.then } else { None };
    match effect {
        None => workflow::record(ra, &case, &granted, &login, now, |_| Ok(()))?,
        Some(Effect::IssuePasswords) => {
            let new = ra.new_passwords(case.id)?;
            workflow::record(ra, &case, &granted, &login, now, |tx| {
                store_passwords(tx, &new, now)
            })?;
            taken.passwords = new.passwords;
        }
        Some(Effect::MailConfirmationLink) => {
            let req = ra.revocation(case.id)?;
            let developer = ra
                .developer(&req.developer)?
                .ok_or_else(|| RaError::not_found(format!("no developer {}", req.developer)))?;
            workflow::record(ra, &case, &granted, &login, now, |tx| {
                let token = new_confirmation(tx, case.id)?;
                let link = format!("{}/revocation/confirm?token={token}", r.public_url);
                // In each of the policy's languages, its default first: the RA does
                // not know which the manager reads.
                let languages = crate::i18n::offered(policy);
                let args = [
                    ("manager", developer.manager_name.as_str()),
                    ("serial", req.serial.as_str()),
                    ("developer", developer.number.as_str()),
                    ("reason", req.reason.as_str()),
                    ("link", link.as_str()),
                ];
                let body = crate::i18n::in_each(
                    languages,
                    "mail-revocation-body",
                    &args,
                    "\n\n----------------------------------------\n\n",
                ) + "\n";
                let subject =
                    crate::i18n::in_each(languages, "mail-revocation-subject", &args, " / ");
                queue(tx, &developer.manager_email, &subject, &body, now)
            })?;
            taken.mailed = true;
        }
        Some(Effect::Revoke) => {
            ca.ensure_active()?;
            let req = ra.revocation(case.id)?;
            if !already_revoked(ca, &req.serial)? {
                ca.revoke(&req.serial, &req.reason, now, &login)?;
                taken.reason = policy.reason(&req.reason).map(|r| r.name);
            }
            workflow::record(ra, &case, &granted, &login, now, |tx| {
                mark_revoked(tx, case.id, now)
            })?;
            ca.crl(None, now, &login)?;
            taken.revoked = vec![req.serial];
        }
        Some(Effect::RemoveDeveloper) => {
            ca.ensure_active()?;
            let removal = ra.removal(case.id)?;
            // The compiler holds a removal workflow to exactly one reason.
            let reason = case.workflow.reasons.first().ok_or_else(|| {
                RaError::internal(format!("`{}` names no reason", case.workflow.name))
            })?;
            let serials = certificates_of(ca, &removal.developer)?;
            ca.revoke_all(&serials, reason, now, &login)?;
            workflow::record(ra, &case, &granted, &login, now, |tx| {
                mark_removed(tx, &removal.developer)
            })?;
            ca.crl(None, now, &login)?;
            taken.reason = Some(reason);
            taken.revoked = serials;
        }
    }
    taken.case = Case::load(policy, ra, r.subject, r.id)?;
    Ok(taken)
}

/// The manager's confirmation through the mailed link (R-3.4-REVOKE-CONFIRM): the
/// step the workflow gives the applicant manager, which revokes and republishes the
/// CRL at once. Returns what the step did.
pub fn confirm_by_link(
    ca: &mut Ca,
    ra: &mut Ra,
    token: &str,
    public_url: &str,
    now: Timestamp,
) -> Result<Taken> {
    let gone = || RaError::not_found("this confirmation link is unknown or already used");
    let req = ra.request_by_token(token)?.ok_or_else(gone)?;
    link_in_time(ca, ra, req.id, now)?;
    let step = StepRequest {
        subject: Subject::Revocation,
        id: req.id,
        by: By::ManagerLink,
        staff: None,
        accept: true,
        public_url,
        now,
    };
    take(ca, ra, &step)
}

/// True when the case `token` was mailed for awaits the manager's confirmation now;
/// a link past its step's lifetime is refused, as its use would be
/// (R-3.4-REVOKE-CONFIRM), so its page offers nothing to confirm.
pub fn awaits_link(ca: &Ca, ra: &Ra, req: &RevocationRequest, now: Timestamp) -> Result<bool> {
    let case = Case::load(ca.policy(), ra, Subject::Revocation, req.id)?;
    if case.workflow.step(&case.state, By::ManagerLink).is_none() {
        return Ok(false);
    }
    link_in_time(ca, ra, req.id, now)?;
    Ok(true)
}

/// Refuses a link older than its step's `expires` (R-3.4-REVOKE-CONFIRM): counted
/// from the step that brought the case to the state the link leaves, the mailing.
fn link_in_time(ca: &Ca, ra: &Ra, id: i64, now: Timestamp) -> Result<()> {
    let case = Case::load(ca.policy(), ra, Subject::Revocation, id)?;
    let Some(days) = case
        .workflow
        .step(&case.state, By::ManagerLink)
        .and_then(|s| s.expires_days)
    else {
        return Ok(());
    };
    let Some(mailed) = ra.entered(Subject::Revocation, id, &case.state)? else {
        return Ok(());
    };
    let until = Timestamp::from_unix(mailed.unix() + i64::from(days) * 86_400)
        .ok_or_else(|| RaError::internal("a link expiry out of range"))?;
    if now >= until {
        return Err(RaError::refused(format!(
            "this confirmation link expired at {until}, {days} days after it was mailed; the certificate is not revoked: ask the RA to record a new revocation form (R-3.4-REVOKE-CONFIRM)"
        )));
    }
    Ok(())
}

/// The developer whose manager confirms a revocation by link.
fn manager_of(ra: &Ra, case: &Case) -> Result<String> {
    match case.subject {
        Subject::Revocation => Ok(ra.revocation(case.id)?.developer),
        _ => Err(RaError::internal(
            "only a revocation is confirmed by the applicant manager's link",
        )),
    }
}

/// True when the CA has already revoked `serial` (a step retried after its
/// revocation went through but its recording did not).
fn already_revoked(ca: &Ca, serial: &str) -> Result<bool> {
    Ok(ca
        .store()
        .certificate(serial)?
        .is_some_and(|c| c.revoked.is_some()))
}
