//! Revocation requests (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE,
//! R-4.9-COMPROMISE): recorded with their deadline, confirmed by the manager's link or
//! by two staff on the telephone, marked done, and listed when overdue.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::SqlError;

use inkan_runtime::sql::Tx;
use inkan_runtime::workflow::{Requester, Subject, Workflow};

use super::Ra;
use super::steps::record_opening;
use crate::ra::error::{RaError, Result};
use crate::ra::model::RevocationRequest;
use crate::ra::secrets::{random_token, token_hash};

/// A revocation form's fields, checked.
pub struct NewRevocation<'a> {
    /// Certificate serial, normalised.
    pub serial: &'a str,
    /// The developer.
    pub developer: &'a str,
    /// The policy's reason name.
    pub reason: &'a str,
    /// Who asked.
    pub requested_by: Requester,
    /// The deadline (R-4.9-DEADLINE).
    pub deadline: Timestamp,
    /// The form as entered, checked, as JSON (R-3.4-REVOKE-FORM).
    pub form: Option<&'a str>,
}

/// Sets a fresh confirmation token on a request and queues the e-mail that carries
/// it, in the caller's transaction (R-3.4-REVOKE-CONFIRM); returns the token.
pub fn new_confirmation(tx: &mut Tx<'_>, id: i64) -> Result<String> {
    let token = random_token(16)?;
    tx.execute(
        "UPDATE revocation_requests SET confirm_hash = ?2 WHERE id = ?1",
        args![id, &token_hash(&token)],
    )
    .map_err(RaError::from)?;
    Ok(token)
}

/// Marks a request's certificate revoked, in the caller's transaction.
pub fn mark_revoked(tx: &mut Tx<'_>, id: i64, now: Timestamp) -> Result<()> {
    tx.execute(
        "UPDATE revocation_requests SET revoked_at = ?2, confirm_hash = NULL WHERE id = ?1",
        args![id, now.unix()],
    )
    .map_err(RaError::from)?;
    Ok(())
}

impl Ra {
    /// Records a revocation request, opening a case of `flow` in its start state;
    /// returns its id.
    pub fn request_revocation(
        &mut self,
        form: &NewRevocation<'_>,
        flow: &'static Workflow,
        now: Timestamp,
        actor: &str,
    ) -> Result<i64, RaError> {
        let person = self.person_of(actor)?;
        let requester = form.requested_by.name();
        let a = self.audited(
            now,
            actor,
            "revocation-application",
            &[
                ("serial", form.serial),
                ("developer", form.developer),
                ("reason", form.reason),
                ("requested_by", requester),
                ("workflow", flow.name),
            ],
        );
        self.tx(|tx| {
            let id: i64 = tx
                .query_opt(
                    "INSERT INTO revocation_requests (serial, developer, reason, requested_by, workflow, recorded_by, accepted_at, deadline_at, status, form) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                    args![form.serial, form.developer, form.reason, requester, flow.name, actor, now.unix(), form.deadline.unix(), flow.start, form.form],
                )
                .map_err(RaError::from)?
                .ok_or_else(|| RaError::internal("the request got no id"))?
                .get(0)
                .map_err(RaError::from)?;
            record_opening(tx, flow, id, actor, person.as_deref(), now)?;
            Ok((id, vec![a]))
        })
    }

    /// The request a confirmation token was mailed for.
    pub fn request_by_token(&self, token: &str) -> Result<Option<RevocationRequest>, RaError> {
        let id: Option<i64> = self.value(
            "SELECT id FROM revocation_requests WHERE confirm_hash = ?1",
            args![&token_hash(token)],
        )?;
        id.map(|id| self.revocation(id)).transpose()
    }

    /// A revocation request.
    pub fn revocation(&self, id: i64) -> Result<RevocationRequest, RaError> {
        let t = |v: i64| Timestamp::from_unix(v).map_or_else(String::new, |t| t.to_string());
        self.row(
            "SELECT id, serial, developer, reason, requested_by, workflow, status, accepted_at, deadline_at, form FROM revocation_requests WHERE id = ?1",
            args![id],
        )?
        .map(|r| {
            Ok::<_, SqlError>((
                RevocationRequest {
                    id: r.get(0)?,
                    serial: r.get(1)?,
                    developer: r.get(2)?,
                    reason: r.get(3)?,
                    requested_by: r.get(4)?,
                    workflow: r.get(5)?,
                    status: r.get(6)?,
                    accepted_at: t(r.get(7)?),
                    deadline_at: t(r.get(8)?),
                    form: None,
                    steps: Vec::new(),
                },
                r.get::<Option<String>>(9)?,
            ))
        })
        .transpose()
        .map_err(RaError::from)?
        .ok_or_else(|| RaError::not_found(format!("no revocation request {id}")))
        .and_then(|(mut req, form)| {
            req.form = crate::ra::forms::stored(form)?;
            req.steps = self.steps_of(Subject::Revocation, id)?;
            Ok(req)
        })
    }

    /// Requests still open past their deadline (R-4.9-DEADLINE).
    pub fn overdue(&self, now: Timestamp) -> Result<Vec<RevocationRequest>, RaError> {
        let due: Vec<(i64, String, String)> = self.rows(
            "SELECT id, workflow, status FROM revocation_requests WHERE revoked_at IS NULL AND deadline_at <= ?1 ORDER BY deadline_at",
            args![now.unix()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        // A case its workflow has ended (refused, withdrawn) is not overdue; one whose
        // workflow this policy no longer has is shown, so nobody loses sight of it.
        due.into_iter()
            .filter(|(_, flow, state)| {
                inkan_runtime::workflow::named(self.policy.workflows, flow)
                    .is_none_or(|w| !w.is_end(state))
            })
            .map(|(id, _, _)| self.revocation(id))
            .collect()
    }
}
