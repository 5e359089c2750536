//! The monthly compliance report (issue 18), for a policy with a `compliance-report`
//! schedule: once a calendar month has ended (in the policy's calendar zone), the
//! service writes that month's report into the CA directory's private `reports/`
//! (HTML for people, JSON for tools) and records in the audit log
//! that it did, with the report's verdict and its SHA-256. A policy without the
//! schedule writes none: the CPS decides whether the CA judges itself monthly.

use std::io::Write;
use std::path::{Path, PathBuf};

use inkan_runtime::audit::Event;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::{Civil, Timestamp};
use inkan_runtime::policy::PolicyDefinition;
use sha2::{Digest, Sha256};

use super::{Period, render};
use crate::ra::error::{RaError, Result};
use crate::ra::records::Ra;

/// The schedule's name, and the job's.
pub const JOB: &str = "compliance-report";
/// The audit event that records a report written.
pub const EVENT: &str = "compliance-report";

/// True when the policy has the service write a report every month.
pub fn scheduled(def: &PolicyDefinition) -> bool {
    def.schedules.iter().any(|s| s.name == JOB)
}

/// The calendar month before the one `now` falls in, in a zone `offset_minutes` from
/// UTC: its label (`2026-11`) and its period (local midnight to local midnight).
pub fn previous_month(now: Timestamp, offset_minutes: i32) -> Option<(String, Period)> {
    let offset = i64::from(offset_minutes) * 60;
    let local = Timestamp::from_unix(now.unix() + offset)?.civil();
    let (year, month) = if local.month == 1 {
        (local.year - 1, 12)
    } else {
        (local.year, local.month - 1)
    };
    let first = |year: i64, month: u32| {
        Timestamp::from_civil(Civil {
            year,
            month,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
        })
        .and_then(|t| Timestamp::from_unix(t.unix() - offset))
    };
    Some((
        format!("{year}-{month:02}"),
        Period {
            from: first(year, month)?,
            to: first(local.year, local.month)?,
        },
    ))
}

/// Writes the report of the month before `now` unless its audit entry exists or the
/// CA did not exist in it; returns the HTML file written. The files are written under
/// temporary names and renamed, the HTML last, then audited: a run stopped before the
/// audit entry finds the HTML on the next run and audits it then.
pub fn write_due(ca: &mut Ca, ra: &Ra, now: Timestamp, actor: &str) -> Result<Option<PathBuf>> {
    let def = ca.policy().definition();
    let offset = def.calendar.as_ref().map_or(0, |c| c.utc_offset_minutes);
    let Some((month, period)) = previous_month(now, offset) else {
        return Ok(None);
    };
    let entries = ca.store().audit_entries()?;
    // Only a CA known to be younger than the month skips it (a purge may have taken
    // its creation's entry).
    let born_after = entries
        .iter()
        .find(|e| e.event == "ca-initialised")
        .is_some_and(|e| e.at >= period.to);
    let written = entries
        .iter()
        .any(|e| e.event == EVENT && e.details.contains(&format!("\"month\":\"{month}\"")));
    drop(entries);
    if written || born_after {
        return Ok(None);
    }
    let dir = ca.dir().join("reports");
    let html_path = dir.join(format!("{month}.html"));
    let (html, verdict, violated) = if html_path.exists() {
        let html = std::fs::read(&html_path).map_err(|e| io("reading", &html_path, e))?;
        (html, "as written before".to_string(), String::new())
    } else {
        let report = super::report(ca, ra, period, now)?;
        let html = render::html(&report).into_bytes();
        private_dir(&dir)?;
        replace(
            &dir.join(format!("{month}.json")),
            render::json(&report).as_bytes(),
        )?;
        replace(&html_path, &html)?;
        (
            html,
            report.overall().text().to_string(),
            report.violated().join(" "),
        )
    };
    let digest = hex::encode(Sha256::digest(&html));
    ca.audit(Event::new(
        now,
        actor,
        EVENT,
        &[
            ("month", &month),
            ("verdict", &verdict),
            ("violated", &violated),
            ("file", &html_path.display().to_string()),
            ("sha256", &digest),
        ],
    ))?;
    Ok(Some(html_path))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> RaError {
    RaError::internal(format!("{what} {}: {e}", path.display()))
}

/// The reports' directory, readable by the CA's owner alone.
fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io("restricting", dir, e))?;
    }
    Ok(())
}

/// Writes `path` whole: a temporary file beside it, synced, then renamed over it.
fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(|e| io("creating", &tmp, e))?;
    f.write_all(bytes).map_err(|e| io("writing", &tmp, e))?;
    f.sync_all().map_err(|e| io("syncing", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("renaming", &tmp, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or(inkan_runtime::calendar::MIN)
    }

    /// December 1 begins in Tokyo at 15:00 UTC on November 30: from then the month
    /// before is November, Tokyo's November, and before then October.
    #[test]
    fn the_previous_month_is_the_zones() {
        let month = |t: &str, offset: i32| {
            previous_month(at(t), offset).map(|(label, p)| (label, p.from, p.to))
        };
        assert_eq!(
            month("2026-11-30T15:00:00Z", 540),
            Some((
                "2026-11".into(),
                at("2026-10-31T15:00:00Z"),
                at("2026-11-30T15:00:00Z")
            ))
        );
        assert_eq!(
            month("2026-11-30T14:59:59Z", 540).map(|m| m.0),
            Some("2026-10".into())
        );
        assert_eq!(
            month("2027-01-01T00:00:00Z", 0),
            Some((
                "2026-12".into(),
                at("2026-12-01T00:00:00Z"),
                at("2027-01-01T00:00:00Z")
            ))
        );
    }
}
