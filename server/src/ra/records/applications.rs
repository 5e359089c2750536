//! Application forms (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-3.2-EMAIL-MATCH): received
//! from an eligible developer whose manager's e-mail matches, examined, then decided by
//! someone else; approval makes one one-time password per named holder, returned once
//! and stored only as a hash.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::SqlError;

use super::Ra;
use crate::ra::error::{RaError, Result};
use crate::ra::model::Application;
use crate::ra::secrets::{random_token, token_hash};

impl Ra {
    /// Records a received application form (R-5.4-RA-EVENTS: receipt of each form).
    pub fn receive_application(
        &mut self,
        developer: &str,
        form_email: &str,
        holders: &[String],
        now: Timestamp,
        actor: &str,
    ) -> Result<i64, RaError> {
        let d = self
            .developer(developer)?
            .ok_or_else(|| RaError::not_found(format!("no developer {developer}")))?;
        if d.status != "listed" {
            return Err(RaError::forbidden(format!(
                "developer {developer} has been removed from the list (R-4.1-ELIGIBLE)"
            )));
        }
        if d.registration == "provisional" && !d.permitted {
            return Err(RaError::forbidden(format!(
                "developer {developer} is provisionally registered without permission to apply (R-4.1-ELIGIBLE)"
            )));
        }
        if !form_email
            .trim()
            .eq_ignore_ascii_case(d.manager_email.trim())
        {
            return Err(RaError::refused(
                "the e-mail on the form does not match the applicant manager's e-mail on file (R-3.2-EMAIL-MATCH)",
            ));
        }
        if holders.is_empty()
            || holders
                .iter()
                .any(|p| p.len() != 6 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(RaError::malformed(
                "name one or more certificate holders, each by a 6-digit person number",
            ));
        }
        let a = self.audited(
            now,
            actor,
            "form-received",
            &[
                ("developer", developer),
                ("holders", &holders.len().to_string()),
            ],
        );
        self.tx(|tx| {
            let id: i64 = tx
                .query_opt(
                    "INSERT INTO applications (developer, form_email, received_by, received_at, status) VALUES (?1, ?2, ?3, ?4, 'received') RETURNING id",
                    args![developer, form_email, actor, now.unix()],
                )
                .map_err(RaError::from)?
                .ok_or_else(|| RaError::internal("the application got no id"))?
                .get(0)
                .map_err(RaError::from)?;
            for p in holders {
                tx.execute("INSERT INTO holders (application, person) VALUES (?1, ?2)", args![id, p]).map_err(RaError::from)?;
            }
            Ok((id, vec![a]))
        })
    }

    /// An application.
    pub fn application(&self, id: i64) -> Result<Application, RaError> {
        let mut app = self
            .row(
                "SELECT id, developer, status, received_by, examined_by, decided_by FROM applications WHERE id = ?1",
                args![id],
            )?
            .map(|r| Ok::<_, SqlError>(Application { id: r.get(0)?, developer: r.get(1)?, status: r.get(2)?, received_by: r.get(3)?, examined_by: r.get(4)?, decided_by: r.get(5)?, holders: Vec::new() }))
            .transpose()
            .map_err(RaError::from)?
            .ok_or_else(|| RaError::not_found(format!("no application {id}")))?;
        app.holders = self.rows(
            "SELECT person FROM holders WHERE application = ?1 ORDER BY id",
            args![id],
            |r| r.get(0),
        )?;
        Ok(app)
    }

    /// The examiner's check.
    pub fn examine(
        &mut self,
        id: i64,
        accept: bool,
        note: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<Application, RaError> {
        let app = self.application(id)?;
        let not_awaiting = |status: &str| {
            RaError::conflict(format!(
                "application {id} is {status}, not awaiting examination"
            ))
        };
        if app.status != "received" {
            return Err(not_awaiting(&app.status));
        }
        let status = if accept { "examined" } else { "rejected" };
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "examine"),
                ("application", &id.to_string()),
                ("outcome", status),
            ],
        );
        self.tx(|tx| {
            // Conditional, so two examiners at once (two servers) cannot both record.
            let n = tx.execute("UPDATE applications SET status = ?2, examined_by = ?3, examined_at = ?4, note = ?5 WHERE id = ?1 AND status = 'received'", args![id, status, actor, now.unix(), note]).map_err(RaError::from)?;
            if n != 1 {
                return Err(not_awaiting("no longer received"));
            }
            Ok(((), vec![a]))
        })?;
        self.application(id)
    }

    /// The supervisor's final check: approval issues one password per holder, returned
    /// once and stored only as a hash. The supervisor must not be the examiner.
    pub fn decide(
        &mut self,
        id: i64,
        approve: bool,
        now: Timestamp,
        actor: &str,
    ) -> Result<Vec<(String, String)>, RaError> {
        let app = self.application(id)?;
        let not_examined = |status: &str| {
            RaError::conflict(format!(
                "application {id} is {status}; the examiner checks it first (R-5.2-DUAL-CHECK)"
            ))
        };
        if app.status != "examined" {
            return Err(not_examined(&app.status));
        }
        if app.examined_by.as_deref() == Some(actor) {
            return Err(RaError::forbidden(
                "the supervisor's check must be made by someone other than the examiner (R-5.2-DUAL-CHECK)",
            ));
        }
        let person_of = |login: &str| -> Result<Option<String>, RaError> {
            self.value("SELECT person FROM ra_staff WHERE login = ?1", args![login])
        };
        let examiner_person = match &app.examined_by {
            Some(e) => person_of(e)?,
            None => None,
        };
        let my_person = person_of(actor)?;
        if examiner_person.is_some() && examiner_person == my_person {
            return Err(RaError::forbidden(
                "the supervisor's check must be made by someone other than the examiner (R-5.2-DUAL-CHECK)",
            ));
        }
        let status = if approve { "approved" } else { "rejected" };
        let mut passwords = Vec::new();
        let holder_ids: Vec<(i64, String)> = self.rows(
            "SELECT id, person FROM holders WHERE application = ?1 ORDER BY id",
            args![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let expires = now.unix() + i64::from(self.password_rules()?.lifetime_days) * 86_400;
        let mut hashes = Vec::new();
        if approve {
            for (hid, person) in &holder_ids {
                let password = format!("{hid}-{}", random_token(16)?);
                hashes.push((*hid, token_hash(&password)));
                passwords.push((person.clone(), password));
            }
        }
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "decide"),
                ("application", &id.to_string()),
                ("outcome", status),
                ("passwords_issued", &hashes.len().to_string()),
            ],
        );
        self.tx(|tx| {
            // Conditional, so one decision stands even when two supervisors decide at once.
            let n = tx.execute("UPDATE applications SET status = ?2, decided_by = ?3, decided_at = ?4 WHERE id = ?1 AND status = 'examined'", args![id, status, actor, now.unix()]).map_err(RaError::from)?;
            if n != 1 {
                return Err(not_examined("already decided"));
            }
            for (hid, hash) in &hashes {
                tx.execute("UPDATE holders SET password_hash = ?2, expires_at = ?3 WHERE id = ?1", args![*hid, hash, expires]).map_err(RaError::from)?;
            }
            Ok(((), vec![a]))
        })?;
        Ok(passwords)
    }
}
