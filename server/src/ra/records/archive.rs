//! The RA's archive kept as the policy says (R-5.5-ARCHIVE): a closed record is purged
//! only once its kind's period has run from the day it was closed, never an open one,
//! never sooner; the purge is one transaction with its `archive-purged` audit entry.
//! A case is closed when its workflow says it is over, on the day of its last step; a
//! renewal notice on the day it was sent, or was due. A developer off the list goes
//! once nothing archived refers to it; its removal, which says when it left, is kept
//! until the developers' period has run from it too.

use inkan_runtime::archive::{self, Records};
use inkan_runtime::args;
use inkan_runtime::calendar::{Span, Timestamp};
use inkan_runtime::workflow::{self, Subject};

use super::Ra;
use super::steps::table;
use crate::ra::error::{RaError, Result};

/// What a purge removed, by kind of record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchivePurge {
    /// (kind, number removed), for every kind with a period.
    pub removed: Vec<(Records, u64)>,
}

impl ArchivePurge {
    /// How many records of `kind` were removed.
    pub fn of(&self, kind: Records) -> u64 {
        self.removed
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

/// True when a record closed at `closed` may go: its period has run by `now`.
fn due(closed: i64, keep: Span, now: Timestamp) -> bool {
    Timestamp::from_unix(closed)
        .and_then(|t| t.checked_add(keep))
        .is_some_and(|until| until <= now)
}

impl Ra {
    /// The cases of `subject` whose workflow is over and whose last step is older than
    /// every period of `keep`.
    fn closed_cases(&self, subject: Subject, keep: &[Span], now: Timestamp) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT c.id, c.workflow, c.status, (SELECT max(at) FROM workflow_steps s WHERE s.subject = ?1 AND s.case_id = c.id) FROM {} c ORDER BY c.id",
            table(subject)
        );
        let rows: Vec<(i64, String, String, Option<i64>)> =
            self.rows(&sql, args![subject.name()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
        Ok(rows
            .into_iter()
            .filter(|(_, flow, state, last)| {
                // A case of a workflow the policy no longer has is kept: nobody can
                // say it is over.
                let over =
                    workflow::named(self.policy.workflows, flow).is_some_and(|w| w.is_end(state));
                over && last.is_some_and(|at| keep.iter().all(|k| due(at, *k, now)))
            })
            .map(|(id, ..)| id)
            .collect())
    }

    /// Removes the closed RA records whose period has run (R-5.5-ARCHIVE), in one
    /// transaction with its audit entry; returns what it removed.
    pub fn purge_archive(&mut self, now: Timestamp, actor: &str) -> Result<ArchivePurge> {
        let keep = |r: Records| archive::keep(self.policy.archive, r);
        let mut cases: Vec<(Subject, Records, Vec<i64>)> = Vec::new();
        for (subject, records) in [
            (Subject::Application, Records::Applications),
            (Subject::Revocation, Records::RevocationRequests),
            (Subject::DeveloperRemoval, Records::DeveloperRemovals),
        ] {
            let Some(own) = keep(records) else {
                cases.push((subject, records, Vec::new()));
                continue;
            };
            // A removal is the developer's record of leaving: it stays until the
            // developers' period has run from it too.
            let mut periods = vec![own];
            if records == Records::DeveloperRemovals {
                periods.extend(keep(Records::Developers));
            }
            let ids = self.closed_cases(subject, &periods, now)?;
            cases.push((subject, records, ids));
        }
        let notices: Vec<i64> = match keep(Records::RenewalNotices) {
            Some(k) => self
                .rows(
                    "SELECT id, coalesce(sent_at, due_by) FROM renewal_notices ORDER BY id",
                    args![],
                    |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)),
                )?
                .into_iter()
                .filter(|(_, closed)| due(*closed, k, now))
                .map(|(id, _)| id)
                .collect(),
            None => Vec::new(),
        };
        // A developer off the list goes once nothing archived refers to it any more
        // (its removal is purged only when the developers' period has run too).
        let developers: Vec<String> = if keep(Records::Developers).is_some() {
            self.rows(
                "SELECT d.number FROM developers d WHERE d.status = 'removed' AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.developer = d.number) AND NOT EXISTS (SELECT 1 FROM developer_removals r WHERE r.developer = d.number) AND NOT EXISTS (SELECT 1 FROM renewal_notices n WHERE n.developer = d.number) ORDER BY d.number",
                args![],
                |r| r.get(0),
            )?
        } else {
            Vec::new()
        };
        let purge = ArchivePurge {
            removed: cases
                .iter()
                .map(|(_, r, ids)| (*r, ids.len() as u64))
                .chain([
                    (Records::RenewalNotices, notices.len() as u64),
                    (Records::Developers, developers.len() as u64),
                ])
                .collect(),
        };
        let summary: Vec<String> = purge
            .removed
            .iter()
            .map(|(r, n)| format!("{}={n}", r.name()))
            .collect();
        let a = self.audited(
            now,
            actor,
            "archive-purged",
            &[("removed", &summary.join(", ")), ("rule", "R-5.5-ARCHIVE")],
        );
        self.tx(|tx| {
            for (subject, _, ids) in &cases {
                for id in ids {
                    if *subject == Subject::Application {
                        tx.execute("DELETE FROM holders WHERE application = ?1", args![*id])
                            .map_err(RaError::from)?;
                    }
                    tx.execute(
                        "DELETE FROM workflow_steps WHERE subject = ?1 AND case_id = ?2",
                        args![subject.name(), *id],
                    )
                    .map_err(RaError::from)?;
                    let sql = format!("DELETE FROM {} WHERE id = ?1", table(*subject));
                    tx.execute(&sql, args![*id]).map_err(RaError::from)?;
                }
            }
            for id in &notices {
                tx.execute("DELETE FROM renewal_notices WHERE id = ?1", args![*id])
                    .map_err(RaError::from)?;
            }
            for number in &developers {
                tx.execute("DELETE FROM developers WHERE number = ?1", args![number])
                    .map_err(RaError::from)?;
            }
            Ok(((), vec![a]))
        })?;
        Ok(purge)
    }
}
