//! CRLs in the store: the next number taken and the CRL recorded in one transaction
//! under the issuer's lock, large CRLs written and read through SQLite's blob I/O so
//! they are never held twice.

use super::chain::append_audit;
use super::interface::BuiltCrl;
use crate::args;
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::sql::Db;
use crate::sql::error::{Driver, SqlError};

/// Allocates the next CRL number of `issuer`, has `build` make the CRL, and records
/// it with its audit entries, all under the issuer's lock.
pub(super) fn next(
    db: &Db,
    issuer: &str,
    build: &mut dyn FnMut(u64) -> Result<BuiltCrl>,
) -> Result<(u64, Vec<u8>)> {
    db.write(|tx| {
        // One publisher per issuer at a time, across every server on the database.
        tx.lock(&format!("inkan-crl:{issuer}"))?;
        let last = last_number(tx, issuer)?;
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
                .map_err(|e| SqlError::Other(Driver::Blob(e)))?;
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

/// Records a CRL signed elsewhere (published before a restore), if its number is above
/// every recorded one of `issuer`.
pub(super) fn record(
    db: &Db,
    issuer: &str,
    number: u64,
    this_update: Timestamp,
    next_update: Timestamp,
    der: &[u8],
    audit: &[crate::audit::Audited],
) -> Result<()> {
    db.write(|tx| {
        tx.lock(&format!("inkan-crl:{issuer}"))?;
        let last = last_number(tx, issuer)?;
        let number_i =
            i64::try_from(number).map_err(|_| Error::Corrupt("a CRL number is out of range".into()))?;
        if last.is_some_and(|l| l >= number_i) {
            return Err(Error::Corrupt(format!(
                "CRL {number} of {issuer} is not above the newest recorded, {}",
                last.unwrap_or(0)
            )));
        }
        tx.execute(
            "INSERT INTO crls (issuer, number, this_update, next_update, der) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![issuer, number_i, this_update.unix(), next_update.unix(), der],
        )?;
        append_audit(tx, audit)?;
        Ok(())
    })
}

/// The highest CRL number recorded for `issuer`.
fn last_number(tx: &mut crate::sql::Tx<'_>, issuer: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT MAX(number) FROM crls WHERE issuer = ?1",
            args![issuer],
        )?
        .map(|r| r.get(0))
        .transpose()?
        .flatten())
}

/// Every CRL of `issuer`, oldest first.
pub(super) fn all(db: &Db, issuer: &str) -> Result<Vec<(u64, Vec<u8>)>> {
    db.query(
        "SELECT number, der FROM crls WHERE issuer = ?1 ORDER BY number",
        args![issuer],
    )?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .collect()
}

/// The newest CRL's thisUpdate.
/// The newest CRL of `issuer`: its number and times, without its entries.
pub(super) fn head(db: &Db, issuer: &str) -> Result<Option<super::interface::CrlHead>> {
    let Some(row) = db.query_opt(
        "SELECT number, this_update, next_update FROM crls WHERE issuer = ?1 ORDER BY number DESC LIMIT 1",
        args![issuer],
    )?
    else {
        return Ok(None);
    };
    let (number, this_update, next_update): (i64, i64, i64) =
        (row.get(0)?, row.get(1)?, row.get(2)?);
    let time = |t: i64| {
        Timestamp::from_unix(t)
            .ok_or_else(|| Error::Corrupt(format!("CRL time {t} is out of range")))
    };
    Ok(Some(super::interface::CrlHead {
        number: u64::try_from(number)
            .map_err(|_| Error::Corrupt(format!("CRL number {number} is out of range")))?,
        this_update: time(this_update)?,
        next_update: time(next_update)?,
    }))
}

pub(super) fn latest_update(db: &Db, issuer: &str) -> Result<Option<Timestamp>> {
    let t: Option<i64> = db
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

/// The newest CRL of `issuer`, with its number.
pub(super) fn latest(db: &Db, issuer: &str) -> Result<Option<(u64, Vec<u8>)>> {
    let sqlite = db.with_sqlite(|conn| {
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
            .map_err(|e| SqlError::Other(Driver::Blob(e)))?;
        Ok(Some((number, der)))
    });
    let latest = match sqlite {
        Some(r) => r?,
        None => db
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
