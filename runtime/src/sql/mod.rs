//! One SQL text, two databases: the embedded SQLite file and a shared PostgreSQL.
//!
//! The CA's store and the RA's records are written once, against [`Db`] and [`Tx`],
//! in the SQL both databases accept (`?1` placeholders, `INSERT .. ON CONFLICT`,
//! `RETURNING`); the dialects differ only in their migrations (`migrations/sqlite`,
//! `migrations/postgres`) and in the few places this module hides:
//!
//! - **Write transactions.** SQLite takes the database's write lock at `BEGIN
//!   IMMEDIATE`, so writers are serial. PostgreSQL runs at READ COMMITTED; a
//!   transaction that must see every earlier writer (the audit chain, CRL numbers)
//!   first takes a transaction-scoped advisory lock ([`Tx::lock`]), which SQLite needs
//!   no counterpart for. Counters are single `UPDATE .. RETURNING` statements, atomic
//!   on both.
//! - **Relaxed commits** ([`Db::write_relaxed`]): SQLite's `synchronous = NORMAL`,
//!   PostgreSQL's `synchronous_commit = off`. Both logs are sequential, so the next
//!   durable commit makes a relaxed one durable too.
//! - **Streaming reads** ([`Db::each`]): SQLite steps its cursor; PostgreSQL reads a
//!   portal a thousand rows at a time, so a million-row result is never held at once.
//! - **Errors** ([`SqlError`]): a database that is busy, full, unreachable or gone is
//!   `Unavailable` (the caller may retry), a broken constraint is `Constraint`, a
//!   stored value of the wrong shape is `Corrupt`, the rest is `Other`; each keeps
//!   the client's own error as its source. A PostgreSQL connection that closed is
//!   reopened on next use.
//!
//! - **Async callers.** The PostgreSQL client blocks on a runtime of its own, which
//!   must not start or stop inside a tokio runtime; `postgres.rs` moves each of its
//!   calls (and its drop) to a short-lived thread when the caller is inside one.
//!
//! Passwords never sit in a store URL: [`Location::parse`] refuses one, and the
//! PostgreSQL password comes from `INKAN_STORE_PASSWORD` (or the server's `pg_hba`
//! trusts the connection). With `INKAN_STORE_CA` (a PEM file) the connection is TLS,
//! required, and the server's certificate must chain to that CA and name the URL's host;
//! a URL with `sslmode=require` and no CA file is refused rather than left unverified.
//!
//! The files: `location.rs` (where the state lives), [`error`], `value.rs` (parameters,
//! rows and their conversions), `postgres.rs` (the PostgreSQL client's connection,
//! TLS, prepared statements and its runtime), `db.rs` (connections and
//! transactions over both) and `rows.rs` (a batch's rows in few statements).

mod db;
pub mod error;
mod location;
mod postgres;
mod rows;
mod tables;
mod value;

pub use db::{Db, Migration, Tx};
pub use error::{Driver, SqlError};
pub use location::Location;
pub use rows::{Cast, RowChunks, placeholders, row_chunks, values_text};
pub use tables::is_identifier;
pub use value::{FromValue, Param, Row, Value};
