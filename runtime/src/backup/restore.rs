//! A CA directory made again from a backup.
//!
//! Everything happens in a sibling staging directory: the backup is read and each
//! member checked against its signed manifest, the tables are loaded into an SQLite
//! file under the schema they were taken with, the audit chain is verified, and the
//! store is reconciled with what the CA published after the backup (`reconcile.rs`).
//! The restore is audited (`ca-restored`, naming the backup's audit head: the entries
//! after it, up to the loss, are not in this log). Only then is a PostgreSQL target
//! filled, in one transaction, and the staging directory renamed into place. Any
//! refusal removes the staging directory: nothing is left where the CA would live,
//! and a PostgreSQL target is left as it was.

use std::path::{Path, PathBuf};

use der::DecodePem;
use x509_cert::certificate::Certificate;

use super::archive;
use super::manifest::{Manifest, SCHEMA_TABLE};
use super::reconcile::{self, Reconciled};
use crate::audit::{self, Audited, Event};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::policy::{Policy, Role};
use crate::sql::{Db, Location, Migration};
use crate::store::{SqlStore, Store};

/// What a restore is given.
pub struct RestoreOptions<'a> {
    /// The backup file.
    pub from: &'a Path,
    /// The CA directory to make; it must not exist.
    pub dir: &'a Path,
    /// Where the restored CA keeps its state, if not where the backup's `inkan.toml`
    /// says: `sqlite`, `sqlite:PATH` or an empty PostgreSQL database's URL.
    pub store: Option<&'a str>,
    /// Finds a linked policy by id.
    pub lookup: &'a dyn Fn(&str) -> Option<&'static dyn Policy>,
    /// The schema of each component beside the CA's own (the RA's records).
    pub components: &'a [(&'a str, &'a [Migration])],
    /// The newest CRL of each issuer as the CA published it (DER).
    pub published_crls: &'a [Vec<u8>],
    /// The CA never published a CRL, so there is none to give.
    pub never_published: bool,
    /// Certificates issued after the backup, given back (DER).
    pub certificates: &'a [Vec<u8>],
    /// Audit heads witnessed outside the database: those at or before the backup's
    /// head must be in its log (later ones came after the backup).
    pub witnessed: &'a [(u64, [u8; 32])],
    /// The CA's audit public key (hex) as kept apart from the backup (the
    /// `ca-initialised` entry, the ceremony transcript): the manifest must be signed by
    /// it. Without it the backup is only as trustworthy as where it was kept.
    pub audit_public_key: Option<&'a str>,
    /// Now.
    pub now: Timestamp,
    /// `now` is not the clock's: refused unless the CA was made to allow it.
    pub clock_overridden: bool,
    /// Who restores, for the record.
    pub actor: &'a str,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Where the restored CA keeps its state.
    pub location: Location,
    /// What reconciling with the published record changed.
    pub reconciled: Reconciled,
    /// The policy linked now differs from the one the backup was taken under.
    pub policy_revised: bool,
}

/// Makes the CA directory `options.dir` from a backup; see the module docs.
pub fn restore(options: &RestoreOptions<'_>) -> Result<Restored> {
    let dir = options.dir;
    if dir.exists() {
        return Err(Error::Directory(format!(
            "{} exists; a restore makes a new CA directory and never writes over one",
            dir.display()
        )));
    }
    if options.published_crls.is_empty() && !options.never_published {
        return Err(Error::Directory(
            "give the newest CRL the CA published (from its repository or a saved copy): a restore \
             that does not know it could publish a CRL that goes backwards or drops revocations"
                .into(),
        ));
    }
    let name = dir
        .file_name()
        .ok_or_else(|| Error::Directory(format!("{} names no directory", dir.display())))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = parent.join(format!(
        ".{}.restore-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
    let (restored, target) = match build(options, &staging) {
        Ok(built) => built,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if let Err(e) = std::fs::rename(&staging, dir) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::io(dir, e));
    }
    // A PostgreSQL target is filled last, in one transaction: if that fails, the
    // directory goes again and the database is as it was.
    if let Some(target) = target {
        let stage_db = dir.join(STAGE_DB);
        let filled = copy_into(&stage_db, &target, options.components).and_then(|()| {
            for suffix in ["", "-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{suffix}", stage_db.display()));
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                }
            }
            Ok(())
        });
        if let Err(e) = filled {
            let _ = std::fs::remove_dir_all(dir);
            return Err(e);
        }
    }
    if let Ok(d) = std::fs::File::open(&parent) {
        let _ = d.sync_all();
    }
    Ok(restored)
}

/// The staged SQLite file a PostgreSQL target is filled from.
const STAGE_DB: &str = ".restore.sqlite";

/// Everything but the move into place and a PostgreSQL target's rows: returns what was
/// restored and the target to fill, if it is PostgreSQL.
fn build(o: &RestoreOptions<'_>, staging: &Path) -> Result<(Restored, Option<Db>)> {
    let tables_dir = staging.join(".backup-tables");
    std::fs::create_dir(&tables_dir).map_err(|e| Error::io(&tables_dir, e))?;
    let unpacked = archive::read(o.from, staging, &tables_dir, o.audit_public_key)?;
    let manifest = unpacked.manifest.clone();
    if o.never_published && !manifest.crl_numbers.is_empty() {
        return Err(Error::Directory(format!(
            "the backup records CRLs the CA published ({}): give the newest one it published, \
             which may be later than the backup's",
            manifest
                .crl_numbers
                .iter()
                .map(|(i, n)| format!("{i} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let policy = (o.lookup)(&manifest.policy).ok_or_else(|| {
        Error::Directory(format!(
            "the backup is of a CA under policy `{}`, which this binary does not link",
            manifest.policy
        ))
    })?;
    let location = match o.store {
        Some(url) => Location::parse(url, staging)?,
        None => crate::ca::store_location(staging)?,
    };
    let stage_db = match &location {
        Location::Sqlite(p)
            if p.strip_prefix(staging).is_ok_and(|rel| {
                rel.components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)))
            }) =>
        {
            p.clone()
        }
        Location::Sqlite(p) => {
            return Err(Error::Directory(format!(
                "the store, {}, is not a file inside the CA directory; say where with --store",
                p.display()
            )));
        }
        Location::Postgres(_) => staging.join(STAGE_DB),
    };
    let target = match &location {
        Location::Postgres(_) => {
            let db = Db::open(&location)?;
            refuse_if_used(&db)?;
            Some(db)
        }
        Location::Sqlite(_) => None,
    };
    if let Some(p) = stage_db.parent() {
        std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
    }
    load(&stage_db, &unpacked, o.components)?;
    std::fs::remove_dir_all(&tables_dir).map_err(|e| Error::io(&tables_dir, e))?;

    let mut store = SqlStore::open(&Location::Sqlite(stage_db.clone()))?;
    let witnessed: Vec<(u64, [u8; 32])> = o
        .witnessed
        .iter()
        .copied()
        .filter(|(seq, _)| *seq <= manifest.audit_head.seq)
        .collect();
    check_chain(&store, &manifest, &witnessed)?;
    if o.clock_overridden && store.meta("allow_clock_override")?.as_deref() != Some("true") {
        return Err(Error::ClockOverrideRefused);
    }
    let cas = policy
        .definition()
        .certificates
        .iter()
        .filter(|p| p.role != Role::Subscriber)
        .map(|p| {
            let path = staging.join("certs").join(format!("{}.pem", p.name));
            let pem = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            Ok((p, Certificate::from_pem(pem.as_bytes())?))
        })
        .collect::<Result<Vec<_>>>()?;
    let reconciled = reconcile::reconcile(
        &mut store,
        policy,
        &cas,
        o.published_crls,
        o.certificates,
        o.now,
        o.actor,
    )?;
    let def = policy.definition();
    let crls: Vec<String> = reconciled
        .crls
        .iter()
        .map(|(i, n)| format!("{i} {n}"))
        .collect();
    store.audit(&[Audited::new(
        def,
        Event::new(
            o.now,
            o.actor,
            "ca-restored",
            &[
                ("backup_taken", &Timestamp::from_unix(manifest.created_at).map_or_else(|| manifest.created_at.to_string(), |t| t.to_string())),
                ("backup_audit_head", &manifest.audit_head.seq.to_string()),
                ("backup_audit_hash", &manifest.audit_head.hash),
                ("published_crls_recorded", &crls.join(", ")),
                ("revoked_from_published_crls", &reconciled.revoked.len().to_string()),
                ("certificates_given_back", &reconciled.imported.len().to_string()),
                ("gap", "what the CA recorded after the backup's audit head, up to the loss, is not in this log"),
            ],
        ),
    )])?;
    drop(store);
    if let Some(url) = o.store {
        set_store(staging, url)?;
    }
    Ok((
        Restored {
            policy_revised: manifest.policy_sha256 != def.sha256,
            manifest,
            location,
            reconciled,
        },
        target,
    ))
}

/// The schema the backup was taken under, then its rows, in one transaction.
fn load(
    db_path: &Path,
    unpacked: &archive::Unpacked,
    components: &[(&str, &[Migration])],
) -> Result<()> {
    let m = &unpacked.manifest;
    let db = Db::open(&Location::Sqlite(db_path.to_path_buf()))?;
    for (component, version) in &m.migrations {
        let steps = if component == "ca" {
            crate::store::MIGRATIONS
        } else {
            components
                .iter()
                .find(|(c, _)| c == component)
                .map(|(_, s)| *s)
                .ok_or_else(|| {
                    Error::Directory(format!(
                        "the backup holds the tables of `{component}`, which this inkan does not know"
                    ))
                })?
        };
        let newest = steps.iter().map(|s| s.version).max().unwrap_or(0);
        if *version > newest {
            return Err(Error::Directory(format!(
                "the backup was taken by a newer inkan (`{component}` schema {version}; this one knows up to {newest})"
            )));
        }
        db.migrate_until(component, steps, *version)?;
    }
    db.write(|tx| {
        let order = tx.load_order()?;
        if let Some(extra) = m.tables.keys().find(|t| !order.contains(t)) {
            return Err(Error::Corrupt(format!(
                "the backup holds a table `{extra}` its schema does not have"
            )));
        }
        for table in order.iter().filter(|t| *t != SCHEMA_TABLE) {
            let (Some(t), Some(path)) = (m.tables.get(table), unpacked.tables.get(table)) else {
                return Err(Error::Corrupt(format!(
                    "the backup lacks the table `{table}`"
                )));
            };
            let columns = tx.columns(table)?;
            if let Some(c) = t.columns.iter().find(|c| !columns.contains(c)) {
                return Err(Error::Corrupt(format!(
                    "the backup's `{table}` has a column `{c}` its schema does not have"
                )));
            }
            let n = archive::rows(path, &mut |values| {
                tx.insert_row(table, &t.columns, &values)
                    .map_err(Error::from)
            })?;
            if n != t.rows {
                return Err(Error::Corrupt(format!(
                    "the backup's `{table}` holds {n} rows, its manifest says {}",
                    t.rows
                )));
            }
        }
        Ok(())
    })
}

/// The restored log verifies with the audit key, ends where the manifest says, and
/// holds every head witnessed outside it.
fn check_chain(store: &SqlStore, m: &Manifest, witnessed: &[(u64, [u8; 32])]) -> Result<()> {
    if store.meta("audit_public_key")?.as_deref() != Some(m.audit_public_key.as_str()) {
        return Err(Error::Corrupt(
            "the backup's manifest is signed by an audit key its store does not name".into(),
        ));
    }
    if store.meta("policy")?.as_deref() != Some(m.policy.as_str()) {
        return Err(Error::Corrupt(
            "the backup's store names another policy than its manifest".into(),
        ));
    }
    let entries = store.audit_entries()?;
    let checkpoints = store.audit_checkpoints()?;
    let key = hex::decode(&m.audit_public_key)
        .map_err(|e| Error::Corrupt(format!("the audit key: {e}")))?;
    let mut report = audit::verify(&entries, &checkpoints, store.audit_head()?, &key);
    audit::check_witnessed(&entries, &checkpoints, witnessed, &mut report);
    if !report.ok() {
        return Err(Error::Corrupt(format!(
            "the backup's audit log does not verify: {}",
            report.problems.join("; ")
        )));
    }
    let (seq, hash) = store.audit_tip()?;
    if seq != m.audit_head.seq || hex::encode(hash) != m.audit_head.hash {
        return Err(Error::Corrupt(format!(
            "the backup's audit log ends at {seq}, its manifest says {}",
            m.audit_head.seq
        )));
    }
    Ok(())
}

/// Refuses a PostgreSQL database that holds any row: a restore never writes over a CA.
fn refuse_if_used(db: &Db) -> Result<()> {
    db.write(|tx| {
        for table in tx.tables()? {
            if table == SCHEMA_TABLE {
                continue;
            }
            if !crate::sql::is_identifier(&table) {
                return Err(Error::Directory(format!(
                    "the target database holds a table `{table}` inkan did not make; a restore goes into an empty database"
                )));
            }
            if tx.query_opt(&format!("SELECT 1 FROM {table} LIMIT 1"), &[])?.is_some() {
                return Err(Error::Directory(format!(
                    "the target database already holds data (table `{table}`); a restore goes into an empty database"
                )));
            }
        }
        Ok(())
    })
}

/// Copies the staged store into `target`, under the same schema, in one transaction.
fn copy_into(stage_db: &Path, target: &Db, components: &[(&str, &[Migration])]) -> Result<()> {
    let stage = Db::open(&Location::Sqlite(stage_db.to_path_buf()))?;
    for row in stage.query(
        "SELECT component, MAX(version) FROM schema_migrations GROUP BY component",
        &[],
    )? {
        let component: String = row.get(0)?;
        let version: i64 = row.get(1)?;
        let steps = if component == "ca" {
            crate::store::MIGRATIONS
        } else {
            components
                .iter()
                .find(|(c, _)| *c == component)
                .map(|(_, s)| *s)
                .ok_or(Error::Internal("a staged component is unknown"))?
        };
        target.migrate_until(&component, steps, version)?;
    }
    refuse_if_used(target)?;
    stage.snapshot(|s| {
        target.write(|t| {
            for table in s.load_order()? {
                if table == SCHEMA_TABLE {
                    continue;
                }
                let columns = s.columns(&table)?;
                s.each_row(&table, &columns, &mut |values| {
                    t.insert_row(&table, &columns, &values).map_err(Error::from)
                })?;
            }
            t.reset_identities()?;
            Ok(())
        })
    })
}

/// Points the restored directory's `inkan.toml` at `url`.
fn set_store(dir: &Path, url: &str) -> Result<()> {
    let path = dir.join("inkan.toml");
    let mut table: toml::Table = match std::fs::read_to_string(&path) {
        Ok(text) => text
            .parse()
            .map_err(|e| Error::Directory(format!("{}: {e}", path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    table.insert("store".into(), toml::Value::String(url.to_string()));
    let text = toml::to_string(&table).map_err(|e| Error::Encoding(e.to_string()))?;
    let tmp = dir.join(".inkan.toml.new");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}
