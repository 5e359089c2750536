//! Revocation as the CPS runs it (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE,
//! R-4.9-COMPROMISE, R-4.11-LEAVE): a manager's form recorded by an operator and
//! confirmed by the e-mailed link, or for an urgent reason by two different staff on
//! the telephone; a revocation the CA decides itself; a developer's removal, which
//! revokes all its subscribers' certificates in one transaction. Every revocation
//! republishes the CRL at once (R-4.9-CRL-24H).

use inkan_runtime::ca::{Ca, normalise_serial};
use inkan_runtime::calendar::Timestamp;

use inkan_runtime::actions::RaAction;
use inkan_runtime::business::{BusinessCalendar, Deadline, Weekday};
use inkan_runtime::policy::Policy;

use super::enrollment::subscriber_profile;
use super::error::{RaError, Result};
use super::model::Staff;
use super::permissions;
use super::records::Ra;

/// A revocation form as the RA receives it.
pub struct RevocationForm {
    /// Certificate serial, as the form writes it.
    pub serial: String,
    /// The developer whose certificate it is.
    pub developer: String,
    /// The policy's reason name.
    pub reason: String,
    /// `manager` (a form from the applicant manager) or `ca`.
    pub requested_by: String,
}

/// Where an accepted revocation request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// A confirmation link was mailed to the manager.
    AwaitingConfirmation {
        /// Request id.
        id: i64,
        /// Revocation deadline.
        deadline: Timestamp,
    },
    /// Two staff must each record the manager's telephone confirmation.
    AwaitingPhoneConfirmation {
        /// Request id.
        id: i64,
        /// Revocation deadline.
        deadline: Timestamp,
    },
    /// Revoked at once, and the CRL republished.
    Revoked {
        /// Request id.
        id: i64,
    },
}

/// Monday to Friday in UTC, for a policy that names no calendar (one whose revocation
/// has no deadline in business days: the compiler requires a calendar for that).
static MONDAY_TO_FRIDAY_UTC: BusinessCalendar = BusinessCalendar {
    utc_offset_minutes: 0,
    weekend: &[Weekday::Saturday, Weekday::Sunday],
    holidays: &[],
    covers: (0, -1),
};

/// The deadline of a form accepted at `now` (R-4.9-DEADLINE): the policy's number of
/// business days, counted in its calendar (its zone, weekend and public holidays).
pub fn deadline(policy: &dyn Policy, now: Timestamp) -> Deadline {
    let def = policy.definition();
    let days = def.revocation_deadline_business_days.unwrap_or(10);
    let calendar = def.calendar.as_ref().unwrap_or(&MONDAY_TO_FRIDAY_UTC);
    let d = calendar.deadline(now, days);
    if d.beyond_calendar && def.calendar.is_some() {
        tracing::warn!(
            deadline = %d.at,
            last_year_listed = calendar.covers.1,
            "a revocation deadline runs past the policy's holiday calendar: counted without holidays, it may be early; add the next year's holidays to the policy"
        );
    }
    d
}

/// Records a revocation form (R-4.9-WHO): an operator records a manager's form, the
/// supervisor decides a revocation by the CA itself.
pub fn request(
    ca: &mut Ca,
    ra: &mut Ra,
    staff: &Staff,
    form: &RevocationForm,
    public_url: &str,
    now: Timestamp,
) -> Result<Accepted> {
    ca.ensure_active()?;
    let serial = normalise_serial(&form.serial)?;
    let reason = ca.policy().reason(&form.reason).ok_or_else(|| {
        RaError::malformed(format!("unknown reason `{}` (R-4.9-REASONS)", form.reason))
    })?;
    let developer = ra
        .developer(&form.developer)?
        .ok_or_else(|| RaError::not_found(format!("no developer {}", form.developer)))?;
    // R-4.9-WHO: a manager may ask only for certificates of their own organisation.
    if !certificates_of(ca, &developer.number)?.contains(&serial) {
        return Err(RaError::forbidden(format!(
            "certificate {serial} is not an unrevoked certificate of developer {}; a manager may request revocation only of their own organisation's certificates (R-4.9-WHO)",
            developer.number
        )));
    }
    let deadline = deadline(ca.policy(), now).at;
    let policy = ca.policy();
    let operator_only = || permissions::check(policy, staff, RaAction::RecordRevocationForm);
    match (form.requested_by.as_str(), reason.urgent) {
        ("manager", false) => {
            operator_only()?;
            let (id, token) = ra.request_revocation(
                &serial,
                &developer.number,
                reason.name,
                "manager",
                true,
                deadline,
                now,
                &staff.login,
            )?;
            let link = format!(
                "{public_url}/revocation/confirm?token={}",
                token.unwrap_or_default()
            );
            let body = format!(
                "Dear {},\n\nWe received a request to revoke certificate\n{serial}\nof developer {}, for the reason: {}.\n\nIt is revoked only if you confirm here:\n{link}\n\nIf you did not ask for this, ignore this message.\n",
                developer.manager_name, developer.number, reason.name
            );
            ra.queue_mail(
                &developer.manager_email,
                &format!("Confirm the revocation of certificate {serial}"),
                &body,
                now,
            )?;
            Ok(Accepted::AwaitingConfirmation { id, deadline })
        }
        ("manager", true) => {
            operator_only()?;
            let (id, _) = ra.request_revocation(
                &serial,
                &developer.number,
                reason.name,
                "manager",
                false,
                deadline,
                now,
                &staff.login,
            )?;
            Ok(Accepted::AwaitingPhoneConfirmation { id, deadline })
        }
        ("ca", _) => {
            permissions::check(policy, staff, RaAction::RevokeAsCa)?;
            let (id, _) = ra.request_revocation(
                &serial,
                &developer.number,
                reason.name,
                "ca",
                false,
                deadline,
                now,
                &staff.login,
            )?;
            ca.revoke(&serial, reason.name, now, &staff.login)?;
            ra.mark_revoked(id, now)?;
            ca.crl(None, now, &staff.login)?;
            Ok(Accepted::Revoked { id })
        }
        _ => Err(RaError::malformed("requested_by is `manager` or `ca`")),
    }
}

/// Where a key-compromise request stands after a telephone confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneConfirmation {
    /// The first of the two confirmations is recorded.
    First,
    /// The second, by a different person: revoked, and the CRL republished.
    Revoked,
}

/// R-4.9-COMPROMISE, R-5.7-COMPROMISE: two different staff each record the telephone
/// confirmation; the second revokes at once and republishes the CRL.
pub fn confirm_by_phone(
    ca: &mut Ca,
    ra: &mut Ra,
    staff: &Staff,
    id: i64,
    now: Timestamp,
) -> Result<PhoneConfirmation> {
    ca.ensure_active()?;
    let req = ra.revocation(id)?;
    if req.status != "awaiting-phone-confirmation" {
        return Err(RaError::conflict(format!("request {id} is {}", req.status)));
    }
    match ra.phone_confirmed_by(id)? {
        None => {
            ra.first_phone_confirmation(id, now, &staff.login)?;
            Ok(PhoneConfirmation::First)
        }
        Some(first) if first == staff.login => Err(RaError::forbidden(
            "the second telephone confirmation must be recorded by a different person (R-5.2-SEPARATION)",
        )),
        Some(_) => {
            ra.audit(
                now,
                &staff.login,
                "ra-operation",
                &[
                    ("operation", "phone-confirmation"),
                    ("request", &id.to_string()),
                ],
            )?;
            ca.revoke(&req.serial, &req.reason, now, &staff.login)?;
            ra.mark_revoked(id, now)?;
            ca.crl(None, now, &staff.login)?;
            Ok(PhoneConfirmation::Revoked)
        }
    }
}

/// The manager's confirmation through the mailed link (R-3.4-REVOKE-CONFIRM): only
/// now is the certificate revoked, and the CRL republished at once. Returns the serial.
pub fn confirm_by_link(ca: &mut Ca, ra: &mut Ra, token: &str, now: Timestamp) -> Result<String> {
    ca.ensure_active()?;
    let req = ra
        .request_by_token(token)?
        .ok_or_else(|| RaError::not_found("this confirmation link is unknown or already used"))?;
    let actor = format!("manager:{}", req.developer);
    ca.revoke(&req.serial, &req.reason, now, &actor)?;
    ra.mark_revoked(req.id, now)?;
    ca.crl(None, now, &actor)?;
    Ok(req.serial)
}

/// R-4.11-LEAVE: removing a developer revokes all its subscribers' certificates in one
/// transaction, then republishes the CRL. Returns the serials revoked.
pub fn remove_developer(
    ca: &mut Ca,
    ra: &mut Ra,
    actor: &str,
    number: &str,
    now: Timestamp,
) -> Result<Vec<String>> {
    ca.ensure_active()?;
    ra.developer(number)?
        .filter(|d| d.status == "listed")
        .ok_or_else(|| RaError::not_found(format!("no listed developer {number}")))?;
    let serials = certificates_of(ca, number)?;
    let reason = reason_for(ca, "affiliationChanged")?;
    ca.revoke_all(&serials, reason, now, actor)?;
    ra.remove_developer(number, now, actor)?;
    ca.crl(None, now, actor)?;
    Ok(serials)
}

/// Serials of the unrevoked certificates whose subscriber name carries `developer`.
pub fn certificates_of(ca: &Ca, developer: &str) -> Result<Vec<String>> {
    let wanted: u64 = developer
        .parse()
        .map_err(|_| RaError::malformed("a developer number has 6 digits"))?;
    Ok(unrevoked_subscriber_certificates(ca)?
        .into_iter()
        .filter(|c| c.developer == wanted)
        .map(|c| c.serial)
        .collect())
}

/// An unrevoked subscriber certificate, with the developer its name carries.
pub struct SubscriberCertificate {
    /// Serial.
    pub serial: String,
    /// The developer number in its subscriber name.
    pub developer: u64,
    /// notAfter.
    pub not_after: Timestamp,
}

/// Every unrevoked subscriber certificate whose name the policy's template reads.
pub fn unrevoked_subscriber_certificates(ca: &Ca) -> Result<Vec<SubscriberCertificate>> {
    let profile = subscriber_profile(ca)?;
    let codec = profile
        .subscriber_name
        .ok_or_else(|| RaError::internal("no name template"))?;
    let mut out = Vec::new();
    for r in inkan_runtime::store::Store::certificates(ca.store(), profile.name)? {
        if r.revoked.is_some() {
            continue;
        }
        let cn = r
            .subject
            .split(',')
            .find_map(|p| p.strip_prefix("CN="))
            .unwrap_or_default();
        let developer = (codec.parse)(cn).ok().and_then(|parts| {
            parts
                .fields
                .iter()
                .find_map(|(f, v)| (*f == "developer").then_some(*v))
        });
        if let Some(developer) = developer {
            out.push(SubscriberCertificate {
                serial: r.serial,
                developer,
                not_after: r.not_after,
            });
        }
    }
    Ok(out)
}

/// The policy's reason name mapped to an RFC 5280 code, e.g. `developer-removed`.
fn reason_for(ca: &Ca, code_name: &str) -> Result<&'static str> {
    let code = match code_name {
        "affiliationChanged" => 3,
        _ => 0,
    };
    ca.policy()
        .definition()
        .reasons
        .iter()
        .find(|r| r.code == code)
        .map(|r| r.name)
        .ok_or_else(|| RaError::internal(format!("the policy maps no reason to {code_name}")))
}
