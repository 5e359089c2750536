//! [`SqlStore`]: the [`Store`] over [`crate::sql`], one implementation for SQLite and
//! PostgreSQL. Certificates, revocations, sequence letters and settings are here; the
//! audit chain and CRLs are in their own files.

use super::chain::{self, append_audit, put_checkpoint};
use super::crls;
use super::interface::{BuiltCrl, Completed, CrlHead, Pending, Record, Revoked, Store};
use super::issuance::{allocate_many, complete_in, mark_failed, mark_issued, reserve_in};
use crate::args;
use crate::audit::{Audited, Checkpoint, Entry};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::sql::{Db, Location, Migration, Row};

/// The CA's schema, in both dialects.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "certificates, sequences, audit, checkpoints, CRLs",
    sqlite: include_str!("../../migrations/sqlite/0001_ca.sql"),
    postgres: include_str!("../../migrations/postgres/0001_ca.sql"),
}];

/// The CA's store, in SQLite or PostgreSQL.
pub struct SqlStore {
    db: Db,
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
        self.db.write_relaxed(|tx| allocate_many(tx, wanted))
    }

    fn reserve(&mut self, p: &Pending<'_>) -> Result<()> {
        let mut answers = reserve_in(&self.db, std::slice::from_ref(p))?;
        answers
            .pop()
            .unwrap_or(Err(Error::Internal("the pending record got no answer")))
    }

    fn reserve_many(&mut self, pending: &[Pending<'_>]) -> Result<Vec<Result<()>>> {
        reserve_in(&self.db, pending)
    }

    fn complete_many(&mut self, completed: &[Completed<'_>], failed: &[&str]) -> Result<()> {
        self.db.write(|tx| complete_in(tx, completed, failed))
    }

    fn complete_many_relaxed(
        &mut self,
        completed: &[Completed<'_>],
        failed: &[&str],
    ) -> Result<()> {
        self.db
            .write_relaxed(|tx| complete_in(tx, completed, failed))
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
        crls::next(&self.db, issuer, build)
    }

    fn crls(&self, issuer: &str) -> Result<Vec<(u64, Vec<u8>)>> {
        crls::all(&self.db, issuer)
    }

    fn latest_crl_head(&self, issuer: &str) -> Result<Option<CrlHead>> {
        crls::head(&self.db, issuer)
    }

    fn latest_crl_update(&self, issuer: &str) -> Result<Option<Timestamp>> {
        crls::latest_update(&self.db, issuer)
    }

    fn latest_crl(&self, issuer: &str) -> Result<Option<(u64, Vec<u8>)>> {
        crls::latest(&self.db, issuer)
    }

    fn audit(&mut self, entries: &[Audited]) -> Result<()> {
        self.db.write(|tx| append_audit(tx, entries))
    }

    fn audit_entries(&self) -> Result<Vec<Entry>> {
        chain::entries(&self.db)
    }

    fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        chain::checkpoints(&self.db)
    }

    fn audit_tip(&self) -> Result<(u64, [u8; 32])> {
        chain::tip_of(&self.db)
    }

    fn audit_head(&self) -> Result<Option<u64>> {
        Ok(self.meta("audit_head")?.and_then(|h| h.parse().ok()))
    }

    fn add_checkpoint(&mut self, c: &Checkpoint) -> Result<()> {
        self.db.write(|tx| put_checkpoint(tx, c))
    }

    fn purge_audit(&mut self, anchor: &Checkpoint, purge_event: &Audited) -> Result<()> {
        chain::purge(&self.db, anchor, purge_event)
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.db
            .query_opt("SELECT value FROM meta WHERE key = ?1", args![key])?
            .map(|r| r.get(0))
            .transpose()
            .map_err(Error::from)
    }

    fn location(&self) -> Result<crate::sql::Location> {
        Ok(self.db.location().clone())
    }

    fn mark_sequence_used(
        &mut self,
        profile: &str,
        identity: &str,
        fiscal_year: i64,
        used: u8,
    ) -> Result<()> {
        let next = i64::from(used) + 1;
        self.db.execute(
            "INSERT INTO sequences (profile, identity, fiscal_year, next) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (profile, identity, fiscal_year) DO UPDATE
             SET next = CASE WHEN sequences.next < excluded.next THEN excluded.next ELSE sequences.next END",
            args![profile, identity, fiscal_year, next],
        )?;
        Ok(())
    }

    fn record_crl(
        &mut self,
        issuer: &str,
        number: u64,
        this_update: Timestamp,
        next_update: Timestamp,
        der: &[u8],
        audit: &[Audited],
    ) -> Result<()> {
        crls::record(
            &self.db,
            issuer,
            number,
            this_update,
            next_update,
            der,
            audit,
        )
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            args![key, value],
        )?;
        Ok(())
    }
}
