//! Renewal notices (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE): one per developer and expiry
//! date, opened by the scheduler for the developers the policy names and recorded sent,
//! by the RA when it posts one or by the scheduler when the policy e-mails them. A
//! notice sent, or opened, after its due date is recorded late, and audited so.

use inkan_runtime::args;
use inkan_runtime::audit::{Audited, Event};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::{Row, SqlError};

use super::Ra;
use crate::ra::error::{RaError, Result};
use crate::ra::model::RenewalNotice;

const SELECT: &str = "SELECT n.id, n.expiry, n.developer, d.manager_name, d.manager_address, d.manager_email, n.opened_at, n.due_by, n.sent_at, n.late FROM renewal_notices n JOIN developers d ON d.number = n.developer";

fn notice(r: &Row) -> Result<RenewalNotice, SqlError> {
    Ok(RenewalNotice {
        id: r.get(0)?,
        expiry: r.get(1)?,
        developer: r.get(2)?,
        manager_name: r.get(3)?,
        manager_address: r.get(4)?,
        manager_email: r.get(5)?,
        opened_at: r.get(6)?,
        due_by: r.get(7)?,
        sent_at: r.get(8)?,
        late: r.get(9)?,
    })
}

impl Ra {
    /// Opens the notices for `expiry` of each developer in `developers` that is still
    /// listed and has none yet; returns those opened, each audited in the same
    /// transaction. A notice opened after `due_by` is late from the start.
    pub fn open_renewal_notices(
        &mut self,
        expiry: &str,
        due_by: Timestamp,
        developers: &[String],
        now: Timestamp,
    ) -> Result<Vec<RenewalNotice>> {
        let policy = self.policy;
        let late = now >= due_by;
        let ids = self.tx(|tx| {
            let mut ids = Vec::new();
            let mut events = Vec::new();
            for number in developers {
                let row = tx
                    .query_opt(
                        "INSERT INTO renewal_notices (expiry, developer, opened_at, due_by, late)
                         SELECT ?1, number, ?2, ?3, ?4 FROM developers WHERE number = ?5 AND status = 'listed'
                         ON CONFLICT (expiry, developer) DO NOTHING RETURNING id",
                        args![expiry, now.unix(), due_by.unix(), i64::from(late), number.as_str()],
                    )
                    .map_err(RaError::from)?;
                let Some(row) = row else { continue };
                ids.push(row.get::<i64>(0).map_err(RaError::from)?);
                let due = due_by.to_string();
                let mut details = vec![
                    ("operation", "renewal-notice-opened"),
                    ("developer", number.as_str()),
                    ("expiry", expiry),
                    ("due_by", due.as_str()),
                ];
                if late {
                    details.push(("late", "opened after its due date"));
                }
                events.push(Audited::new(
                    policy,
                    Event::new(now, "scheduler", "ra-operation", &details),
                ));
            }
            Ok((ids, events))
        })?;
        if late && !ids.is_empty() {
            tracing::error!(
                count = ids.len(),
                %expiry,
                %due_by,
                "renewal notices opened after their due date (R-4.6-RENEWAL): recorded late"
            );
        }
        ids.iter()
            .map(|id| {
                self.renewal_notice(*id)?
                    .ok_or_else(|| RaError::internal("an opened notice vanished"))
            })
            .collect()
    }

    /// A notice by id.
    pub fn renewal_notice(&self, id: i64) -> Result<Option<RenewalNotice>> {
        Ok(self
            .rows(&format!("{SELECT} WHERE n.id = ?1"), args![id], notice)?
            .pop())
    }

    /// The notices not yet sent, the earliest due first.
    pub fn unsent_renewal_notices(&self) -> Result<Vec<RenewalNotice>> {
        self.rows(
            &format!("{SELECT} WHERE n.sent_at IS NULL ORDER BY n.due_by, n.developer"),
            args![],
            notice,
        )
    }

    /// Records a notice sent at `now` (a posting's `reference`, e.g. the registered
    /// mail's number); late if after its due date. Audited; a notice is sent once.
    pub fn record_renewal_sent(
        &mut self,
        id: i64,
        reference: &str,
        actor: &str,
        now: Timestamp,
    ) -> Result<RenewalNotice> {
        let n = self
            .renewal_notice(id)?
            .ok_or_else(|| RaError::not_found(format!("no renewal notice {id}")))?;
        let late = now >= n.due_by;
        let id_text = id.to_string();
        let mut details = vec![
            ("operation", "renewal-notice-sent"),
            ("notice", id_text.as_str()),
            ("developer", n.developer.as_str()),
            ("reference", reference),
        ];
        if late {
            details.push(("late", "sent after its due date"));
        }
        let a = self.audited(now, actor, "ra-operation", &details);
        self.tx(|tx| {
            let changed = tx
                .execute(
                    "UPDATE renewal_notices SET sent_at = ?2, sent_by = ?3, reference = ?4, late = CASE WHEN ?5 = 1 THEN 1 ELSE late END WHERE id = ?1 AND sent_at IS NULL",
                    args![id, now.unix(), actor, reference, i64::from(late)],
                )
                .map_err(RaError::from)?;
            if changed == 0 {
                return Err(RaError::conflict(format!(
                    "renewal notice {id} was already recorded sent"
                )));
            }
            Ok(((), vec![a]))
        })?;
        if late {
            tracing::error!(notice = id, developer = %n.developer, "a renewal notice was sent after its due date (R-4.6-RENEWAL)");
        }
        self.renewal_notice(id)?
            .ok_or_else(|| RaError::internal("a recorded notice vanished"))
    }

    /// Numbers of the developers on the list.
    pub fn listed_developers(&self) -> Result<Vec<String>> {
        self.rows(
            "SELECT number FROM developers WHERE status = 'listed' ORDER BY number",
            args![],
            |r| r.get(0),
        )
    }
}
