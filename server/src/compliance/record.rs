//! The record a report judges, read once: the audit log with each entry's details
//! parsed, its verification, the RA's workflow steps and revocation requests, and the
//! certificates of every profile.

use std::collections::HashMap;

use inkan_runtime::audit::{self, Entry};
use inkan_runtime::ca::Ca;
use inkan_runtime::store::Record as Certificate;

use crate::ra::error::{RaError, Result};
use crate::ra::records::Ra;
use crate::ra::records::evidence::{Notice, RevocationCase, TakenStep, UsedPassword};

/// An audit entry with its details as JSON.
pub(super) struct Logged {
    pub entry: Entry,
    pub details: serde_json::Value,
}

impl Logged {
    /// A detail as text, `""` when absent.
    pub fn detail(&self, key: &str) -> &str {
        self.details.get(key).and_then(|v| v.as_str()).unwrap_or("")
    }
}

/// Everything a report reads.
pub(super) struct Record {
    pub log: Vec<Logged>,
    pub chain: audit::Report,
    pub head: (u64, [u8; 32]),
    pub steps: Vec<TakenStep>,
    pub revocations: Vec<RevocationCase>,
    pub workflows: HashMap<(String, i64), String>,
    pub passwords: Vec<UsedPassword>,
    /// Developer-removal cases: (id, developer).
    pub removals: Vec<(i64, String)>,
    pub notices: Vec<Notice>,
    /// Issued certificates by profile name.
    pub certificates: Vec<(&'static str, Vec<Certificate>)>,
}

impl Record {
    pub fn read(ca: &Ca, ra: &Ra) -> Result<Record> {
        let def = ca.policy().definition();
        let chain = ca.verify_audit_witnessed(&[])?;
        let entries = ca.store().audit_entries()?;
        let mut log = Vec::with_capacity(entries.len());
        for entry in entries {
            // An entry whose details are not JSON is kept, with none: the chain check
            // says whether it was altered.
            let details = serde_json::from_str(&entry.details).unwrap_or(serde_json::Value::Null);
            log.push(Logged { entry, details });
        }
        let mut certificates = Vec::new();
        for p in def.certificates {
            certificates.push((p.name, ca.store().certificates(p.name)?));
        }
        Ok(Record {
            log,
            chain,
            head: ca.store().audit_tip().map_err(RaError::from)?,
            steps: ra.taken_steps()?,
            revocations: ra.revocation_cases()?,
            workflows: ra.case_workflows()?,
            passwords: ra.used_passwords()?,
            removals: ra.removal_cases()?,
            notices: ra.notices()?,
            certificates,
        })
    }

    /// The entries of one event, in order.
    pub fn events<'a>(&'a self, event: &'a str) -> impl Iterator<Item = &'a Logged> + 'a {
        self.log.iter().filter(move |l| l.entry.event == event)
    }

    /// The `ra-operation` entries of one case.
    pub fn case_entries(&self, subject: &str, id: i64) -> Vec<u64> {
        let id = id.to_string();
        self.events("ra-operation")
            .filter(|l| l.detail(subject) == id)
            .map(|l| l.entry.seq)
            .collect()
    }
}
