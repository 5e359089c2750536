//! `inkan audit`: verify the hash-chained log and its signed checkpoints, sign a
//! checkpoint, list and show entries, record an event that happens outside software
//! (R-5.4-CA-EVENTS), purge what its retention allows (R-5.4-PROTECT,
//! R-5.4-RETENTION).

use std::process::ExitCode;

use anyhow::Result;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;

use crate::args::{AuditArgs, AuditCommand};
use crate::support::{lookup, parse_now};

/// `inkan audit ...`.
pub fn run(args: AuditArgs) -> Result<ExitCode> {
    audit(args.command)
}

fn audit(command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Verify { dir, witnessed } => {
            let witnessed = witnessed
                .iter()
                .map(|w| head(w))
                .collect::<Result<Vec<_>>>()?;
            let ca = Ca::open(&dir, &lookup)?;
            let report = ca.verify_audit_witnessed(&witnessed)?;
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            let range = report
                .range
                .map_or("no entries".into(), |(a, b)| format!("entries {a}..{b}"));
            if report.ok() {
                println!(
                    "audit log ok: {} entries ({range}), {} signed checkpoint(s) verified, {} witnessed head(s) found",
                    report.entries, report.checkpoints, report.witnessed
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!("audit log FAILED verification ({range}):");
                for p in &report.problems {
                    println!("  {p}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
        AuditCommand::Head { dir } => {
            let ca = Ca::open(&dir, &lookup)?;
            let (seq, hash) = ca.store().audit_tip()?;
            println!("{seq}:{}", hex::encode(hash));
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoint { dir } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            ca.checkpoint(Timestamp::now())?;
            eprintln!("checkpoint signed");
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Record {
            dir,
            event,
            person,
            note,
            by,
        } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            ca.record_entered_event(Timestamp::now(), &by, &event, &person, &note)?;
            println!("recorded {event} in the audit log");
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::List {
            dir,
            event,
            actor,
            since,
            until,
            json,
        } => {
            let ca = Ca::open(&dir, &lookup)?;
            let since = since.as_deref().map(instant).transpose()?;
            let until = until.as_deref().map(instant).transpose()?;
            let shown = ca.store().audit_entries()?.into_iter().filter(|e| {
                event.as_ref().is_none_or(|v| *v == e.event)
                    && actor.as_ref().is_none_or(|a| *a == e.actor)
                    && since.is_none_or(|t| e.at >= t)
                    && until.is_none_or(|t| e.at < t)
            });
            for e in shown {
                if json {
                    println!("{}", entry_json(&e));
                } else {
                    println!(
                        "{:>6} {} {:<28} {:<12} {}",
                        e.seq, e.at, e.event, e.actor, e.details
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Show { dir, seq } => {
            let ca = Ca::open(&dir, &lookup)?;
            let entry = ca
                .store()
                .audit_entries()?
                .into_iter()
                .find(|e| e.seq == seq)
                .ok_or_else(|| anyhow::anyhow!("no audit entry {seq} in {}", dir.display()))?;
            println!("{:#}", entry_json(&entry));
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Report {
            dir,
            from,
            to,
            format,
            out,
            now,
        } => super::report::run(super::report::ReportArgs {
            dir,
            from,
            to,
            format,
            out,
            now,
        }),
        AuditCommand::Purge { dir, now } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            let now = ca.now(parse_now(now.as_deref())?)?;
            let purged = ca.purge_audit(now, "cli")?;
            match purged.through {
                Some(seq) => println!(
                    "purged {} entries, through entry {seq}; the purge itself is audited",
                    purged.removed
                ),
                None => println!(
                    "nothing to purge: the oldest entry is still within its retention period"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// An instant given on the command line.
fn instant(s: &str) -> Result<Timestamp> {
    Timestamp::parse_rfc3339(s)
        .ok_or_else(|| anyhow::anyhow!("`{s}` is not an RFC 3339 instant (2026-04-01T09:00:00Z)"))
}

/// An entry as JSON: its fields, its details parsed, its hashes in hex.
fn entry_json(e: &inkan_runtime::audit::Entry) -> serde_json::Value {
    let details: serde_json::Value =
        serde_json::from_str(&e.details).unwrap_or_else(|_| e.details.clone().into());
    serde_json::json!({
        "seq": e.seq,
        "at": e.at.to_string(),
        "actor": e.actor,
        "event": e.event,
        "retention": e.retention,
        "details": details,
        "prev": hex::encode(e.prev),
        "hash": hex::encode(e.hash),
    })
}

/// A witnessed head, `SEQ:HASH` (hex).
pub(crate) fn head(text: &str) -> Result<(u64, [u8; 32])> {
    let bad =
        || anyhow::anyhow!("`{text}` is not SEQ:HASH (a sequence number, a colon, 64 hex digits)");
    let (seq, hash) = text.split_once(':').ok_or_else(bad)?;
    let seq: u64 = seq.trim().parse().map_err(|_| bad())?;
    let hash: [u8; 32] = hex::decode(hash.trim())
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or_else(bad)?;
    Ok((seq, hash))
}
