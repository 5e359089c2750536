//! The audit trail of one developer or one certificate, for the RA's staff: the
//! entries of the CA's hash-chained log that name it, oldest first. The log's entries
//! keep their details as compact JSON (`runtime/src/audit.rs`), so an entry names a
//! developer when it holds `"developer":"<number>"` and a certificate when it holds
//! `"serial":"<serial>"`; the numbers and serials asked for are checked to be digits
//! and hex, so they match only themselves.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::Param;

use super::Ra;
use crate::ra::error::{RaError, Result};

/// The most entries a trail shows: the newest.
pub const MAX_TRAIL: i64 = 500;

/// The most certificates of one developer a trail searches for: the newest.
const MAX_SERIALS: i64 = 64;

/// One entry of a trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrailEntry {
    /// Its place in the log.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// The event.
    pub event: String,
    /// Its details, as the log holds them.
    pub details: String,
}

fn entry(
    r: &inkan_runtime::sql::Row,
) -> std::result::Result<TrailEntry, inkan_runtime::sql::SqlError> {
    Ok(TrailEntry {
        seq: r.get(0)?,
        at: Timestamp::from_unix(r.get(1)?).map_or_else(String::new, |t| t.to_string()),
        actor: r.get(2)?,
        event: r.get(3)?,
        details: r.get(4)?,
    })
}

impl Ra {
    /// The entries that name `number` as developer, or one of its certificates (every
    /// one issued to a holder of its applications), by sequence.
    pub fn developer_trail(&self, number: &str) -> Result<Vec<TrailEntry>> {
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RaError::malformed("a developer number is digits"));
        }
        // Its newest certificates: one search term each, so a bounded number.
        let serials: Vec<String> = self.rows(
            "SELECT h.serial FROM holders h JOIN applications a ON a.id = h.application WHERE a.developer = ?1 AND h.serial IS NOT NULL ORDER BY h.id DESC LIMIT ?2",
            args![number, MAX_SERIALS],
            |r| r.get(0),
        )?;
        let mut patterns = vec![format!("%\"developer\":\"{number}\"%")];
        patterns.extend(
            serials
                .iter()
                .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(|s| format!("%\"serial\":\"{s}\"%")),
        );
        self.trail(&patterns)
    }

    /// The entries that name the certificate `serial`, by sequence.
    pub fn certificate_trail(&self, serial: &str) -> Result<Vec<TrailEntry>> {
        let serial = serial.to_ascii_lowercase();
        if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(RaError::malformed("a serial is hexadecimal"));
        }
        self.trail(&[format!("%\"serial\":\"{serial}\"%")])
    }

    fn trail(&self, patterns: &[String]) -> Result<Vec<TrailEntry>> {
        let terms: Vec<String> = (0..patterns.len())
            .map(|i| format!("details LIKE ?{}", i + 2))
            .collect();
        let mut params: Vec<Param<'_>> = vec![Param::Int(MAX_TRAIL)];
        params.extend(patterns.iter().map(|p| Param::Text(p.as_str())));
        // The newest entries, shown oldest first.
        let mut entries = self.rows(
            &format!(
                "SELECT seq, at, actor, event, details FROM audit WHERE {} ORDER BY seq DESC LIMIT ?1",
                terms.join(" OR ")
            ),
            &params,
            entry,
        )?;
        entries.reverse();
        Ok(entries)
    }
}
