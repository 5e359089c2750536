//! The list of product developers (R-3.2-CLASSES, R-4.1-ELIGIBLE,
//! R-9.3-CONFIDENTIAL): registration and reading; a removal (R-4.11-LEAVE) is a case of
//! the policy's removal workflow, opened here and carried out by
//! [`crate::ra::cases`].

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::forms::FormFor;
use inkan_runtime::sql::{SqlError, Tx};
use inkan_runtime::workflow::{Subject, Workflow};

use super::Ra;
use super::steps::record_opening;
use crate::ra::error::{RaError, Result};
use crate::ra::model::{Developer, DeveloperRemoval, RegistrationChange};

impl Ra {
    /// Registers a developer.
    pub fn add_developer(
        &mut self,
        d: &Developer,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), RaError> {
        if d.number.len() != 6 || !d.number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RaError::malformed(
                "a developer number has exactly 6 digits (R-3.1-SUB-DN)",
            ));
        }
        self.known_class(&d.class, &d.registration)?;
        let form = crate::ra::forms::check(
            self.policy,
            FormFor::Registration,
            &d.class,
            &d.registration_form,
        )?;
        if !d.manager_email.contains('@') {
            return Err(RaError::malformed(
                "the manager's e-mail address is not an address",
            ));
        }
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "add-developer"),
                ("developer", &d.number),
                ("class", &d.class),
                ("registration", &d.registration),
            ],
        );
        let stored = form.json();
        self.tx(|tx| {
            let r = tx.execute(
                "INSERT INTO developers (number, name, class, registration, permitted, manager_name, manager_address, manager_email, manager_phone, status, created_at, registration_form)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'listed', ?10, ?11)",
                args![&d.number, &d.name, &d.class, &d.registration, d.permitted, &d.manager_name, &d.manager_address, &d.manager_email, &d.manager_phone, now.unix(), stored.as_deref()],
            );
            match r {
                Ok(_) => Ok(((), vec![a])),
                Err(e) if e.constraint().is_some() => {
                    Err(RaError::conflict(format!("developer {} is already registered", d.number)))
                }
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Refuses a class or a registration the policy does not list.
    fn known_class(&self, class: &str, registration: &str) -> Result<(), RaError> {
        let rules = self.eligibility()?;
        if rules.class(class).is_none() || rules.registration(registration).is_none() {
            let classes: Vec<&str> = rules.classes.iter().map(|c| c.name).collect();
            let registrations: Vec<&str> = rules.registrations.iter().map(|r| r.name).collect();
            return Err(RaError::malformed(format!(
                "class is one of {} (R-3.2-CLASSES); registration is one of {} (R-4.1-ELIGIBLE)",
                classes.join(", "),
                registrations.join(", ")
            )));
        }
        Ok(())
    }

    /// Changes a listed developer's class, registration or permission to apply
    /// (R-3.2-CLASSES, R-4.1-ELIGIBLE), with the policy's registration form for the
    /// class it ends in (R-3.2-ORG-CHECK), audited in the same transaction. What it
    /// may apply for from now on follows the new registration; nothing issued changes.
    pub fn change_registration(
        &mut self,
        number: &str,
        change: &RegistrationChange,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), RaError> {
        self.known_class(&change.class, &change.registration)?;
        let form = crate::ra::forms::check(
            self.policy,
            FormFor::Registration,
            &change.class,
            &change.registration_form,
        )?;
        let permitted = if change.permitted { "yes" } else { "no" };
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "change-developer"),
                ("developer", number),
                ("class", &change.class),
                ("registration", &change.registration),
                ("permitted", permitted),
            ],
        );
        let stored = form.json();
        self.tx(|tx| {
            let n = tx
                .execute(
                    "UPDATE developers SET class = ?2, registration = ?3, permitted = ?4, registration_form = ?5 WHERE number = ?1 AND status = 'listed'",
                    args![number, &change.class, &change.registration, change.permitted, stored.as_deref()],
                )
                .map_err(RaError::from)?;
            if n == 0 {
                return Err(RaError::not_found(format!("no listed developer {number}")));
            }
            Ok(((), vec![a]))
        })
    }

    /// A developer by number.
    pub fn developer(&self, number: &str) -> Result<Option<Developer>, RaError> {
        self.row(
            "SELECT number, name, class, registration, permitted, manager_name, manager_address, manager_email, manager_phone, status, registration_form FROM developers WHERE number = ?1",
            args![number],
        )?
        .map(|r| {
            Ok::<_, SqlError>((Developer {
                number: r.get(0)?,
                name: r.get(1)?,
                class: r.get(2)?,
                registration: r.get(3)?,
                permitted: r.get(4)?,
                manager_name: r.get(5)?,
                manager_address: r.get(6)?,
                manager_email: r.get(7)?,
                manager_phone: r.get(8)?,
                status: r.get(9)?,
                registration_form: Default::default(),
            }, r.get::<Option<String>>(10)?))
        })
        .transpose()
        .map_err(RaError::from)?
        .map(|(mut d, form)| {
            d.registration_form = crate::ra::forms::stored(form)?.unwrap_or_default();
            Ok(d)
        })
        .transpose()
    }

    /// Records a proposed removal of a listed developer, opening a case of `flow`;
    /// returns its id.
    pub fn propose_removal(
        &mut self,
        number: &str,
        flow: &'static Workflow,
        now: Timestamp,
        actor: &str,
    ) -> Result<i64, RaError> {
        self.developer(number)?
            .filter(|d| d.status == LISTED)
            .ok_or_else(|| RaError::not_found(format!("no listed developer {number}")))?;
        let person = self.person_of(actor)?;
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", flow.opens.name()),
                ("developer", number),
                ("workflow", flow.name),
            ],
        );
        self.tx(|tx| {
            let id: i64 = tx
                .query_opt(
                    "INSERT INTO developer_removals (developer, workflow, status, proposed_by, proposed_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                    args![number, flow.name, flow.start, actor, now.unix()],
                )
                .map_err(RaError::from)?
                .ok_or_else(|| RaError::internal("the removal got no id"))?
                .get(0)
                .map_err(RaError::from)?;
            record_opening(tx, flow, id, actor, person.as_deref(), now)?;
            Ok((id, vec![a]))
        })
    }

    /// A developer's removal, with the steps taken on it.
    pub fn removal(&self, id: i64) -> Result<DeveloperRemoval, RaError> {
        let mut r = self
            .row(
                "SELECT id, developer, workflow, status FROM developer_removals WHERE id = ?1",
                args![id],
            )?
            .map(|r| {
                Ok::<_, SqlError>(DeveloperRemoval {
                    id: r.get(0)?,
                    developer: r.get(1)?,
                    workflow: r.get(2)?,
                    status: r.get(3)?,
                    steps: Vec::new(),
                })
            })
            .transpose()
            .map_err(RaError::from)?
            .ok_or_else(|| RaError::not_found(format!("no developer removal {id}")))?;
        r.steps = self.steps_of(Subject::DeveloperRemoval, id)?;
        Ok(r)
    }
}

/// A developer on the list.
pub(crate) const LISTED: &str = "listed";

/// Takes a developer off the list, in the caller's transaction (R-4.11-LEAVE).
pub fn mark_removed(tx: &mut Tx<'_>, number: &str) -> Result<()> {
    let n = tx
        .execute(
            "UPDATE developers SET status = 'removed' WHERE number = ?1 AND status = 'listed'",
            args![number],
        )
        .map_err(RaError::from)?;
    if n == 0 {
        return Err(RaError::conflict(format!(
            "developer {number} is no longer listed"
        )));
    }
    Ok(())
}
