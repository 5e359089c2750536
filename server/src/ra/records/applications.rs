//! Application forms (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-3.2-EMAIL-MATCH): received
//! from an eligible developer whose manager's e-mail matches, opening a case of the
//! policy's application workflow ([`crate::ra::workflow`] moves it on); the one-time
//! passwords its approval makes, one per named holder, returned once and stored only
//! as a hash.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::eligibility::FormEmail;
use inkan_runtime::forms::FormFor;
use inkan_runtime::sql::{SqlError, Tx};
use inkan_runtime::workflow::Subject;

use super::Ra;
use super::steps::record_opening;
use crate::ra::error::{RaError, Result};
use crate::ra::forms::{self, Entered};
use crate::ra::model::Application;
use crate::ra::secrets::{random_token, token_hash};

impl Ra {
    /// Records a received application form (R-5.4-RA-EVENTS: receipt of each form).
    pub fn receive_application(
        &mut self,
        developer: &str,
        form: &Entered,
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
        let rules = self.eligibility()?;
        if rules.may_apply(&d.registration, d.permitted) != Some(true) {
            let how = rules
                .registration(&d.registration)
                .map_or("unknown to this policy", |r| r.may_apply.name());
            return Err(RaError::forbidden(format!(
                "developer {developer} is registered `{}`{}, and under this policy that may apply: {how} (R-4.1-ELIGIBLE)",
                d.registration,
                if d.permitted {
                    " with permission"
                } else {
                    " without permission"
                }
            )));
        }
        let form = forms::check(self.policy, FormFor::Application, &d.class, form)?;
        let form_email = form.email().unwrap_or_default();
        if rules.form_email == FormEmail::MustMatchManager
            && !form_email
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
        let flow = inkan_runtime::workflow::of(self.policy.workflows, Subject::Application)
            .ok_or_else(|| RaError::internal("the policy has no application workflow"))?;
        let person = self.person_of(actor)?;
        let a = self.audited(
            now,
            actor,
            "form-received",
            &[
                ("developer", developer),
                ("holders", &holders.len().to_string()),
            ],
        );
        let stored = form.json();
        self.tx(|tx| {
            let id: i64 = tx
                .query_opt(
                    "INSERT INTO applications (developer, form_email, received_by, received_at, workflow, status, form) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                    args![developer, form_email, actor, now.unix(), flow.name, flow.start, stored.as_deref()],
                )
                .map_err(RaError::from)?
                .ok_or_else(|| RaError::internal("the application got no id"))?
                .get(0)
                .map_err(RaError::from)?;
            for p in holders {
                tx.execute("INSERT INTO holders (application, person) VALUES (?1, ?2)", args![id, p]).map_err(RaError::from)?;
            }
            record_opening(tx, flow, id, actor, person.as_deref(), now)?;
            Ok((id, vec![a]))
        })
    }

    /// An application, with the steps taken on it.
    pub fn application(&self, id: i64) -> Result<Application, RaError> {
        let mut app = self
            .row(
                "SELECT id, developer, workflow, status, received_by, form FROM applications WHERE id = ?1",
                args![id],
            )?
            .map(|r| {
                Ok::<_, SqlError>((
                    Application {
                        id: r.get(0)?,
                        developer: r.get(1)?,
                        workflow: r.get(2)?,
                        status: r.get(3)?,
                        received_by: r.get(4)?,
                        form: None,
                        holders: Vec::new(),
                        steps: Vec::new(),
                    },
                    r.get::<Option<String>>(5)?,
                ))
            })
            .transpose()
            .map_err(RaError::from)?
            .ok_or_else(|| RaError::not_found(format!("no application {id}")))
            .and_then(|(mut app, form)| {
                app.form = forms::stored(form)?;
                Ok(app)
            })?;
        app.holders = self.rows(
            "SELECT person FROM holders WHERE application = ?1 ORDER BY id",
            args![id],
            |r| r.get(0),
        )?;
        app.steps = self.steps_of(Subject::Application, id)?;
        Ok(app)
    }

    /// Makes one one-time password per holder of an application (R-4.2-PASSWORD):
    /// returns them, by person, and the hashes to store with [`store_passwords`].
    pub fn new_passwords(&self, id: i64) -> Result<NewPasswords, RaError> {
        let holder_ids: Vec<(i64, String)> = self.rows(
            "SELECT id, person FROM holders WHERE application = ?1 ORDER BY id",
            args![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut out = NewPasswords {
            lifetime_days: self.password_rules()?.lifetime_days,
            ..NewPasswords::default()
        };
        for (hid, person) in holder_ids {
            // The handle names the password without giving it away: 64 random bits, so
            // a stranger cannot find one to lock (R-4.2-PASSWORD).
            let handle = random_token(8)?;
            let password = format!("{handle}-{}", random_token(16)?);
            out.hashes.push((hid, handle, token_hash(&password)));
            out.passwords.push((person, password));
        }
        Ok(out)
    }
}

/// One-time passwords made for an application's holders, not yet stored.
#[derive(Default)]
pub struct NewPasswords {
    /// (person, password), to hand over once.
    pub passwords: Vec<(String, String)>,
    /// (holder id, handle, hash), what is stored.
    pub hashes: Vec<(i64, String, Vec<u8>)>,
    /// Whole days they stay valid.
    pub lifetime_days: u32,
}

/// Stores the hashes of new passwords, valid for the policy's lifetime from `now`.
pub fn store_passwords(tx: &mut Tx<'_>, new: &NewPasswords, now: Timestamp) -> Result<()> {
    let expires = now.unix() + i64::from(new.lifetime_days) * 86_400;
    for (hid, handle, hash) in &new.hashes {
        tx.execute(
            "UPDATE holders SET password_hash = ?2, expires_at = ?3, password_handle = ?4 WHERE id = ?1",
            args![*hid, hash, expires, handle],
        )
        .map_err(RaError::from)?;
    }
    Ok(())
}
