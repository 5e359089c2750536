//! `inkan key-backup`: the CA keys wrapped out of their token and brought into a
//! second one (R-6.2-BACKUP; `inkan_runtime::custody::keybackup`).

use std::process::ExitCode;

use anyhow::Result;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::keybackup::ImportOptions;

use crate::args::{KeyBackupArgs, KeyBackupCommand};
use crate::support::{lookup, read_pin, shares_from_stdin};

/// `inkan key-backup`.
pub fn run(args: KeyBackupArgs) -> Result<ExitCode> {
    match args.command {
        KeyBackupCommand::Export { dir, out } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            eprintln!("enter the activation custodians' shares, one per line");
            let shares = shares_from_stdin()?;
            let texts: Vec<&str> = shares.iter().map(|s| s.as_str()).collect();
            let labels = ca.export_keys(&texts, &out, Timestamp::now(), "cli")?;
            println!(
                "wrote {}: {} wrapped under the token's key-backup key",
                out.display(),
                labels.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        KeyBackupCommand::Import {
            dir,
            file,
            hsm,
            slot,
            switch,
        } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            let pin = read_pin("INKAN_HSM_PIN", "user")?;
            let so_pin = read_pin("INKAN_HSM_SO_PIN", "security officer")?;
            let token = inkan_runtime::pkcs11::token_in_slot(&hsm, slot)?;
            eprintln!(
                "enter the activation and key-backup custodians' shares, one per line, any order"
            );
            let shares = shares_from_stdin()?;
            let texts: Vec<&str> = shares.iter().map(|s| s.as_str()).collect();
            let imported = ca.import_keys(&ImportOptions {
                file: &file,
                module: hsm,
                token: &token,
                pin,
                so_pin,
                shares: &texts,
                switch,
                now: Timestamp::now(),
                actor: "cli",
            })?;
            println!(
                "brought {} into token `{token}` (serial {}){}",
                imported.keys.join(", "),
                imported.token_serial,
                if imported.switched {
                    "; the CA uses this token from now on"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
