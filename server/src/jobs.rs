//! Scheduled work. Each job is leased in the database before it runs and records its
//! last run, so jobs survive restarts and never run twice at once, even with several
//! processes on one database:
//!
//! - `crl`: a new CRL at least as often as the policy's `crl` schedule (R-4.9-CRL-24H);
//!   revocations also publish one at once;
//! - `renewal-notice`: hourly, opens the policy's renewal notices in their window and
//!   e-mails them where the policy says so (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE);
//! - `audit-checkpoint`: a signed checkpoint of the audit log every hour (R-5.4-PROTECT);
//! - `mail`: delivery of the outbox over SMTP.

use inkan_runtime::calendar::{Span, Timestamp};
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
    // Renewal notices, looked at hourly: a window opens once a year, and a notice for a
    // certificate issued late in the year opens within the hour (R-4.6-RENEWAL).
    let owner_rn = owner.to_string();
    let public_url = state.config().public_url.clone();
    state
        .with_both(move |ca, ra| {
            if ra.lease_job("renewal-notice", 3600, &owner_rn, now, 300)? {
                match crate::ra::renewal::run(ca, ra, &public_url, now) {
                    Ok(opened) => {
                        ra.finish_job("renewal-notice", now)?;
                        if !opened.is_empty() {
                            tracing::info!(
                                job = "renewal-notice",
                                opened = opened.len(),
                                "opened renewal notices"
                            );
                        }
                    }
                    Err(e) => {
                        ra.release_job("renewal-notice")?;
                        return Err(e);
                    }
                }
            }
            Ok::<_, RaError>(())
        })
        .await?;
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
