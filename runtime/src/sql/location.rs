//! Where a CA keeps its state: the directory's SQLite file or a PostgreSQL URL, read
//! from the text an operator writes (`sqlite`, `sqlite:PATH`, `postgres://...`).

use std::path::{Path, PathBuf};

use super::error::SqlError;

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
                    SqlError::Config(format!("the store URL is not a PostgreSQL URL: {e}"))
                })?;
            if config.get_password().is_some() {
                return Err(SqlError::Config(
                    "the store URL carries a password; remove it and set INKAN_STORE_PASSWORD"
                        .into(),
                ));
            }
            return Ok(Location::Postgres(text.to_string()));
        }
        Err(SqlError::Config(format!(
            "store URL `{text}`: expected `sqlite`, `sqlite:PATH` or `postgres://user@host/database`"
        )))
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
