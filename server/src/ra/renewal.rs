//! The yearly renewal notice as the policy says it (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE):
//! in the window before the expiry date every subscriber certificate shares, the
//! scheduler opens one notice for each developer the policy names (those holding an
//! unrevoked certificate of that date, for the JPCERT policies); the RA posts each and
//! records it, or, where the policy e-mails them, the scheduler does both. A notice
//! opened or sent after its due date is recorded late, never sent silently.

use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::renewal::{Cycle, NoticeDelivery, Recipients, RenewalRules};

use super::error::Result;
use super::model::RenewalNotice;
use super::records::Ra;
use super::revocation::unrevoked_subscriber_certificates;

/// Opens the notices due at `now` and, where the policy e-mails them, sends every one
/// of the cycle still unsent. Returns the notices opened. Safe to run again: a notice
/// is opened once per developer and expiry date.
pub fn run(ca: &Ca, ra: &mut Ra, public_url: &str, now: Timestamp) -> Result<Vec<RenewalNotice>> {
    let def = ca.policy().definition();
    let Some(rules) = def.renewal else {
        return Ok(Vec::new());
    };
    let offset = def.calendar.as_ref().map_or(0, |c| c.utc_offset_minutes);
    let Some(cycle) = rules.cycle_at(now, offset) else {
        return Ok(Vec::new());
    };
    let expiry = expiry_text(&cycle);
    let recipients = recipients(ca, ra, &rules, &cycle)?;
    let opened = ra.open_renewal_notices(&expiry, cycle.due_by, &recipients, now)?;
    if rules.delivery == NoticeDelivery::Email {
        for n in ra
            .unsent_renewal_notices()?
            .into_iter()
            .filter(|n| n.expiry == expiry)
        {
            let body = format!(
                "Certificates of {}\nexpire on {expiry}.\n\nTo renew, return the application form: renewal follows\nthe procedure of a new issuance (R-4.6-RENEWAL).\n\n{public_url}\n",
                def.title
            );
            // Queued, then recorded: a crash between the two mails it again, never
            // loses it.
            ra.queue_mail(&n.manager_email, "Renewal of your certificates", &body, now)?;
            ra.record_renewal_sent(
                n.id,
                &format!("e-mail to {}", n.manager_email),
                "scheduler",
                now,
            )?;
        }
    }
    Ok(opened)
}

/// `2027-04-30`.
fn expiry_text(cycle: &Cycle) -> String {
    let (y, m, d) = cycle.expiry;
    format!("{y:04}-{m:02}-{d:02}")
}

/// The developers the policy sends the notice to, as six-digit numbers.
fn recipients(ca: &Ca, ra: &Ra, rules: &RenewalRules, cycle: &Cycle) -> Result<Vec<String>> {
    Ok(match rules.to {
        Recipients::ListedDevelopers => ra.listed_developers()?,
        Recipients::PreviousYearHolders => {
            let mut numbers: Vec<String> = unrevoked_subscriber_certificates(ca)?
                .into_iter()
                .filter(|c| rules.expires_in(cycle, c.not_after))
                .map(|c| format!("{:06}", c.developer))
                .collect();
            numbers.sort_unstable();
            numbers.dedup();
            numbers
        }
    })
}
