//! The registration authority's records, in the CA's database (SQLite or
//! PostgreSQL, [`inkan_runtime::sql`]) beside the CA's own tables: staff and sessions,
//! product developers, application forms and their named certificate holders with
//! one-time passwords, revocation requests, renewal notices, the e-mail outbox and job
//! leases.
//!
//! [`Ra`] is the one implementation over both databases; each file of this module
//! adds the methods of one kind of record. Every change that R-5.4-RA-EVENTS or
//! R-5.4-CA-EVENTS names is audited in the same transaction (`Ra::tx`), so a change
//! is never recorded without its entry. Secrets are stored only as hashes
//! ([`crate::ra::secrets`]).

pub(crate) mod applications;
pub mod archive;
pub(crate) mod developers;
pub mod evidence;
pub mod lists;
pub(crate) mod outbox;
mod passwords;
mod renewals;
pub(crate) mod revocations;
mod staff;
pub(crate) mod steps;
pub mod trail;

use std::path::Path;

use inkan_runtime::audit::{Audited, Event};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::PolicyDefinition;
use inkan_runtime::sql::{Db, FromValue, Migration, Param, Row, SqlError, Tx};
use inkan_runtime::store::append_audit;

use crate::ra::error::{RaError, Result};

/// The RA's records in the CA's database, beside the CA's tables.
pub struct Ra {
    db: Db,
    policy: &'static PolicyDefinition,
}

/// The RA's schema, in both dialects.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "staff, sessions, developers, applications, holders, revocation requests, outbox, jobs",
        sqlite: include_str!("../../../migrations/sqlite/0001_ra.sql"),
        postgres: include_str!("../../../migrations/postgres/0001_ra.sql"),
    },
    Migration {
        version: 2,
        name: "renewal notices",
        sqlite: include_str!("../../../migrations/sqlite/0002_renewal.sql"),
        postgres: include_str!("../../../migrations/postgres/0002_renewal.sql"),
    },
    Migration {
        version: 3,
        name: "workflow states from the policy, the steps taken, developer removals",
        sqlite: include_str!("../../../migrations/sqlite/0003_workflows.sql"),
        postgres: include_str!("../../../migrations/postgres/0003_workflows.sql"),
    },
    Migration {
        version: 4,
        name: "developer classes and registrations from the policy",
        sqlite: include_str!("../../../migrations/sqlite/0004_eligibility.sql"),
        postgres: include_str!("../../../migrations/postgres/0004_eligibility.sql"),
    },
    Migration {
        version: 5,
        name: "the paper forms as entered",
        sqlite: include_str!("../../../migrations/sqlite/0005_forms.sql"),
        postgres: include_str!("../../../migrations/postgres/0005_forms.sql"),
    },
    Migration {
        version: 6,
        name: "one-time passwords named by a random handle",
        sqlite: include_str!("../../../migrations/sqlite/0006_password_handles.sql"),
        postgres: include_str!("../../../migrations/postgres/0006_password_handles.sql"),
    },
];

impl Ra {
    /// Opens the RA tables in the CA directory's store (SQLite or PostgreSQL, as the
    /// directory's configuration names it), bringing their schema up to date.
    pub fn open(dir: &Path, policy: &'static PolicyDefinition) -> Result<Self, RaError> {
        let location = inkan_runtime::ca::store_location(dir).map_err(RaError::from)?;
        let db = Db::open(&location)?;
        db.migrate("ra", MIGRATIONS)?;
        Ok(Ra { db, policy })
    }

    /// An audit entry of this policy.
    pub(crate) fn audited(
        &self,
        at: Timestamp,
        actor: &str,
        event: &'static str,
        details: &[(&str, &str)],
    ) -> Audited {
        Audited::new(self.policy, Event::new(at, actor, event, details))
    }

    /// Runs `f` in a write transaction, auditing the events it returns in it.
    pub(super) fn tx<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<(T, Vec<Audited>), RaError>,
    ) -> Result<T, RaError> {
        self.db.write(|tx| {
            let (value, events) = f(tx)?;
            append_audit(tx, &events).map_err(RaError::from)?;
            Ok(value)
        })
    }

    /// Runs one statement on its own.
    pub(super) fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, RaError> {
        self.db.execute(sql, params).map_err(RaError::from)
    }

    /// The first row of a query, if any.
    pub(super) fn row(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, RaError> {
        self.db.query_opt(sql, params).map_err(RaError::from)
    }

    /// Every row of a query, each converted by `f`.
    pub(super) fn rows<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        f: impl Fn(&Row) -> Result<T, SqlError>,
    ) -> Result<Vec<T>, RaError> {
        self.db
            .query(sql, params)
            .map_err(RaError::from)?
            .iter()
            .map(|r| f(r).map_err(RaError::from))
            .collect()
    }

    /// A single value, if the row exists.
    pub(super) fn value<T: FromValue>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<T>, RaError> {
        self.row(sql, params)?
            .map(|r| r.get(0).map_err(RaError::from))
            .transpose()
    }

    /// The policy's eligibility rules (R-3.2-CLASSES, R-4.1-ELIGIBLE).
    pub(super) fn eligibility(&self) -> Result<inkan_runtime::eligibility::Eligibility> {
        self.policy
            .eligibility
            .ok_or_else(|| RaError::internal("the policy does not say who may apply"))
    }

    /// The policy's rules for one-time passwords (R-4.2-PASSWORD).
    pub(super) fn password_rules(&self) -> Result<inkan_runtime::policy::PasswordRules> {
        self.policy
            .passwords
            .ok_or_else(|| RaError::internal("the policy has no one-time password rules"))
    }

    /// Audits one event on its own.
    pub fn audit(
        &mut self,
        at: Timestamp,
        actor: &str,
        event: &'static str,
        details: &[(&str, &str)],
    ) -> Result<(), RaError> {
        let a = self.audited(at, actor, event, details);
        self.tx(|_| Ok(((), vec![a])))
    }
}
