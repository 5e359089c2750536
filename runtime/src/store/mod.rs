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
//!
//! The files: [`interface`] (the [`Store`] trait and the records it trades in),
//! `sql.rs` ([`SqlStore`]: certificates, revocations, sequence letters, settings),
//! `issuance.rs` (its writes of issuance, a batch in a statement per chunk of rows),
//! `chain.rs` (the audit chain and its checkpoints) and `crls.rs` (CRL numbers and
//! their storage).

mod chain;
mod crls;
pub mod interface;
mod issuance;
mod sql;

pub use chain::append_audit;
pub use interface::{BuiltCrl, Completed, CrlHead, Pending, Record, Revoked, Store};
pub use sql::{MIGRATIONS, SqlStore};
