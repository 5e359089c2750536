//! What the CA asks of its store: the [`Store`] trait, and the records it takes and
//! gives back.

use crate::audit::{Audited, Checkpoint, Entry};
use crate::calendar::Timestamp;
use crate::error::Result;

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

/// The newest CRL of an issuer, without its entries: what a monitor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrlHead {
    /// Its CRL number.
    pub number: u64,
    /// Its thisUpdate.
    pub this_update: Timestamp,
    /// Its nextUpdate.
    pub next_update: Timestamp,
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
    /// [`Store::complete_many`] in a commit that does not wait for the disk: durable
    /// with the next durable commit on the same store (see
    /// [`crate::sql::Db::write_relaxed`]), which the caller makes before it hands any
    /// of these certificates out. A store without such commits makes it durable.
    fn complete_many_relaxed(
        &mut self,
        completed: &[Completed<'_>],
        failed: &[&str],
    ) -> Result<()> {
        self.complete_many(completed, failed)
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
    /// The newest CRL of `issuer`: its number and times, without its entries.
    fn latest_crl_head(&self, issuer: &str) -> Result<Option<CrlHead>>;
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
    /// Where the store's database is (a backup reads it through a connection of its own).
    fn location(&self) -> Result<crate::sql::Location>;
    /// Marks sequence index `used` of a person in a fiscal year as taken, so the next
    /// allocation is past it (a certificate recorded at a restore).
    fn mark_sequence_used(
        &mut self,
        profile: &str,
        identity: &str,
        fiscal_year: i64,
        used: u8,
    ) -> Result<()>;
    /// Records a CRL the CA signed and published that this store lacks (a restore from
    /// an earlier backup), with its audit entries, under the issuer's lock; refused
    /// unless its number is above every one recorded.
    fn record_crl(
        &mut self,
        issuer: &str,
        number: u64,
        this_update: Timestamp,
        next_update: Timestamp,
        der: &[u8],
        audit: &[Audited],
    ) -> Result<()>;
}
