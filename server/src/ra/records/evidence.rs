//! The RA's records as a compliance report reads them (issue 18): every workflow step
//! taken, with the person behind the login, and every revocation request with its
//! times. Read-only; the report judges them against the policy.

use inkan_runtime::calendar::Timestamp;

use super::Ra;
use crate::ra::error::RaError;

/// One step taken on a case, as `workflow_steps` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenStep {
    /// `application`, `revocation` or `developer-removal`.
    pub subject: String,
    /// The case's id.
    pub case: i64,
    /// The action, or `applicant-manager` for the link; the opening action opens.
    pub action: String,
    /// The login that took it.
    pub login: String,
    /// The person behind the login (the login itself when none is recorded).
    pub person: String,
    /// The state it left (empty for the opening).
    pub from: String,
    /// The state it reached.
    pub to: String,
    /// When.
    pub at: Timestamp,
}

/// A revocation request, with its workflow and times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationCase {
    /// Its id.
    pub id: i64,
    /// The certificate.
    pub serial: String,
    /// The workflow it runs in.
    pub workflow: String,
    /// Its state.
    pub state: String,
    /// When the form was recorded (the deadline counts from here).
    pub accepted_at: Timestamp,
    /// The deadline the service recorded.
    pub deadline_at: Timestamp,
    /// When the certificate was revoked through it.
    pub revoked_at: Option<Timestamp>,
}

fn time(v: i64) -> Result<Timestamp, RaError> {
    Timestamp::from_unix(v).ok_or_else(|| RaError::internal(format!("a time {v} out of range")))
}

impl Ra {
    /// Every workflow step taken, in the order taken.
    pub fn taken_steps(&self) -> Result<Vec<TakenStep>, RaError> {
        let rows = self.rows(
            "SELECT subject, case_id, action, login, coalesce(person, login), from_state, to_state, at FROM workflow_steps ORDER BY id",
            &[],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<i64>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                    r.get::<String>(4)?,
                    r.get::<Option<String>>(5)?,
                    r.get::<String>(6)?,
                    r.get::<i64>(7)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(subject, case, action, login, person, from, to, at)| {
                Ok(TakenStep {
                    subject,
                    case,
                    action,
                    login,
                    person,
                    from: from.unwrap_or_default(),
                    to,
                    at: time(at)?,
                })
            })
            .collect()
    }

    /// Every revocation request, oldest first.
    pub fn revocation_cases(&self) -> Result<Vec<RevocationCase>, RaError> {
        let rows = self.rows(
            "SELECT id, serial, workflow, status, accepted_at, deadline_at, revoked_at FROM revocation_requests ORDER BY id",
            &[],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                    r.get::<i64>(4)?,
                    r.get::<i64>(5)?,
                    r.get::<Option<i64>>(6)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(
                |(id, serial, workflow, state, accepted, deadline, revoked)| {
                    Ok(RevocationCase {
                        id,
                        serial,
                        workflow,
                        state,
                        accepted_at: time(accepted)?,
                        deadline_at: time(deadline)?,
                        revoked_at: revoked.map(time).transpose()?,
                    })
                },
            )
            .collect()
    }
}

impl Ra {
    /// The workflow each case runs in, by (subject, id).
    pub fn case_workflows(
        &self,
    ) -> Result<std::collections::HashMap<(String, i64), String>, RaError> {
        let mut out = std::collections::HashMap::new();
        for subject in inkan_runtime::workflow::Subject::ALL {
            let sql = format!("SELECT id, workflow FROM {}", super::steps::table(*subject));
            for (id, workflow) in
                self.rows(&sql, &[], |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)))?
            {
                out.insert((subject.name().to_string(), id), workflow);
            }
        }
        Ok(out)
    }
}

/// A one-time password that was used, with what its use is judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedPassword {
    /// The holder's id (the audit log's actor is `password:<id>`).
    pub holder: i64,
    /// The application that made it.
    pub application: i64,
    /// When it was used.
    pub used_at: Timestamp,
    /// Wrong attempts before it.
    pub failures: i64,
    /// The developer.
    pub developer: String,
}

/// A renewal notice (R-4.6-RENEWAL), as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Its id.
    pub id: i64,
    /// The developer it goes to.
    pub developer: String,
    /// When the RA's list opened it.
    pub opened_at: Timestamp,
    /// When it was sent, if it was.
    pub sent_at: Option<Timestamp>,
}

impl Ra {
    /// Every password that was used, oldest use first.
    pub fn used_passwords(&self) -> Result<Vec<UsedPassword>, RaError> {
        let rows = self.rows(
            "SELECT h.id, h.application, h.used_at, h.failures, a.developer FROM holders h JOIN applications a ON a.id = h.application WHERE h.used_at IS NOT NULL ORDER BY h.used_at",
            &[],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<i64>(1)?,
                    r.get::<i64>(2)?,
                    r.get::<i64>(3)?,
                    r.get::<String>(4)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(holder, application, used, failures, developer)| {
                Ok(UsedPassword {
                    holder,
                    application,
                    used_at: time(used)?,
                    failures,
                    developer,
                })
            })
            .collect()
    }

    /// Every renewal notice, oldest first.
    pub fn notices(&self) -> Result<Vec<Notice>, RaError> {
        let rows = self.rows(
            "SELECT id, developer, opened_at, sent_at FROM renewal_notices ORDER BY id",
            &[],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<String>(1)?,
                    r.get::<i64>(2)?,
                    r.get::<Option<i64>>(3)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(id, developer, opened, sent)| {
                Ok(Notice {
                    id,
                    developer,
                    opened_at: time(opened)?,
                    sent_at: sent.map(time).transpose()?,
                })
            })
            .collect()
    }
}

impl Ra {
    /// Every developer-removal case: (its id, the developer).
    pub fn removal_cases(&self) -> Result<Vec<(i64, String)>, RaError> {
        self.rows(
            "SELECT id, developer FROM developer_removals ORDER BY id",
            &[],
            |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
        )
    }
}
