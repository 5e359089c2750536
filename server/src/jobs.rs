//! Scheduled work. Each job is leased in the database before it runs and records its
//! last run, so jobs survive restarts and never run twice at once, even with several
//! processes on one database:
//!
//! - `crl`: a new CRL at least as often as the policy's `crl` schedule (R-4.9-CRL-24H);
//!   revocations also publish one at once;
//! - `renewal-notice`: the policy's notice before April 30 to each listed developer's
//!   manager, once a year (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE);
//! - `audit-checkpoint`: a signed checkpoint of the audit log every hour (R-5.4-PROTECT);
//! - `mail`: delivery of the outbox over SMTP.

use inkan_runtime::calendar::{Civil, Span, Timestamp};
use inkan_runtime::policy::Timing;

use crate::ra::RaError;
use crate::state::AppState;

fn span_seconds(s: Span) -> i64 {
    i64::from(s.years) * 365 * 86_400
        + i64::from(s.months) * 30 * 86_400
        + i64::from(s.days) * 86_400
        + i64::from(s.hours) * 3600
}

/// Runs every job that is due at `now`, once.
pub async fn tick(state: &AppState, owner: &str, now: Timestamp) -> Result<(), RaError> {
    let schedules = state.policy().definition().schedules;
    let crl_every = schedules.iter().find_map(|s| match (s.name, s.timing) {
        ("crl", Timing::Every(span)) => Some(span_seconds(span)),
        _ => None,
    });
    if let Some(every) = crl_every {
        let owner = owner.to_string();
        state
            .with_both(move |ca, ra| {
                // While the keys are locked there is nothing to sign with; try again later.
                if ca.activation().is_some() {
                    return Ok(());
                }
                if ra.lease_job("crl", every, &owner, now, 300)? {
                    match ca.crl(None, now, "scheduler") {
                        Ok(_) => {
                            ra.finish_job("crl", now)?;
                            tracing::info!(job = "crl", "published a CRL");
                        }
                        Err(e) => {
                            // Not marked as run: the next tick tries again.
                            ra.release_job("crl")?;
                            return Err(RaError::from(e));
                        }
                    }
                }
                Ok(())
            })
            .await?;
    }
    let owner_cp = owner.to_string();
    state
        .with_both(move |ca, ra| {
            if ca.activation().is_none()
                && ra.lease_job("audit-checkpoint", 3600, &owner_cp, now, 300)?
            {
                ca.checkpoint(now)?;
                ra.finish_job("audit-checkpoint", now)?;
            }
            Ok::<_, RaError>(())
        })
        .await?;
    for s in schedules {
        if let (name, Timing::Before { date, lead }) = (s.name, s.timing) {
            let c = now.civil();
            let Some(due) = Timestamp::from_civil(Civil {
                year: c.year,
                month: date.0,
                day: date.1,
                hour: 0,
                minute: 0,
                second: 0,
            }) else {
                continue;
            };
            let start = due.unix() - span_seconds(lead);
            if now.unix() < start || now >= due {
                continue;
            }
            let key = format!("{name}:{}", c.year);
            let public_url = state.config().public_url.clone();
            state
                .with_ra(move |ra| {
                    if !ra.once(&key)? {
                        return Ok::<_, RaError>(());
                    }
                    for (number, email) in ra.listed_managers()? {
                        let body = format!(
                            "Certificates of the JPCERT/CC SSL client CA expire on {}-{:02}-{:02}. To renew, return the renewal form; renewal follows the new-issuance procedure (R-4.6-RENEWAL).\n{public_url}\n",
                            c.year, date.0, date.1
                        );
                        ra.queue_mail(&email, "Renewal of your SSL client certificates", &body, now)?;
                        ra.audit(now, "scheduler", "ra-operation", &[("operation", "renewal-notice"), ("developer", &number)])?;
                    }
                    Ok(())
                })
                .await?;
        }
    }
    crate::mail::deliver(state).await
}

/// Ticks until `stop` resolves, waking early when a handler asks.
pub async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let owner = format!("pid-{}", std::process::id());
    let period = std::time::Duration::from_secs(state.config().tick_seconds.max(1));
    loop {
        if let Err(e) = tick(&state, &owner, state.now()).await {
            tracing::warn!(error = %inkan_runtime::error::report(&e), "scheduled job failed; it will be retried");
        }
        tokio::select! {
            _ = state.sleep(period) => {}
            _ = stop.changed() => return,
        }
    }
}
