//! Connections and transactions over either database: [`Db`] (one connection, reopened
//! after PostgreSQL dropped it; migrations; durable and relaxed write transactions;
//! streamed reads) and [`Tx`] (statements inside a write transaction, savepoints,
//! advisory locks, portals).

use std::cell::RefCell;

use super::error::SqlError;
use super::location::Location;
use super::postgres::{
    Pg, Statements, blocking, connect_postgres, lock_key, postgres_params, prepared,
};
use super::value::{Param, Row};

/// Statements on a connection or inside a transaction, in either database.
enum Target<'b, 'c> {
    Sqlite(&'b rusqlite::Connection),
    Postgres(&'b mut postgres::Client, &'b mut Statements),
    PostgresTx(&'b mut postgres::Transaction<'c>, &'b mut Statements),
}

macro_rules! on_postgres {
    ($target:expr, $c:ident, $s:ident => $body:expr, $lite:ident => $lite_body:expr) => {
        match $target {
            Target::Sqlite($lite) => $lite_body,
            Target::Postgres($c, $s) => blocking(move || $body),
            Target::PostgresTx($c, $s) => blocking(move || $body),
        }
    };
}

impl Target<'_, '_> {
    fn execute(self, sql: &str, params: &[Param<'_>]) -> Result<u64, SqlError> {
        on_postgres!(self,
            c, s => {
                let statement = prepared(c, s, sql)?;
                Ok(c.execute(&statement, &postgres_params(params))?)
            },
            lite => Ok(lite.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))? as u64))
    }

    fn query(self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, SqlError> {
        on_postgres!(self,
        c, s => {
            let statement = prepared(c, s, sql)?;
            c.query(&statement, &postgres_params(params))?
                .iter()
                .map(Row::from_postgres)
                .collect()
        },
        lite => {
            let mut stmt = lite.prepare_cached(sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(params), Row::from_sqlite)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn batch(self, sql: &str) -> Result<(), SqlError> {
        on_postgres!(self, c, _s => Ok(c.batch_execute(sql)?), lite => Ok(lite.execute_batch(sql)?))
    }
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
    /// Only while a [`Db`] is dropped.
    Closed,
}

fn closed() -> SqlError {
    SqlError::usage("the connection is closed")
}

impl Conn {
    fn target(&mut self) -> Result<Target<'_, 'static>, SqlError> {
        match self {
            Conn::Sqlite(c) => Ok(Target::Sqlite(c)),
            Conn::Postgres(pg) => Ok(Target::Postgres(&mut pg.client, &mut pg.statements)),
            Conn::Closed => Err(closed()),
        }
    }
}

/// How a transaction commits, or that it only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Durable,
    Relaxed,
    Snapshot,
}

/// A connection to the store's database.
pub struct Db {
    conn: RefCell<Conn>,
    location: Location,
}

/// A write transaction. Dropped without [`Tx`] being committed (an error returned from
/// the closure of [`Db::write`]), it rolls back.
pub struct Tx<'c> {
    inner: TxInner<'c>,
}

enum TxInner<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Postgres(postgres::Transaction<'c>, &'c mut Statements),
}

impl<'c> Tx<'c> {
    fn target(&mut self) -> Target<'_, 'c> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Target::Sqlite(t),
            TxInner::Postgres(t, s) => Target::PostgresTx(t, s),
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64, SqlError> {
        self.target().execute(sql, params)
    }

    /// Runs a query; returns every row.
    pub fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, SqlError> {
        self.target().query(sql, params)
    }

    /// Runs a query; returns the first row, if any.
    pub fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, SqlError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a statement whose failure undoes only itself: the transaction goes on
    /// (PostgreSQL would otherwise abort it whole, so this sets a savepoint there).
    pub fn try_execute(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Result<u64, SqlError>, SqlError> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Ok(Target::Sqlite(t).execute(sql, params)),
            TxInner::Postgres(t, s) => blocking(move || {
                let mut sp = t.savepoint("attempt")?;
                let statement = prepared(&mut sp, s, sql)?;
                match sp.execute(&statement, &postgres_params(params)) {
                    Ok(n) => {
                        sp.commit()?;
                        Ok(Ok(n))
                    }
                    Err(e) => {
                        sp.rollback()?;
                        Ok(Err(SqlError::from(e)))
                    }
                }
            }),
        }
    }

    /// Waits for the transaction-scoped lock named `name`, held until commit or
    /// rollback, so that what this transaction reads next includes every earlier
    /// holder's writes. (SQLite's write transactions are already serial.)
    pub fn lock(&mut self, name: &str) -> Result<(), SqlError> {
        if let TxInner::Postgres(t, s) = &mut self.inner {
            let key = lock_key(name);
            blocking(move || {
                let statement = prepared(t, s, "SELECT pg_advisory_xact_lock(?1)")?;
                t.execute(&statement, &[&key])
            })?;
        }
        Ok(())
    }

    /// Streams a query's rows to `each`, in chunks on PostgreSQL.
    pub fn each<E: From<SqlError>>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        each: &mut dyn FnMut(Row) -> Result<(), E>,
    ) -> Result<(), E> {
        match &mut self.inner {
            TxInner::Sqlite(t) => sqlite_each(t, sql, params, each),
            TxInner::Postgres(t, s) => {
                let portal = blocking(|| {
                    let statement = prepared(t, s, sql)?;
                    t.bind(&statement, &postgres_params(params))
                })
                .map_err(SqlError::from)?;
                loop {
                    let rows =
                        blocking(|| t.query_portal(&portal, 1000)).map_err(SqlError::from)?;
                    let done = rows.len() < 1000;
                    for row in &rows {
                        each(Row::from_postgres(row)?)?;
                    }
                    if done {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// The SQLite connection under this transaction, for what only SQLite has (blob I/O
    /// on values too large to copy twice); `None` on PostgreSQL.
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            TxInner::Sqlite(t) => Some(t),
            TxInner::Postgres(..) => None,
        }
    }
}

fn sqlite_each<E: From<SqlError>>(
    c: &rusqlite::Connection,
    sql: &str,
    params: &[Param<'_>],
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    let mut stmt = c.prepare_cached(sql).map_err(SqlError::from)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(SqlError::from)?;
    while let Some(row) = rows.next().map_err(SqlError::from)? {
        each(Row::from_sqlite(row).map_err(SqlError::from)?)?;
    }
    Ok(())
}

/// Makes the database file, if it is not there, readable by its owner alone: it holds
/// password and token hashes and the CA's records. SQLite gives its journal and WAL
/// files the database file's permissions.
fn private_file(path: &std::path::Path) -> Result<(), SqlError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(SqlError::Config(format!(
            "cannot make {}: {e}",
            path.display()
        ))),
    }
}

/// One schema change, in both dialects.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Applied in increasing order, once.
    pub version: i64,
    /// What it does, for the record.
    pub name: &'static str,
    /// The SQLite text.
    pub sqlite: &'static str,
    /// The PostgreSQL text.
    pub postgres: &'static str,
}

/// How many prepared statements an SQLite connection keeps.
const STATEMENT_CACHE: usize = 256;

impl Db {
    /// Connects (creating an SQLite file if needed) and sets the connection up.
    pub fn open(location: &Location) -> Result<Db, SqlError> {
        let conn = match location {
            Location::Sqlite(path) => {
                private_file(path)?;
                let c = rusqlite::Connection::open(path)?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                // Without the query planner stability guarantee, SQLite compiles a
                // statement again when a parameter its plan looked at is bound anew,
                // cached statement or not: the password lookup's join was compiled
                // again for every password. One plan per statement is what we want;
                // none of ours needs a plan per value.
                c.set_db_config(
                    rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                    true,
                )?;
                c.execute_batch(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )?;
                // A batch's statements come in up to seven sizes each (`rows.rs`): with
                // rusqlite's 16 cached statements they pushed each other out and were
                // compiled again for every batch.
                c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                Conn::Sqlite(c)
            }
            Location::Postgres(url) => Conn::Postgres(Box::new(Pg {
                client: blocking(|| connect_postgres(url))?,
                statements: Statements::new(),
            })),
        };
        Ok(Db {
            conn: RefCell::new(conn),
            location: location.clone(),
        })
    }

    /// Where this connection goes.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The connection, reopened first if PostgreSQL closed it (a restart, a network cut).
    fn conn(&self) -> Result<std::cell::RefMut<'_, Conn>, SqlError> {
        let mut conn = self
            .conn
            .try_borrow_mut()
            .map_err(|_| SqlError::usage("the connection is already in use"))?;
        if matches!(*conn, Conn::Closed) {
            return Err(closed());
        }
        if let (Conn::Postgres(pg), Location::Postgres(url)) = (&mut *conn, &self.location)
            && pg.client.is_closed()
        {
            let fresh = Pg {
                client: blocking(|| connect_postgres(url))?,
                statements: Statements::new(),
            };
            let old = std::mem::replace(&mut **pg, fresh);
            blocking(move || drop(old));
        }
        Ok(conn)
    }

    /// Applies the migrations of `component` not yet applied, in order, each in its
    /// own transaction with its record in `schema_migrations`. Servers starting at once
    /// on one PostgreSQL take turns.
    pub fn migrate(&self, component: &str, steps: &[Migration]) -> Result<(), SqlError> {
        self.migrate_until(component, steps, i64::MAX)
    }

    /// [`Db::migrate`], only the steps up to version `last`: a restore makes the schema
    /// its backup was taken under, loads it, then brings it up to date.
    pub fn migrate_until(
        &self,
        component: &str,
        steps: &[Migration],
        last: i64,
    ) -> Result<(), SqlError> {
        self.write(|tx| {
            tx.lock("inkan-migrations")?;
            tx.target().batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    component TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    PRIMARY KEY (component, version))",
            )?;
            for step in steps.iter().filter(|s| s.version <= last) {
                let done = tx.query_opt(
                    "SELECT 1 FROM schema_migrations WHERE component = ?1 AND version = ?2",
                    &[Param::from(component), Param::Int(step.version)],
                )?;
                if done.is_none() {
                    let text = match tx.inner {
                        TxInner::Sqlite(_) => step.sqlite,
                        TxInner::Postgres(..) => step.postgres,
                    };
                    tx.target().batch(text)?;
                    tx.execute(
                        "INSERT INTO schema_migrations (component, version, name) VALUES (?1, ?2, ?3)",
                        &[
                            Param::from(component),
                            Param::Int(step.version),
                            Param::from(step.name),
                        ],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Runs `f` in a write transaction and commits if it succeeds.
    pub fn write<T, E: From<SqlError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(Mode::Durable, f)
    }

    /// [`Db::write`] with a commit that need not reach the disk by itself: the next
    /// durable commit on the same database carries it (both logs are written in
    /// order). For changes that matter only if a later, durable change follows.
    pub fn write_relaxed<T, E: From<SqlError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(Mode::Relaxed, f)
    }

    /// Runs `f` in a read-only transaction that sees one moment of the database
    /// whatever commits meanwhile, without holding writers back: SQLite's deferred
    /// transaction (its WAL snapshot, fixed at the first read), PostgreSQL's REPEATABLE
    /// READ. For backups, which read every table as of one instant.
    pub fn snapshot<T, E: From<SqlError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(Mode::Snapshot, f)
    }

    fn transaction<T, E: From<SqlError>>(
        &self,
        mode: Mode,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn()?;
        match &mut *conn {
            Conn::Sqlite(c) => {
                let relaxed = mode == Mode::Relaxed;
                if relaxed {
                    c.pragma_update(None, "synchronous", "NORMAL")
                        .map_err(SqlError::from)?;
                }
                let behavior = match mode {
                    Mode::Snapshot => rusqlite::TransactionBehavior::Deferred,
                    Mode::Durable | Mode::Relaxed => rusqlite::TransactionBehavior::Immediate,
                };
                let result = (|| {
                    let t = c
                        .transaction_with_behavior(behavior)
                        .map_err(SqlError::from)?;
                    let mut tx = Tx {
                        inner: TxInner::Sqlite(t),
                    };
                    let value = f(&mut tx)?;
                    if let TxInner::Sqlite(t) = tx.inner {
                        t.commit().map_err(SqlError::from)?;
                    }
                    Ok(value)
                })();
                if relaxed {
                    c.pragma_update(None, "synchronous", "FULL")
                        .map_err(SqlError::from)?;
                }
                result
            }
            Conn::Postgres(pg) => {
                let Pg { client, statements } = &mut **pg;
                let t = blocking(|| match mode {
                    Mode::Snapshot => client
                        .build_transaction()
                        .isolation_level(postgres::IsolationLevel::RepeatableRead)
                        .read_only(true)
                        .start(),
                    Mode::Durable | Mode::Relaxed => {
                        let mut t = client.transaction()?;
                        if mode == Mode::Relaxed {
                            t.batch_execute("SET LOCAL synchronous_commit TO OFF")?;
                        }
                        Ok::<_, postgres::Error>(t)
                    }
                })
                .map_err(SqlError::from)?;
                let mut tx = Tx {
                    inner: TxInner::Postgres(t, statements),
                };
                let value = f(&mut tx);
                let TxInner::Postgres(t, _) = tx.inner else {
                    return Err(SqlError::usage("the transaction changed database").into());
                };
                // Ended explicitly here: dropping one would block on the client's runtime.
                match value {
                    Ok(value) => {
                        blocking(move || t.commit()).map_err(SqlError::from)?;
                        Ok(value)
                    }
                    Err(e) => {
                        let _ = blocking(move || t.rollback());
                        Err(e)
                    }
                }
            }
            Conn::Closed => Err(closed().into()),
        }
    }

    /// Runs one statement in a transaction of its own.
    pub fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, SqlError> {
        self.conn()?.target()?.execute(sql, params)
    }

    /// Runs a query; returns every row.
    pub fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, SqlError> {
        self.conn()?.target()?.query(sql, params)
    }

    /// Runs a query; returns the first row, if any.
    pub fn query_opt(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, SqlError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Streams a query's rows to `each`, never holding them all.
    pub fn each<E: From<SqlError>>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        each: &mut dyn FnMut(Row) -> Result<(), E>,
    ) -> Result<(), E> {
        {
            let conn = self.conn()?;
            if let Conn::Sqlite(c) = &*conn {
                return sqlite_each(c, sql, params, each);
            }
        }
        // A portal lives in a transaction.
        self.write(|tx| tx.each(sql, params, each))
    }

    /// The SQLite connection, for what only SQLite has (blob I/O).
    pub fn with_sqlite<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, SqlError>,
    ) -> Option<Result<T, SqlError>> {
        match self.conn() {
            Err(e) => Some(Err(e)),
            Ok(conn) => match &*conn {
                Conn::Sqlite(c) => Some(f(c)),
                Conn::Postgres(_) | Conn::Closed => None,
            },
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // Closing a PostgreSQL client blocks on its runtime: not inside a tokio one.
        if let Conn::Postgres(pg) = std::mem::replace(self.conn.get_mut(), Conn::Closed) {
            blocking(move || drop(pg));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached statement comparing a parameter with an indexed column runs again
    /// with other values without being compiled again (see [`Db::open`]).
    #[test]
    fn a_cached_statement_is_not_compiled_again_for_each_value() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&Location::Sqlite(dir.path().join("t.sqlite"))).unwrap();
        db.write(|tx| {
            tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, handle TEXT)", &[])?;
            tx.execute("CREATE UNIQUE INDEX t_handle ON t (handle)", &[])?;
            tx.execute(
                "CREATE TABLE u (id INTEGER PRIMARY KEY, t INTEGER REFERENCES t (id))",
                &[],
            )?;
            tx.execute("INSERT INTO t (handle) VALUES ('a'), ('b'), ('c')", &[])?;
            Ok::<_, SqlError>(())
        })
        .unwrap();
        // A join, as the password lookup makes: alone, the table's lookup is not
        // compiled again.
        const SQL: &str = "SELECT t.id FROM t JOIN u ON u.t = t.id WHERE t.handle = ?1";
        for handle in ["a", "b", "c", "d"] {
            db.query_opt(SQL, crate::args![handle]).unwrap();
        }
        let conn = db.conn().unwrap();
        let Conn::Sqlite(c) = &*conn else {
            panic!("an SQLite connection")
        };
        let statement = c.prepare_cached(SQL).unwrap();
        assert_eq!(
            statement.get_status(rusqlite::StatementStatus::RePrepare),
            0
        );
    }
}
