//! The store's writes of issuance, for one record or a batch: sequence letters
//! allocated, pending records inserted before signing, certificates and their audit
//! entries recorded after, failures marked. A batch goes in a statement per chunk of
//! rows ([`Tx::row_chunks`]), each row keeping its own answer: on PostgreSQL a
//! statement is a round trip, and a batch of 30 enrollments made about twelve per
//! enrollment when each row had its own.

use std::collections::{HashMap, HashSet};

use super::chain::append_audit;
use super::interface::{Completed, Pending};
use crate::args;
use crate::error::{Error, Result};
use crate::sql::{Cast, Db, Param, Tx, values_text};

/// The next sequence letters of each (profile, identity, fiscal year) wanted, in
/// order: one atomic upsert per distinct key, a statement per chunk of keys. A key
/// wanted `k` times moves its counter by `k` and its letters are handed out in the
/// order they were wanted.
pub(super) fn allocate_many(
    tx: &mut Tx<'_>,
    wanted: &[(&str, &str, i64)],
) -> Result<Vec<Result<u8>>> {
    let mut count: HashMap<(&str, &str, i64), i64> = HashMap::new();
    let mut keys = Vec::new();
    for &key in wanted {
        let n = count.entry(key).or_insert(0);
        if *n == 0 {
            keys.push(key);
        }
        *n += 1;
    }
    // Each key's counter after its upsert.
    let mut last: HashMap<(String, String, i64), i64> = HashMap::new();
    for rows in tx.row_chunks(keys.len()) {
        let chunk = &keys[rows];
        let params: Vec<Param<'_>> = chunk
            .iter()
            .flat_map(|&(profile, identity, year)| {
                [
                    Param::Text(profile),
                    Param::Text(identity),
                    Param::Int(year),
                    Param::Int(count[&(profile, identity, year)]),
                ]
            })
            .collect();
        let text = values_text(
            "INSERT INTO sequences (profile, identity, fiscal_year, next)",
            4,
            chunk.len(),
            " ON CONFLICT (profile, identity, fiscal_year) DO UPDATE SET next = sequences.next + excluded.next
             RETURNING profile, identity, fiscal_year, next",
        );
        for row in tx.query(&text, &params)? {
            last.insert((row.get(0)?, row.get(1)?, row.get(2)?), row.get(3)?);
        }
    }
    let mut handed: HashMap<(&str, &str, i64), i64> = HashMap::new();
    wanted
        .iter()
        .map(|&key @ (profile, identity, year)| {
            let after = *last
                .get(&(profile.to_string(), identity.to_string(), year))
                .ok_or(Error::Internal("the sequence upsert returned nothing"))?;
            let k = handed.entry(key).or_insert(0);
            let index = after - count[&key] + *k;
            *k += 1;
            Ok(u8::try_from(index)
                .map_err(|_| Error::Corrupt(format!("sequence counter {index} is out of range"))))
        })
        .collect()
}

/// Records signed certificates with their audit entries and marks failed ones.
pub(super) fn complete_in(
    tx: &mut Tx<'_>,
    completed: &[Completed<'_>],
    failed: &[&str],
) -> Result<()> {
    mark_issued_many(tx, completed)?;
    // One append for the batch: the chain's lock and tip are taken once, and the
    // entries go in the order of the certificates.
    append_audit(tx, completed.iter().flat_map(|c| c.audit))?;
    for serial in failed {
        mark_failed(tx, serial)?;
    }
    Ok(())
}

/// Sets a pending record's certificate and status.
pub(super) fn mark_issued(tx: &mut Tx<'_>, serial: &str, der: &[u8]) -> Result<()> {
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

/// [`mark_issued`] for a batch, a statement per chunk.
fn mark_issued_many(tx: &mut Tx<'_>, completed: &[Completed<'_>]) -> Result<()> {
    for rows in tx.row_chunks(completed.len()) {
        let chunk = &completed[rows];
        let params: Vec<Param<'_>> = chunk
            .iter()
            .flat_map(|c| [Param::Text(c.serial), Param::Blob(c.der)])
            .collect();
        let text = tx.keyed_update_text(
            "UPDATE certificates SET status = 'issued',",
            "serial",
            &[("der", Cast::Blob)],
            chunk.len(),
            " AND status = 'pending'",
        );
        let n = tx.execute(&text, &params)?;
        if n != chunk.len() as u64 {
            let serials: Vec<&str> = chunk.iter().map(|c| c.serial).collect();
            return Err(Error::Corrupt(format!(
                "{} of the records of serials {} stopped being pending while they were signed",
                chunk.len() as u64 - n.min(chunk.len() as u64),
                serials.join(", ")
            )));
        }
    }
    Ok(())
}

const INSERT_PENDING: &str = "INSERT INTO certificates (serial, profile, issuer, subject, subject_cn, not_before, not_after, tbs, status, created_at)";

/// A pending record's values, in [`INSERT_PENDING`]'s order.
fn pending_row<'p>(p: &'p Pending<'_>) -> [Param<'p>; 10] {
    [
        Param::Text(p.serial),
        Param::Text(p.profile),
        p.issuer.into(),
        Param::Text(p.subject),
        p.subject_cn.into(),
        Param::Int(p.not_before.unix()),
        Param::Int(p.not_after.unix()),
        Param::Blob(p.tbs),
        Param::Text("pending"),
        Param::Int(p.created_at.unix()),
    ]
}

/// Records pending records in one durable transaction, each with its own answer
/// ([`insert_pending_many`]). When the batch's shared statement fails whole (a
/// database refusal that is not a taken name or serial, such as text PostgreSQL cannot
/// hold, which on PostgreSQL also aborts the transaction), the batch is written again
/// in a new transaction, each record on its own, so that only the records at fault
/// are refused.
pub(super) fn reserve_in(db: &Db, pending: &[Pending<'_>]) -> Result<Vec<Result<()>>> {
    match db.write(|tx| insert_pending_many(tx, pending)) {
        Ok(answers) => Ok(answers),
        Err(e) => {
            tracing::warn!(
                error = %crate::error::report(&e),
                records = pending.len(),
                "a batch's pending records were refused together; writing them one at a time"
            );
            db.write(|tx| pending.iter().map(|p| insert_pending_one(tx, p)).collect())
        }
    }
}

/// Inserts pending records, each with its own answer: a taken name or serial is that
/// record's error and undoes only its insert, and of two records of the batch with
/// the same name or serial the first wins. The records go in a statement per chunk that
/// skips a taken name or serial (`ON CONFLICT DO NOTHING`) and returns the serials it
/// inserted. Only the first record of each serial and of each name goes in it, so a
/// returned serial is one record's; every other record, and each one skipped, is then
/// inserted on its own, in the batch's order, for its own answer.
fn insert_pending_many(tx: &mut Tx<'_>, pending: &[Pending<'_>]) -> Result<Vec<Result<()>>> {
    let mut serials = HashSet::new();
    let mut names = HashSet::new();
    let together: Vec<usize> = (0..pending.len())
        .filter(|&i| {
            let p = &pending[i];
            // Both noted whatever the other is, for the records after this one.
            let first_serial = serials.insert(p.serial);
            let first_name = p.subject_cn.is_none_or(|n| names.insert(n));
            first_serial && first_name
        })
        .collect();
    let mut inserted = HashSet::new();
    for rows in tx.row_chunks(together.len()) {
        let chunk = &together[rows];
        let params: Vec<Param<'_>> = chunk
            .iter()
            .flat_map(|&i| pending_row(&pending[i]))
            .collect();
        let text = values_text(
            INSERT_PENDING,
            10,
            chunk.len(),
            " ON CONFLICT DO NOTHING RETURNING serial",
        );
        for row in tx.query(&text, &params)? {
            inserted.insert(row.get::<String>(0)?);
        }
    }
    let mut answers = Vec::with_capacity(pending.len());
    let mut shared = together.into_iter().peekable();
    for (i, p) in pending.iter().enumerate() {
        let went_in = shared.next_if_eq(&i).is_some() && inserted.contains(p.serial);
        answers.push(if went_in {
            Ok(())
        } else {
            insert_pending_one(tx, p)?
        });
    }
    Ok(answers)
}

/// Inserts one pending record; its refusal is its answer and undoes only itself.
fn insert_pending_one(tx: &mut Tx<'_>, p: &Pending<'_>) -> Result<Result<()>> {
    let text = values_text(INSERT_PENDING, 10, 1, "");
    Ok(match tx.try_execute(&text, &pending_row(p))? {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.constraint() {
            Some(c) if c.contains("subject_cn") => {
                Error::DuplicateName(p.subject_cn.unwrap_or_default().to_string())
            }
            _ => e.into(),
        }),
    })
}

/// Marks a pending record failed (its signature never happened).
pub(super) fn mark_failed(tx: &mut Tx<'_>, serial: &str) -> Result<()> {
    tx.execute(
        "UPDATE certificates SET status = 'failed' WHERE serial = ?1 AND status = 'pending'",
        args![serial],
    )?;
    Ok(())
}
