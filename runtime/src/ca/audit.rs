//! The CA directory's audit log: events recorded, checkpoints signed with the audit
//! key, the chain verified, and entries past their retention purged behind a signed
//! anchor (R-5.4-PROTECT, R-5.4-RETENTION).

use super::open::Ca;
use crate::audit::{self, Audited, Event};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};

/// What a purge removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    /// Entries removed.
    pub removed: u64,
    /// The last sequence number removed, if any.
    pub through: Option<u64>,
}

impl Ca {
    /// Records an event (RA operations, logins, form receipts) in the audit log.
    pub fn audit(&mut self, event: Event) -> Result<()> {
        let def = self.policy.definition();
        self.store.audit(&[Audited::new(def, event)])
    }

    /// Records a CA event that happens outside software, one the policy marks
    /// `entered` (R-5.4-CA-EVENTS: room entry and exit, access to CA systems,
    /// operations on security-critical files): who entered it, whom it is about, and a
    /// note. Any other event is refused: the software records those itself.
    pub fn record_entered_event(
        &mut self,
        now: Timestamp,
        actor: &str,
        event: &str,
        person: &str,
        note: &str,
    ) -> Result<()> {
        let def = self.policy.definition();
        let Some(ty) = def
            .audit_events
            .iter()
            .find(|e| e.name == event && e.entered)
        else {
            let entered: Vec<&str> = def
                .audit_events
                .iter()
                .filter(|e| e.entered)
                .map(|e| e.name)
                .collect();
            return Err(Error::Policy(format!(
                "`{event}` is not an event a person records under this policy; those are: {} (R-5.4-CA-EVENTS)",
                if entered.is_empty() {
                    "none".to_string()
                } else {
                    entered.join(", ")
                }
            )));
        };
        if person.trim().is_empty() {
            return Err(Error::Policy(format!(
                "say whom the `{}` is about (the person who entered the room, accessed the system, handled the file)",
                ty.name
            )));
        }
        self.audit(Event::new(
            now,
            actor,
            ty.name,
            &[("person", person.trim()), ("note", note.trim())],
        ))
    }

    /// Signs a checkpoint of the audit log as it stands.
    pub fn checkpoint(&mut self, now: Timestamp) -> Result<()> {
        let (seq, hash) = self.store.audit_tip()?;
        // While locked the audit key is encrypted: entries are still appended, and the
        // next checkpoint after activation covers them.
        if let (true, Some(key)) = (seq > 0, &self.audit_key) {
            self.store
                .add_checkpoint(&key.checkpoint(seq, hash, now, false))?;
        }
        Ok(())
    }

    /// Verifies the audit log against the audit key (R-5.4-PROTECT).
    pub fn verify_audit(&self) -> Result<audit::Report> {
        self.verify_audit_witnessed(&[])
    }

    /// [`Ca::verify_audit`], and each head witnessed outside the database (published
    /// at `/repository/audit-head`, recorded by someone else) still in the log.
    pub fn verify_audit_witnessed(&self, witnessed: &[(u64, [u8; 32])]) -> Result<audit::Report> {
        let entries = self.store.audit_entries()?;
        let checkpoints = self.store.audit_checkpoints()?;
        let head = self.store.audit_head()?;
        let key = hex::decode(self.store.meta("audit_public_key")?.unwrap_or_default())
            .map_err(|e| Error::Corrupt(format!("the stored audit public key: {e}")))?;
        let mut report = audit::verify(&entries, &checkpoints, head, &key);
        audit::check_witnessed(&entries, &checkpoints, witnessed, &mut report);
        restores(&entries, &mut report);
        Ok(report)
    }

    /// Removes the entries whose retention has ended, as a prefix of the chain, leaving
    /// a signed anchor; audits the purge. Refuses if the log does not verify first.
    pub fn purge_audit(&mut self, now: Timestamp, actor: &str) -> Result<Purged> {
        let report = self.verify_audit()?;
        if !report.ok() {
            return Err(Error::Corrupt(format!(
                "the audit log does not verify, so nothing is purged: {}",
                report.problems.join("; ")
            )));
        }
        let def = self.policy.definition();
        let entries = self.store.audit_entries()?;
        let n = audit::purgeable_prefix(def, &entries, now);
        let Some(last) = n.checked_sub(1).and_then(|i| entries.get(i)) else {
            return Ok(Purged {
                removed: 0,
                through: None,
            });
        };
        let key = self
            .audit_key
            .as_ref()
            .ok_or(Error::Locked { have: 0, need: 0 })?;
        let anchor = key.checkpoint(last.seq, last.hash, now, true);
        let first = entries.first().map_or(0, |e| e.seq);
        let event = Event::new(
            now,
            actor,
            "audit-purged",
            &[
                ("from", &first.to_string()),
                ("through", &last.seq.to_string()),
                ("removed", &n.to_string()),
                ("anchor_hash", &hex::encode(last.hash)),
            ],
        );
        self.store.purge_audit(&anchor, &Audited::new(def, event))?;
        self.checkpoint(now)?;
        Ok(Purged {
            removed: n as u64,
            through: Some(last.seq),
        })
    }
}

/// Notes each restore the log records: the entries between the backup's head and the
/// loss are not in this log, and the numbers after that head were given again.
fn restores(entries: &[audit::Entry], report: &mut audit::Report) {
    for e in entries.iter().filter(|e| e.event == "ca-restored") {
        let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
        let field = |k: &str| {
            details
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string()
        };
        report.notes.push(format!(
            "entry {} ({}): the CA was restored from a backup taken {} whose log ended at entry {}; \
             what the CA recorded after that entry and before the loss is not in this log, and the \
             entries numbered after it here were written after the restore",
            e.seq,
            e.at,
            field("backup_taken"),
            field("backup_audit_head"),
        ));
    }
}
