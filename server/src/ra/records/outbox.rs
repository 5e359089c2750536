//! The e-mail outbox (queued in the same database as the change that causes a
//! message, delivered by a job) and the leases that let exactly one server run each
//! scheduled job.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;

use inkan_runtime::sql::Tx;

use super::Ra;
use crate::ra::error::{RaError, Result};

/// Queues an e-mail in the caller's transaction, so it goes out exactly when the
/// change that causes it is recorded.
pub fn queue(tx: &mut Tx<'_>, to: &str, subject: &str, body: &str, now: Timestamp) -> Result<()> {
    tx.execute(
        "INSERT INTO outbox (to_addr, subject, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        args![to, subject, body, now.unix()],
    )
    .map_err(RaError::from)?;
    Ok(())
}

impl Ra {
    // --- Outbox ---

    /// Queues an e-mail; a delivery task sends it.
    pub fn queue_mail(
        &mut self,
        to: &str,
        subject: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<(), RaError> {
        self.tx(|tx| Ok((queue(tx, to, subject, body, now)?, Vec::new())))
    }

    /// Unsent mail, oldest first.
    pub fn unsent(&self, limit: i64) -> Result<Vec<(i64, String, String, String)>, RaError> {
        self.rows(
            "SELECT id, to_addr, subject, body FROM outbox WHERE sent_at IS NULL AND attempts < 20 ORDER BY id LIMIT ?1",
            args![limit],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    /// How many messages wait to be delivered (those not given up on).
    pub fn unsent_count(&self) -> Result<usize, RaError> {
        let n: i64 = self
            .value(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND attempts < 20",
                args![],
            )?
            .unwrap_or(0);
        usize::try_from(n).map_err(|_| RaError::internal("a negative count"))
    }

    /// Records a delivery attempt.
    pub fn mail_attempt(
        &mut self,
        id: i64,
        result: Result<(), String>,
        now: Timestamp,
    ) -> Result<(), RaError> {
        match result {
            Ok(()) => self.execute(
                "UPDATE outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1",
                args![id, now.unix()],
            ),
            Err(e) => self.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                args![id, &e],
            ),
        }?;
        Ok(())
    }

    // --- Jobs ---

    /// Takes the lease of a job if it is due and nobody holds it; returns whether taken.
    pub fn lease_job(
        &mut self,
        name: &str,
        every_seconds: i64,
        owner: &str,
        now: Timestamp,
        lease_seconds: i64,
    ) -> Result<bool, RaError> {
        // The conditional UPDATE holds the job's row lock: of several servers asking at
        // once, one takes the lease and the others see it taken.
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO jobs (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                args![name],
            )
            .map_err(RaError::from)?;
            let n = tx
                .execute(
                    "UPDATE jobs SET lease_until = ?3, lease_owner = ?4 WHERE name = ?1 AND (last_run IS NULL OR last_run + ?2 <= ?5) AND (lease_until IS NULL OR lease_until < ?5)",
                    args![name, every_seconds, now.unix() + lease_seconds, owner, now.unix()],
                )
                .map_err(RaError::from)?;
            Ok(n == 1)
        })
    }

    /// Records a job run and releases its lease.
    pub fn finish_job(&mut self, name: &str, now: Timestamp) -> Result<(), RaError> {
        self.execute(
            "UPDATE jobs SET last_run = ?2, lease_until = NULL, lease_owner = NULL WHERE name = ?1",
            args![name, now.unix()],
        )?;
        Ok(())
    }

    /// Releases a job's lease without recording a run (it failed; retry soon).
    pub fn release_job(&mut self, name: &str) -> Result<(), RaError> {
        self.execute(
            "UPDATE jobs SET lease_until = NULL, lease_owner = NULL WHERE name = ?1",
            args![name],
        )?;
        Ok(())
    }
}
