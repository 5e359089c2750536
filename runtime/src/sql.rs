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
//!   `Unavailable` (the caller may retry), a broken constraint is `Constraint`, the
//!   rest is `Other`. A PostgreSQL connection that closed is reopened on next use.
//!
//! - **Async callers.** The PostgreSQL client blocks on a runtime of its own, which
//!   must not start or stop inside a tokio runtime; [`blocking`] moves each of its
//!   calls (and its drop) to a short-lived thread when the caller is inside one.
//!
//! Passwords never sit in a store URL: [`Location::parse`] refuses one, and the
//! PostgreSQL password comes from `INKAN_STORE_PASSWORD` (or the server's `pg_hba`
//! trusts the connection). With `INKAN_STORE_CA` (a PEM file) the connection is TLS,
//! required, and the server's certificate must chain to that CA and name the URL's host;
//! a URL with `sslmode=require` and no CA file is refused rather than left unverified.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// Where a CA keeps its state.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by URL (`postgres://user@host:port/database`).
    Postgres(String),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            Location::Postgres(url) => f.write_str(url),
        }
    }
}

impl Location {
    /// Reads a store URL: `sqlite` (the CA directory's `ca.sqlite`), `sqlite:PATH`
    /// (relative to `dir`), or `postgres://` / `postgresql://` URLs. A URL carrying a
    /// password is refused: it would be written to the configuration in clear.
    pub fn parse(text: &str, dir: &Path) -> Result<Location, SqlError> {
        let text = text.trim();
        if text == "sqlite" {
            return Ok(Location::Sqlite(dir.join("ca.sqlite")));
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            return Ok(Location::Sqlite(dir.join(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let config: postgres::Config = text
                .parse()
                // Not echoed: a malformed URL may still hold a password.
                .map_err(|e| {
                    SqlError::Other(format!("the store URL is not a PostgreSQL URL: {e}"))
                })?;
            if config.get_password().is_some() {
                return Err(SqlError::Other(
                    "the store URL carries a password; remove it and set INKAN_STORE_PASSWORD"
                        .into(),
                ));
            }
            return Ok(Location::Postgres(text.to_string()));
        }
        Err(SqlError::Other(format!(
            "store URL `{text}`: expected `sqlite`, `sqlite:PATH` or `postgres://user@host/database`"
        )))
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

/// What went wrong in the database.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SqlError {
    /// Busy beyond the timeout, full, unreachable, shut down or deadlocked: retry later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A unique, check or foreign-key constraint refused the change; the text names it.
    #[error("constraint: {0}")]
    Constraint(String),
    /// Anything else.
    #[error("database: {0}")]
    Other(String),
}

impl From<rusqlite::Error> for SqlError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::ConstraintViolation) => SqlError::Constraint(e.to_string()),
            Some(
                C::DatabaseBusy
                | C::DatabaseLocked
                | C::DiskFull
                | C::CannotOpen
                | C::SystemIoFailure
                | C::ReadOnly,
            ) => SqlError::Unavailable(e.to_string()),
            _ => SqlError::Other(e.to_string()),
        }
    }
}

impl From<postgres::Error> for SqlError {
    fn from(e: postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            // No answer from the server: the connection broke or never opened.
            return SqlError::Unavailable(e.to_string());
        };
        let code = db.code().code();
        let text = match db.constraint() {
            Some(c) => format!("{} ({c})", db.message()),
            None => db.message().to_string(),
        };
        match &code[..2] {
            "23" => SqlError::Constraint(text),
            // Connection, resources, lock timeout, operator intervention, serialization
            // and deadlock.
            "08" | "53" | "55" | "57" | "40" => SqlError::Unavailable(text),
            _ => SqlError::Other(format!("{text} [{code}]")),
        }
    }
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// NULL.
    Null,
    /// An integer (booleans are 0 and 1).
    Int(i64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<u8> for Param<'_> {
    fn from(v: u8) -> Self {
        Param::Int(i64::from(v))
    }
}
impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Int(i64::from(v))
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(v)
    }
}
impl<'a> From<&'a Vec<u8>> for Param<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Param::Blob(v)
    }
}
impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// Binds a list of values: `args![serial, now.unix()]`.
#[macro_export]
macro_rules! args {
    () => { &[] as &[$crate::sql::Param<'_>] };
    ($($v:expr),+ $(,)?) => { &[$($crate::sql::Param::from($v)),+][..] };
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Int(v) => ValueRef::Integer(v),
            Param::Text(s) => ValueRef::Text(s.as_bytes()),
            Param::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(v) => match *ty {
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Param::Text(s) => s.to_sql(ty, out),
            Param::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A value read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// NULL.
    Null,
    /// An integer or boolean.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT2 => Value::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::BOOL => Value::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::BYTEA => Value::Blob(Vec::from_sql(ty, raw)?),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    /// Column `i`, as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, SqlError> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| SqlError::Other(format!("no column {i}")))?;
        T::from_value(v).ok_or_else(|| SqlError::Other(format!("column {i} holds {v:?}")))
    }

    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        use rusqlite::types::ValueRef;
        let n = row.as_ref().column_count();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Text(v.to_string()),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        Ok(Row(out))
    }

    fn from_postgres(row: &postgres::Row) -> Result<Row, SqlError> {
        (0..row.len())
            .map(|i| row.try_get::<_, Value>(i).map_err(SqlError::from))
            .collect::<Result<_, _>>()
            .map(Row)
    }
}

/// A Rust type a column converts to.
pub trait FromValue: Sized {
    /// The conversion, `None` if the value does not fit.
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}
impl FromValue for u64 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u64::try_from(i).ok())
    }
}
impl FromValue for u8 {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).and_then(|i| u8::try_from(i).ok())
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        i64::from_value(v).map(|i| i != 0)
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// `?1` placeholders as PostgreSQL's `$1` (outside quoted text).
fn postgres_text(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// Runs `f` where the PostgreSQL client may block: right here, unless this thread is
/// inside a tokio runtime, where a runtime may not block or be dropped; then on a
/// scoped thread of its own, waited for.
fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

fn postgres_params<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// The statements prepared on one PostgreSQL connection, by their text: each is parsed
/// once per connection, then only bound and run (one round trip where an unprepared
/// statement takes two). SQLite's counterpart is rusqlite's `prepare_cached`.
type Statements = std::collections::HashMap<String, postgres::Statement>;

/// A PostgreSQL connection and its prepared statements.
struct Pg {
    client: postgres::Client,
    statements: Statements,
}

/// `sql`, prepared on `c` once.
fn prepared<C: postgres::GenericClient>(
    c: &mut C,
    statements: &mut Statements,
    sql: &str,
) -> Result<postgres::Statement, postgres::Error> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = c.prepare(&postgres_text(sql))?;
    statements.insert(sql.to_string(), s.clone());
    Ok(s)
}

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
    SqlError::Other("the connection is closed".into())
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

/// A stable 64-bit key for an advisory lock name (FNV-1a).
fn lock_key(name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
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

fn connect_postgres(url: &str) -> Result<postgres::Client, SqlError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| SqlError::Other(format!("store URL: {e}")))?;
    if let Ok(password) = std::env::var("INKAN_STORE_PASSWORD") {
        config.password(password);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    config.application_name("inkan");
    // Like SQLite's busy timeout: a lock held longer than this is an unavailable database.
    config.options("-c lock_timeout=10s");
    use postgres::config::SslMode;
    let ca = std::env::var_os("INKAN_STORE_CA");
    match (config.get_ssl_mode(), ca) {
        (SslMode::Disable, _) | (SslMode::Prefer, None) => Ok(config.connect(postgres::NoTls)?),
        (_, None) => Err(SqlError::Other(
            "the store URL asks for TLS: set INKAN_STORE_CA to the PEM file of the CA that signed the database server's certificate"
                .into(),
        )),
        (_, Some(ca)) => {
            // With a CA file TLS is required, never silently dropped, and the server's
            // certificate must chain to that CA and name the host in the URL.
            config.ssl_mode(SslMode::Require);
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(Path::new(&ca))?);
            Ok(config.connect(tls)?)
        }
    }
}

/// A TLS client that trusts only the certificates in the PEM file `ca`.
fn tls_config(ca: &Path) -> Result<rustls::ClientConfig, SqlError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let bad = |e: &dyn std::fmt::Display| {
        SqlError::Other(format!("INKAN_STORE_CA ({}): {e}", ca.display()))
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| bad(&e))? {
        roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
    }
    if roots.is_empty() {
        return Err(bad(&"no certificate in the file"));
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl Db {
    /// Connects (creating an SQLite file if needed) and sets the connection up.
    pub fn open(location: &Location) -> Result<Db, SqlError> {
        let conn = match location {
            Location::Sqlite(path) => {
                let c = rusqlite::Connection::open(path)?;
                c.busy_timeout(std::time::Duration::from_secs(10))?;
                c.execute_batch(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )?;
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
            .map_err(|_| SqlError::Other("the connection is already in use".into()))?;
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
        self.write(|tx| {
            tx.lock("inkan-migrations")?;
            tx.target().batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    component TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    PRIMARY KEY (component, version))",
            )?;
            for step in steps {
                let done = tx.query_opt(
                    "SELECT 1 FROM schema_migrations WHERE component = ?1 AND version = ?2",
                    args![component, step.version],
                )?;
                if done.is_none() {
                    let text = match tx.inner {
                        TxInner::Sqlite(_) => step.sqlite,
                        TxInner::Postgres(..) => step.postgres,
                    };
                    tx.target().batch(text)?;
                    tx.execute(
                        "INSERT INTO schema_migrations (component, version, name) VALUES (?1, ?2, ?3)",
                        args![component, step.version, step.name],
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
        self.transaction(false, f)
    }

    /// [`Db::write`] with a commit that need not reach the disk by itself: the next
    /// durable commit on the same database carries it (both logs are written in
    /// order). For changes that matter only if a later, durable change follows.
    pub fn write_relaxed<T, E: From<SqlError>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.transaction(true, f)
    }

    fn transaction<T, E: From<SqlError>>(
        &self,
        relaxed: bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn()?;
        match &mut *conn {
            Conn::Sqlite(c) => {
                if relaxed {
                    c.pragma_update(None, "synchronous", "NORMAL")
                        .map_err(SqlError::from)?;
                }
                let result = (|| {
                    let t = c
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
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
                let t = blocking(|| {
                    let mut t = client.transaction()?;
                    if relaxed {
                        t.batch_execute("SET LOCAL synchronous_commit TO OFF")?;
                    }
                    Ok::<_, postgres::Error>(t)
                })
                .map_err(SqlError::from)?;
                let mut tx = Tx {
                    inner: TxInner::Postgres(t, statements),
                };
                let value = f(&mut tx);
                let TxInner::Postgres(t, _) = tx.inner else {
                    return Err(SqlError::Other("transaction changed database".into()).into());
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

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            postgres_text("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b = $12"
        );
    }

    #[test]
    fn a_store_url_with_a_password_is_refused() {
        let dir = Path::new("/ca");
        assert!(Location::parse("postgres://inkan:secret@db/inkan", dir).is_err());
        assert_eq!(
            Location::parse("postgres://inkan@db/inkan", dir).ok(),
            Some(Location::Postgres("postgres://inkan@db/inkan".into()))
        );
        assert_eq!(
            Location::parse("sqlite", dir).ok(),
            Some(Location::Sqlite(dir.join("ca.sqlite")))
        );
        assert!(Location::parse("mysql://db", dir).is_err());
    }

    #[test]
    fn lock_keys_are_stable() {
        assert_eq!(lock_key("inkan-audit"), lock_key("inkan-audit"));
        assert_ne!(lock_key("inkan-audit"), lock_key("inkan-crl:ica"));
    }
}
