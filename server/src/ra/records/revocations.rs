//! Revocation requests (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE,
//! R-4.9-COMPROMISE): recorded with their deadline, confirmed by the manager's link or
//! by two staff on the telephone, marked done, and listed when overdue.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::SqlError;

use super::Ra;
use crate::ra::error::{RaError, Result};
use crate::ra::model::RevocationRequest;
use crate::ra::secrets::{random_token, token_hash};

impl Ra {
    // --- Revocation (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE, R-4.9-COMPROMISE) ---

    #[allow(clippy::too_many_arguments)] // One form's fields.
    /// Records an accepted revocation form; returns (id, confirmation token if any).
    pub fn request_revocation(
        &mut self,
        serial: &str,
        developer: &str,
        reason: &str,
        requested_by: &str,
        confirm: bool,
        deadline: Timestamp,
        now: Timestamp,
        actor: &str,
    ) -> Result<(i64, Option<String>), RaError> {
        let token = if confirm {
            Some(random_token(16)?)
        } else {
            None
        };
        let hash = token.as_deref().map(token_hash);
        let status = if confirm {
            "awaiting-confirmation"
        } else {
            "awaiting-phone-confirmation"
        };
        let a = self.audited(
            now,
            actor,
            "revocation-application",
            &[
                ("serial", serial),
                ("developer", developer),
                ("reason", reason),
                ("requested_by", requested_by),
            ],
        );
        let id = self.tx(|tx| {
            let id: i64 = tx
                .query_opt(
                    "INSERT INTO revocation_requests (serial, developer, reason, requested_by, recorded_by, accepted_at, deadline_at, confirm_hash, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                    args![serial, developer, reason, requested_by, actor, now.unix(), deadline.unix(), hash.as_ref(), status],
                )
                .map_err(RaError::from)?
                .ok_or_else(|| RaError::internal("the request got no id"))?
                .get(0)
                .map_err(RaError::from)?;
            Ok((id, vec![a]))
        })?;
        Ok((id, token))
    }

    /// The request a confirmation token belongs to, if it still awaits confirmation.
    pub fn request_by_token(&self, token: &str) -> Result<Option<RevocationRequest>, RaError> {
        let id: Option<i64> = self.value(
            "SELECT id FROM revocation_requests WHERE confirm_hash = ?1 AND status = 'awaiting-confirmation'",
            args![&token_hash(token)],
        )?;
        id.map(|id| self.revocation(id)).transpose()
    }

    /// A revocation request.
    pub fn revocation(&self, id: i64) -> Result<RevocationRequest, RaError> {
        let t = |v: i64| Timestamp::from_unix(v).map_or_else(String::new, |t| t.to_string());
        self.row(
            "SELECT id, serial, developer, reason, requested_by, status, accepted_at, deadline_at FROM revocation_requests WHERE id = ?1",
            args![id],
        )?
        .map(|r| {
            Ok::<_, SqlError>(RevocationRequest {
                id: r.get(0)?,
                serial: r.get(1)?,
                developer: r.get(2)?,
                reason: r.get(3)?,
                requested_by: r.get(4)?,
                status: r.get(5)?,
                accepted_at: t(r.get(6)?),
                deadline_at: t(r.get(7)?),
            })
        })
        .transpose()
        .map_err(RaError::from)?
        .ok_or_else(|| RaError::not_found(format!("no revocation request {id}")))
    }

    /// Who recorded the first telephone confirmation of a key-compromise request.
    pub fn phone_confirmed_by(&self, id: i64) -> Result<Option<String>, RaError> {
        Ok(self
            .value::<Option<String>>(
                "SELECT phone_confirmed_by FROM revocation_requests WHERE id = ?1",
                args![id],
            )?
            .flatten())
    }

    /// Records the first staff member's telephone confirmation.
    pub fn first_phone_confirmation(
        &mut self,
        id: i64,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), RaError> {
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "phone-confirmation"),
                ("request", &id.to_string()),
            ],
        );
        self.tx(|tx| {
            let n = tx
                .execute("UPDATE revocation_requests SET phone_confirmed_by = ?2 WHERE id = ?1 AND phone_confirmed_by IS NULL AND status = 'awaiting-phone-confirmation'", args![id, actor])
                .map_err(RaError::from)?;
            if n != 1 {
                return Err(RaError::conflict(format!("request {id} does not await a first confirmation")));
            }
            Ok(((), vec![a]))
        })
    }

    /// Marks a request done.
    pub fn mark_revoked(&mut self, id: i64, now: Timestamp) -> Result<(), RaError> {
        self.execute(
            "UPDATE revocation_requests SET status = 'revoked', revoked_at = ?2 WHERE id = ?1",
            args![id, now.unix()],
        )?;
        Ok(())
    }

    /// Requests still open past their deadline (R-4.9-DEADLINE).
    pub fn overdue(&self, now: Timestamp) -> Result<Vec<RevocationRequest>, RaError> {
        let ids: Vec<i64> = self.rows(
            "SELECT id FROM revocation_requests WHERE status != 'revoked' AND deadline_at <= ?1 ORDER BY deadline_at",
            args![now.unix()],
            |r| r.get(0),
        )?;
        ids.into_iter().map(|id| self.revocation(id)).collect()
    }
}
