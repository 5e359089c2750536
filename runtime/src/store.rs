//! Where the CA keeps its state: issued certificates, revocations, sequence letters,
//! CRL numbers, the audit chain. [`Store`] is the interface the CA uses; [`SqlStore`]
//! implements it once for both databases of [`crate::sql`]: the embedded default, one
//! SQLite file in the CA's directory, and a PostgreSQL database that several servers
//! share. The schema is in `migrations/{sqlite,postgres}`.
//!
//! Invariants the store upholds:
//! - a certificate's serial and exact TBSCertificate are recorded (`pending`) before
//!   the key signs, the signed certificate after (`issued`); a serial is never
//!   reused, even if signing failed (the row stays, marked `failed`);
//! - no two certificates share a subject CN (R-3.1-UNIQUE), enforced by a unique index;
//! - sequence letters are allocated per profile, person and fiscal year and never
//!   handed out twice;
//! - each CRL number is the previous one plus one, allocated and recorded in one
//!   transaction with the CRL it numbers, under the issuer's lock;
//! - audit entries chain in one order: every append holds the chain's lock.

use crate::args;
use crate::audit::{self, Audited, Checkpoint, Entry};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::sql::{Db, Location, Migration, Row, SqlError, Tx};

/// A certificate about to be signed.
#[derive(Debug, Clone)]
pub struct Pending<'a> {
    /// Lower-case hex serial.
    pub serial: &'a str,
    /// Profile name.
    pub profile: &'a str,
    /// Issuing profile, `None` for a root.
    pub issuer: Option<&'a str>,
    /// Subject CN if the profile makes subscriber names (kept unique).
    pub subject_cn: Option<&'a str>,
    /// The subject, as text, for operators.
    pub subject: &'a str,
    /// notBefore.
    pub not_before: Timestamp,
    /// notAfter.
    pub not_after: Timestamp,
    /// The TBSCertificate DER that will be signed.
    pub tbs: &'a [u8],
    /// When.
    pub created_at: Timestamp,
}

/// A signed certificate to record over its pending record, with its audit entries.
pub struct Completed<'a> {
    /// Lower-case hex serial.
    pub serial: &'a str,
    /// The certificate's DER.
    pub der: &'a [u8],
    /// Audit entries recorded with it.
    pub audit: &'a [Audited],
}

/// A recorded certificate.
#[derive(Debug, Clone)]
pub struct Record {
    /// Lower-case hex serial.
    pub serial: String,
    /// Profile.
    pub profile: String,
    /// Issuing profile.
    pub issuer: Option<String>,
    /// Subject text.
    pub subject: String,
    /// `pending`, `issued` or `failed`.
    pub status: String,
    /// notAfter.
    pub not_after: Timestamp,
    /// The certificate, once issued.
    pub der: Option<Vec<u8>>,
    /// Revocation time and reason name and code.
    pub revoked: Option<(Timestamp, String, u8)>,
}

/// A CRL made for a number the store allocated, with what to audit about it.
#[derive(Debug, Clone)]
pub struct BuiltCrl {
    /// thisUpdate.
    pub this_update: Timestamp,
    /// nextUpdate.
    pub next_update: Timestamp,
    /// The signed CRL.
    pub der: Vec<u8>,
    /// Audit entries recorded with it.
    pub audit: Vec<Audited>,
}

/// A revoked certificate, as a CRL lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// Lower-case hex serial.
    pub serial: String,
    /// revocationDate.
    pub revoked_at: Timestamp,
    /// RFC 5280 reason code.
    pub reason_code: u8,
}

/// The CA's state.
pub trait Store: Send {
    /// Allocates the next sequence index for a person in a fiscal year (0 = `a`).
    fn next_sequence(&mut self, profile: &str, identity: &str, fiscal_year: i64) -> Result<u8>;
    /// [`Store::next_sequence`] for each of `wanted` (profile, identity, fiscal year),
    /// in order, in one transaction.
    fn next_sequences(&mut self, wanted: &[(&str, &str, i64)]) -> Result<Vec<Result<u8>>> {
        Ok(wanted
            .iter()
            .map(|&(p, i, y)| self.next_sequence(p, i, y))
            .collect())
    }
    /// Records a certificate before it is signed. Fails if the serial or CN is taken.
    fn reserve(&mut self, pending: &Pending<'_>) -> Result<()>;
    /// Records the signed certificate, and its audit entries in the same transaction.
    fn complete(&mut self, serial: &str, der: &[u8], audit: &[Audited]) -> Result<()>;
    /// Marks a reserved certificate as never issued (signing failed).
    fn abandon(&mut self, serial: &str) -> Result<()>;
    /// Records several certificates before they are signed, all in one durable
    /// commit; one outcome per record (a taken serial or name refuses that one only).
    /// `Err` when the commit itself fails: then nothing is recorded.
    fn reserve_many(&mut self, pending: &[Pending<'_>]) -> Result<Vec<Result<()>>> {
        Ok(pending.iter().map(|p| self.reserve(p)).collect())
    }
    /// Records signed certificates and marks failed ones, in one durable commit.
    fn complete_many(&mut self, completed: &[Completed<'_>], failed: &[&str]) -> Result<()> {
        for c in completed {
            self.complete(c.serial, c.der, c.audit)?;
        }
        for serial in failed {
            self.abandon(serial)?;
        }
        Ok(())
    }
    /// A certificate by serial.
    fn certificate(&self, serial: &str) -> Result<Option<Record>>;
    /// Every issued certificate of a profile.
    fn certificates(&self, profile: &str) -> Result<Vec<Record>>;
    /// Records left `pending`: their TBS was recorded, and the process stopped before
    /// the signed certificate was (a crash, a kill, a lost disk). Whether a signature
    /// exists is unknown; an operator revokes them to be sure.
    fn pending(&self) -> Result<Vec<Record>>;
    /// Revokes an issued certificate, auditing it in the same transaction.
    fn revoke(
        &mut self,
        serial: &str,
        at: Timestamp,
        reason: &str,
        code: u8,
        audit: &[Audited],
    ) -> Result<()>;
    /// Revokes several issued certificates in one transaction: all or none.
    fn revoke_many(
        &mut self,
        serials: &[String],
        at: Timestamp,
        reason: &str,
        code: u8,
        audit: &[Audited],
    ) -> Result<()>;
    /// Revoked certificates of `issuer` not yet expired at `at`, by serial.
    fn revoked_unexpired(&self, issuer: &str, at: Timestamp) -> Result<Vec<Revoked>> {
        let mut all = Vec::new();
        self.each_revoked_unexpired(issuer, at, &mut |r| {
            all.push(r);
            Ok(())
        })?;
        Ok(all)
    }
    /// Hands each revoked certificate of `issuer` not yet expired at `at` to `each`, in
    /// ascending order of the serial's bytes, one at a time (a CRL of a million entries
    /// is never held as a million values). Stops at the first error `each` returns.
    fn each_revoked_unexpired(
        &self,
        issuer: &str,
        at: Timestamp,
        each: &mut dyn FnMut(Revoked) -> Result<()>,
    ) -> Result<()>;
    /// Allocates the next CRL number of `issuer`, lets `build` make the CRL with it,
    /// and records that CRL, all in one transaction; returns the number and the DER.
    fn with_next_crl_number(
        &mut self,
        issuer: &str,
        build: &mut dyn FnMut(u64) -> Result<BuiltCrl>,
    ) -> Result<(u64, Vec<u8>)>;
    /// The newest CRL of `issuer`: number and DER.
    fn latest_crl(&self, issuer: &str) -> Result<Option<(u64, Vec<u8>)>>;
    /// The newest CRL's thisUpdate.
    fn latest_crl_update(&self, issuer: &str) -> Result<Option<Timestamp>>;
    /// Every CRL of `issuer`, by number.
    fn crls(&self, issuer: &str) -> Result<Vec<(u64, Vec<u8>)>>;
    /// Appends audit entries in a transaction of their own.
    fn audit(&mut self, entries: &[Audited]) -> Result<()>;
    /// Every audit entry, by sequence number.
    fn audit_entries(&self) -> Result<Vec<Entry>>;
    /// Every checkpoint, by sequence number.
    fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>>;
    /// The last entry's sequence number and hash (the anchor's, or 0 and the genesis hash).
    fn audit_tip(&self) -> Result<(u64, [u8; 32])>;
    /// The head recorded with every append.
    fn audit_head(&self) -> Result<Option<u64>>;
    /// Stores a checkpoint.
    fn add_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<()>;
    /// Removes the entries up to `anchor.seq`, stores the anchor, and audits the purge,
    /// in one transaction.
    fn purge_audit(&mut self, anchor: &Checkpoint, purge_event: &Audited) -> Result<()>;
    /// A setting.
    fn meta(&self, key: &str) -> Result<Option<String>>;
    /// Stores a setting.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
}

/// The CA's schema, in both dialects.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "certificates, sequences, audit, checkpoints, CRLs",
    sqlite: include_str!("../migrations/sqlite/0001_ca.sql"),
    postgres: include_str!("../migrations/postgres/0001_ca.sql"),
}];

/// The lock every audit append holds: one chain, one order.
const AUDIT_LOCK: &str = "inkan-audit-chain";

/// The CA's store, in SQLite or PostgreSQL.
pub struct SqlStore {
    db: Db,
}

/// The next sequence letter of (profile, identity, fiscal year): one atomic upsert.
fn allocate(
    tx: &mut Tx<'_>,
    profile: &str,
    identity: &str,
    fiscal_year: i64,
) -> Result<Result<u8>> {
    let next: i64 = tx
        .query_opt(
            "INSERT INTO sequences (profile, identity, fiscal_year, next) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (profile, identity, fiscal_year) DO UPDATE SET next = sequences.next + 1
             RETURNING next",
            args![profile, identity, fiscal_year],
        )?
        .ok_or(Error::Internal("the sequence upsert returned nothing"))?
        .get(0)?;
    let index = next - 1;
    Ok(u8::try_from(index)
        .map_err(|_| Error::Corrupt(format!("sequence counter {index} is out of range"))))
}

impl SqlStore {
    /// The file name of the embedded store inside a CA directory.
    pub const FILE: &'static str = "ca.sqlite";

    /// Opens (creating if needed) the store at `location` and brings its schema up to date.
    pub fn open(location: &Location) -> Result<Self> {
        let db = Db::open(location)?;
        db.migrate("ca", MIGRATIONS)?;
        Ok(SqlStore { db })
    }

    /// Sets `key` only if it is not set yet; whether it was. One statement, so of two
    /// processes claiming at once exactly one wins.
    pub fn claim_meta(&mut self, key: &str, value: &str) -> Result<bool> {
        Ok(self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            args![key, value],
        )? == 1)
    }

    /// Drops the CA's tables from a database an `init` failed to fill, so that it is
    /// empty again for the next attempt.
    pub fn discard(location: &Location) -> Result<()> {
        let db = Db::open(location)?;
        db.write(|tx| {
            for table in [
                "crls",
                "audit_checkpoints",
                "audit",
                "sequences",
                "certificates",
                "meta",
            ] {
                tx.execute(&format!("DROP TABLE IF EXISTS {table}"), args![])?;
            }
            tx.execute(
                "DELETE FROM schema_migrations WHERE component = 'ca'",
                args![],
            )?;
            Ok::<_, Error>(())
        })
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        self.db.location()
    }

    fn record(row: &Row) -> Result<Record> {
        let not_after: i64 = row.get(5)?;
        let revoked_at: Option<i64> = row.get(7)?;
        let reason: Option<String> = row.get(8)?;
        let code: Option<u8> = row.get(9)?;
        Ok(Record {
            serial: row.get(0)?,
            profile: row.get(1)?,
            issuer: row.get(2)?,
            subject: row.get(3)?,
            status: row.get(4)?,
            not_after: Timestamp::from_unix(not_after).unwrap_or(crate::calendar::MAX),
            der: row.get(6)?,
            revoked: match (revoked_at.and_then(Timestamp::from_unix), reason, code) {
                (Some(t), Some(r), Some(c)) => Some((t, r, c)),
                _ => None,
            },
        })
    }

    fn records(&self, filter: &str, params: &[crate::sql::Param<'_>]) -> Result<Vec<Record>> {
        self.db
            .query(
                &format!("SELECT {RECORD_COLUMNS} FROM certificates WHERE {filter}"),
                params,
            )?
            .iter()
            .map(Self::record)
            .collect()
    }
}

fn hash32(v: Vec<u8>) -> [u8; 32] {
    let mut out = [0u8; 32];
    if v.len() == 32 {
        out.copy_from_slice(&v);
    }
    out
}

/// The chain tip: the last entry, else the newest anchor, else genesis.
/// `first_row` runs a query and returns its first row: inside the appending
/// transaction, or on the connection for a plain read (no write lock taken).
fn tip(
    mut first_row: impl FnMut(&str) -> std::result::Result<Option<Row>, SqlError>,
) -> Result<(u64, [u8; 32])> {
    if let Some(row) = first_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")? {
        return Ok((row.get(0)?, hash32(row.get(1)?)));
    }
    let anchor = first_row(
        "SELECT seq, hash FROM audit_checkpoints WHERE anchor = 1 ORDER BY seq DESC LIMIT 1",
    )?;
    Ok(match anchor {
        Some(row) => (row.get(0)?, hash32(row.get(1)?)),
        None => (0, audit::GENESIS),
    })
}

/// Appends entries to the chain inside `tx`, after taking the chain's lock. Other
/// components that keep their own tables in the CA's database (the RA) call this
/// inside their transactions, so a change and its audit entry commit together.
pub fn append_audit(tx: &mut Tx<'_>, entries: &[Audited]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    tx.lock(AUDIT_LOCK)?;
    let (mut seq, mut prev) = tip(|sql| tx.query_opt(sql, args![]))?;
    for a in entries {
        seq += 1;
        let e = &a.event;
        let hash = audit::entry_hash(
            seq,
            e.at,
            &e.actor,
            e.event,
            &a.retention,
            &e.details,
            &prev,
        );
        let seq_i =
            i64::try_from(seq).map_err(|_| Error::Internal("audit sequence out of range"))?;
        tx.execute(
            "INSERT INTO audit (seq, at, actor, event, retention, details, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            args![seq_i, e.at.unix(), &e.actor, e.event, &a.retention, &e.details, &prev[..], &hash[..]],
        )?;
        prev = hash;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        args![&seq.to_string()],
    )?;
    Ok(())
}

/// Sets a pending record's certificate and status.
fn mark_issued(tx: &mut Tx<'_>, serial: &str, der: &[u8]) -> Result<()> {
    let n = tx.execute(
        "UPDATE certificates SET der = ?2, status = 'issued' WHERE serial = ?1 AND status = 'pending'",
        args![serial, der],
    )?;
    if n != 1 {
        return Err(Error::Corrupt(format!(
            "the record of serial {serial} stopped being pending while it was signed"
        )));
    }
    Ok(())
}

/// Inserts a pending record; a taken name or serial is its own error, and undoes only
/// this insert.
fn insert_pending(tx: &mut Tx<'_>, p: &Pending<'_>) -> Result<Result<()>> {
    let r = tx.try_execute(
        "INSERT INTO certificates (serial, profile, issuer, subject, subject_cn, not_before, not_after, tbs, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)",
        args![p.serial, p.profile, p.issuer, p.subject, p.subject_cn, p.not_before.unix(), p.not_after.unix(), p.tbs, p.created_at.unix()],
    )?;
    Ok(match r {
        Ok(_) => Ok(()),
        Err(e) if e.constraint().is_some_and(|c| c.contains("subject_cn")) => Err(
            Error::DuplicateName(p.subject_cn.unwrap_or_default().to_string()),
        ),
        Err(e) => Err(e.into()),
    })
}

/// Marks a pending record failed (its signature never happened).
fn mark_failed(tx: &mut Tx<'_>, serial: &str) -> Result<()> {
    tx.execute(
        "UPDATE certificates SET status = 'failed' WHERE serial = ?1 AND status = 'pending'",
        args![serial],
    )?;
    Ok(())
}

const RECORD_COLUMNS: &str =
    "serial, profile, issuer, subject, status, not_after, der, revoked_at, reason, reason_code";

impl Store for SqlStore {
    fn next_sequence(&mut self, profile: &str, identity: &str, fiscal_year: i64) -> Result<u8> {
        self.next_sequences(&[(profile, identity, fiscal_year)])?
            .pop()
            .unwrap_or(Err(Error::Internal("no sequence letter was allocated")))
    }

    fn next_sequences(&mut self, wanted: &[(&str, &str, i64)]) -> Result<Vec<Result<u8>>> {
        // This commit need not reach the disk on its own: the pending record of the
        // certificate that uses the letter commits durably before anything is signed,
        // and that carries this commit too. A letter lost to a power cut was in no
        // signed certificate.
        self.db.write_relaxed(|tx| {
            wanted
                .iter()
                .map(|&(profile, identity, fiscal_year)| {
                    allocate(tx, profile, identity, fiscal_year)
                })
                .collect()
        })
    }

    fn reserve(&mut self, p: &Pending<'_>) -> Result<()> {
        self.db.write(|tx| insert_pending(tx, p))?
    }

    fn reserve_many(&mut self, pending: &[Pending<'_>]) -> Result<Vec<Result<()>>> {
        self.db
            .write(|tx| pending.iter().map(|p| insert_pending(tx, p)).collect())
    }

    fn complete_many(&mut self, completed: &[Completed<'_>], failed: &[&str]) -> Result<()> {
        self.db.write(|tx| {
            for c in completed {
                mark_issued(tx, c.serial, c.der)?;
                append_audit(tx, c.audit)?;
            }
            for serial in failed {
                mark_failed(tx, serial)?;
            }
            Ok(())
        })
    }

    fn complete(&mut self, serial: &str, der: &[u8], audit: &[Audited]) -> Result<()> {
        self.db.write(|tx| {
            mark_issued(tx, serial, der)?;
            append_audit(tx, audit)
        })
    }

    fn abandon(&mut self, serial: &str) -> Result<()> {
        self.db.write(|tx| mark_failed(tx, serial))
    }

    fn certificate(&self, serial: &str) -> Result<Option<Record>> {
        Ok(self.records("serial = ?1", args![serial])?.pop())
    }

    fn certificates(&self, profile: &str) -> Result<Vec<Record>> {
        self.records(
            "profile = ?1 AND status = 'issued' ORDER BY created_at, serial",
            args![profile],
        )
    }

    fn pending(&self) -> Result<Vec<Record>> {
        self.records("status = 'pending' ORDER BY created_at, serial", args![])
    }

    fn revoke(
        &mut self,
        serial: &str,
        at: Timestamp,
        reason: &str,
        code: u8,
        audit: &[Audited],
    ) -> Result<()> {
        self.db.write(|tx| {
            // A pending record may have been signed by a process that died before
            // recording it: it is revocable, so the CRL covers whatever may exist.
            let n = tx.execute(
                "UPDATE certificates SET revoked_at = ?2, reason = ?3, reason_code = ?4
                 WHERE serial = ?1 AND revoked_at IS NULL AND status IN ('issued', 'pending')",
                args![serial, at.unix(), reason, code],
            )?;
            if n != 1 {
                let state = tx.query_opt(
                    "SELECT status, revoked_at FROM certificates WHERE serial = ?1",
                    args![serial],
                )?;
                return Err(match state {
                    None => Error::UnknownSerial(serial.to_string()),
                    Some(row) if row.get::<Option<i64>>(1)?.is_some() => {
                        Error::AlreadyRevoked(serial.to_string())
                    }
                    Some(row) => Error::UnknownSerial(format!(
                        "{serial} (never issued: {})",
                        row.get::<String>(0)?
                    )),
                });
            }
            append_audit(tx, audit)
        })
    }

    fn revoke_many(
        &mut self,
        serials: &[String],
        at: Timestamp,
        reason: &str,
        code: u8,
        audit: &[Audited],
    ) -> Result<()> {
        self.db.write(|tx| {
            for serial in serials {
                let n = tx.execute(
                    "UPDATE certificates SET revoked_at = ?2, reason = ?3, reason_code = ?4 WHERE serial = ?1 AND status = 'issued' AND revoked_at IS NULL",
                    args![serial, at.unix(), reason, code],
                )?;
                if n != 1 {
                    return Err(Error::UnknownSerial(format!(
                        "{serial} (not an unrevoked issued certificate)"
                    )));
                }
            }
            append_audit(tx, audit)
        })
    }

    fn each_revoked_unexpired(
        &self,
        issuer: &str,
        at: Timestamp,
        each: &mut dyn FnMut(Revoked) -> Result<()>,
    ) -> Result<()> {
        // Served by the partial index `certificates_revoked` alone. Serials are lower-case
        // hex of whole octets compared as bytes (PostgreSQL: COLLATE "C"), so text order
        // is the order of their octets.
        self.db.each(
            "SELECT serial, revoked_at, reason_code FROM certificates WHERE issuer = ?1 AND revoked_at IS NOT NULL AND not_after >= ?2 ORDER BY serial",
            args![issuer, at.unix()],
            &mut |row: Row| {
                let t: i64 = row.get(1)?;
                each(Revoked {
                    serial: row.get(0)?,
                    revoked_at: Timestamp::from_unix(t)
                        .ok_or_else(|| Error::Corrupt(format!("revocation time {t} is out of range")))?,
                    reason_code: row.get(2)?,
                })
            },
        )
    }

    fn with_next_crl_number(
        &mut self,
        issuer: &str,
        build: &mut dyn FnMut(u64) -> Result<BuiltCrl>,
    ) -> Result<(u64, Vec<u8>)> {
        self.db.write(|tx| {
            // One publisher per issuer at a time, across every server on the database.
            tx.lock(&format!("inkan-crl:{issuer}"))?;
            let last: Option<i64> = tx
                .query_opt("SELECT MAX(number) FROM crls WHERE issuer = ?1", args![issuer])?
                .map(|r| r.get(0))
                .transpose()?
                .flatten();
            let number = u64::try_from(last.unwrap_or(0) + 1)
                .map_err(|_| Error::Corrupt("a CRL number is out of range".into()))?;
            let BuiltCrl { this_update, next_update, der, audit } = build(number)?;
            let number_i = i64::try_from(number).map_err(|_| Error::Internal("CRL number out of range"))?;
            if let Some(conn) = tx.sqlite() {
                // Written through SQLite's blob I/O rather than bound as a value, which
                // SQLite would first copy whole: a 50 MB CRL is not held twice.
                let len = i64::try_from(der.len()).map_err(|_| Error::Internal("CRL too large"))?;
                conn.execute(
                    "INSERT INTO crls (issuer, number, this_update, next_update, der) VALUES (?1, ?2, ?3, ?4, zeroblob(?5))",
                    rusqlite::params![issuer, number_i, this_update.unix(), next_update.unix(), len],
                )
                .map_err(SqlError::from)?;
                let row = conn.last_insert_rowid();
                use std::io::Write as _;
                let mut blob = conn
                    .blob_open(rusqlite::MAIN_DB, "crls", "der", row, false)
                    .map_err(SqlError::from)?;
                blob.write_all(&der)
                    .map_err(|e| SqlError::Other(crate::sql::Driver::Blob(e)))?;
            } else {
                tx.execute(
                    "INSERT INTO crls (issuer, number, this_update, next_update, der) VALUES (?1, ?2, ?3, ?4, ?5)",
                    args![issuer, number_i, this_update.unix(), next_update.unix(), &der],
                )?;
            }
            append_audit(tx, &audit)?;
            Ok((number, der))
        })
    }

    fn crls(&self, issuer: &str) -> Result<Vec<(u64, Vec<u8>)>> {
        self.db
            .query(
                "SELECT number, der FROM crls WHERE issuer = ?1 ORDER BY number",
                args![issuer],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .collect()
    }

    fn latest_crl_update(&self, issuer: &str) -> Result<Option<Timestamp>> {
        let t: Option<i64> = self
            .db
            .query_opt(
                "SELECT MAX(this_update) FROM crls WHERE issuer = ?1",
                args![issuer],
            )?
            .map(|r| r.get(0))
            .transpose()?
            .flatten();
        t.map(|t| {
            Timestamp::from_unix(t)
                .ok_or_else(|| Error::Corrupt(format!("CRL time {t} is out of range")))
        })
        .transpose()
    }

    fn latest_crl(&self, issuer: &str) -> Result<Option<(u64, Vec<u8>)>> {
        let sqlite = self.db.with_sqlite(|conn| {
            // Read through blob I/O: selecting the column would have SQLite build the
            // whole value before it is copied out (a 50 MB CRL held twice).
            use rusqlite::OptionalExtension as _;
            let Some((number, row)) = conn
                .query_row(
                    "SELECT number, rowid FROM crls WHERE issuer = ?1 ORDER BY number DESC LIMIT 1",
                    rusqlite::params![issuer],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
            else {
                return Ok(None);
            };
            use std::io::Read as _;
            let mut blob = conn.blob_open(rusqlite::MAIN_DB, "crls", "der", row, true)?;
            let mut der = Vec::with_capacity(blob.len());
            blob.read_to_end(&mut der)
                .map_err(|e| SqlError::Other(crate::sql::Driver::Blob(e)))?;
            Ok(Some((number, der)))
        });
        let latest = match sqlite {
            Some(r) => r?,
            None => self
                .db
                .query_opt(
                    "SELECT number, der FROM crls WHERE issuer = ?1 ORDER BY number DESC LIMIT 1",
                    args![issuer],
                )?
                .map(|r| Ok::<_, SqlError>((r.get(0)?, r.get(1)?)))
                .transpose()?,
        };
        latest
            .map(|(number, der)| {
                u64::try_from(number)
                    .map(|n| (n, der))
                    .map_err(|_| Error::Corrupt("a CRL number is out of range".into()))
            })
            .transpose()
    }

    fn audit(&mut self, entries: &[Audited]) -> Result<()> {
        self.db.write(|tx| append_audit(tx, entries))
    }

    fn audit_entries(&self) -> Result<Vec<Entry>> {
        self.db
            .query("SELECT seq, at, actor, event, retention, details, prev, hash FROM audit ORDER BY seq", args![])?
            .into_iter()
            .map(|r| {
                let at: i64 = r.get(1)?;
                Ok(Entry {
                    seq: r.get(0)?,
                    at: Timestamp::from_unix(at).unwrap_or(crate::calendar::MIN),
                    actor: r.get(2)?,
                    event: r.get(3)?,
                    retention: r.get(4)?,
                    details: r.get(5)?,
                    prev: hash32(r.get(6)?),
                    hash: hash32(r.get(7)?),
                })
            })
            .collect()
    }

    fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        self.db
            .query("SELECT seq, hash, at, signature, anchor FROM audit_checkpoints ORDER BY seq, anchor", args![])?
            .into_iter()
            .map(|r| {
                let at: i64 = r.get(2)?;
                Ok(Checkpoint {
                    seq: r.get(0)?,
                    hash: hash32(r.get(1)?),
                    at: Timestamp::from_unix(at).unwrap_or(crate::calendar::MIN),
                    signature: r.get(3)?,
                    anchor: r.get(4)?,
                })
            })
            .collect()
    }

    fn audit_tip(&self) -> Result<(u64, [u8; 32])> {
        tip(|sql| self.db.query_opt(sql, args![]))
    }

    fn audit_head(&self) -> Result<Option<u64>> {
        Ok(self.meta("audit_head")?.and_then(|h| h.parse().ok()))
    }

    fn add_checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
        self.db.write(|tx| put_checkpoint(tx, c))
    }

    fn purge_audit(&mut self, anchor: &Checkpoint, purge_event: &Audited) -> Result<()> {
        let seq = i64::try_from(anchor.seq)
            .map_err(|_| Error::Corrupt("an audit sequence number is out of range".into()))?;
        self.db.write(|tx| {
            tx.lock(AUDIT_LOCK)?;
            put_checkpoint(tx, anchor)?;
            tx.execute("DELETE FROM audit WHERE seq <= ?1", args![seq])?;
            // Ordinary checkpoints of purged entries go too; the anchor stands for them.
            tx.execute(
                "DELETE FROM audit_checkpoints WHERE seq < ?1 AND anchor = 0",
                args![seq],
            )?;
            append_audit(tx, std::slice::from_ref(purge_event))
        })
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.db
            .query_opt("SELECT value FROM meta WHERE key = ?1", args![key])?
            .map(|r| r.get(0))
            .transpose()
            .map_err(Error::from)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            args![key, value],
        )?;
        Ok(())
    }
}

/// Stores a checkpoint, replacing one of the same place.
fn put_checkpoint(tx: &mut Tx<'_>, c: &Checkpoint) -> Result<()> {
    let seq = i64::try_from(c.seq).map_err(|_| Error::Internal("audit sequence out of range"))?;
    tx.execute(
        "INSERT INTO audit_checkpoints (seq, hash, at, signature, anchor) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (seq, anchor) DO UPDATE SET hash = excluded.hash, at = excluded.at, signature = excluded.signature",
        args![seq, &c.hash[..], c.at.unix(), &c.signature, c.anchor],
    )?;
    Ok(())
}
