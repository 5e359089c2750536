//! Backups of a CA and restores from them (CPS 5.7.2: data that is damaged is
//! restored from its backup).
//!
//! A backup ([`Ca::backup`]) is one file, a gzipped tar holding:
//!
//! - `manifest.json`: the [`Manifest`] (policy and its hash, the audit head, the newest
//!   CRL number of each issuer, each table's columns, row count and SHA-256, each
//!   file's SHA-256), then `manifest.sig`, its Ed25519 signature by the audit key;
//! - `files/...`: the directory's files (`inkan.toml`, the CA certificates, the key
//!   files as they lie on disk — encrypted under the activation secret, never a clear
//!   key or a share — and the ceremony transcripts), the database file excepted;
//! - `tables/<name>.jsonl`: every table of the store, read in one read-only snapshot
//!   (SQLite's WAL snapshot, PostgreSQL's REPEATABLE READ) while the CA goes on
//!   issuing, one JSON array per row. Store-neutral: a backup of an SQLite CA restores
//!   into PostgreSQL and back.
//!
//! The file is written beside its destination and renamed into place once synced, so a
//! backup is whole or absent.
//!
//! A restore ([`restore`]) checks the file, its manifest's signature and the audit
//! chain before anything is written where the CA will live, then reconciles the
//! backup with what the CA published after it (`reconcile.rs`): the published CRLs
//! (their numbers, their revocations), and certificates issued after the backup that
//! their holders still have. See `restore.rs`.

mod archive;
mod manifest;
mod reconcile;
mod restore;
mod take;

pub use manifest::{FORMAT, Head, Manifest, Table};
pub use reconcile::Reconciled;
pub use restore::{RestoreOptions, Restored, restore};
pub use take::PendingBackup;
