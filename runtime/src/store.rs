//! Where the CA keeps its state: issued certificates, revocations, sequence letters,
//! CRL numbers. [`Store`] is the interface the CA uses; [`SqliteStore`] is the
//! embedded default, one file in the CA's directory.
//!
//! Invariants the store upholds:
//! - a certificate's serial and exact TBSCertificate are recorded (`pending`) before
//!   the key signs, the signed certificate after (`issued`); a serial is never
//!   reused, even if signing failed (the row stays, marked `failed`);
//! - no two certificates share a subject CN (R-3.1-UNIQUE), enforced by a unique index;
//! - sequence letters are allocated per profile, person and fiscal year and never
//!   handed out twice;
//! - each CRL number is the previous one plus one, allocated and recorded in one
//!   transaction with the CRL it numbers.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::audit::{self, Audited, Checkpoint, Entry};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};

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

fn db(e: rusqlite::Error) -> Error {
    Error::Store(e.to_string())
}

/// The embedded SQLite store.
pub struct SqliteStore {
    conn: Connection,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    serial TEXT PRIMARY KEY,
    profile TEXT NOT NULL,
    issuer TEXT,
    subject TEXT NOT NULL,
    subject_cn TEXT,
    not_before INTEGER NOT NULL,
    not_after INTEGER NOT NULL,
    tbs BLOB NOT NULL,
    der BLOB,
    status TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'failed')),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    reason TEXT,
    reason_code INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS certificates_subject_cn ON certificates(subject_cn) WHERE subject_cn IS NOT NULL;
-- Covers the CRL query, so a CRL reads only revocations, never certificate bodies.
CREATE INDEX IF NOT EXISTS certificates_revoked ON certificates(issuer, serial, revoked_at, reason_code, not_after) WHERE revoked_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS sequences (
    profile TEXT NOT NULL,
    identity TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    next INTEGER NOT NULL,
    PRIMARY KEY (profile, identity, fiscal_year)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    retention TEXT NOT NULL,
    details TEXT NOT NULL,
    prev BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    at INTEGER NOT NULL,
    signature BLOB NOT NULL,
    anchor INTEGER NOT NULL,
    PRIMARY KEY (seq, anchor)
);
CREATE TABLE IF NOT EXISTS crls (
    issuer TEXT NOT NULL,
    number INTEGER NOT NULL,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL,
    der BLOB NOT NULL,
    PRIMARY KEY (issuer, number)
);
";

/// The next sequence letter of (profile, identity, fiscal year), inside `tx`.
fn allocate(
    tx: &Connection,
    profile: &str,
    identity: &str,
    fiscal_year: i64,
) -> Result<Result<u8>> {
    let next: i64 = tx
        .query_row(
            "SELECT next FROM sequences WHERE profile = ?1 AND identity = ?2 AND fiscal_year = ?3",
            params![profile, identity, fiscal_year],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?
        .unwrap_or(0);
    tx.execute(
        "INSERT INTO sequences (profile, identity, fiscal_year, next) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (profile, identity, fiscal_year) DO UPDATE SET next = excluded.next",
        params![profile, identity, fiscal_year, next + 1],
    )
    .map_err(db)?;
    Ok(u8::try_from(next).map_err(|_| Error::Store(format!("sequence {next} out of range"))))
}

impl SqliteStore {
    /// Allocates the next sequence letters, in order, in one transaction.
    fn allocate_sequences(&mut self, wanted: &[(&str, &str, i64)]) -> Result<Vec<Result<u8>>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let mut out = Vec::with_capacity(wanted.len());
        for &(profile, identity, fiscal_year) in wanted {
            out.push(allocate(&tx, profile, identity, fiscal_year)?);
        }
        tx.commit().map_err(db)?;
        Ok(out)
    }

    /// The file name of the store inside a CA directory.
    pub const FILE: &'static str = "ca.sqlite";

    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        Ok(SqliteStore { conn })
    }

    fn record(row: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
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
}

fn hash32(v: Vec<u8>) -> [u8; 32] {
    let mut out = [0u8; 32];
    if v.len() == 32 {
        out.copy_from_slice(&v);
    }
    out
}

/// The chain tip inside a transaction: the last entry, else the newest anchor, else genesis.
fn tip(conn: &Connection) -> Result<(u64, [u8; 32])> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)?;
    if let Some((seq, hash)) = last {
        return Ok((seq as u64, hash32(hash)));
    }
    let anchor: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_checkpoints WHERE anchor = 1 ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)?;
    Ok(anchor.map_or((0, audit::GENESIS), |(s, h)| (s as u64, hash32(h))))
}

/// Appends entries to the chain on `conn`, which must be inside a transaction.
/// Other components that keep their own tables in the CA's database (the RA) call
/// this inside their transactions, so a change and its audit entry commit together.
pub fn append_audit(conn: &Connection, entries: &[Audited]) -> Result<()> {
    append(conn, entries)
}

fn append(conn: &Connection, entries: &[Audited]) -> Result<()> {
    let (mut seq, mut prev) = tip(conn)?;
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
        conn.execute(
            "INSERT INTO audit (seq, at, actor, event, retention, details, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![seq as i64, e.at.unix(), e.actor, e.event, a.retention, e.details, prev.to_vec(), hash.to_vec()],
        )
        .map_err(db)?;
        prev = hash;
    }
    conn.execute("INSERT INTO meta (key, value) VALUES ('audit_head', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![seq.to_string()]).map_err(db)?;
    Ok(())
}

/// Sets a pending record's certificate and status.
fn mark_issued(conn: &Connection, serial: &str, der: &[u8]) -> Result<()> {
    let n = conn.execute("UPDATE certificates SET der = ?2, status = 'issued' WHERE serial = ?1 AND status = 'pending'", params![serial, der]).map_err(db)?;
    if n != 1 {
        return Err(Error::Store(format!("serial {serial} was not pending")));
    }
    Ok(())
}

/// Inserts a pending record; a taken name or serial is its own error.
fn insert_pending(conn: &Connection, p: &Pending<'_>) -> Result<()> {
    let r = conn.execute(
            "INSERT INTO certificates (serial, profile, issuer, subject, subject_cn, not_before, not_after, tbs, status, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)",
            params![p.serial, p.profile, p.issuer, p.subject, p.subject_cn, p.not_before.unix(), p.not_after.unix(), p.tbs, p.created_at.unix()],
        );
    match r {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, Some(msg)))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            if msg.contains("subject_cn") {
                Err(Error::DuplicateName(
                    p.subject_cn.unwrap_or_default().to_string(),
                ))
            } else {
                Err(Error::Store(format!(
                    "serial {} already recorded",
                    p.serial
                )))
            }
        }
        Err(e) => Err(db(e)),
    }
}

const RECORD_COLUMNS: &str =
    "serial, profile, issuer, subject, status, not_after, der, revoked_at, reason, reason_code";

impl Store for SqliteStore {
    fn next_sequence(&mut self, profile: &str, identity: &str, fiscal_year: i64) -> Result<u8> {
        self.next_sequences(&[(profile, identity, fiscal_year)])?
            .pop()
            .unwrap_or_else(|| Err(Error::Store("no sequence letter was allocated".into())))
    }

    fn next_sequences(&mut self, wanted: &[(&str, &str, i64)]) -> Result<Vec<Result<u8>>> {
        // This commit need not reach the disk on its own: in WAL mode frames are
        // durable in order, and the pending record of the certificate that uses the
        // letter commits with synchronous = FULL before anything is signed, which syncs
        // this frame too. A letter lost to a power cut was in no signed certificate.
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        let allocated = self.allocate_sequences(wanted);
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        allocated
    }

    fn reserve(&mut self, p: &Pending<'_>) -> Result<()> {
        insert_pending(&self.conn, p)
    }

    fn reserve_many(&mut self, pending: &[Pending<'_>]) -> Result<Vec<Result<()>>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        // A failed INSERT undoes only itself; the others stay in the transaction.
        let outcomes = pending.iter().map(|p| insert_pending(&tx, p)).collect();
        tx.commit().map_err(db)?;
        Ok(outcomes)
    }

    fn complete_many(&mut self, completed: &[Completed<'_>], failed: &[&str]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        for c in completed {
            mark_issued(&tx, c.serial, c.der)?;
            append(&tx, c.audit)?;
        }
        for serial in failed {
            tx.execute("UPDATE certificates SET status = 'failed' WHERE serial = ?1 AND status = 'pending'", params![serial]).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    fn complete(&mut self, serial: &str, der: &[u8], audit: &[Audited]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        mark_issued(&tx, serial, der)?;
        append(&tx, audit)?;
        tx.commit().map_err(db)
    }

    fn abandon(&mut self, serial: &str) -> Result<()> {
        self.conn.execute("UPDATE certificates SET status = 'failed' WHERE serial = ?1 AND status = 'pending'", params![serial]).map_err(db)?;
        Ok(())
    }

    fn certificate(&self, serial: &str) -> Result<Option<Record>> {
        self.conn
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM certificates WHERE serial = ?1"),
                params![serial],
                Self::record,
            )
            .optional()
            .map_err(db)
    }

    fn certificates(&self, profile: &str) -> Result<Vec<Record>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {RECORD_COLUMNS} FROM certificates WHERE profile = ?1 AND status = 'issued' ORDER BY created_at, serial")).map_err(db)?;
        let rows = stmt.query_map(params![profile], Self::record).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn pending(&self) -> Result<Vec<Record>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {RECORD_COLUMNS} FROM certificates WHERE status = 'pending' ORDER BY created_at, serial")).map_err(db)?;
        let rows = stmt.query_map([], Self::record).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn revoke(
        &mut self,
        serial: &str,
        at: Timestamp,
        reason: &str,
        code: u8,
        audit: &[Audited],
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let state: Option<(String, Option<i64>)> = tx
            .query_row(
                "SELECT status, revoked_at FROM certificates WHERE serial = ?1",
                params![serial],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        match state {
            None => return Err(Error::UnknownSerial(serial.to_string())),
            Some((_, Some(_))) => return Err(Error::AlreadyRevoked(serial.to_string())),
            // A pending record may have been signed by a process that died before
            // recording it: it is revocable, so the CRL covers whatever may exist.
            Some((status, None)) if status != "issued" && status != "pending" => {
                return Err(Error::UnknownSerial(format!(
                    "{serial} (never issued: {status})"
                )));
            }
            Some(_) => {}
        }
        tx.execute("UPDATE certificates SET revoked_at = ?2, reason = ?3, reason_code = ?4 WHERE serial = ?1", params![serial, at.unix(), reason, code]).map_err(db)?;
        append(&tx, audit)?;
        tx.commit().map_err(db)
    }

    fn revoke_many(
        &mut self,
        serials: &[String],
        at: Timestamp,
        reason: &str,
        code: u8,
        audit: &[Audited],
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        for serial in serials {
            let n = tx
                .execute(
                    "UPDATE certificates SET revoked_at = ?2, reason = ?3, reason_code = ?4 WHERE serial = ?1 AND status = 'issued' AND revoked_at IS NULL",
                    params![serial, at.unix(), reason, code],
                )
                .map_err(db)?;
            if n != 1 {
                return Err(Error::UnknownSerial(format!(
                    "{serial} (not an unrevoked issued certificate)"
                )));
            }
        }
        append(&tx, audit)?;
        tx.commit().map_err(db)
    }

    fn each_revoked_unexpired(
        &self,
        issuer: &str,
        at: Timestamp,
        each: &mut dyn FnMut(Revoked) -> Result<()>,
    ) -> Result<()> {
        // Served by the partial index `certificates_revoked` alone. Serials are lower-case
        // hex of whole octets, so text order (memcmp) is the order of their bytes.
        let mut stmt = self
            .conn
            .prepare("SELECT serial, revoked_at, reason_code FROM certificates WHERE issuer = ?1 AND revoked_at IS NOT NULL AND not_after >= ?2 ORDER BY serial")
            .map_err(db)?;
        let mut rows = stmt.query(params![issuer, at.unix()]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let t: i64 = row.get(1).map_err(db)?;
            each(Revoked {
                serial: row.get(0).map_err(db)?,
                revoked_at: Timestamp::from_unix(t)
                    .ok_or_else(|| Error::Store(format!("revocation time {t} out of range")))?,
                reason_code: row.get(2).map_err(db)?,
            })?;
        }
        Ok(())
    }

    fn with_next_crl_number(
        &mut self,
        issuer: &str,
        build: &mut dyn FnMut(u64) -> Result<BuiltCrl>,
    ) -> Result<(u64, Vec<u8>)> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let last: Option<i64> = tx
            .query_row(
                "SELECT MAX(number) FROM crls WHERE issuer = ?1",
                params![issuer],
                |r| r.get(0),
            )
            .map_err(db)?;
        let number = u64::try_from(last.unwrap_or(0) + 1)
            .map_err(|_| Error::Store("CRL number out of range".into()))?;
        let BuiltCrl {
            this_update,
            next_update,
            der,
            audit,
        } = build(number)?;
        // The DER is written through SQLite's blob I/O rather than bound as a value,
        // which SQLite would first copy whole: a 50 MB CRL is not held twice.
        let len = i64::try_from(der.len()).map_err(|_| Error::Store("CRL too large".into()))?;
        tx.execute(
            "INSERT INTO crls (issuer, number, this_update, next_update, der) VALUES (?1, ?2, ?3, ?4, zeroblob(?5))",
            params![issuer, i64::try_from(number).unwrap_or(i64::MAX), this_update.unix(), next_update.unix(), len],
        )
        .map_err(db)?;
        let row = tx.last_insert_rowid();
        {
            use std::io::Write as _;
            let mut blob = tx
                .blob_open(rusqlite::MAIN_DB, "crls", "der", row, false)
                .map_err(db)?;
            blob.write_all(&der)
                .map_err(|e| Error::Store(format!("writing the CRL: {e}")))?;
        }
        append(&tx, &audit)?;
        tx.commit().map_err(db)?;
        Ok((number, der))
    }

    fn crls(&self, issuer: &str) -> Result<Vec<(u64, Vec<u8>)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT number, der FROM crls WHERE issuer = ?1 ORDER BY number")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![issuer], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn latest_crl_update(&self, issuer: &str) -> Result<Option<Timestamp>> {
        let t: Option<i64> = self
            .conn
            .query_row(
                "SELECT MAX(this_update) FROM crls WHERE issuer = ?1",
                params![issuer],
                |r| r.get(0),
            )
            .map_err(db)?;
        t.map(|t| {
            Timestamp::from_unix(t)
                .ok_or_else(|| Error::Store(format!("CRL time {t} out of range")))
        })
        .transpose()
    }

    fn latest_crl(&self, issuer: &str) -> Result<Option<(u64, Vec<u8>)>> {
        // Read through blob I/O: selecting the column would have SQLite build the
        // whole value before it is copied out (a 50 MB CRL held twice).
        let Some((number, row)) = self
            .conn
            .query_row(
                "SELECT number, rowid FROM crls WHERE issuer = ?1 ORDER BY number DESC LIMIT 1",
                params![issuer],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()
            .map_err(db)?
        else {
            return Ok(None);
        };
        use std::io::Read as _;
        let mut blob = self
            .conn
            .blob_open(rusqlite::MAIN_DB, "crls", "der", row, true)
            .map_err(db)?;
        let mut der = Vec::with_capacity(blob.len());
        blob.read_to_end(&mut der)
            .map_err(|e| Error::Store(format!("reading CRL {number}: {e}")))?;
        let number =
            u64::try_from(number).map_err(|_| Error::Store("CRL number out of range".into()))?;
        Ok(Some((number, der)))
    }

    fn audit(&mut self, entries: &[Audited]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        append(&tx, entries)?;
        tx.commit().map_err(db)
    }

    fn audit_entries(&self) -> Result<Vec<Entry>> {
        let mut stmt = self.conn.prepare("SELECT seq, at, actor, event, retention, details, prev, hash FROM audit ORDER BY seq").map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                let at: i64 = r.get(1)?;
                Ok(Entry {
                    seq: r.get::<_, i64>(0)? as u64,
                    at: Timestamp::from_unix(at).unwrap_or(crate::calendar::MIN),
                    actor: r.get(2)?,
                    event: r.get(3)?,
                    retention: r.get(4)?,
                    details: r.get(5)?,
                    prev: hash32(r.get(6)?),
                    hash: hash32(r.get(7)?),
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let mut stmt = self.conn.prepare("SELECT seq, hash, at, signature, anchor FROM audit_checkpoints ORDER BY seq, anchor").map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                let at: i64 = r.get(2)?;
                Ok(Checkpoint {
                    seq: r.get::<_, i64>(0)? as u64,
                    hash: hash32(r.get(1)?),
                    at: Timestamp::from_unix(at).unwrap_or(crate::calendar::MIN),
                    signature: r.get(3)?,
                    anchor: r.get::<_, i64>(4)? == 1,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn audit_tip(&self) -> Result<(u64, [u8; 32])> {
        tip(&self.conn)
    }

    fn audit_head(&self) -> Result<Option<u64>> {
        Ok(self.meta("audit_head")?.and_then(|h| h.parse().ok()))
    }

    fn add_checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO audit_checkpoints (seq, hash, at, signature, anchor) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![c.seq as i64, c.hash.to_vec(), c.at.unix(), c.signature, i64::from(c.anchor)],
            )
            .map_err(db)?;
        Ok(())
    }

    fn purge_audit(&mut self, anchor: &Checkpoint, purge_event: &Audited) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        tx.execute(
            "INSERT OR REPLACE INTO audit_checkpoints (seq, hash, at, signature, anchor) VALUES (?1, ?2, ?3, ?4, 1)",
            params![anchor.seq as i64, anchor.hash.to_vec(), anchor.at.unix(), anchor.signature],
        )
        .map_err(db)?;
        tx.execute(
            "DELETE FROM audit WHERE seq <= ?1",
            params![anchor.seq as i64],
        )
        .map_err(db)?;
        // Ordinary checkpoints of purged entries go too; the anchor stands for them.
        tx.execute(
            "DELETE FROM audit_checkpoints WHERE seq < ?1 AND anchor = 0",
            params![anchor.seq as i64],
        )
        .map_err(db)?;
        append(&tx, std::slice::from_ref(purge_event))?;
        tx.commit().map_err(db)
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![key, value]).map_err(db)?;
        Ok(())
    }
}
