//! The list of product developers (R-3.2-CLASSES, R-4.1-ELIGIBLE,
//! R-9.3-CONFIDENTIAL): registration, reading and removal.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::SqlError;

use super::Ra;
use crate::ra::error::{RaError, Result};
use crate::ra::model::Developer;

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
        if !matches!(d.class.as_str(), "A" | "B")
            || !matches!(d.registration.as_str(), "full" | "provisional")
        {
            return Err(RaError::malformed(
                "class is A or B (R-3.2-CLASSES); registration is full or provisional",
            ));
        }
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
        self.tx(|tx| {
            let r = tx.execute(
                "INSERT INTO developers (number, name, class, registration, permitted, manager_name, manager_address, manager_email, manager_phone, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'listed', ?10)",
                args![&d.number, &d.name, &d.class, &d.registration, d.permitted, &d.manager_name, &d.manager_address, &d.manager_email, &d.manager_phone, now.unix()],
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

    /// A developer by number.
    pub fn developer(&self, number: &str) -> Result<Option<Developer>, RaError> {
        self.row(
            "SELECT number, name, class, registration, permitted, manager_name, manager_address, manager_email, manager_phone, status FROM developers WHERE number = ?1",
            args![number],
        )?
        .map(|r| {
            Ok::<_, SqlError>(Developer {
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
            })
        })
        .transpose()
        .map_err(RaError::from)
    }

    /// Marks a developer removed from the list.
    pub fn remove_developer(
        &mut self,
        number: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), RaError> {
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[("operation", "remove-developer"), ("developer", number)],
        );
        self.tx(|tx| {
            let n = tx.execute("UPDATE developers SET status = 'removed' WHERE number = ?1 AND status = 'listed'", args![number]).map_err(RaError::from)?;
            if n == 0 {
                return Err(RaError::not_found(format!("no listed developer {number}")));
            }
            Ok(((), vec![a]))
        })
    }
}
