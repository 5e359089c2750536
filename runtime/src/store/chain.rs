//! The audit chain in the store: appending under the chain's lock (so its tip is read
//! after every earlier append, on any server), reading entries and checkpoints, and
//! purging a prefix behind a signed anchor.

use crate::args;
use crate::audit::{self, Audited, Checkpoint, Entry};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::sql::error::SqlError;
use crate::sql::{Db, Param, Row, Tx};

/// The lock every audit append holds: one chain, one order.
const AUDIT_LOCK: &str = "inkan-audit-chain";

/// A 32-byte hash from a column (zeros if it is not 32 bytes long).
pub(super) fn hash32(v: Vec<u8>) -> [u8; 32] {
    let mut out = [0u8; 32];
    if v.len() == 32 {
        out.copy_from_slice(&v);
    }
    out
}

/// The chain tip: the last entry, else the newest anchor, else genesis.
/// `first_row` runs a query and returns its first row: inside the appending
/// transaction, or on the connection for a plain read (no write lock taken).
pub(super) fn tip(
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
pub fn append_audit<'a>(
    tx: &mut Tx<'_>,
    entries: impl IntoIterator<Item = &'a Audited>,
) -> Result<()> {
    let entries: Vec<&Audited> = entries.into_iter().collect();
    if entries.is_empty() {
        return Ok(());
    }
    tx.lock(AUDIT_LOCK)?;
    let (mut seq, mut prev) = tip(|sql| tx.query_opt(sql, args![]))?;
    // Each entry's sequence number, the hash it follows and its own; then all of
    // them in as few statements as the batch allows.
    let mut links = Vec::with_capacity(entries.len());
    for a in &entries {
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
        links.push((seq_i, prev, hash));
        prev = hash;
    }
    let params: Vec<Param<'_>> = entries
        .iter()
        .zip(&links)
        .flat_map(|(a, (seq, prev, hash))| {
            let e = &a.event;
            [
                Param::Int(*seq),
                Param::Int(e.at.unix()),
                Param::Text(&e.actor),
                Param::Text(e.event),
                Param::Text(&a.retention),
                Param::Text(&e.details),
                Param::Blob(&prev[..]),
                Param::Blob(&hash[..]),
            ]
        })
        .collect();
    // The head moves in the same statement as the last entries on PostgreSQL.
    let head = seq.to_string();
    tx.insert_rows_then(
        "INSERT INTO audit (seq, at, actor, event, retention, details, prev, hash)",
        8,
        &params,
        &|n| format!("INSERT INTO meta (key, value) VALUES ('audit_head', ?{n}) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
        args![&head],
    )?;
    Ok(())
}

/// Stores a checkpoint, replacing one of the same place.
pub(super) fn put_checkpoint(tx: &mut Tx<'_>, c: &Checkpoint) -> Result<()> {
    let seq = i64::try_from(c.seq).map_err(|_| Error::Internal("audit sequence out of range"))?;
    tx.execute(
        "INSERT INTO audit_checkpoints (seq, hash, at, signature, anchor) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (seq, anchor) DO UPDATE SET hash = excluded.hash, at = excluded.at, signature = excluded.signature",
        args![seq, &c.hash[..], c.at.unix(), &c.signature, c.anchor],
    )?;
    Ok(())
}

/// Every entry, in chain order.
pub(super) fn entries(db: &Db) -> Result<Vec<Entry>> {
    db.query(
        "SELECT seq, at, actor, event, retention, details, prev, hash FROM audit ORDER BY seq",
        args![],
    )?
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

/// Every checkpoint, anchors included.
pub(super) fn checkpoints(db: &Db) -> Result<Vec<Checkpoint>> {
    db.query(
        "SELECT seq, hash, at, signature, anchor FROM audit_checkpoints ORDER BY seq, anchor",
        args![],
    )?
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

/// The chain's tip, read without taking the chain's lock.
pub(super) fn tip_of(db: &Db) -> Result<(u64, [u8; 32])> {
    tip(|sql| db.query_opt(sql, args![]))
}

/// Removes the entries up to `anchor`, which stands for them from now on, and audits
/// the purge, in one transaction.
pub(super) fn purge(db: &Db, anchor: &Checkpoint, purge_event: &Audited) -> Result<()> {
    let seq = i64::try_from(anchor.seq)
        .map_err(|_| Error::Corrupt("an audit sequence number is out of range".into()))?;
    db.write(|tx| {
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
