//! The steps of the policy's workflows as records (R-4.2-FLOW, R-5.2-DUAL-CHECK,
//! R-5.2-SEPARATION): a case's state lives in its own table (`applications`,
//! `revocation_requests`, `developer_removals`); each step taken moves it with a
//! conditional update, so two people taking the same step at once cannot both succeed,
//! and is kept in `workflow_steps` with the person who took it, in the transaction
//! that audits it. Who took which action on a case is read back from there to hold a
//! check by a different person.

use inkan_runtime::actions::RaAction;
use inkan_runtime::args;
use inkan_runtime::audit::Audited;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::Tx;
use inkan_runtime::workflow::{Subject, Workflow};

use super::Ra;
use crate::ra::error::{RaError, Result};

/// The table a kind of case lives in.
pub(crate) fn table(subject: Subject) -> &'static str {
    match subject {
        Subject::Application => "applications",
        Subject::Revocation => "revocation_requests",
        Subject::DeveloperRemoval => "developer_removals",
    }
}

/// One step as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepRecord {
    /// The action (`examine-application`), or `applicant-manager` for the link.
    pub action: String,
    /// Who took it: a staff login, or `manager:<developer>`.
    pub by: String,
    /// The state it left (empty for the opening).
    pub from: String,
    /// The state it reached.
    pub to: String,
    /// When.
    pub at: String,
}

/// A step about to be recorded.
pub(crate) struct Move<'a> {
    /// The kind of case.
    pub subject: Subject,
    /// Its id.
    pub case: i64,
    /// What took the step: an action's name, or `applicant-manager`.
    pub action: &'a str,
    /// The state the case must be in.
    pub from: &'a str,
    /// The state it reaches.
    pub to: &'a str,
    /// Who.
    pub login: &'a str,
    /// When.
    pub now: Timestamp,
}

impl Ra {
    /// The distinct persons who took one of `actions` on a case: a staff member's
    /// person, never their login, so two logins of one person count once.
    pub fn performers(
        &self,
        subject: Subject,
        case: i64,
        actions: &[RaAction],
    ) -> Result<Vec<String>, RaError> {
        let mut out = Vec::new();
        for a in actions {
            let persons: Vec<Option<String>> = self.rows(
                "SELECT coalesce(person, login) FROM workflow_steps WHERE subject = ?1 AND case_id = ?2 AND action = ?3",
                args![subject.name(), case, a.name()],
                |r| r.get(0),
            )?;
            out.extend(persons.into_iter().flatten());
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The person behind a staff login, if it is one.
    pub fn person_of(&self, login: &str) -> Result<Option<String>, RaError> {
        self.value("SELECT person FROM ra_staff WHERE login = ?1", args![login])
    }

    /// The steps taken on a case, in order.
    pub fn steps_of(&self, subject: Subject, case: i64) -> Result<Vec<StepRecord>, RaError> {
        let t = |v: i64| Timestamp::from_unix(v).map_or_else(String::new, |t| t.to_string());
        self.rows(
            "SELECT action, login, from_state, to_state, at FROM workflow_steps WHERE subject = ?1 AND case_id = ?2 ORDER BY id",
            args![subject.name(), case],
            |r| {
                Ok(StepRecord {
                    action: r.get(0)?,
                    by: r.get(1)?,
                    from: r.get(2)?,
                    to: r.get(3)?,
                    at: t(r.get(4)?),
                })
            },
        )
    }

    /// When a case last reached `state`, if it did.
    pub fn entered(
        &self,
        subject: Subject,
        case: i64,
        state: &str,
    ) -> Result<Option<Timestamp>, RaError> {
        let at: Option<i64> = self.value(
            "SELECT at FROM workflow_steps WHERE subject = ?1 AND case_id = ?2 AND to_state = ?3 ORDER BY id DESC LIMIT 1",
            args![subject.name(), case, state],
        )?;
        at.map(|v| {
            Timestamp::from_unix(v)
                .ok_or_else(|| RaError::internal(format!("a step's time {v} is out of range")))
        })
        .transpose()
    }

    /// The workflow and state a case is in.
    pub fn case_state(&self, subject: Subject, case: i64) -> Result<(String, String), RaError> {
        let sql = format!(
            "SELECT workflow, status FROM {} WHERE id = ?1",
            table(subject)
        );
        self.row(&sql, args![case])?
            .map(|r| Ok::<_, inkan_runtime::sql::SqlError>((r.get(0)?, r.get(1)?)))
            .transpose()
            .map_err(RaError::from)?
            .ok_or_else(|| RaError::not_found(format!("no {} {case}", subject.name())))
    }

    /// Records a step: moves the case from `m.from` to `m.to` if it is still in
    /// `m.from`, keeps the step, runs `also` and audits `audit`, in one transaction.
    pub(crate) fn take_step(
        &mut self,
        m: &Move<'_>,
        audit: Vec<Audited>,
        also: impl FnOnce(&mut Tx<'_>) -> Result<(), RaError>,
    ) -> Result<(), RaError> {
        let person = self.person_of(m.login)?;
        let sql = format!(
            "UPDATE {} SET status = ?2 WHERE id = ?1 AND status = ?3",
            table(m.subject)
        );
        self.tx(|tx| {
            let n = tx
                .execute(&sql, args![m.case, m.to, m.from])
                .map_err(RaError::from)?;
            if n != 1 {
                return Err(RaError::conflict(format!(
                    "{} {} is no longer {}: someone else took this step first",
                    m.subject.name(),
                    m.case,
                    m.from
                )));
            }
            record(tx, m, person.as_deref())?;
            also(tx)?;
            Ok(((), audit))
        })
    }
}

/// Keeps the step that opens a case of `flow` (from the empty state to its start), in
/// the caller's transaction.
pub(crate) fn record_opening(
    tx: &mut Tx<'_>,
    flow: &Workflow,
    case: i64,
    login: &str,
    person: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    let opening = Move {
        subject: flow.subject,
        case,
        action: flow.opens.name(),
        from: "",
        to: flow.start,
        login,
        now,
    };
    record(tx, &opening, person)
}

/// Keeps one step in `workflow_steps`.
pub(crate) fn record(tx: &mut Tx<'_>, m: &Move<'_>, person: Option<&str>) -> Result<()> {
    tx.execute(
        "INSERT INTO workflow_steps (subject, case_id, action, login, person, from_state, to_state, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![m.subject.name(), m.case, m.action, m.login, person, m.from, m.to, m.now.unix()],
    )
    .map_err(RaError::from)?;
    Ok(())
}
