//! Revocation cases opened (R-4.9-WHO, R-4.9-DEADLINE, R-4.11-LEAVE): a request for
//! one certificate, in the workflow the policy gives its requester and reason, with
//! its deadline in business days; a developer's proposed removal; the manager's
//! confirmation by the e-mailed link (R-3.4-REVOKE-CONFIRM). How each case then moves,
//! who checks it and when the certificate is revoked is the policy's workflow, run by
//! [`crate::ra::cases`].

use inkan_runtime::ca::{Ca, normalise_serial};
use inkan_runtime::calendar::Timestamp;

use inkan_runtime::business::{BusinessCalendar, Deadline, Weekday};
use inkan_runtime::policy::Policy;
use inkan_runtime::workflow::{self, Requester, Subject};

use super::enrollment::subscriber_profile;
use super::error::{RaError, Result};
use super::forms::{self, Entered};
use super::model::Staff;
use super::permissions;
use super::records::Ra;
use super::records::revocations::NewRevocation;
use super::workflow::Case;
use inkan_runtime::forms::FormFor;

/// A revocation form as the RA receives it.
pub struct RevocationForm {
    /// Certificate serial, as the form writes it.
    pub serial: String,
    /// The developer whose certificate it is.
    pub developer: String,
    /// The policy's reason name.
    pub reason: String,
    /// Who asks, as the policy names them (`applicant-manager`, `ca`).
    pub requested_by: String,
    /// The applicant manager's paper form as entered (R-3.4-REVOKE-FORM).
    pub form: Entered,
}

/// A case just opened.
#[derive(Debug)]
pub struct Opened {
    /// The case, in its workflow's start state.
    pub case: Case,
    /// The revocation deadline, for a revocation request (R-4.9-DEADLINE).
    pub deadline: Option<Timestamp>,
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

/// Records a revocation request (R-4.9-WHO), opening a case of the workflow the
/// policy gives its requester and reason, if the staff member's role may open it.
pub fn request(
    ca: &Ca,
    ra: &mut Ra,
    staff: &Staff,
    form: &RevocationForm,
    now: Timestamp,
) -> Result<Opened> {
    let policy = ca.policy();
    let requester = Requester::from_name(&form.requested_by).ok_or_else(|| {
        let names: Vec<&str> = Requester::ALL.iter().map(|r| r.name()).collect();
        RaError::malformed(format!("requested_by is one of {}", names.join(", ")))
    })?;
    let reason = policy.reason(&form.reason).ok_or_else(|| {
        RaError::malformed(format!("unknown reason `{}` (R-4.9-REASONS)", form.reason))
    })?;
    let flow = workflow::for_revocation(policy.definition().workflows, requester, reason.name)
        .ok_or_else(|| {
            RaError::forbidden(format!(
                "under this policy no one may ask for a revocation for `{}` as `{}` (R-4.9-WHO)",
                reason.name,
                requester.name()
            ))
        })?;
    permissions::check(policy, staff, flow.opens)?;
    let serial = normalise_serial(&form.serial)?;
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
    // R-3.4-REVOKE-FORM: the manager's request is the policy's form; the CA's own
    // has none.
    let form = match requester {
        Requester::ApplicantManager => forms::check(
            policy.definition(),
            FormFor::Revocation,
            &developer.class,
            &form.form,
        )?
        .json(),
        Requester::Ca if form.form.is_empty() => None,
        Requester::Ca => {
            return Err(RaError::refused(
                "a revocation the CA itself asks for has no form: enter none",
            ));
        }
    };
    let deadline = deadline(policy, now).at;
    let new = NewRevocation {
        form: form.as_deref(),
        serial: &serial,
        developer: &developer.number,
        reason: reason.name,
        requested_by: requester,
        deadline,
    };
    let id = ra.request_revocation(&new, flow, now, &staff.login)?;
    Ok(Opened {
        case: Case::load(policy, ra, Subject::Revocation, id)?,
        deadline: Some(deadline),
    })
}

/// Proposes removing a developer from the list (R-4.11-LEAVE), opening a case of the
/// policy's removal workflow; the certificates are revoked when the workflow says.
pub fn propose_removal(
    ca: &Ca,
    ra: &mut Ra,
    staff: &Staff,
    number: &str,
    now: Timestamp,
) -> Result<Opened> {
    let policy = ca.policy();
    let flow = workflow::of(policy.definition().workflows, Subject::DeveloperRemoval)
        .ok_or_else(|| RaError::internal("the policy has no removal workflow"))?;
    permissions::check(policy, staff, flow.opens)?;
    let id = ra.propose_removal(number, flow, now, &staff.login)?;
    Ok(Opened {
        case: Case::load(policy, ra, Subject::DeveloperRemoval, id)?,
        deadline: None,
    })
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A log sink the test reads back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The deadline of a form accepted at `at`, and what was logged meanwhile.
    fn deadline_logged(at: &str) -> (Deadline, String) {
        let log = Captured::default();
        let sink = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish();
        let policy = inkan_policies::by_id("jpcert-ssl-client").expect("shipped policy");
        let now = Timestamp::parse_rfc3339(at).expect("a time");
        let d = tracing::subscriber::with_default(subscriber, || deadline(policy, now));
        let text = String::from_utf8_lossy(&log.0.lock().expect("log")).into_owned();
        (d, text)
    }

    /// R-4.9-DEADLINE: a deadline counted past the last year the policy lists holidays
    /// for is flagged and logged for the operator to add the next year; one inside the
    /// calendar is neither.
    #[test]
    fn a_deadline_past_the_holiday_calendar_is_logged() {
        let (inside, log) = deadline_logged("2027-06-01T01:00:00Z");
        assert!(!inside.beyond_calendar);
        assert!(log.is_empty(), "{log}");
        let (past, log) = deadline_logged("2027-12-24T01:00:00Z");
        assert!(past.beyond_calendar);
        assert!(
            log.contains("WARN") && log.contains("add the next year's holidays"),
            "{log}"
        );
    }
}
