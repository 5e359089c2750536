//! `inkan audit`: verify the hash-chained log and its signed checkpoints, sign a
//! checkpoint, record an event that happens outside software (R-5.4-CA-EVENTS), purge
//! what its retention allows (R-5.4-PROTECT, R-5.4-RETENTION).

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
        AuditCommand::Verify { dir } => {
            let ca = Ca::open(&dir, &lookup)?;
            let report = ca.verify_audit()?;
            let range = report
                .range
                .map_or("no entries".into(), |(a, b)| format!("entries {a}..{b}"));
            if report.ok() {
                println!(
                    "audit log ok: {} entries ({range}), {} signed checkpoint(s) verified",
                    report.entries, report.checkpoints
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
