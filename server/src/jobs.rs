//! Scheduled work. Each job is leased in the database before it runs and records its
//! last run, so jobs survive restarts and never run twice at once, even with several
//! processes on one database:
//!
//! - `crl`: a new CRL at least as often as the policy's `crl` schedule (R-4.9-CRL-24H),
//!   due a few minutes early so that the ticks' drift never makes it late; revocations
//!   also publish one at once;
//! - `renewal-notice`: hourly, opens the policy's renewal notices in their window and
//!   e-mails them where the policy says so (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE);
//! - `audit-checkpoint`: a signed checkpoint of the audit log every hour (R-5.4-PROTECT);
//! - `backup`: a backup of the CA into the configured `backup_dir`, as often as the
//!   policy's `backup` schedule says, if it has one. The store is read with no lock on
//!   the CA (issuance goes on); the CA is held only to sign the manifest and to audit;
//! - `compliance-report`: hourly, if the policy has the schedule, the report of the
//!   month that last ended, written once into the CA directory's `reports/` and
//!   audited (issue 18);
//! - `mail`: delivery of the outbox over SMTP.

use inkan_runtime::calendar::{Span, Timestamp};
use inkan_runtime::policy::Timing;

use crate::ra::RaError;
use crate::state::AppState;

/// How often the policy has the service take a backup, in seconds, if it does.
pub fn backup_every(policy: &dyn inkan_runtime::policy::Policy) -> Option<i64> {
    policy
        .definition()
        .schedules
        .iter()
        .find_map(|s| match (s.name, s.timing) {
            ("backup", Timing::Every(span)) => Some(span_seconds(span)),
            _ => None,
        })
}

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
        // "At least every 24 h" is a ceiling: the job is due that much early by two
        // ticks and five minutes (a tenth of the period at most), so the ticks' drift,
        // a slow tick or a restart never stretch the gap between CRLs past it.
        let margin = (2 * i64::try_from(state.config().tick_seconds).unwrap_or(i64::MAX / 4) + 300)
            .min(every / 10);
        let every = every - margin;
        let owner = owner.to_string();
        let metrics = state.metrics().clone();
        state
            .with_both(move |ca, ra| {
                // While the keys are locked there is nothing to sign with; try again later.
                if ca.activation().is_some() {
                    return Ok(());
                }
                if ra.lease_job("crl", every, &owner, now, 300)? {
                    let published = ca.crl(None, now, "scheduler");
                    metrics.job("crl", published.is_err());
                    match published {
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
    let metrics = state.metrics().clone();
    state
        .with_both(move |ca, ra| {
            if ca.activation().is_none()
                && ra.lease_job("audit-checkpoint", 3600, &owner_cp, now, 300)?
            {
                let signed = ca.checkpoint(now);
                metrics.job("audit-checkpoint", signed.is_err());
                signed?;
                ra.finish_job("audit-checkpoint", now)?;
            }
            Ok::<_, RaError>(())
        })
        .await?;
    // Renewal notices, looked at hourly: a window opens once a year, and a notice for a
    // certificate issued late in the year opens within the hour (R-4.6-RENEWAL).
    let owner_rn = owner.to_string();
    let public_url = state.config().public_url.clone();
    let metrics = state.metrics().clone();
    state
        .with_both(move |ca, ra| {
            if ra.lease_job("renewal-notice", 3600, &owner_rn, now, 300)? {
                let opened = crate::ra::renewal::run(ca, ra, &public_url, now);
                metrics.job("renewal-notice", opened.is_err());
                match opened {
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
    if crate::compliance::monthly::scheduled(state.policy().definition())
        && let Err(e) = compliance_report(state, owner, now).await
    {
        state.metrics().job(crate::compliance::monthly::JOB, true);
        // Like a failed backup, it does not hold back the mail; the next hour tries again.
        tracing::error!(job = "compliance-report", error = %inkan_runtime::error::report(&e), "the monthly compliance report failed");
    }
    let delivered = crate::mail::deliver(state).await;
    if let (Some(every), Some(to)) = (
        backup_every(state.policy()),
        state.config().backup_dir.clone(),
    ) && let Err(e) = backup(state, owner, now, every, to).await
    {
        state.metrics().job("backup", true);
        // Its lease is kept: it is tried again when the lease ends (an hour), not at
        // every tick, since each try reads the whole store.
        tracing::error!(job = "backup", error = %inkan_runtime::error::report(&e), "the scheduled backup failed");
    }
    delivered
}

/// The monthly compliance report: leased hourly; written once per month.
async fn compliance_report(state: &AppState, owner: &str, now: Timestamp) -> Result<(), RaError> {
    use crate::compliance::monthly::{JOB, write_due};
    let owner = owner.to_string();
    let metrics = state.metrics().clone();
    state
        .with_both(move |ca, ra| {
            if ra.lease_job(JOB, 3600, &owner, now, 600)? {
                match write_due(ca, ra, now, "scheduler") {
                    Ok(written) => {
                        // A failure is counted by the caller, which sees every one.
                        metrics.job(JOB, false);
                        ra.finish_job(JOB, now)?;
                        if let Some(file) = written {
                            tracing::info!(job = JOB, file = %file.display(), "wrote the monthly compliance report");
                        }
                    }
                    Err(e) => {
                        ra.release_job(JOB)?;
                        return Err(e);
                    }
                }
            }
            Ok::<_, RaError>(())
        })
        .await
}

/// The scheduled backup: leased, the store read without the CA's lock, the manifest
/// signed and the backup audited under it.
async fn backup(
    state: &AppState,
    owner: &str,
    now: Timestamp,
    every: i64,
    to: std::path::PathBuf,
) -> Result<(), RaError> {
    let owner = owner.to_string();
    let plan = state
        .with_both(move |ca, ra| {
            // A locked CA cannot sign the manifest: the next tick after activation takes it.
            if ca.activation().is_some() {
                return Ok::<_, RaError>(None);
            }
            let plan = (
                ca.dir().to_path_buf(),
                ca.store().location()?,
                ca.policy().definition(),
                ca.audit_public_key()?,
            );
            Ok(ra
                .lease_job("backup", every, &owner, now, 3600)?
                .then_some(plan))
        })
        .await?;
    let Some((dir, location, policy, public)) = plan else {
        return Ok(());
    };
    let out = to.join(format!(
        "{}-{}.inkan-backup",
        policy.id,
        now.to_string().replace(':', "")
    ));
    let at = out.clone();
    let pending = tokio::task::spawn_blocking(move || {
        inkan_runtime::backup::PendingBackup::take(&dir, &location, policy, &public, &at, now)
    })
    .await
    .map_err(|e| RaError::internal(format!("task failed: {e}")))??;
    let text = pending.manifest_text()?;
    let signed = text.clone();
    let signature = state
        .with_both(move |ca, _| Ok::<_, RaError>(ca.sign_manifest(&signed)?))
        .await?;
    let at = out.clone();
    let (manifest, digest) =
        tokio::task::spawn_blocking(move || pending.write(&at, &text, &signature))
            .await
            .map_err(|e| RaError::internal(format!("task failed: {e}")))??;
    let at = out.clone();
    state
        .with_both(move |ca, ra| {
            ca.record_backup(&at, &manifest, &digest, now, "scheduler")?;
            ra.finish_job("backup", now)?;
            Ok::<_, RaError>(())
        })
        .await?;
    state.metrics().job("backup", false);
    tracing::info!(job = "backup", file = %out.display(), "took a backup");
    Ok(())
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
