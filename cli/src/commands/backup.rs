//! `inkan backup` and `inkan restore`: a CA directory to one file and back, the
//! restore reconciled with what the CA published after the backup
//! (`inkan_runtime::backup`).

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use inkan_runtime::backup::{RestoreOptions, restore as restore_from};
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;

use super::audit::head;
use crate::args::{BackupArgs, RestoreArgs};
use crate::support::{der_blocks, fetch, lookup, parse_now, read_pem_or_der, unlock_from_stdin};

/// `inkan backup`.
pub fn backup(args: BackupArgs) -> Result<ExitCode> {
    let mut ca = Ca::open(&args.dir, &lookup)?;
    let now = ca.now(parse_now(args.now.as_deref())?)?;
    unlock_from_stdin(&mut ca)?;
    let m = ca.backup(&args.out, now, "cli")?;
    let rows: u64 = m.tables.values().map(|t| t.rows).sum();
    println!(
        "wrote {}: {} tables ({rows} rows) from {}, {} files, audit head {}, CRL numbers {}",
        args.out.display(),
        m.tables.len(),
        m.store,
        m.files.len(),
        m.audit_head.seq,
        numbers(m.crl_numbers.iter().map(|(i, n)| (i.as_str(), *n)), "none")
    );
    Ok(ExitCode::SUCCESS)
}

/// `inkan restore`.
pub fn restore(args: RestoreArgs) -> Result<ExitCode> {
    let mut crls = Vec::new();
    for source in &args.published_crl {
        let bytes = fetch(source).with_context(|| format!("reading the published CRL {source}"))?;
        crls.extend(der_blocks(&bytes, "X509 CRL", source)?);
    }
    let certificates = args
        .certificate
        .iter()
        .map(|p| read_pem_or_der(p, "CERTIFICATE"))
        .collect::<Result<Vec<_>>>()?;
    let witnessed = args
        .witnessed
        .iter()
        .map(|w| head(w))
        .collect::<Result<Vec<_>>>()?;
    let given = parse_now(args.now.as_deref())?;
    let components = [("ra", inkan_server::ra::MIGRATIONS)];
    let restored = restore_from(&RestoreOptions {
        from: &args.from,
        dir: &args.dir,
        store: args.store.as_deref(),
        lookup: &lookup,
        components: &components,
        published_crls: &crls,
        never_published: args.never_published,
        certificates: &certificates,
        witnessed: &witnessed,
        audit_public_key: args.audit_public_key.as_deref(),
        now: given.unwrap_or_else(Timestamp::now),
        clock_overridden: given.is_some(),
        actor: "cli",
    })?;
    let m = &restored.manifest;
    println!(
        "restored {} from a backup taken {} (audit head {}) into {:?}",
        args.dir.display(),
        Timestamp::from_unix(m.created_at)
            .map_or_else(|| m.created_at.to_string(), |t| t.to_string()),
        m.audit_head.seq,
        restored.location
    );
    let r = &restored.reconciled;
    println!(
        "published CRLs recorded: {}; revoked from them: {}; certificates given back: {}",
        numbers(
            r.crls.iter().map(|(i, n)| (i.as_str(), *n)),
            "none newer than the backup"
        ),
        r.revoked.len(),
        r.imported.len()
    );
    if restored.policy_revised {
        println!("note: the policy this inkan links is a later revision than the backup's");
    }
    println!(
        "the audit log has no entries for what happened after the backup; `inkan audit verify` names the gap"
    );
    Ok(ExitCode::SUCCESS)
}

/// CRL numbers by issuer, `issuer N, ...`, or `none` when there are none.
fn numbers<'a>(each: impl Iterator<Item = (&'a str, u64)>, none: &str) -> String {
    let list: Vec<String> = each.map(|(i, n)| format!("{i} {n}")).collect();
    if list.is_empty() {
        none.to_string()
    } else {
        list.join(", ")
    }
}
