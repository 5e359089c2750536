//! What went wrong in the database, sorted by what the caller can do about it, with
//! the client's own error kept as the source.

use crate::error::kind::ErrorKind;

/// What went wrong in the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// Busy beyond the timeout, full, unreachable, shut down or deadlocked: retry later.
    #[error("the database is unavailable")]
    Unavailable(#[source] Driver),
    /// A unique, check or foreign-key constraint refused the change.
    #[error("the database refused the change: {}", .0.constraint())]
    Constraint(#[source] Driver),
    /// A stored value does not have the shape this code reads: edited or damaged data.
    #[error("the database holds a value this code cannot read: {0}")]
    Corrupt(String),
    /// The store's configuration (its URL, its TLS files) cannot be used.
    #[error("{0}")]
    Config(String),
    /// Anything else the database or its client said.
    #[error("the database failed")]
    Other(#[source] Driver),
}

/// The database client's own error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Driver {
    /// rusqlite's.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL client's.
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
    /// SQLite's incremental blob I/O (large CRLs) failed.
    #[error("blob I/O")]
    Blob(#[source] std::io::Error),
    /// The code used the client wrongly: a connection closed or already in use, a
    /// column the query does not return.
    #[error("{0}")]
    Usage(String),
}

impl Driver {
    /// The text of a constraint failure, with the constraint's name where the database
    /// gives it (`UNIQUE constraint failed: certificates.subject_cn`,
    /// `duplicate key value violates unique constraint (ra_staff_person_key)`).
    pub fn constraint(&self) -> String {
        match self {
            Driver::Postgres(e) => match e.as_db_error() {
                Some(db) => match db.constraint() {
                    Some(c) => format!("{} ({c})", db.message()),
                    None => db.message().to_string(),
                },
                None => e.to_string(),
            },
            other => other.to_string(),
        }
    }
}

impl SqlError {
    /// What the error means for the caller.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SqlError::Unavailable(_) => ErrorKind::Unavailable,
            SqlError::Constraint(_) => ErrorKind::Conflict,
            SqlError::Corrupt(_) => ErrorKind::Corrupt,
            SqlError::Config(_) => ErrorKind::Invalid,
            SqlError::Other(_) => ErrorKind::Internal,
        }
    }

    /// The constraint's text if a constraint refused the change (to tell which one).
    pub fn constraint(&self) -> Option<String> {
        match self {
            SqlError::Constraint(d) => Some(d.constraint()),
            _ => None,
        }
    }

    /// The code used the client wrongly (see [`Driver::Usage`]).
    pub(super) fn usage(what: impl Into<String>) -> Self {
        SqlError::Other(Driver::Usage(what.into()))
    }
}

impl From<rusqlite::Error> for SqlError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::ConstraintViolation) => SqlError::Constraint(e.into()),
            Some(
                C::DatabaseBusy
                | C::DatabaseLocked
                | C::DiskFull
                | C::CannotOpen
                | C::SystemIoFailure
                | C::ReadOnly,
            ) => SqlError::Unavailable(e.into()),
            // The file is not a database, or its pages do not add up.
            Some(C::DatabaseCorrupt | C::NotADatabase) => {
                SqlError::Corrupt(format!("the SQLite file is damaged: {e}"))
            }
            _ => SqlError::Other(e.into()),
        }
    }
}

impl From<postgres::Error> for SqlError {
    fn from(e: postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            // No answer from the server: the connection broke or never opened.
            return SqlError::Unavailable(e.into());
        };
        match &db.code().code()[..2] {
            "23" => SqlError::Constraint(e.into()),
            // Connection, resources, lock timeout, operator intervention, serialization
            // and deadlock.
            "08" | "53" | "55" | "57" | "40" => SqlError::Unavailable(e.into()),
            _ if matches!(db.code().code(), "XX001" | "XX002") => {
                // data_corrupted, index_corrupted
                SqlError::Corrupt(format!("{} [{}]", db.message(), db.code().code()))
            }
            _ => SqlError::Other(e.into()),
        }
    }
}
