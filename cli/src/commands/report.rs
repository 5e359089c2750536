//! `inkan audit report`: the CA's record for a period judged against its policy
//! ([`inkan_server::compliance`]), written as Markdown, printable HTML or JSON.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_server::compliance::{self, Period, Verdict, render};

use crate::support::{lookup, parse_now};

/// What `inkan audit report` was given.
pub struct ReportArgs {
    pub dir: PathBuf,
    pub from: String,
    pub to: String,
    pub format: String,
    pub out: Option<PathBuf>,
    pub now: Option<String>,
}

/// Runs the report; exit 1 when a rule was violated, 0 otherwise.
pub fn run(a: ReportArgs) -> Result<ExitCode> {
    let render: fn(&compliance::Report) -> String = match a.format.as_str() {
        "md" => render::markdown,
        "html" => render::html,
        "json" => render::json,
        other => bail!("--format is html, json or md, not `{other}`"),
    };
    let ca = Ca::open(&a.dir, &lookup)?;
    let now = ca.now(parse_now(a.now.as_deref())?)?;
    let offset = ca
        .policy()
        .definition()
        .calendar
        .as_ref()
        .map_or(0, |c| c.utc_offset_minutes);
    let period = Period {
        from: day_or_instant(&a.from, offset, false)?,
        to: day_or_instant(&a.to, offset, true)?,
    };
    if period.from >= period.to {
        bail!(
            "the period is empty: --from {} is not before --to {}",
            a.from,
            a.to
        );
    }
    let ra = inkan_server::ra::Ra::open(&a.dir, ca.policy().definition())?;
    let report = compliance::report(&ca, &ra, period, now)?;
    let text = render(&report);
    match &a.out {
        Some(path) => write_new(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    match report.overall() {
        Verdict::Violated => {
            eprintln!("violated: {}", report.violated().join(", "));
            return Ok(ExitCode::FAILURE);
        }
        Verdict::CannotJudge => {
            let cannot: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| f.verdict == Verdict::CannotJudge)
                .map(|f| f.check.as_str())
                .collect();
            eprintln!("cannot be judged: {}", cannot.join("; "));
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// `2026-11-01` as midnight in the policy's zone (`end`: the midnight after it, the
/// day being included), or an RFC 3339 instant as given.
fn day_or_instant(s: &str, offset_minutes: i32, end: bool) -> Result<Timestamp> {
    if let Some(t) = Timestamp::parse_rfc3339(s) {
        return Ok(t);
    }
    let midnight = Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z"))
        .with_context(|| format!("`{s}` is neither a date (2026-11-01) nor an RFC 3339 instant"))?;
    let shift = if end { 86_400 } else { 0 } - i64::from(offset_minutes) * 60;
    Timestamp::from_unix(midnight.unix() + shift).context("a date out of range")
}

/// Writes a new file, never over one.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
