//! `inkan ra`: local administration of the RA in a CA directory: staff accounts, and
//! the purge of closed records whose archive period has run (R-5.5-ARCHIVE).

use std::process::ExitCode;

use anyhow::{Context, Result};
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;

use crate::args::{RaArgs, RaCommand};
use crate::support::{lookup, parse_now};

/// `inkan ra ...`.
pub fn run(args: RaArgs) -> Result<ExitCode> {
    match args.command {
        RaCommand::AddStaff {
            dir,
            login,
            person,
            role,
        } => {
            let password = match std::env::var("INKAN_STAFF_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\n', '\r']).to_string()
                }
            };
            let ca = Ca::open(&dir, &lookup)?;
            let mut ra = inkan_server::ra::Ra::open(&dir, ca.policy().definition())?;
            ra.add_staff(&login, &person, &role, &password, Timestamp::now(), "cli")?;
            eprintln!("added {login} ({person}) as {role}");
            Ok(ExitCode::SUCCESS)
        }
        RaCommand::PurgeArchive { dir, now } => {
            let ca = Ca::open(&dir, &lookup)?;
            let now = ca.now(parse_now(now.as_deref())?)?;
            let mut ra = inkan_server::ra::Ra::open(&dir, ca.policy().definition())?;
            let purged = ra.purge_archive(now, "cli")?;
            for (records, n) in &purged.removed {
                println!("{}: {n} removed", records.name());
            }
            println!("certificates: none removed (inkan never purges a certificate)");
            Ok(ExitCode::SUCCESS)
        }
    }
}
