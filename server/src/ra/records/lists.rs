//! The RA's lists, for the console's queues and the JSON API: application forms,
//! revocation requests and developers, filtered, in a stable order (by id or number),
//! a page at a time. A page continues after the last key of the one before (keyset
//! paging), so a record added meanwhile never shifts a page or shows twice.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::Param;
use inkan_runtime::workflow::Subject;

use super::Ra;
use crate::ra::error::Result;

/// The most rows a page holds.
pub const MAX_PAGE: i64 = 100;

/// Which (workflow, state) pairs a list keeps: every one, or those named.
#[derive(Debug, Clone, Default)]
pub struct States(pub Option<Vec<(&'static str, String)>>);

impl States {
    /// The SQL condition on `table`'s `workflow` and `status`, its parameters numbered
    /// from 3 on (a list's `?1` is the key it continues after, `?2` its limit), and
    /// their values.
    fn condition(&self, table: &str) -> (String, Vec<String>) {
        const FIRST: usize = 3;
        let Some(pairs) = &self.0 else {
            return ("1 = 1".into(), Vec::new());
        };
        if pairs.is_empty() {
            return ("1 = 0".into(), Vec::new());
        }
        let mut values = Vec::new();
        let terms: Vec<String> = pairs
            .iter()
            .enumerate()
            .map(|(i, (flow, state))| {
                values.push((*flow).to_string());
                values.push(state.clone());
                format!(
                    "({table}.workflow = ?{} AND {table}.status = ?{})",
                    FIRST + 2 * i,
                    FIRST + 2 * i + 1
                )
            })
            .collect();
        (format!("({})", terms.join(" OR ")), values)
    }
}

/// An application form in a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApplicationRow {
    /// Id.
    pub id: i64,
    /// Developer number.
    pub developer: String,
    /// The developer's name.
    pub developer_name: String,
    /// The policy's workflow it runs in.
    pub workflow: String,
    /// Its state in that workflow.
    pub status: String,
    /// When it was received.
    pub received_at: String,
    /// How many holders it names.
    pub holders: i64,
}

/// A revocation request in a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RevocationRow {
    /// Id.
    pub id: i64,
    /// Certificate serial.
    pub serial: String,
    /// Developer number.
    pub developer: String,
    /// The policy's reason.
    pub reason: String,
    /// The policy's workflow it runs in.
    pub workflow: String,
    /// Its state in that workflow.
    pub status: String,
    /// Its deadline (R-4.9-DEADLINE).
    pub deadline_at: String,
    /// Still open at or past its deadline.
    pub overdue: bool,
}

/// A developer's removal in a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RemovalRow {
    /// Id.
    pub id: i64,
    /// The developer.
    pub developer: String,
    /// The policy's workflow it runs in.
    pub workflow: String,
    /// Its state in that workflow.
    pub status: String,
    /// When it was proposed.
    pub proposed_at: String,
}

/// A developer in a list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeveloperRow {
    /// Six-digit number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Class.
    pub class: String,
    /// Registration.
    pub registration: String,
    /// `listed` or `removed`.
    pub status: String,
}

fn time(t: i64) -> String {
    Timestamp::from_unix(t).map_or_else(String::new, |t| t.to_string())
}

/// A list's parameters: the key it continues after, its limit, the states' values.
fn paged(after: i64, n: i64, values: &[String]) -> Vec<Param<'_>> {
    let mut params = vec![Param::Int(after), Param::Int(limit(n))];
    params.extend(values.iter().map(|v| Param::Text(v.as_str())));
    params
}

fn limit(n: i64) -> i64 {
    n.clamp(1, MAX_PAGE)
}

impl Ra {
    /// Application forms in `states`, by id, after `after`.
    pub fn list_applications(
        &self,
        states: &States,
        after: i64,
        n: i64,
    ) -> Result<Vec<ApplicationRow>> {
        let (cond, values) = states.condition("a");
        self.rows(
            &format!(
                "SELECT a.id, a.developer, d.name, a.workflow, a.status, a.received_at,
                        (SELECT count(*) FROM holders h WHERE h.application = a.id)
                 FROM applications a JOIN developers d ON d.number = a.developer
                 WHERE a.id > ?1 AND {cond} ORDER BY a.id LIMIT ?2"
            ),
            &paged(after, n, &values),
            |r| {
                Ok(ApplicationRow {
                    id: r.get(0)?,
                    developer: r.get(1)?,
                    developer_name: r.get(2)?,
                    workflow: r.get(3)?,
                    status: r.get(4)?,
                    received_at: time(r.get(5)?),
                    holders: r.get(6)?,
                })
            },
        )
    }

    /// Revocation requests in `states`, by id, after `after`; `overdue` as at `now`.
    pub fn list_revocations(
        &self,
        states: &States,
        after: i64,
        n: i64,
        now: Timestamp,
    ) -> Result<Vec<RevocationRow>> {
        let (cond, values) = states.condition("revocation_requests");
        let rows = self.rows(
            &format!(
                "SELECT id, serial, developer, reason, workflow, status, deadline_at, revoked_at
                 FROM revocation_requests WHERE id > ?1 AND {cond} ORDER BY id LIMIT ?2"
            ),
            &paged(after, n, &values),
            |r| {
                Ok((
                    RevocationRow {
                        id: r.get(0)?,
                        serial: r.get(1)?,
                        developer: r.get(2)?,
                        reason: r.get(3)?,
                        workflow: r.get(4)?,
                        status: r.get(5)?,
                        deadline_at: time(r.get(6)?),
                        overdue: false,
                    },
                    r.get::<i64>(6)?,
                    r.get::<Option<i64>>(7)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .map(|(mut row, deadline, revoked)| {
                let open = inkan_runtime::workflow::named(self.policy.workflows, &row.workflow)
                    .is_none_or(|w| !w.is_end(&row.status));
                row.overdue = revoked.is_none() && open && deadline <= now.unix();
                row
            })
            .collect())
    }

    /// Developers' removals in `states`, by id, after `after`.
    pub fn list_removals(&self, states: &States, after: i64, n: i64) -> Result<Vec<RemovalRow>> {
        let (cond, values) = states.condition("developer_removals");
        self.rows(
            &format!(
                "SELECT id, developer, workflow, status, proposed_at FROM developer_removals
                 WHERE id > ?1 AND {cond} ORDER BY id LIMIT ?2"
            ),
            &paged(after, n, &values),
            |r| {
                Ok(RemovalRow {
                    id: r.get(0)?,
                    developer: r.get(1)?,
                    workflow: r.get(2)?,
                    status: r.get(3)?,
                    proposed_at: time(r.get(4)?),
                })
            },
        )
    }

    /// Developers whose number starts with `q` or whose name contains it, by number,
    /// after `after`.
    pub fn list_developers(&self, q: &str, after: &str, n: i64) -> Result<Vec<DeveloperRow>> {
        // LIKE's wildcards in what was typed are matched as themselves.
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let prefix = format!("{escaped}%");
        let within = format!("%{escaped}%");
        self.rows(
            "SELECT number, name, class, registration, status FROM developers
             WHERE number > ?1 AND (number LIKE ?2 ESCAPE '\\' OR lower(name) LIKE lower(?3) ESCAPE '\\')
             ORDER BY number LIMIT ?4",
            args![after, prefix.as_str(), within.as_str(), limit(n)],
            |r| {
                Ok(DeveloperRow {
                    number: r.get(0)?,
                    name: r.get(1)?,
                    class: r.get(2)?,
                    registration: r.get(3)?,
                    status: r.get(4)?,
                })
            },
        )
    }
}

/// The (workflow, state) pairs of `subject`'s workflows in which a step waits that
/// `role` may take: the role's queue.
pub fn waiting_for(
    policy: &dyn inkan_runtime::policy::Policy,
    subject: Subject,
    role: &str,
) -> States {
    use inkan_runtime::workflow::By;
    let mut pairs = Vec::new();
    for w in policy
        .definition()
        .workflows
        .iter()
        .filter(|w| w.subject == subject)
    {
        for s in w.steps {
            if let By::Staff(a) = s.by
                && policy.may(role, a)
                && !pairs
                    .iter()
                    .any(|(f, st): &(&str, String)| *f == w.name && st == s.from)
            {
                pairs.push((w.name, s.from.to_string()));
            }
        }
    }
    States(Some(pairs))
}

/// The (workflow, state) pairs of `subject`'s workflows that are not an end.
pub fn open(policy: &dyn inkan_runtime::policy::Policy, subject: Subject) -> States {
    let mut pairs = Vec::new();
    for w in policy
        .definition()
        .workflows
        .iter()
        .filter(|w| w.subject == subject)
    {
        let mut states: Vec<&str> = vec![w.start];
        for s in w.steps {
            states.extend([s.from, s.to]);
            states.extend(s.refused);
        }
        states.sort();
        states.dedup();
        pairs.extend(
            states
                .into_iter()
                .filter(|s| !w.is_end(s))
                .map(|s| (w.name, s.to_string())),
        );
    }
    States(Some(pairs))
}
